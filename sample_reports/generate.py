"""Regenerate the deterministic demo seat reports in sample_reports/ (run: python generate.py).

The billing and usage-metrics files beside them come from generate_billing.py and
generate_usage.py, run after this script (they read its seat reports).
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or imported

from sample_reports._api_files import write_api_files
from sample_reports._population import (
    BARE_SURFACES,
    IDE_FAMILIES,
    RETENTION,
    TIMESTAMP_FORMAT,
    UNSPECIFIED_SURFACE,
    SeatRow,
    Snapshot,
    SnapshotFacts,
    describe_snapshots,
    simulate_enterprise,
    simulate_org,
    simulate_population,
    surface_for,
)

__all__ = [  # the public API; the surface catalogue is re-exported for bench/
    "ACTIVITY_ENTERPRISE_HEADER",
    "ACTIVITY_ORG_HEADER",
    "BARE_SURFACES",
    "IDE_FAMILIES",
    "NONE",
    "NO_ACTIVITY",
    "RETENTION",
    "TIMESTAMP_FORMAT",
    "UNSPECIFIED_SURFACE",
    "USAGE_ENTERPRISE_HEADER",
    "USAGE_ORG_HEADER",
    "SeatRow",
    "Snapshot",
    "SnapshotFacts",
    "describe_snapshots",
    "format_timestamp",
    "generate_all",
    "report_file_name",
    "simulate_enterprise",
    "simulate_org",
    "simulate_population",
    "surface_for",
    "write_activity_report",
    "write_csv",
    "write_usage_report",
]

HERE = Path(__file__).resolve().parent
NONE = "None"
NO_ACTIVITY = "No activity"
NO_TEAM = "No team"
NO_ORGANIZATIONS = "No organizations"
ACTIVE = "Active"
PENDING = "Pending cancellation"
USAGE_ORG_HEADER = ("Login", "Status", "Team", "Last Usage Date", "Last Editor Used")
USAGE_ENTERPRISE_HEADER = ("Login", "Organizations", "Status", "Last Usage", "Last Editor Used")
ACTIVITY_ORG_HEADER = (
    "Report Time",
    "Login",
    "Last Authenticated At",
    "Last Activity At",
    "Last Surface Used",
)
ACTIVITY_ENTERPRISE_HEADER = (*ACTIVITY_ORG_HEADER, "Organization")
ORG_SLUG = "octo-demo"
ENTERPRISE_SLUG = "globex-ent"
ORG_USAGE_MONTHS = 5  # 2025-06 .. 2025-10 are old usage reports
ENTERPRISE_RECORDED = (0, 12, 13)  # 2025-10 usage; 2026-10 and 2026-11 activity


def write_csv(
    path: Path,
    header: Sequence[str],
    records: Iterable[Sequence[str]],
    *,
    delimiter: str = ",",
    newline: str = "\n",
    encoding: str = "utf-8",
    bom: bool = False,
) -> Path:
    """Write a CSV as GitHub does by default (comma, LF, no BOM, minimal quoting)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(
            handle, delimiter=delimiter, lineterminator=newline, quoting=csv.QUOTE_MINIMAL
        )
        writer.writerow(header)
        writer.writerows(records)
    return path


def format_timestamp(value: datetime | None) -> str:
    """Return a UTC `2026-03-28T06:54:33Z` timestamp, or the literal `None`."""
    return NONE if value is None else value.astimezone(UTC).strftime(TIMESTAMP_FORMAT)


def report_file_name(slug: str, kind: str, time: datetime) -> str:
    """Return GitHub's download name, e.g. `octo-demo-seat-activity-1764744873.csv`."""
    return f"{slug}-seat-{kind}-{int(time.timestamp())}.csv"


def activity_cells(
    row: SeatRow, report_time: datetime, enterprise: bool, retention: timedelta | None
) -> list[str]:
    """Return one activity-report record, applying GitHub's 90-day rule when asked."""
    activity, surface = row.last_activity_at, row.last_surface
    if activity is not None and retention is not None and report_time - activity > retention:
        activity, surface = None, None
    cells = [
        format_timestamp(report_time),
        row.login,
        format_timestamp(row.last_authenticated_at),
        format_timestamp(activity),
        NONE if activity is None or surface is None else surface,
    ]
    return [*cells, row.organization] if enterprise else cells


def write_activity_report(
    path: Path,
    report_time: datetime,
    rows: Iterable[SeatRow],
    enterprise: bool = False,
    *,
    retention: timedelta | None = RETENTION,
) -> Path:
    """Write a new-style activity report (org, or enterprise with one row per user and org)."""
    header = ACTIVITY_ENTERPRISE_HEADER if enterprise else ACTIVITY_ORG_HEADER
    records = [activity_cells(row, report_time, enterprise, retention) for row in rows]
    return write_csv(path, header, records)


def _status(pending: date | None) -> str:
    """Return a usage-report Status cell."""
    return ACTIVE if pending is None else f"{PENDING} {pending.isoformat()}"


def _usage_tail(activity: datetime | None, surface: str | None) -> list[str]:
    """Return the usage-report last-usage date and editor cells."""
    if activity is None:
        return [NO_ACTIVITY, NO_ACTIVITY]
    return [activity.astimezone(UTC).date().isoformat(), surface or NO_ACTIVITY]


def _enterprise_usage_records(rows: Iterable[SeatRow]) -> list[list[str]]:
    """Fold seat rows into one record per user, orgs joined by ", " in one cell."""
    by_login: dict[str, list[SeatRow]] = {}
    for row in rows:
        by_login.setdefault(row.login.casefold(), []).append(row)
    records = []
    for key in sorted(by_login):
        seats = by_login[key]
        orgs = sorted(row.organization for row in seats if row.organization)
        active = [row for row in seats if row.last_activity_at is not None]
        last = max(
            active, key=lambda row: row.last_activity_at or datetime.min, default=SeatRow("")
        )
        pendings = [row.pending_cancellation for row in seats]
        pending = max(d for d in pendings if d) if all(pendings) else None
        tail = _usage_tail(last.last_activity_at, last.last_surface)
        records.append(
            [seats[0].login, ", ".join(orgs) or NO_ORGANIZATIONS, _status(pending), *tail]
        )
    return records


def write_usage_report(path: Path, rows: Iterable[SeatRow], enterprise: bool = False) -> Path:
    """Write an old-style usage report (day-precision dates; no time inside the file)."""
    if enterprise:
        return write_csv(path, USAGE_ENTERPRISE_HEADER, _enterprise_usage_records(rows))
    records = [
        [
            row.login,
            _status(row.pending_cancellation),
            row.team or NO_TEAM,
            *_usage_tail(row.last_activity_at, row.last_surface),
        ]
        for row in rows
    ]
    return write_csv(path, USAGE_ORG_HEADER, records)


def write_org_reports(out: Path, snapshots: list[Snapshot]) -> list[Path]:
    """Write the octo-demo history plus a browser re-download of the newest file."""
    paths = []
    for index, (time, rows) in enumerate(snapshots):
        if index < ORG_USAGE_MONTHS:
            paths.append(write_usage_report(out / report_file_name(ORG_SLUG, "usage", time), rows))
        else:
            name = report_file_name(ORG_SLUG, "activity", time)
            paths.append(write_activity_report(out / name, time, rows))
    newest = paths[-1]
    duplicate = newest.with_name(f"{newest.stem} (1).csv")
    shutil.copyfile(newest, duplicate)
    return [*paths, duplicate]


def write_enterprise_reports(out: Path, snapshots: list[Snapshot]) -> list[Path]:
    """Write the globex-ent usage report of 2025-10 and activity reports of 2026-10/11."""
    first, *later = (snapshots[i] for i in ENTERPRISE_RECORDED)
    name = report_file_name(ENTERPRISE_SLUG, "usage", first.time)
    paths = [write_usage_report(out / name, first.rows, enterprise=True)]
    for time, rows in later:
        name = report_file_name(ENTERPRISE_SLUG, "activity", time)
        paths.append(write_activity_report(out / name, time, rows, enterprise=True))
    return paths


def write_resaved(out: Path, newest_activity: Path, last_usage: Path) -> list[Path]:
    """Write the two spreadsheet re-saves: `;` + BOM + CRLF, and UTF-16 LE + tabs."""
    paths = []
    for source, sep, enc in ((newest_activity, ";", "utf-8"), (last_usage, "\t", "utf-16-le")):
        with source.open(encoding="utf-8", newline="") as handle:
            header, *rows = list(csv.reader(handle))
        target = out / "resaved" / source.name
        write_csv(target, header, rows, delimiter=sep, newline="\r\n", encoding=enc, bom=True)
        paths.append(target)
    return paths


BAD_TIME = "2026-03-28T06:54:33Z"
BAD_ROWS = (  # a tiny valid org activity report the broken files start from
    [
        BAD_TIME,
        "alice",
        "2026-03-27T10:02:11Z",
        "2026-03-27T09:58:40Z",
        "vscode/1.104.1/copilot-chat/0.31.2",
    ],
    [
        BAD_TIME,
        "BOB42",
        "2026-03-20T08:00:00Z",
        "2026-03-19T17:21:05Z",
        "JetBrains-IC/251.26927.53/copilot-intellij/1.5.52-243",
    ],
    [BAD_TIME, "carol-m", "2026-03-26T11:45:00Z", "2026-03-26T11:40:19Z", "copilot-cli"],
    [BAD_TIME, "Dave-Ops", "2026-03-25T07:30:00Z", NONE, NONE],
)
USAGE_ROWS = (
    ["alice", ACTIVE, "Platform, Infra", "2025-10-01", "vscode/1.104.1/copilot-chat/0.31.2"],
    ["BOB42", ACTIVE, NO_TEAM, "2025-09-30", "copilot_pr_review"],
    ["carol-m", ACTIVE, "backend", NO_ACTIVITY, NO_ACTIVITY],
)
BILLING_HEADER = (  # GitHub's billing usage report: not a seat report
    "date,product,sku,quantity,unit_type,applied_cost_per_quantity,gross_amount,"
    "discount_amount,net_amount,username,organization,repository,workflow_path,cost_center_name"
)
BAD_README = """# Broken and foreign files

Each file is named for what is wrong with it (generated by `../generate.py`). Lines are 1-based
file lines, the header being line 1; line 1 for a file that is wrong as a whole.

| file | what is wrong | line |
|---|---|---|
"""
BAD_FILES: tuple[tuple[str, str, str], ...] = (  # file, what is wrong, line
    ("bad-timestamp.csv", "`Last Activity At` is `2026-13-45T99:00:00Z`", "4"),
    ("empty-login.csv", "`Login` is empty", "3"),
    ("missing-column.csv", "activity header without `Last Activity At`", "1"),
    ("mixed-report-times.csv", "`Report Time` differs from the other rows", "5"),
    ("unknown-status.csv", "usage report `Status` is `Suspended`", "3"),
    (
        "billing-usage-report.csv",
        "GitHub's billing usage CSV, not a seat report (the seat reader refuses it; `ingest` "
        "stores it as a billing file)",
        "1",
    ),
    ("usage-metrics.ndjson", "per-user daily usage-metrics NDJSON, not a seat report", "1"),
    ("empty.csv", "0 bytes: no header at all", "1"),
    ("header-only.csv", "activity header and no rows: a report of zero seats", "1"),
    ("picture-renamed.csv", "a PNG picture renamed to .csv", "1"),
    ("workbook-renamed.csv", "a zip/xlsx workbook (`PK\\x03\\x04`) renamed to .csv", "1"),
    ("not-utf8.csv", "cp1252 byte 0xE9 in the login `josé-dev`, not UTF-8", "3"),
    ("cut-short.csv", "a download cut off in its last row: 3 fields of 5", "5"),
    (
        "ambiguous-dates-resaved.csv",
        "usage report re-saved by Excel (BOM, CRLF); dates like `3/4/2025` with both "
        "numbers <= 12, so day/month order cannot be told",
        "2",
    ),
    ("duplicate-login.csv", "`alice` and `Alice` are the same login (a warning only)", "2, 5"),
)


def _tiny_png() -> bytes:
    """Return a valid 1x1 grey PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        """Return one PNG chunk: length, type, data, CRC."""
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x80", 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _tiny_workbook(path: Path) -> None:
    """Write a minimal zip that looks like an .xlsx, with fixed timestamps."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, root in (("[Content_Types].xml", "Types"), ("xl/workbook.xml", "workbook")):
            text = f'<?xml version="1.0" encoding="UTF-8"?><{root}/>'
            archive.writestr(zipfile.ZipInfo(name, (2026, 3, 28, 6, 54, 32)), text)


def _not_seat_reports(bad: Path) -> None:
    """Write the Copilot files that are not seat reports."""
    billing = BILLING_HEADER.split(",")
    cost = "19,0.6129032255,0,0.6129032255"
    rows = [
        f"2026-03-0{day},copilot,copilot_business,0.0322580645,user-months,{cost},{user},,,,".split(
            ","
        )
        for day in (1, 2)
        for user in ("alice", "BOB42")
    ]
    write_csv(bad / "billing-usage-report.csv", billing, rows)
    metrics = [
        {
            "day": f"2026-03-{day:02d}",
            "enterprise_id": "4321",
            "user_id": 583231,
            "user_login": "alice",
            "user_initiated_interaction_count": count,
            "code_generation_activity_count": count * 3,
            "code_acceptance_activity_count": count,
            "used_agent": False,
            "used_chat": True,
            "totals_by_ide": [{"ide": "vscode", "user_initiated_interaction_count": count}],
            "totals_by_feature": [{"feature": "chat_panel_ask_mode", "interaction_count": count}],
        }
        for day, count in ((26, 14), (27, 9))
    ]
    text = "".join(json.dumps(item) + "\n" for item in metrics)
    (bad / "usage-metrics.ndjson").write_text(text, encoding="utf-8", newline="\n")


def write_bad_files(out: Path) -> list[Path]:
    """Write sample_reports/bad/: small broken or foreign files, and their README table."""
    bad = out / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    rows = [list(row) for row in BAD_ROWS]
    header = ACTIVITY_ORG_HEADER
    write_csv(
        bad / "bad-timestamp.csv",
        header,
        [*rows[:2], [*rows[2][:3], "2026-13-45T99:00:00Z", rows[2][4]], rows[3]],
    )
    write_csv(bad / "empty-login.csv", header, [rows[0], [BAD_TIME, "", *rows[1][2:]], *rows[2:]])
    write_csv(
        bad / "missing-column.csv",
        [c for c in header if c != "Last Activity At"],
        [r[:3] + r[4:] for r in rows],
    )
    write_csv(
        bad / "mixed-report-times.csv", header, [*rows[:3], ["2026-02-27T05:10:02Z", *rows[3][1:]]]
    )
    usage = [list(row) for row in USAGE_ROWS]
    usage[1][1] = "Suspended"
    write_csv(bad / "unknown-status.csv", USAGE_ORG_HEADER, usage)
    _not_seat_reports(bad)
    (bad / "empty.csv").write_bytes(b"")
    write_csv(bad / "header-only.csv", header, [])
    (bad / "picture-renamed.csv").write_bytes(_tiny_png())
    _tiny_workbook(bad / "workbook-renamed.csv")
    latin = [rows[0], [BAD_TIME, "josé-dev", *rows[1][2:]], *rows[2:]]
    write_csv(bad / "not-utf8.csv", header, latin, encoding="cp1252")
    dates = ["3/4/2025", "10/9/2025", "6/7/2025"]
    resaved = [[*row[:3], day, row[4]] for row, day in zip(USAGE_ROWS, dates, strict=True)]
    write_csv(
        bad / "ambiguous-dates-resaved.csv", USAGE_ORG_HEADER, resaved, newline="\r\n", bom=True
    )
    full = write_csv(bad / "cut-short.csv", header, rows).read_text(encoding="utf-8")
    last = full.rstrip("\n").rsplit("\n", 1)[1]  # cut off after two fields and "20"
    cut = full[: full.rindex(last)] + ",".join(last.split(",")[:2]) + ",20"
    (bad / "cut-short.csv").write_text(cut, encoding="utf-8", newline="\n")
    write_csv(bad / "duplicate-login.csv", header, [*rows[:3], [BAD_TIME, "Alice", *rows[0][2:]]])
    table = "".join(f"| `{name}` | {what} | {line} |\n" for name, what, line in BAD_FILES)
    (bad / "README.md").write_text(BAD_README + table, encoding="utf-8", newline="\n")
    return sorted(bad.iterdir())


def clean_generated(out: Path) -> None:
    """Remove files a previous run wrote, so renamed outputs do not linger."""
    for folder in (out, out / "resaved"):
        for path in sorted(folder.glob("*-seat-*.csv")):
            path.unlink()
    for folder in (out / "api", out / "bad"):
        if folder.is_dir():
            shutil.rmtree(folder)


def generate_all(out: Path = HERE) -> list[Path]:
    """Regenerate every demo file under `out` and return their paths."""
    clean_generated(out)
    org = simulate_org()
    org_paths = write_org_reports(out, org)
    enterprise = write_enterprise_reports(out, simulate_enterprise())
    resaved = write_resaved(out, org_paths[-2], org_paths[ORG_USAGE_MONTHS - 1])
    return org_paths + enterprise + resaved + write_api_files(out) + write_bad_files(out)


def main(argv: list[str] | None = None) -> int:
    """Regenerate the demo files and print what was written."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    args = parser.parse_args(argv)
    paths = generate_all(args.out)
    for facts in describe_snapshots(simulate_org()):
        print(
            f"{ORG_SLUG} {facts.time:%Y-%m-%d}: {facts.seats} seats, {facts.never_active} never "
            f"active, {facts.dormant} dormant, {facts.returners} returners, {facts.pending} pending"
        )
    size = sum(path.stat().st_size for path in paths)
    print(f"wrote {len(paths)} files ({size / 1e6:.1f} MB) under {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
