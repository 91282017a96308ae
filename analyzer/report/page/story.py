"""The header paragraph: the month told from the figures, each number said once."""

from __future__ import annotations

from analyzer.model import ReportData, comparison_label
from analyzer.report.page.spend import bill_sentence
from analyzer.report.page.text import count, fmt_date, fmt_delta, fmt_money

SEVERITY_ORDER = ("warning", "caution", "info")
SEVERITY_NOUNS = {"warning": "warning", "caution": "caution", "info": "note"}


def _join(parts: list[str]) -> str:
    """Return "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def seats_sentence(data: ReportData) -> str:
    """Say the seats and their cost, and how both changed against the compared snapshot."""
    cur, prev = data.current, data.previous
    text = (
        f"{data.scope} has {count(cur.seats, 'Copilot seat')} on {fmt_date(cur.as_of)}, "
        f"costing {fmt_money(cur.monthly_cost, cur.currency)} a month"
    )
    if prev is None or data.previous_snapshot is None:
        return text + "."
    diff = cur.seats - prev.seats
    seats = fmt_delta(diff) + (" seat" if abs(diff) == 1 else " seats")
    cost = fmt_delta(round(cur.monthly_cost - prev.monthly_cost, 2), cur.currency)
    since = comparison_label(cur.as_of, data.previous_snapshot.as_of)
    joint = " " if since.startswith("since") else "; "
    return f"{text}: {seats} and {cost}{joint}{since}."


def history_sentence(data: ReportData) -> str | None:
    """In the scope's first snapshot, say that history starts here and how to backfill."""
    if len(data.sources) > 1:
        return None
    return (
        "History starts here: this is the first stored snapshot, so nothing is compared yet "
        "and seats idle for more than GitHub's 90 days look never used. To backfill, ingest "
        "older report downloads, or a REST API seat dump with --as-of set to the time it was "
        "saved."
    )


def movement_sentence(data: ReportData) -> str | None:
    """Say what moved: seats added and removed, seats that lapsed or came back."""
    diff = data.changes
    if diff is None:
        return None
    changes = diff.transitions["change"].to_list()
    parts = [
        f"{diff.added.height:,} added",
        f"{diff.removed.height:,} removed",
    ]
    for label, shown in (("lapsed", "lapsed into stale"), ("reactivated", "reactivated")):
        if n := changes.count(label):
            parts.append(f"{n:,} {shown}")
    if n := changes.count("activated"):
        parts.append(f"{n:,} used Copilot for the first time")
    if not diff.added.height and not diff.removed.height and len(parts) == 2:
        return "No seat was added, removed or changed state."
    return "Seats: " + _join(parts) + "."


def reclaim_sentence(data: ReportData) -> str:
    """Say what the reclaim list and the check-first list would save, from the next cycle."""
    cur = data.current
    if cur.reclaim_candidates:
        n = cur.reclaim_candidates
        text = (
            count(n, "seat is a reclaim candidate", "seats are reclaim candidates")
            + f" ({fmt_money(cur.reclaimable_monthly_cost, cur.currency)} a month: potential "
            "savings from the next billing cycle)"
        )
    else:
        text = "No seat is a reclaim candidate"
    if cur.check_first:
        used = (data.figures.get("engagement") or {}).get("moved_to_check_first", 0)
        why = " or used Copilot by the usage records" if used else ""
        text += (
            f"; {count(cur.check_first, 'more idle seat', 'more idle seats')} "
            f"({fmt_money(cur.check_first_monthly_cost, cur.currency)} a month) signed in "
            f"recently{why}: check first"
        )
    return text + "."


def follow_through_sentence(data: ReportData) -> str | None:
    """Say what became of the previous report's reclaim candidates."""
    follow = data.follow_through
    if follow is None:
        return None
    described = follow.describe()
    return "Follow-through: " + described[0].upper() + described[1:] + "."


def engagement_sentence(data: ReportData) -> str | None:
    """Say how much the seats were really used, from the usage-metrics files, when there are any."""
    e = data.engagement
    if e is None:
        return None
    if e.window_end is None or e.current_tiers is None:
        return f"Engagement unknown: {e.note}."
    tiers = e.current_tiers
    text = (
        f"Usage metrics for the 28 days to {fmt_date(e.window_end)}: "
        f"{count(tiers.get('daily', 0), 'seat')} used Copilot on 15 days or more, "
        f"{tiers.get('weekly', 0):,} on 4-14, {tiers.get('occasional', 0):,} on 1-3 and "
        f"{tiers.get('none', 0):,} not at all"
    )
    if e.light_use.height:
        text += (
            f"; {count(e.light_use.height, 'active seat')} used it on 1-3 days only "
            f"({fmt_money(e.light_use_monthly_cost, data.current.currency)} a month)"
        )
    return text + "."


def quality_sentence(data: ReportData) -> str:
    """Say how many findings of each severity there are, and the most severe warning."""
    if not data.findings:
        return "Data quality: no findings."
    by = {s: sum(f.severity == s for f in data.findings) for s in SEVERITY_ORDER}
    parts = [count(n, SEVERITY_NOUNS[s]) for s, n in by.items() if n]
    text = "Data quality: " + _join(parts) + " below"
    warnings = sorted((f for f in data.findings if f.severity == "warning"), key=lambda f: f.code)
    if warnings:
        text += "; first: " + warnings[0].message.rstrip(".")
    return text + "."


def build_story(data: ReportData) -> list[str]:
    """Return the sentences of the header paragraph, in reading order."""
    sentences = [
        seats_sentence(data),
        history_sentence(data),
        movement_sentence(data),
        reclaim_sentence(data),
        follow_through_sentence(data),
        engagement_sentence(data),
        bill_sentence(data),
        quality_sentence(data),
    ]
    return [s for s in sentences if s]
