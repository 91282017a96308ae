"""The small frozen objects passed between stages: settings, summaries, diffs, report data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from analyzer.model_parts import CALENDAR_MONTH as CALENDAR_MONTH
from analyzer.model_parts import SEAT_CYCLE as SEAT_CYCLE
from analyzer.model_parts import BillClocks as BillClocks
from analyzer.model_parts import BillData as BillData
from analyzer.model_parts import BillException as BillException
from analyzer.model_parts import ForecastData as ForecastData
from analyzer.times import iso

if TYPE_CHECKING:
    import polars as pl

    from analyzer.model_parts import ActiveUse

# Seat states, in display order. Every seat has exactly one.
STATES: tuple[str, ...] = ("active", "stale", "never_active", "new")
IDLE_STATES: tuple[str, ...] = ("stale", "never_active")
STATE_LABELS: dict[str, str] = {
    "active": "Active",
    "stale": "Stale",
    "never_active": "Never active",
    "new": "New",
}
# Idle-age buckets with the default 30-day threshold, in display order (see idle_bucket_spec).
IDLE_BUCKETS: tuple[str, ...] = (
    "0-7",
    "8-30",
    "over 30 to 60",
    "61-90",
    "over 90",
    "never",
    "new",
)
# Activation buckets: days from a seat's first snapshot to its first known activity.
ACTIVATION_BUCKETS: tuple[str, ...] = (
    "before first snapshot",
    "0-7",
    "8-30",
    "31-90",
    "over 90",
    "not yet",
)
UNMAPPED = "(unmapped)"
# In a scope's first snapshot no history tells a never-used seat from one idle for more than
# GitHub's 90 days: every human-facing label says what is known instead.
FIRST_SNAPSHOT_NEVER_LABEL = "No activity in GitHub's 90-day window"
# A previous snapshot older than this is not "last month".
LAST_MONTH_DAYS = 45


def state_label(state: str, first_snapshot: bool) -> str:
    """Return the label people read for a state (the JSON keeps the state itself)."""
    if first_snapshot and state == "never_active":
        return FIRST_SNAPSHOT_NEVER_LABEL
    return STATE_LABELS[state]


def idle_bucket_spec(stale_days: int) -> tuple[tuple[str, str, int | None], ...]:
    """Return the idle-age buckets for a threshold: (label, state, highest whole idle day).

    Buckets never straddle a state, so each state's buckets add up to its count: active
    seats (idle at most stale_days x 24 h, so at most stale_days whole days) split at 7 days;
    stale seats (idle more than stale_days x 24 h: a seat idle 30 whole days and 5 hours is
    stale) split at 60 and 90 days; never-active seats are "never"; new seats "new", apart.
    The highest idle day is None for the open and the no-activity buckets.
    """
    s = stale_days
    active: list[tuple[str, str, int | None]] = (
        [("0-7", "active", 7), (f"8-{s}", "active", s)] if s > 7 else [(f"0-{s}", "active", s)]
    )
    stale: list[tuple[str, str, int | None]] = []
    low = f"over {s}"
    for edge in (60, 90):
        if edge > s:
            label = f"{low} to {edge}" if low.startswith("over") else f"{low}-{edge}"
            stale.append((label, "stale", edge))
            low = str(edge + 1)
    stale.append((f"over {max(s, 90)}", "stale", None))
    return (*active, *stale, ("never", "never_active", None), ("new", "new", None))


def comparison_label(current: datetime, previous: datetime | None) -> str:
    """Return what a change is measured against: last month, or the snapshot it really is."""
    if previous is None:
        return "no earlier snapshot: history starts here"
    day = iso(previous)[:10]
    if (current - previous).days > LAST_MONTH_DAYS:
        return f"no snapshot last month; compared with {day}"
    return f"since last month ({day})"


@dataclass(frozen=True)
class PeopleSource:
    """Where the people file is and which of its columns mean what."""

    path: str
    login_column: str = "login"
    name_column: str = "name"
    email_column: str = "email"
    department_column: str = "department"
    cost_center_column: str = "cost_center"
    manager_column: str = "manager"


@dataclass(frozen=True)
class BillingSettings:
    """AI credit price and pool allowances (config `[billing]`); GitHub's list values."""

    credit_price: float = 0.01  # USD per AI credit over the pool
    allowances: dict[str, float] = field(
        default_factory=lambda: {"business": 1900.0, "enterprise": 3900.0}
    )  # credits per licence and month
    promotion_allowances: dict[str, float] = field(
        default_factory=lambda: {"business": 3000.0, "enterprise": 7000.0}
    )
    promotion_until: str = "2026-09-01"  # months starting before this day use the promotion
    # the day of the month the account's seat billing cycle starts (1..28); the credit pool
    # always resets on the 1st (docs/bill.md, "Two clocks")
    billing_day: int = 1


@dataclass(frozen=True)
class Settings:
    """Thresholds, prices and options every figure depends on (config file + CLI)."""

    stale_days: int = 30
    grace_days: int = 30
    prices: dict[str, float] = field(default_factory=lambda: {"business": 19.0, "enterprise": 39.0})
    default_plan: str = "business"
    currency: str = "USD"
    timezone: str = "UTC"
    exclude_logins: tuple[str, ...] = ()  # lower-case logins never reclaimed
    exclude_patterns: tuple[str, ...] = ()  # fnmatch globs on the lower-case login
    people: PeopleSource | None = None
    config_path: str | None = None  # the file these came from, for the report footer
    billing: BillingSettings = field(default_factory=lambda: BillingSettings())


@dataclass(frozen=True)
class SnapshotInfo:
    """One stored snapshot, as the manifest lists it."""

    id: str  # stable id: "<scope>/<YYYYMMDDTHHMMSSZ>-<sha12>"
    scope: str
    as_of: datetime  # UTC, tz-aware
    format: str  # one of the FORMAT_* names of analyzer.schema
    seats: int  # distinct logins
    rows: int  # seat rows (an enterprise activity report has one per user and org)
    source_name: str  # the file name as the user dropped it
    sha256: str  # of the original bytes
    time_source: str  # report-time / file-name / as-of / mtime
    time_precision: str  # second / minute / day
    scope_source: str  # file-name / api-organization / option
    parquet: str  # path inside the store
    parquet_sha256: str = ""  # of the Parquet file; "" in stores written before format 2


@dataclass(frozen=True)
class SnapshotSummary:
    """The figures of one snapshot: what `status --json` prints and every report shows."""

    scope: str
    as_of: datetime
    seats: int
    states: dict[str, int]  # keys: STATES
    pending_cancellation: int
    reclaim_candidates: int
    monthly_cost: float
    idle_monthly_cost: float
    reclaimable_monthly_cost: float  # cost of the reclaim candidates
    check_first: int  # idle seats that signed in recently: ask before removing
    check_first_monthly_cost: float
    seats_by_plan: dict[str, int]  # billed plan -> distinct logins
    currency: str
    stale_days: int
    grace_days: int


@dataclass(frozen=True)
class FollowThrough:
    """What became, by this snapshot, of an earlier snapshot's reclaim candidates."""

    previous_as_of: datetime  # the earlier snapshot whose candidates are followed
    candidates: int
    removed: int  # no longer seated
    removed_monthly_cost: float  # what those seats cost a month (GitHub stops at cycle end)
    still_idle: int  # still reclaim candidates
    came_back: int  # active again
    now_check_first: int  # still idle, but signed in recently
    other: int  # now pending cancellation, excluded, or otherwise not a candidate
    currency: str
    removed_by_plan: dict[str, int] = field(default_factory=dict)  # billed plan -> removed

    @property
    def came_back_share(self) -> float | None:
        """Return the share of the candidates that came back, or None without candidates."""
        return self.came_back / self.candidates if self.candidates else None

    def describe(self) -> str:
        """Return the one-line account users read, e.g. on the page and after `reclaim`."""
        if not self.candidates:
            return f"the snapshot of {iso(self.previous_as_of)[:10]} had no reclaim candidates"
        parts = [
            f"{self.removed:,} removed ({self.removed_monthly_cost:,.2f} {self.currency} a "
            "month stopped)",
            f"{self.still_idle:,} still idle",
            f"{self.came_back:,} came back",
        ]
        if self.now_check_first:
            parts.append(f"{self.now_check_first:,} now check first")
        if self.other:
            parts.append(f"{self.other:,} otherwise settled (pending cancellation or excluded)")
        return (
            f"of the {self.candidates:,} reclaim candidates of {iso(self.previous_as_of)[:10]}: "
            + ", ".join(parts)
        )

    def as_json(self) -> dict[str, object]:
        """Return the JSON form (times as `YYYY-MM-DDTHH:MM:SSZ`)."""
        return {
            "previous_as_of": iso(self.previous_as_of),
            "candidates": self.candidates,
            "removed": self.removed,
            "removed_monthly_cost": round(self.removed_monthly_cost, 2),
            "still_idle": self.still_idle,
            "came_back": self.came_back,
            "now_check_first": self.now_check_first,
            "other": self.other,
        }


@dataclass(frozen=True)
class BacktestStep:
    """What became, by the next snapshot, of one snapshot's reclaim candidates under a rule."""

    as_of: datetime
    next_as_of: datetime
    candidates: int
    came_back: int  # activity reported after as_of: they would have asked for the seat back
    removed: int  # no longer seated at next_as_of
    stayed_idle: int  # the rest
    saved_cost: float | None  # the idle ones' seat cost to next_as_of; None: a price unknown
    frozen_since: date | None = None  # no seat showed activity after this day (quality)
    idle_by_plan: dict[str, int] = field(default_factory=dict)  # billed plan -> stayed idle

    @property
    def months(self) -> float:
        """Return the time to the next snapshot in months of a year's days over twelve."""
        return (self.next_as_of - self.as_of).total_seconds() / 86_400 / (365.25 / 12)


@dataclass(frozen=True)
class BacktestRow:
    """One stale-days threshold judged on a history: every snapshot but the last."""

    stale_days: int
    steps: tuple[BacktestStep, ...]
    currency: str

    def total(self, name: str) -> int:
        """Return a count (candidates, came_back, removed, stayed_idle) summed over steps."""
        return sum(int(getattr(step, name)) for step in self.steps)

    @property
    def came_back_share(self) -> float | None:
        """Return the share of candidates that came back, None without candidates."""
        candidates = self.total("candidates")
        return self.total("came_back") / candidates if candidates else None

    def idle_months(self) -> dict[str, float]:
        """Return, per billed plan, the seat-months the idle candidates held until the next."""
        found: dict[str, float] = {}
        for step in self.steps:
            for plan, n in step.idle_by_plan.items():
                found[plan] = found.get(plan, 0.0) + n * step.months
        return dict(sorted(found.items()))

    @property
    def saved_cost(self) -> float | None:
        """Return the seat cost removing the idle candidates saved; None if one is unknown."""
        costs = [step.saved_cost for step in self.steps]
        return None if None in costs else sum(c or 0.0 for c in costs)


@dataclass(frozen=True)
class Backtest:
    """Reclaim rules replayed on a scope's history (`backtest`, the page, the workbook)."""

    scope: str
    snapshots: int  # snapshots held (the last is only looked at, never judged)
    needed: int  # more snapshots needed before the table means something (0: enough)
    rows: tuple[BacktestRow, ...]  # by stale_days; empty while snapshots are needed

    def trade_off(self) -> str | None:
        """Say how the lowest and highest thresholds compare, or None with fewer than two."""
        low, high = (self.rows[0], self.rows[-1]) if self.rows else (None, None)
        if low is None or high is None or low is high or not low.total("candidates"):
            return None
        a, b = low.came_back_share or 0.0, high.came_back_share or 0.0
        fewer = 1 - high.total("candidates") / low.total("candidates")
        return (
            f"at {low.stale_days} days {a:.0%} of candidates came back by the next snapshot; "
            f"at {high.stale_days} days {b:.0%}, with {fewer:.0%} fewer seats reclaimed"
        )


@dataclass(frozen=True)
class Finding:
    """A data-quality finding or caveat, kept as data and shown by status and reports."""

    code: str  # stable kebab-case code, e.g. "snapshot-gap"
    severity: str  # "warning", "caution" or "info"
    message: str
    count: int = 0  # seats or snapshots concerned, when that means something


@dataclass(frozen=True)
class SeatDiff:
    """What changed between two snapshots of one scope.

    Frames (login is the lower-case key; display_login as the newer file spelled it):
    - added: login, display_login, orgs (str, ", "-joined), team, state (in `to`)
    - removed: login, display_login, orgs, team, state (in `from`)
    - transitions: login, display_login, from_state, to_state, change (a label such as
      "activated", "reactivated", "lapsed", "went never-active"); only logins present in
      both whose state differs
    - moves: login, display_login, field ("orgs" or "team"), before, after
    """

    scope: str
    from_as_of: datetime
    to_as_of: datetime
    added: pl.DataFrame
    removed: pl.DataFrame
    transitions: pl.DataFrame
    moves: pl.DataFrame

    def transition_counts(self) -> dict[str, int]:
        """Return {"from->to": seats}, sorted by key."""
        counts: dict[str, int] = {}
        for row in self.transitions.iter_rows(named=True):
            key = f"{row['from_state']}->{row['to_state']}"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))


# Engagement tiers over a 28-day window, in display order (README "Definitions").
ENGAGEMENT_TIERS: tuple[str, ...] = ("daily", "weekly", "occasional", "none")
TIER_LABELS: dict[str, str] = {
    "daily": "Daily (15+ days)",
    "weekly": "Weekly (4-14 days)",
    "occasional": "Occasional (1-3 days)",
    "none": "None (0 days)",
}


@dataclass(frozen=True)
class EngagementData:
    """How much the seats are really used, from the usage-metrics files, beside a snapshot.

    Days no stored file covers are unknown, never days without use: every per-seat figure
    is null unless the whole window is covered, and so are the tiers of a snapshot whose
    window is not.

    Frames and their columns:
    - tiers: one row per snapshot of the history (oldest first): as_of, daily, weekly,
      occasional, none (seats per tier; null when that snapshot's window is not covered)
    - seats: one row per seat of the current snapshot (login, lower-case): days_active,
      tier, days_chat, days_agent, days_cli (days of the window), credits_used (null when
      unknown); every column null when the window is not fully covered
    - days_active: days (0-28), tier, seats: the distribution (empty unless complete)
    - features / ides / languages / models: key, users, user_days, interactions: users with
      records in the window's covered days per key, most users first (models: chat only)
    - light_use: active seats in the occasional tier (cost first): login, display_login,
      days, orgs, team, plan, monthly_cost
    """

    coverage: str  # "usage data covers 2026-10-01..2026-10-28; 3 days missing"
    window_start: date | None
    window_end: date | None
    window_covered: int  # days of the window a file covers (28 when complete)
    note: str  # what the window is, or why there is none
    tiers: pl.DataFrame
    seats: pl.DataFrame
    days_active: pl.DataFrame
    features: pl.DataFrame
    ides: pl.DataFrame
    languages: pl.DataFrame
    models: pl.DataFrame
    light_use: pl.DataFrame
    light_use_monthly_cost: float
    current_tiers: dict[str, int] | None  # seats per tier now; None when unknown
    activity: ActiveUse | None = None  # active users and acceptance rate; None without data

    @property
    def complete(self) -> bool:
        """Return True when every day of the current window is covered."""
        return self.window_start is not None and self.window_covered == 28


@dataclass(frozen=True)
class ReportData:
    """Everything the monthly HTML page and the finance workbook show, computed once.

    Frames and their columns:
    - history: one row per snapshot of the scope up to `current` (oldest first): as_of,
      seats, active, stale, never_active, new, pending_cancellation, reclaim_candidates,
      added, removed, monthly_cost, idle_monthly_cost, surface_<family>..., then per plan
      of `settings.prices`: seats_<plan>, idle_<plan>, reclaim_<plan> (billed, stale or
      never active, reclaim candidates), from which a workbook reprices every month
    - surface_mix: as_of, family, seats (long form; families in analyzer.surfaces order)
    - idle_buckets: bucket, state, seats, in idle_bucket_spec(stale_days) order; the seats
      of each state's buckets add up to that state's count
    - activation: bucket (ACTIVATION_BUCKETS order), seats
    - seats: one row per billed seat of `current` (sorted by login): login, display_login,
      name, email, department, cost_center, orgs, team, plan, state,
      pending_cancellation (bool), pending_cancellation_date (date), first_seen (UTC),
      last_activity (UTC, known activity), last_authenticated (UTC, known sign-in),
      idle_days (int), signed_in_days (int, days since the known sign-in), last_surface,
      surface_family, monthly_cost (float), excluded (bool), reclaim (bool),
      check_first (bool)
    - reclaim: the candidates (sorted by monthly_cost desc, idle_days desc with never first,
      login): login, display_login, reason ("never_active" or "stale"), idle_days,
      idle_since (UTC), first_seen, last_activity, last_authenticated, last_surface, orgs,
      team, plan, monthly_cost
    - check_first: idle seats that signed in recently (latest sign-in first): login,
      display_login, reason, idle_days, last_activity, last_authenticated, signed_in_days,
      first_seen, orgs, team, plan, monthly_cost
    - breakdowns: {"org" | "team" | "cost_center" | "department": frame} with columns
      key, seats, active, stale, never_active, new, pending_cancellation,
      reclaim_candidates, monthly_cost, idle_monthly_cost; sorted by key with UNMAPPED
      last; keys are unique ignoring case (case variants are one group, shown with the most
      common spelling); each frame's totals equal `current`'s
    - engagement: the usage-metrics figures (EngagementData), None without usage data
    """

    scope: str
    month: str  # "YYYY-MM"
    current: SnapshotSummary
    previous: SnapshotSummary | None
    current_snapshot: SnapshotInfo
    previous_snapshot: SnapshotInfo | None
    generated_at: datetime
    tool_version: str
    settings: Settings
    history: pl.DataFrame
    surface_mix: pl.DataFrame
    idle_buckets: pl.DataFrame
    activation: pl.DataFrame
    seats: pl.DataFrame
    reclaim: pl.DataFrame
    check_first: pl.DataFrame
    changes: SeatDiff | None  # None when there is no previous month
    follow_through: FollowThrough | None  # of the previous month's candidates
    breakdowns: dict[str, pl.DataFrame]
    findings: tuple[Finding, ...]
    sources: tuple[SnapshotInfo, ...]  # every snapshot of the scope up to `current`
    definitions: tuple[tuple[str, str], ...]  # (term, definition) for the footer
    pseudonymized: bool = False
    bill: BillData | None = None  # the month's bill, when the store holds billing files
    engagement: EngagementData | None = None  # usage metrics, when the store holds them
    billing_months: tuple[str, ...] = ()  # months with billing rows of the scope (the hint)
    backtest: Backtest | None = None  # reclaim thresholds replayed on the history
    # The `status --json` object of `current`: the page embeds it (docs/figures.md).
    figures: dict[str, Any] = field(default_factory=dict)
    forecast: ForecastData | None = None  # next month under the credit pool (an estimate)
