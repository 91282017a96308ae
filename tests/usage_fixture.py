"""Build usage-metrics files for tests, written from the documented record format."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any


def record(
    login: str,
    user_id: int,
    day: date,
    *,
    window: tuple[date, date] | None = None,
    credits: float | None = 1.5,
    breakdowns: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """Return one per-user day record; `credits=None` leaves ai_credits_used out."""
    rec: dict[str, Any] = {}
    if window:
        rec["report_start_day"], rec["report_end_day"] = str(window[0]), str(window[1])
    rec.update(
        {
            "day": str(day),
            "enterprise_id": "200001",
            "user_id": user_id,
            "user_login": login,
            "user_initiated_interaction_count": 3,
            "code_generation_activity_count": 5,
            "code_acceptance_activity_count": 2,
            "loc_suggested_to_add_sum": 10,
            "loc_suggested_to_delete_sum": 0,
            "loc_added_sum": 7,
            "loc_deleted_sum": 1,
            "used_chat": True,
            "used_agent": False,
            "used_cli": False,
            "ai_adoption_phase": {"phase_number": 1, "phase": "Phase 1", "version": "v1"},
            "some_future_key": {"ignored": True},
        }
    )
    if credits is not None:
        rec["ai_credits_used"] = credits
    entry = {
        "user_initiated_interaction_count": 3,
        "code_generation_activity_count": 5,
        "code_acceptance_activity_count": 2,
        "loc_added_sum": 7,
        "loc_deleted_sum": 1,
    }
    if breakdowns:
        rec["totals_by_ide"] = [{"ide": "vscode", **entry}]
        rec["totals_by_feature"] = [{"feature": "chat_panel_agent_mode", **entry}]
        rec["totals_by_language_feature"] = [
            {"language": "python", "feature": "code_completion", **entry}
        ]
        rec["totals_by_model_feature"] = [{"model": "gpt-5.4", "feature": "chat_inline", **entry}]
    else:
        rec["totals_by_ide"] = []
        rec["totals_by_feature"] = []
    rec.update(extra)
    return rec


def days(first: date, last: date) -> list[date]:
    """Return every day from first to last."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def write_ndjson(path: Path, records: Iterable[dict[str, Any]]) -> Path:
    """Write records one per line; return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


LEGACY_METRICS = [
    {
        "date": "2025-03-01",
        "total_active_users": 24,
        "total_engaged_users": 20,
        "copilot_ide_code_completions": {"total_engaged_users": 20, "languages": [], "editors": []},
        "copilot_ide_chat": {"total_engaged_users": 8, "editors": []},
    }
]
