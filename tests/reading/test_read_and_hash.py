"""A large input file is hashed while it is read; the sha256 is always that of the bytes read."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from analyzer.reading import ahead as ingest_ahead


@pytest.mark.parametrize("apart", [0, 1 << 40])
def test_the_sha256_is_that_of_the_bytes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, apart: int
) -> None:
    """Hashed apart (large file) or after the read (small file), the digest is the bytes'."""
    monkeypatch.setattr(ingest_ahead, "HASH_APART_BYTES", apart)
    path = tmp_path / "usageReport_1_ab.csv"
    path.write_bytes(b"date,product\n" * 1000)
    loaded = ingest_ahead.load(path, 1 << 30)
    assert loaded.data == path.read_bytes()
    assert loaded.sha256 == hashlib.sha256(loaded.data).hexdigest()


def test_a_file_written_while_it_is_hashed_is_hashed_from_the_bytes_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the file's status moves during the reads, the worker's digest is not trusted."""
    monkeypatch.setattr(ingest_ahead, "HASH_APART_BYTES", 0)
    path = tmp_path / "usageReport_1_ab.csv"
    path.write_bytes(b"date,product\n" * 1000)

    def written_meanwhile(file: Path) -> str:
        stat = file.stat()
        os.utime(file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        return "0" * 64  # (what a hash of other bytes would give)

    monkeypatch.setattr(ingest_ahead, "file_sha256", written_meanwhile)
    loaded = ingest_ahead.load(path, 1 << 30)
    assert loaded.sha256 == hashlib.sha256(loaded.data).hexdigest()
