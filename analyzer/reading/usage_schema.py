"""The usage-metrics fields read, and the stored tables' columns and dtypes."""

from __future__ import annotations

import polars as pl

USERS = "usage-metrics-users"
AGGREGATE = "usage-metrics-aggregate"
USAGE_KINDS = (USERS, AGGREGATE)

# Top-level counts: source key -> stored column. Absent counts are null (unknown), never 0.
COUNTS: dict[str, str] = {
    "user_initiated_interaction_count": "interactions",
    "code_generation_activity_count": "generations",
    "code_acceptance_activity_count": "acceptances",
    "loc_suggested_to_add_sum": "loc_suggested_added",
    "loc_suggested_to_delete_sum": "loc_suggested_deleted",
    "loc_added_sum": "loc_added",
    "loc_deleted_sum": "loc_deleted",
    "chat_panel_ask_mode": "chat_ask",
    "chat_panel_edit_mode": "chat_edit",
    "chat_panel_agent_mode": "chat_agent",
    "chat_panel_custom_mode": "chat_custom",
    "chat_panel_unknown_mode": "chat_unknown",
}
# Stored surface flags and the source flags each one ORs (null when all are absent).
FLAGS: dict[str, tuple[str, ...]] = {
    "used_chat": ("used_chat",),
    "used_agent": ("used_agent",),
    "used_cli": ("used_cli",),
    "used_coding_agent": ("used_copilot_coding_agent", "used_copilot_cloud_agent"),
    "used_code_review": (
        "used_copilot_code_review_active",
        "used_copilot_code_review_passive",
    ),
}
# The breakdowns the answers use: source list -> (kind stored, the entry's key field).
# Languages come from the language-by-feature list (every feature); models from the
# model-by-feature list, which GitHub fills for chat only. Other breakdowns are not kept:
# reading them costs more than the rest of a record together.
BREAKDOWNS: dict[str, tuple[str, str]] = {
    "totals_by_ide": ("ide", "ide"),
    "totals_by_feature": ("feature", "feature"),
    "totals_by_language_feature": ("language", "language"),
    "totals_by_model_feature": ("model", "model"),
}
BREAKDOWN_KINDS: tuple[str, ...] = tuple(kind for kind, _ in BREAKDOWNS.values())
# Names GitHub gives one family under two spellings: breakdown kind -> {spelling: family}.
# IntelliJ is one of the JetBrains IDEs; "coding agent" was renamed "cloud agent".
SAME_FAMILY: dict[str, dict[str, str]] = {
    "ide": {"intellij": "jetbrains"},
    "feature": {"cloud_agent": "coding_agent"},
}
# The user's AI adoption phase (GitHub's cohort over the trailing 28 days): field -> column.
ADOPTION: dict[str, tuple[str, pl.DataType]] = {
    "phase": ("adoption_phase", pl.String()),
    "phase_number": ("adoption_phase_number", pl.Int64()),
}
# Each breakdown entry's counts kept: source key -> stored column.
ENTRY_COUNTS: dict[str, str] = {
    "user_initiated_interaction_count": "interactions",
    "code_generation_activity_count": "generations",
    "code_acceptance_activity_count": "acceptances",  # code completion's acceptance rate
}
# The aggregate reports' active-user counts kept by the store.
ACTIVE_USERS = (
    "daily_active_users",
    "weekly_active_users",
    "monthly_active_users",
    "monthly_active_chat_users",
    "monthly_active_agent_users",
    "daily_active_cli_users",
)

# Columns the store adds to every stored usage table (days, breakdowns, aggregate), for
# engines reading the files alone (docs/store-schema.md); the answers never read them:
# the usage scope (its folder) and the first and last day its file covers.
PART_COLUMNS: tuple[str, str, str] = ("scope", "period_start", "period_end")


def flat_schema() -> dict[str, pl.DataType]:
    """Return the polars schema of the per-user record's flat fields read."""
    schema: dict[str, pl.DataType] = {
        "day": pl.String(),
        "user_id": pl.Int64(),
        "user_login": pl.String(),
        "report_start_day": pl.String(),
        "report_end_day": pl.String(),
        "enterprise_id": pl.String(),
        "organization_id": pl.String(),
        "ai_credits_used": pl.Float64(),
        "ai_adoption_phase": pl.Struct({k: dtype for k, (_, dtype) in ADOPTION.items()}),
    }
    schema.update({k: pl.Int64() for k in COUNTS})
    schema.update({k: pl.Boolean() for keys in FLAGS.values() for k in keys})
    return schema


def entry_dtype(source: str) -> pl.DataType:
    """Return the narrow dtype a breakdown list is decoded to: its key and kept counts."""
    _, key = BREAKDOWNS[source]
    fields: dict[str, pl.DataType] = {key: pl.String()}
    fields.update({k: pl.Int64() for k in ENTRY_COUNTS})
    return pl.List(pl.Struct(fields))


def source_schema() -> dict[str, pl.DataType]:
    """Return every field read and its type: the flat fields, then the breakdown lists."""
    return {**flat_schema(), **{key: entry_dtype(key) for key in BREAKDOWNS}}


def day_columns() -> dict[str, pl.DataType]:
    """Return the stored per-user-day table's columns and dtypes (one row per user and day)."""
    columns: dict[str, pl.DataType] = {
        "user_id": pl.Int64(),
        "login": pl.String(),
        "day": pl.Date(),
    }
    columns.update({c: pl.Int64() for c in COUNTS.values()})
    columns.update({c: pl.Boolean() for c in FLAGS})
    columns["credits"] = pl.Float64()
    columns.update({name: dtype for name, dtype in ADOPTION.values()})
    return columns


def breakdown_columns() -> dict[str, pl.DataType]:
    """Return the stored long breakdown table's columns and dtypes."""
    columns: dict[str, pl.DataType] = {
        "user_id": pl.Int64(),
        "day": pl.Date(),
        "kind": pl.String(),
        "key": pl.String(),
    }
    columns.update({c: pl.Int64() for c in ENTRY_COUNTS.values()})
    return columns


def login_columns() -> dict[str, pl.DataType]:
    """Return the login index's columns: each login a user_id had, first and last day seen."""
    return {
        "user_id": pl.Int64(),
        "login": pl.String(),  # lower-case
        "first_day": pl.Date(),
        "last_day": pl.Date(),
    }


def aggregate_columns() -> dict[str, pl.DataType]:
    """Return the stored aggregate-day table's columns and dtypes."""
    return {"day": pl.Date(), **{c: pl.Int64() for c in ACTIVE_USERS}}
