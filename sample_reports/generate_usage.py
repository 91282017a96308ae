"""Write the demo usage-metrics files of octo-demo beside its seat reports in sample_reports/.

October 2026 for the seats of the org's October and November seat reports: a users-28-day
report for 2026-10-04..2026-10-31, users-1-day reports for 2026-10-01..03, and the org's
aggregate 28-day report. Engagement follows each seat's state in the November report, with a
few deliberate mismatches (active seats without records, stale seats with records) so the
data-quality findings have something to show. Run: python sample_reports/generate_usage.py
(after generate.py: it reads the seat reports; `--out DIR` reads and writes DIR instead).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
# What a previous run wrote: removed first, so a renamed file does not linger.
WRITTEN = ("octo-demo-users-*.ndjson", "octo-demo-organization-*.json")
SEATS = ("octo-demo-seat-activity-1791014710.csv", "octo-demo-seat-activity-1793716484.csv")
ORG_ID, ENTERPRISE_ID = "100000042", "200042"
START, END = date(2026, 10, 1), date(2026, 10, 31)
WINDOW_START = END - timedelta(days=27)
IDES = ("vscode", "vscode", "vscode", "jetbrains", "visualstudio")
LANGUAGES = ("python", "typescript", "go", "java", "csharp", "rust")
MODELS = ("claude-sonnet-4.6", "gpt-5.4", "auto")
MODES = ("ask", "edit", "agent")


def user_id(login: str) -> int:
    """Return a stable made-up numeric id for a login."""
    return 100_000 + int(hashlib.sha256(login.lower().encode()).hexdigest()[:7], 16) % 9_000_000


def seats(folder: Path) -> dict[str, bool]:
    """Return login -> active in November (activity within 30 days of the report)."""
    out: dict[str, bool] = {}
    for name in SEATS:
        with open(folder / name, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                when = row["Last Activity At"]
                at = datetime.fromisoformat(row["Report Time"].replace("Z", "+00:00"))
                active = when not in ("", "None") and (
                    at - datetime.fromisoformat(when.replace("Z", "+00:00"))
                ) <= timedelta(days=30)
                out[row["Login"]] = active
    return dict(sorted(out.items(), key=lambda kv: kv[0].lower()))


def days_for(rng: random.Random, active: bool) -> list[date]:
    """Return the October days a user was active, by an engagement profile."""
    if active:
        rate = rng.choices([0.8, 0.35, 0.08, 0.0], weights=[45, 32, 15, 8])[0]
    else:
        rate = rng.choices([0.0, 0.08, 0.3], weights=[88, 8, 4])[0]
    every = [START + timedelta(days=n) for n in range((END - START).days + 1)]
    weekdays = [d for d in every if d.weekday() < 5 or rng.random() < 0.1]
    return [d for d in weekdays if rng.random() < rate]


def lean(counts: dict[str, int]) -> dict[str, int]:
    """Return a breakdown entry's counts without the zero ones (kept small for the repo)."""
    return {k: v for k, v in counts.items() if v and "suggested" not in k}


def record(rng: random.Random, login: str, day: date, window: bool) -> dict[str, object]:
    """Return one per-user day record (the top-level totals equal the feature breakdown)."""
    ide, language, model = rng.choice(IDES), rng.choice(LANGUAGES), rng.choice(MODELS)
    mode = rng.choice(MODES)
    prompts, gens = rng.randint(0, 14), rng.randint(1, 30)
    chat_gens = min(gens, prompts + rng.randint(0, 3)) if prompts else 0
    accepts = rng.randint(0, gens - chat_gens)
    added = accepts * rng.randint(2, 9) + chat_gens * rng.randint(0, 12)
    counts = {
        "user_initiated_interaction_count": prompts,
        "code_generation_activity_count": gens,
        "code_acceptance_activity_count": accepts,
        "loc_suggested_to_add_sum": gens * 6,
        "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": added,
        "loc_deleted_sum": added // 7,
    }
    completion = {
        "user_initiated_interaction_count": 0,
        "code_generation_activity_count": gens - chat_gens,
        "code_acceptance_activity_count": accepts,
        "loc_suggested_to_add_sum": (gens - chat_gens) * 6,
        "loc_suggested_to_delete_sum": 0,
        "loc_added_sum": accepts * 3,
        "loc_deleted_sum": 0,
    }
    chat = {k: counts[k] - completion[k] for k in counts}
    features = [{"feature": "code_completion", **lean(completion)}]
    if prompts:
        features.append({"feature": f"chat_panel_{mode}_mode", **lean(chat)})
    rec: dict[str, object] = {"day": day.isoformat()}
    if window:
        rec = {
            "report_start_day": WINDOW_START.isoformat(),
            "report_end_day": END.isoformat(),
            **rec,
        }
    rec.update(
        {
            "enterprise_id": ENTERPRISE_ID,
            "organization_id": ORG_ID,
            "user_id": user_id(login),
            "user_login": login,
            **counts,
            **({f"chat_panel_{mode}_mode": prompts} if prompts else {}),
            "used_chat": prompts > 0,
            "used_agent": prompts > 0 and mode == "agent",
            "used_cli": rng.random() < 0.1,
            "ai_credits_used": round(prompts * rng.uniform(0.5, 3.0), 2),
            "totals_by_ide": [{"ide": ide, **lean(counts)}],
            "totals_by_feature": features,
            "totals_by_language_feature": [
                {"language": language, "feature": "code_completion", **lean(completion)}
            ],
            "totals_by_model_feature": [
                {"model": model, "feature": f"chat_panel_{mode}_mode", **lean(chat)}
            ]
            if prompts
            else [],
        }
    )
    return rec


def write_usage_files(out: Path = HERE) -> list[Path]:
    """Write the usage-metrics files into `out`, beside its seat reports; return their paths."""
    rng = random.Random(20261031)
    by_day: dict[date, list[dict[str, object]]] = {}
    for login, active in seats(out).items():
        for day in days_for(rng, active):
            by_day.setdefault(day, []).append(record(rng, login, day, day >= WINDOW_START))
    for pattern in WRITTEN:
        for old in out.glob(pattern):
            old.unlink()
    paths: list[Path] = []

    def write(name: str, records: list[dict[str, object]]) -> None:
        text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)
        (out / name).write_text(text, encoding="utf-8")
        paths.append(out / name)

    for day in sorted(by_day):
        if day < WINDOW_START:
            write(f"octo-demo-users-1-day-{day}.ndjson", by_day[day])
    window = [r for d in sorted(by_day) if d >= WINDOW_START for r in by_day[d]]
    write(f"octo-demo-users-28-day-{END}.ndjson", window)
    totals = [
        {"day": str(d), "organization_id": ORG_ID, "daily_active_users": len(by_day.get(d, []))}
        for d in (WINDOW_START + timedelta(days=n) for n in range(28))
    ]
    aggregate = {
        "report_start_day": str(WINDOW_START),
        "report_end_day": str(END),
        "organization_id": ORG_ID,
        "created_at": datetime(2026, 11, 2, 6, 0, tzinfo=UTC).isoformat().replace("+00:00", "Z"),
        "day_totals": totals,
    }
    paths.append(out / f"octo-demo-organization-28-day-{END}.json")
    paths[-1].write_text(json.dumps(aggregate, indent=1) + "\n", encoding="utf-8")
    return paths


def main(argv: list[str] | None = None) -> int:
    """Write the usage-metrics files and print their paths."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write (default: here)")
    for path in write_usage_files(parser.parse_args(argv).out):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
