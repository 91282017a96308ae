"""The store as an open dataset: DuckDB alone reads it and finds the figures the tool prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main

duckdb = pytest.importorskip(
    "duckdb", reason="duckdb is a test-only dependency: pip install -e '.[test]'"
)

# The recipe of docs/store-schema.md: scope and report time from the columns, and again from
# the file name (snapshots/<scope>/<YYYYMMDDTHHMMSSZ>-<sha12>.parquet).
SEATS_PER_SNAPSHOT = """
SELECT scope,
       snapshot_at,
       regexp_extract(filename, 'snapshots/([^/]+)/[^/]+$', 1) AS folder_scope,
       strptime(regexp_extract(filename, '/(\\d{8}T\\d{6}Z)-[0-9a-f]{12}\\.parquet$', 1),
                '%Y%m%dT%H%M%SZ') AS name_time,
       count(DISTINCT login) AS seats
FROM read_parquet($glob, filename = true)
GROUP BY ALL
ORDER BY scope, snapshot_at
"""


@pytest.fixture(scope="module")
def store(demo_store: Path) -> Path:
    """Return the demo store with every file family: seat reports, billing, usage metrics."""
    return demo_store  # built once per test process (tests/conftest.py), read only here


def test_duckdb_finds_the_seat_count_of_every_snapshot(store: Path) -> None:
    """Per snapshot, DuckDB's distinct logins equal the tool's seats (`history --json`, each
    row the figures `status --at` gives for that snapshot); names agree."""
    glob = str(store / "snapshots" / "*" / "*.parquet")
    found = duckdb.connect().execute(SEATS_PER_SNAPSHOT, {"glob": glob}).fetchall()
    listed = json.loads(
        CliRunner().invoke(main, ["snapshots", "--store", str(store), "--json"]).stdout
    )["snapshots"]
    assert len(found) == len(listed) == 21
    seats_at = {}
    for scope in {s["scope"] for s in listed}:
        args = ["history", "--store", str(store), "--scope", scope, "--json"]
        rows = json.loads(CliRunner().invoke(main, args).stdout)["rows"]
        seats_at |= {(scope, row["as_of"]): row["seats"] for row in rows}
    assert len(seats_at) == 21
    for (scope, at, folder_scope, name_time, seats), snapshot in zip(found, listed, strict=True):
        assert (scope, folder_scope) == (snapshot["scope"], snapshot["scope"])
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert stamp == name_time.strftime("%Y-%m-%dT%H:%M:%SZ") == snapshot["as_of"]
        assert seats_at[scope, stamp] == seats
    latest = json.loads(  # and the latest snapshot's seats are what `status` says
        CliRunner().invoke(main, ["status", "--store", str(store), "--json"]).stdout
    )["scopes"]
    assert {(s["scope"], s["as_of"], s["seats"]) for s in latest} <= {
        (scope, at.strftime("%Y-%m-%dT%H:%M:%SZ"), seats) for scope, at, _, _, seats in found
    }


def test_duckdb_reads_the_manifest_and_the_bill(store: Path) -> None:
    """The manifest lists the same files; the usage report's Copilot net is `bill`'s total."""
    con = duckdb.connect()
    manifest = str(store / "manifest.json")
    listed = con.execute(
        "SELECT count(*), sum(seats) FROM "
        "(SELECT unnest(snapshots, recursive := true) FROM read_json_auto($m))",
        {"m": manifest},
    ).fetchone()
    assert listed is not None and listed[0] == 21
    usage = str(store / "billing" / "metered-usage-detailed" / "*.parquet")
    total = con.execute(
        "SELECT round(sum(net_amount), 2) FROM read_parquet($g) "
        "WHERE product = 'copilot' AND date BETWEEN DATE '2026-10-01' AND DATE '2026-10-31'",
        {"g": usage},
    ).fetchone()
    args = ["bill", "--store", str(store), "--scope", "octo-demo", "--month", "2026-10", "--json"]
    bill = json.loads(CliRunner().invoke(main, args).stdout)
    assert total is not None and float(total[0]) == bill["total_billed"]


def test_the_schema_page_names_every_column_the_store_writes(store: Path) -> None:
    """docs/store-schema.md names every column of every Parquet file of the demo store."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "store-schema.md").read_text()
    files = [p for p in store.rglob("*.parquet") if "originals" not in p.parts]
    assert {p.relative_to(store).parts[0] for p in files} == {
        "snapshots",
        "billing",
        "usage",
        "derived",
    }
    con = duckdb.connect()
    for path in files:
        columns = con.execute(
            "DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)}
        ).fetchall()
        for name, *_ in columns:
            shown = "surface_<surface>" if name.startswith("surface_") else name
            assert f"`{shown}`" in doc, (path.relative_to(store), name)


def test_the_period_and_scope_recipes_agree_with_the_manifests_and_paths(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/store-schema.md's billing periods are billing.json's; its usage scope, the folder's."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "store-schema.md").read_text()
    block = next(b for b in doc.split("```sql\n") if "period_start, period_end" in b)
    periods_sql, days_sql = block.split("```")[0].split(";\n")[1:3]
    monkeypatch.chdir(store.parent)  # the queries read copilot-history/...
    con = duckdb.connect()
    periods = [(a.isoformat(), b.isoformat()) for a, b, _ in con.execute(periods_sql).fetchall()]
    billing = json.loads((store / "billing.json").read_text(encoding="utf-8"))["files"]
    listed = {(f["first_day"], f["last_day"]) for f in billing if "metered" in f["kind"]}
    assert periods and sorted(periods) == sorted(listed)
    days = con.execute(days_sql).fetchall()
    path_sql = days_sql.replace(
        "SELECT scope,", "SELECT regexp_extract(filename, 'usage/([^/]+)/', 1) AS scope,"
    ).replace("-days.parquet')", "-days.parquet', filename = true)")
    assert path_sql.count("filename") == 2
    by_path = con.execute(path_sql).fetchall()
    assert len(days) > 10 and days == by_path


@pytest.mark.parametrize("scope", ["octo-demo", "globex-ent"])
def test_the_reclaim_query_of_the_scale_page_is_reclaim(
    store: Path, scope: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/scale.md's SQL finds exactly `reclaim --json`'s candidates and savings."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scale.md").read_text()
    sql = doc.split("```sql\n")[1].split("```")[0].replace("'octo-demo'", f"'{scope}'")
    monkeypatch.chdir(store.parent)  # the query reads copilot-history/...
    rows = duckdb.connect().execute(sql).fetchall()
    args = ["reclaim", "--store", str(store), "--scope", scope, "--json"]
    reclaim = json.loads(CliRunner().invoke(main, args).stdout)
    assert sorted(r[0] for r in rows) == sorted(c["login"].lower() for c in reclaim["candidates"])
    assert sum(r[-1] for r in rows) == reclaim["potential_monthly_savings"]
    assert len(rows) == {"octo-demo": 84, "globex-ent": 26}[scope]
