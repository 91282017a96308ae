"""The demo REST API seat files of org `initech`: as `gh api` saves them, in its four shapes."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sample_reports._population import RETENTION, TIMESTAMP_FORMAT, surface_for


def _api_time(value: datetime | None, offset_minutes: int) -> str | None:
    """Render an API timestamp as `Z`, or in a fixed offset such as `-06:00`."""
    if value is None:
        return None
    if offset_minutes == 0:
        return value.strftime(TIMESTAMP_FORMAT)
    return value.astimezone(timezone(timedelta(minutes=offset_minutes))).isoformat()


LOGINS = ("Peter-G", "milton", "SAMIR-N", "michael-b")  # the rest are initech-userNN


def api_seats(fetched_at: datetime, count: int = 25, seed: int = 7) -> list[dict[str, Any]]:
    """Return `count` REST API seat objects of org `initech`, as fetched at `fetched_at`."""
    rng = random.Random(seed)
    teams = [None, None, ("Platform, Infra", "platform-infra"), ("Payroll", "payroll")]
    seats = []
    for index in range(count):
        offset = (-360, 330, 0, 0, 0)[index % 5]
        created = fetched_at - timedelta(days=rng.randint(20, 700), seconds=rng.randint(0, 86399))
        idle = timedelta(days=rng.choice((0, 1, 3, 9, 30, 60, 120)), hours=rng.randint(1, 20))
        activity = None if index % 6 == 5 else max(created, fetched_at - idle)
        if activity is not None and fetched_at - activity > RETENTION:
            activity = None
        editor = surface_for(rng.choice(("vscode", "jetbrains", "xcode")), 17, rng)
        auth = activity or (created + timedelta(hours=3) if index % 4 == 1 else None)
        team = rng.choice(teams)
        login = LOGINS[index] if index < len(LOGINS) else f"initech-user{index + 1:02d}"
        seats.append(
            {
                "created_at": _api_time(created, offset),
                "updated_at": _api_time(created + timedelta(days=rng.randint(0, 19)), offset),
                "pending_cancellation_date": "2026-11-30" if index in (4, 17) else None,
                "last_activity_at": _api_time(activity, offset),
                "last_activity_editor": editor if activity else None,
                "last_authenticated_at": _api_time(auth, offset),
                "plan_type": "enterprise" if index % 8 == 3 else "business",
                "assignee": {"login": login, "id": 5_100_000 + index * 37, "type": "User"},
                "assigning_team": None if team is None else {"name": team[0], "slug": team[1]},
                "organization": {"login": "initech"},
            }
        )
    return seats


def write_api_files(out: Path) -> list[Path]:
    """Write the initech seats as one page, --paginate, --slurp and NDJSON."""
    seats = api_seats(datetime(2026, 11, 3, 9, 12, 44, tzinfo=UTC))
    total = len(seats)
    pages = [{"total_seats": total, "seats": part} for part in (seats[:13], seats[13:])]
    texts = {
        "initech-seats-page.json": json.dumps({"total_seats": total, "seats": seats}, indent=2),
        "initech-seats-paginate.json": "".join(json.dumps(page) for page in pages),
        "initech-seats-slurp.json": json.dumps(pages, indent=2),
        "initech-seats.ndjson": "".join(json.dumps(seat) + "\n" for seat in seats),
    }
    (out / "api").mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in texts.items():
        path = out / "api" / name
        ending = "" if text.endswith("\n") or "paginate" in name else "\n"
        path.write_text(text + ending, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths
