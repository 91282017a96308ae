"""Write the deterministic demo billing files beside the seat reports in sample_reports/.

Run `python sample_reports/generate_billing.py` after `generate.py` (it reads the seat reports;
`--out DIR` reads and writes DIR instead).

They bill octo-demo for 2026-10 as its seat reports (2026-09-03, 2026-10-03, 2026-11-03)
predict, with a few anomalies the `bill` command should find: a login billed but never
seated, a seated login not billed, one billed for too few days, and a seated login missing
from the licence report. Also an AI usage report for the month and a premium request report
for May 2026 (before AI credits).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analyzer.billing_schema import (  # noqa: E402
    AI_USAGE_HEADER,
    PREMIUM_REQUEST_HEADER,
    USAGE_DETAILED_HEADER,
    github_csv,
)
from analyzer.reading.reader import read_report  # noqa: E402

HERE = Path(__file__).resolve().parent
# What a previous run wrote: removed first, so a renamed file does not linger.
WRITTEN = ("usageReport_*.csv", "aiUsageReport_*.csv", "premiumRequestUsageReport_*.csv")
WRITTEN_LICENCE = "export-octo-demo-*.csv"
ORG = "octo-demo"
MODELS = ("Auto: GPT-5.3-Codex", "Claude Sonnet 4.6", "Code Review model", "Coding Agent model")


def _logins(folder: Path, name: str) -> list[str]:
    parsed = read_report(name, (folder / name).read_bytes())
    assert parsed.seats is not None, name
    return sorted(set(parsed.seats["login"].to_list()))


def _num(value: float) -> str:
    return f"{value:.9g}"


def usage_rows(sep: list[str], oct_: list[str], nov: list[str]) -> list[list[str]]:
    """Return the detailed usage report rows of 2026-10, anomalies included."""
    days = [date(2026, 10, 1) + timedelta(days=i) for i in range(31)]
    before, during, after = set(sep), set(oct_), set(nov)
    start: dict[str, int] = {}
    for login in sorted(during):
        start[login] = 1  # in the October snapshot: seated on the 1st (or added in September)
    for login in sorted(after - during):
        start[login] = 17  # added between the October and November snapshots: on the 17th
    del before
    unbilled = sorted(during)[5]
    short = sorted(during)[9]
    del start[unbilled]
    start[short] = 20  # billed from the 20th though seated all month
    start["ghost-contractor"] = 1  # billed, in no seat report
    rows: list[list[str]] = []
    for day in days:
        fraction = 1 / 31
        for login, first in sorted(start.items()):
            if day.day >= first:
                cost = 19 * fraction
                rows.append(
                    [
                        day.isoformat(),
                        "copilot",
                        "copilot_for_business",
                        _num(fraction),
                        "user-months",
                        "19",
                        _num(cost),
                        "0",
                        _num(cost),
                        login,
                        ORG,
                        "",
                        "",
                        "platform" if login < "m" else "apps",
                    ]
                )
        rows.append(
            [
                day.isoformat(),
                "copilot",
                "copilot_ai_credit",
                "0",
                "ai-credits",
                "0.01",
                "0",
                "0",
                "0",
                "",
                ORG,
                "",
                "",
                "",
            ]
        )
        rows.append(
            [
                day.isoformat(),
                "actions",
                "actions_linux",
                "412",
                "minutes",
                "0.008",
                "3.296",
                "3.296",
                "0",
                "",
                ORG,
                "octo-demo/web",
                ".github/workflows/ci.yml",
                "",
            ]
        )
    return rows


def ai_rows(users: list[str], rng: random.Random) -> list[list[str]]:
    """Return the AI usage report rows of 2026-10 (a few users, a few models)."""
    rows: list[list[str]] = []
    for day in (date(2026, 10, 1) + timedelta(days=i) for i in range(31)):
        if day.weekday() >= 5:
            continue
        for login in users:
            if rng.random() < 0.5:
                continue
            model = rng.choice(MODELS)
            credits = round(rng.uniform(50, 900) * (8 if login == users[0] else 1), 5)
            rows.append(
                [
                    day.isoformat(),
                    login,
                    "copilot",
                    "copilot_ai_credit",
                    model,
                    _num(credits),
                    "ai-credits",
                    "0.01",
                    _num(credits / 100),
                    _num(credits / 100),
                    "0",
                    "1900",
                    ORG,
                    "",
                    "",
                    "0",
                    "0",
                ]
            )
    return rows


def premium_rows(users: list[str], rng: random.Random) -> list[list[str]]:
    """Return a premium request report for May 2026, dates as GitHub's docs write them too."""
    rows: list[list[str]] = []
    for day in (date(2026, 5, 1) + timedelta(days=i) for i in range(31)):
        for login in users[:12]:
            if rng.random() < 0.6:
                continue
            requests = rng.choice([1, 2, 3, 0.9])
            over = login == users[0] and day.day > 20
            net = requests * 0.04 if over else 0
            shown = day.isoformat() if day.day % 2 else f"{day.month}/{day.day}/{day.year % 100}"
            rows.append(
                [
                    shown,
                    login,
                    "copilot",
                    "copilot_premium_request",
                    rng.choice(MODELS),
                    _num(requests),
                    "requests",
                    "0.04",
                    _num(requests * 0.04),
                    _num(requests * 0.04 - net),
                    _num(net),
                    "True" if over else "FALSE",
                    "300",
                    ORG,
                    "",
                    "0",
                    "0",
                ]
            )
    return rows


def licence_rows(logins: list[str]) -> bytes:
    """Return an enterprise licence report (no BOM, LF, minimal quoting) of the seated users."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "GitHub com login",
            "GitHub com name",
            "License type",
            "GitHub com member roles",
            "GitHub com enterprise roles",
            "GitHub com saml name",
            "GitHub com cost center",
            "Total user accounts",
        ]
    )
    for login in logins:
        cc = "platform" if login < "m" else "apps"
        writer.writerow([login, login.title(), "Enterprise", f"{ORG}:Member", "", "", cc, "1"])
    writer.writerow(["", "", "Enterprise", "", "", "", "", "1"])  # a GHES-only user
    return out.getvalue().encode("utf-8")


def write_billing_files(out: Path = HERE) -> list[Path]:
    """Write the demo billing files into `out`, beside its seat reports; return their paths."""
    rng = random.Random(14)
    sep = _logins(out, "octo-demo-seat-activity-1788444483.csv")
    oct_ = _logins(out, "octo-demo-seat-activity-1791014710.csv")
    nov = _logins(out, "octo-demo-seat-activity-1793716484.csv")
    for pattern in (*WRITTEN, WRITTEN_LICENCE):
        for stale in out.glob(pattern):
            stale.unlink()
    files = {
        "usageReport_1_5f0e8c2d9a4b47e1b3c6d8f0a2e4c6b8.csv": github_csv(
            USAGE_DETAILED_HEADER, usage_rows(sep, oct_, nov)
        ),
        "aiUsageReport_1_9c1d3e5f7a9b4c2d8e0f1a3b5c7d9e1f.csv": github_csv(
            AI_USAGE_HEADER, ai_rows(oct_[:40], rng)
        ),
        "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv": github_csv(
            PREMIUM_REQUEST_HEADER, premium_rows(oct_, rng)
        ),
        "export-octo-demo-1793750400.csv": licence_rows(sorted(set(oct_) | set(nov))[1:]),
    }
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]


def main(argv: list[str] | None = None) -> int:
    """Write the demo billing files and print their paths."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    for path in write_billing_files(parser.parse_args(argv).out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
