"""Billing and usage tables carry their period and scope; `rebuild` upgrades an older store."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner, Result

from analyzer.billing_schema import LICENSE_TIME, PERIOD_COLUMNS, TABLE_OF_KIND
from analyzer.cli import main
from analyzer.fsutil import file_sha256
from analyzer.reading.usage_schema import PART_COLUMNS
from analyzer.store.billing import billing_files
from analyzer.store.manifests import write_body
from analyzer.store.usage import UsageStore
from tests.paths import SAMPLES

NEW_COLUMNS = {*PERIOD_COLUMNS, *PART_COLUMNS, LICENSE_TIME}
# The answers read from the tables, as JSON, before and after the tables are made older.
ANSWERS = (
    ("bill", "--scope", "octo-demo", "--month", "2026-10", "--json"),
    ("usage", "--scope", "octo-demo", "--month", "2026-10", "--json"),
)


def run(*args: str | Path) -> Result:
    """Run the CLI with string arguments."""
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return the demo store: seat reports, billing and usage-metrics files."""
    store = tmp_path_factory.mktemp("columns") / "store"
    assert run("ingest", SAMPLES, "--store", store, "-q").exit_code == 0
    return store


def answers(store: Path) -> list[dict[str, object]]:
    """Return the JSON answers of ANSWERS on a store."""
    out = []
    for args in ANSWERS:
        result = run(*args, "--store", store)
        assert result.exit_code == 0, result.output
        out.append(json.loads(result.stdout))
    return out


def test_every_billing_and_usage_table_carries_its_period_and_scope(built: Path) -> None:
    """Each billing table has its file's period (a licence its time), each usage table its scope."""
    files = billing_files(built)
    assert {TABLE_OF_KIND[f.kind] for f in files} == {"usage", "ai", "license"}
    for item in files:
        frame = pl.read_parquet(built / item.parquet)
        if TABLE_OF_KIND[item.kind] == "license":
            assert item.as_of is not None
            assert frame[LICENSE_TIME].unique().to_list() == [item.as_of]
            continue
        start, end = PERIOD_COLUMNS
        assert frame[start].unique().to_list() == [item.first_day], item.id
        assert frame[end].unique().to_list() == [item.last_day], item.id
        assert frame["date"].min() == item.first_day and frame["date"].max() == item.last_day
    parts = UsageStore(built).parts()
    assert {p.scope for p in parts} >= {"octo-demo"} and len(parts) >= 5
    for part in parts:
        for rel in part.parquet.values():
            frame = pl.read_parquet(built / rel)
            found = frame.select(PART_COLUMNS).unique().rows()
            want = (
                part.scope,
                date.fromisoformat(part.first_day),
                date.fromisoformat(part.last_day),
            )
            assert found == [want], rel


def _make_older(store: Path, rel: str, manifest: str) -> None:
    """Rewrite one table without the new columns, recording its sha256 as an older version did."""
    path = store / rel
    before = file_sha256(path)
    frame = pl.read_parquet(path)
    frame.drop([c for c in frame.columns if c in NEW_COLUMNS]).write_parquet(path)
    body = json.loads((store / manifest).read_text(encoding="utf-8"))
    write_body(store, manifest, json.loads(json.dumps(body).replace(before, file_sha256(path))))


def test_rebuild_upgrades_tables_written_before_the_columns(built: Path, tmp_path: Path) -> None:
    """Older billing and usage tables read the same; `rebuild` writes the columns into them."""
    store = tmp_path / "store"
    shutil.copytree(built, store)
    want = answers(store)
    detailed = next(f for f in billing_files(store) if f.kind == "metered-usage-detailed")
    licence = next(f for f in billing_files(store) if TABLE_OF_KIND[f.kind] == "license")
    days = next(p for p in UsageStore(store).parts() if "days" in p.parquet).parquet["days"]
    older = [detailed.parquet, licence.parquet, days]
    for rel in older[:2]:
        _make_older(store, rel, "billing.json")
    _make_older(store, days, "usage/manifest.json")
    for rel in older:
        assert not NEW_COLUMNS & set(pl.read_parquet_schema(store / rel)), rel
    verify = run("verify", "--store", store)
    assert verify.exit_code == 0, verify.output
    assert answers(store) == want

    assert run("rebuild", "--store", store).exit_code == 0
    for rel in older:
        assert NEW_COLUMNS & set(pl.read_parquet_schema(store / rel)), rel
    start, end = PERIOD_COLUMNS
    upgraded = pl.read_parquet(store / detailed.parquet)
    assert upgraded[start].unique().to_list() == [detailed.first_day]
    assert upgraded[end].unique().to_list() == [detailed.last_day]
    assert pl.read_parquet(store / licence.parquet)[LICENSE_TIME].to_list()[0] == licence.as_of
    assert set(pl.read_parquet(store / days)["scope"]) == {"octo-demo"}
    assert answers(store) == want


def test_every_snapshot_carries_its_scope_and_report_time(built: Path) -> None:
    """Each snapshot file has `scope` and `report_time` (its `snapshot_at`) on every row."""
    from analyzer.store.folder import Store

    infos = Store(built).snapshots()
    assert infos
    for info in infos:
        frame = pl.read_parquet(
            built / info.parquet, columns=["scope", "snapshot_at", "report_time"]
        )
        assert frame["scope"].unique().to_list() == [info.scope]
        assert frame["report_time"].to_list() == frame["snapshot_at"].to_list()
        assert frame["report_time"].unique().to_list() == [info.as_of]


def test_a_snapshot_written_before_the_report_time_column_reads_and_is_upgraded(
    built: Path, tmp_path: Path
) -> None:
    """An older snapshot file (no `report_time`) gives the same status; rebuild adds it."""
    from analyzer.store.folder import Store

    store = tmp_path / "store"
    shutil.copytree(built, store)
    before = run("status", "--scope", "octo-demo", "--json", "--store", store).stdout
    info = Store(store).snapshots()[-1]
    part = store / info.parquet
    pl.read_parquet(part).drop("report_time").write_parquet(part)
    manifest = json.loads((store / "manifest.json").read_text(encoding="utf-8"))
    manifest["snapshots"][-1]["parquet_sha256"] = file_sha256(part)
    write_body(store, "manifest.json", manifest)  # (sealed again)
    assert "report_time" not in pl.read_parquet_schema(part)
    assert run("status", "--scope", "octo-demo", "--json", "--store", store).stdout == before
    assert run("rebuild", "--store", store).exit_code == 0
    upgraded = Store(store).snapshots()[-1]
    assert "report_time" in pl.read_parquet_schema(store / upgraded.parquet)
    assert run("status", "--scope", "octo-demo", "--json", "--store", store).stdout == before
