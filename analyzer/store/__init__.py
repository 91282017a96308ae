"""The history folder: kept originals, snapshot Parquet files, manifest, lock, ingest, rebuild."""
