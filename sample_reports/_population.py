"""Seeded simulation of a Copilot seat population, month by month, for the demo reports."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

RETENTION = timedelta(days=90)  # GitHub forgets last activity after 90 idle days
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # GitHub's timestamps: UTC, Z, no fraction

# IDE families (chosen once per user) and their weights: mostly VS Code and JetBrains.
IDE_FAMILIES: tuple[tuple[str, int], ...] = (
    ("vscode", 55),
    ("jetbrains", 22),
    ("visualstudio", 8),
    ("xcode", 4),
    ("eclipse", 3),
    ("neovim", 3),
    ("vscode-legacy", 2),
    ("vscode-unknown", 1),
)
# Bare-token surfaces used now and then besides the IDE; `github_spark` is the unknown one.
BARE_SURFACES: tuple[tuple[str, int], ...] = (
    ("github.com", 30),
    ("copilot-cli", 18),
    ("copilot_pr_review", 18),
    ("copilot-mobile-ios", 9),
    ("copilot-chat", 9),
    ("github_spark", 5),
)
UNSPECIFIED_SURFACE = "Unspecified surface"  # appears in activity reports only
JETBRAINS_EDITIONS = ("IC", "IU", "IU", "PY", "GO", "WS", "RD")

TEAMS: tuple[tuple[str | None, int], ...] = (
    ("Platform, Infra", 14),
    ("Research, ML & Data", 8),
    ("backend", 18),
    ("frontend", 16),
    ("mobile", 9),
    ("data-eng", 9),
    ("security", 5),
    ("QA", 5),
    (None, 16),  # seat assigned directly: `No team`
)
_NAMES = (
    "alice bob carol dave erin frank grace heidi ivan judy mallory niaj olivia peggy rupert "
    "sybil trent victor walter xena yusuf zoe amara bruno chen dmitri elif farah goran hana "
    "igor jonas kenji lena mateo nadia omar priya quinn rosa sanjay tomas uma vera wei ximena "
    "yara zane"
)
FIRST_NAMES = tuple(_NAMES.split())
SUFFIXES = ("dev", "gh", "eng", "ops", "code", "hub", "io", "x", "cloud", "data")


def surface_for(family: str, month: int, rng: random.Random) -> str:
    """Return a realistic surface string of an IDE family as of simulation month `month`."""
    m = max(month, 0)
    if family == "vscode":
        insider = "-insider" if rng.random() < 0.05 else ""
        return f"vscode/1.{101 + m}.{rng.randint(0, 3)}{insider}/copilot-chat/0.{28 + m}.{m % 4}"
    if family == "jetbrains":
        edition = rng.choice(JETBRAINS_EDITIONS)
        build = rng.choice(("251.26927.53", "252.23892.409", "253.17525.95"))
        return f"JetBrains-{edition}/{build}/copilot-intellij/1.5.{52 + m}-243"
    if family == "visualstudio":
        return f"VisualStudio/17.14.{18 + m}/copilot-vs/17.14.{1601 + 7 * m}.40145"
    if family == "xcode":
        return f"Xcode/26.{m // 4}/copilot-xcode/0.{40 + m}.0"
    if family == "eclipse":
        return f"Eclipse IDE/4.{34 + m // 6}.0.20241128-0756/copilot-intellij/1.5.{m}.0"
    if family == "neovim":
        return f"neovim/0.11.{m % 5}/copilot.vim/1.{50 + m}.0"
    if family == "vscode-legacy":
        return "vscode/1.77.3/copilot/1.86.82"
    return f"unknown/GitHubCopilotChat/0.{30 + m}.3"


def pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    """Draw one name from a (name, weight) table."""
    return rng.choices([name for name, _ in table], [w for _, w in table])[0]


class Snapshot(NamedTuple):
    """One report's worth of seats: the report time and its rows."""

    time: datetime
    rows: list[SeatRow]


@dataclass(frozen=True)
class SeatRow:
    """One seat at a snapshot, with true values (no 90-day rule applied yet)."""

    login: str
    last_activity_at: datetime | None = None
    last_surface: str | None = None
    last_authenticated_at: datetime | None = None
    team: str | None = None
    pending_cancellation: date | None = None
    organization: str = ""  # "" = seat not tied to an org


@dataclass(frozen=True)
class PopulationPlan:
    """What to simulate: orgs, calendar, size and churn."""

    orgs: tuple[str, ...]
    first_month: tuple[int, int]
    months: int
    start_people: int
    growth: tuple[int, int]  # joiners per month = leavers + a number in this range
    leavers: tuple[int, int]  # seats leaving per month, inclusive range
    usage_months: int  # the first N recorded months are usage-report era
    returner_months: tuple[int, ...] = ()  # a leaver of each of these months comes back
    org_counts: tuple[int, ...] = (1,)  # weights for holding 1, 2, 3 ... orgs
    orgless_people: int = 0  # seated outside any org at month 0, gone by month 1
    warmup_months: int = 6
    seed: int = 20251103


@dataclass
class _Person:
    login: str
    kind: str  # regular | never | quiet (auth, no telemetry) | dormant
    family: str
    team: str | None
    orgs: tuple[str, ...]
    rate: float  # chance of any activity in a month
    dormant_from: int = 10**6  # month index from which a dormant person goes idle
    wake_at: int = 10**6  # month index from which a dormant person is active again


@dataclass
class _Seat:
    person: _Person
    org: str
    since: datetime
    last_activity_at: datetime | None = None
    last_surface: str | None = None
    last_authenticated_at: datetime | None = None
    pending: date | None = None
    quiet_until: datetime | None = None  # a returning seat shows no activity at first


def month_start(first: tuple[int, int], offset: int) -> tuple[int, int]:
    """Return (year, month) `offset` months after `first`."""
    index = first[0] * 12 + first[1] - 1 + offset
    return index // 12, index % 12 + 1


def snapshot_times(plan: PopulationPlan, rng: random.Random) -> list[datetime]:
    """Return one time per month (warm-up months first), the 3rd at a varying UTC time.

    The list starts one month before the warm-up so every step has a previous time.
    """
    times = []
    for offset in range(-plan.warmup_months - 1, plan.months):
        year, month = month_start(plan.first_month, offset)
        hms = (rng.randint(5, 21), rng.randint(0, 59), rng.randint(0, 59))
        times.append(datetime(year, month, 3, *hms, tzinfo=UTC))
    return times


def _between(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """Return a whole-second time strictly inside (start, end)."""
    span = int((end - start).total_seconds())
    return start + timedelta(seconds=rng.randint(1, max(span - 1, 1)))


@dataclass
class _World:
    """The simulation state: people ever seen, current seats, and who leaves or returns."""

    plan: PopulationPlan
    rng: random.Random
    times: list[datetime]
    people: dict[str, _Person] = field(default_factory=dict)
    seats: dict[tuple[str, str], _Seat] = field(default_factory=dict)
    leaving_next: list[tuple[str, str]] = field(default_factory=list)
    returning: dict[int, list[_Seat]] = field(default_factory=dict)
    returners: list[str] = field(default_factory=list)

    def time(self, month: int) -> datetime:
        """Return the snapshot time of a month index (negative in the warm-up)."""
        return self.times[month + self.plan.warmup_months + 1]

    def new_login(self) -> str:
        """Invent a login, unique ignoring case, in one of several display-case styles."""
        rng = self.rng
        while True:
            name, suffix = rng.choice(FIRST_NAMES), rng.choice(SUFFIXES)
            style = rng.random()
            if style < 0.45:
                login = f"{name}-{suffix}"
            elif style < 0.65:
                login = f"{name.capitalize()}-{suffix.capitalize()}"
            elif style < 0.75:
                login = f"{name.upper()}{rng.randint(1, 99)}"
            elif style < 0.9:
                login = f"{name}{rng.randint(1, 999)}"
            else:
                login = f"{name.capitalize()}{rng.choice(FIRST_NAMES).capitalize()[:3]}"
            if login.casefold() not in self.people:
                return login

    def new_person(self, month: int, orgs: tuple[str, ...] | None = None) -> _Person:
        """Create a person with a kind, an IDE and a team, and register them."""
        rng = self.rng
        roll = rng.random()
        kind = "never" if roll < 0.06 else "quiet" if roll < 0.075 else "regular"
        if kind == "regular" and rng.random() < (0.2 if month < 0 else 0.13):
            kind = "dormant"
        if orgs is None:
            count = rng.choices(range(1, len(self.plan.org_counts) + 1), self.plan.org_counts)[0]
            orgs = tuple(sorted(rng.sample(self.plan.orgs, count)))
        person = _Person(
            login=self.new_login(),
            kind=kind,
            family=pick(rng, IDE_FAMILIES),
            team=rng.choices([t for t, _ in TEAMS], [w for _, w in TEAMS])[0],
            orgs=orgs,
            rate=rng.uniform(0.55, 0.98),
        )
        if kind == "dormant":
            if month == -self.plan.warmup_months:  # the starting population
                person.dormant_from = rng.randint(month + 2, 12)
            else:
                person.dormant_from = rng.randint(month + 1, month + 6)
            if rng.random() < 0.25:
                person.wake_at = person.dormant_from + rng.randint(4, 7)
        self.people[person.login.casefold()] = person
        return person

    def seat_person(self, person: _Person, since: datetime) -> None:
        """Give a person one seat in each of their orgs."""
        for org in person.orgs:
            self.seats[(person.login.casefold(), org)] = _Seat(person, org, since)

    def active_surface(self, seat: _Seat, month: int) -> str:
        """Pick the surface of one activity: mostly the user's IDE, sometimes a bare token."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.72:
            return surface_for(seat.person.family, month, rng)
        if roll < 0.75 and month >= self.plan.usage_months:
            return UNSPECIFIED_SURFACE
        return pick(rng, BARE_SURFACES)

    def touch(self, seat: _Seat, month: int, start: datetime, now: datetime) -> None:
        """Advance one seat's activity and authentication over the month (start, now)."""
        rng, person = self.rng, seat.person
        start = max(start, seat.since)
        if seat.quiet_until is not None and now <= seat.quiet_until:
            return
        if person.kind == "quiet":
            if rng.random() < 0.9:
                seat.last_authenticated_at = _between(
                    rng, max(start, now - timedelta(days=10)), now
                )
            return
        if person.kind == "never":
            if seat.last_authenticated_at is None and rng.random() < 0.2:
                seat.last_authenticated_at = _between(rng, start, now)
            return
        if person.dormant_from <= month < person.wake_at:
            return
        rate = person.rate if len(person.orgs) < 2 or seat.org == person.orgs[0] else 0.35
        if rng.random() < rate:
            seat.last_activity_at = _between(rng, start, now)
            seat.last_surface = self.active_surface(seat, month)
            auth = seat.last_activity_at - timedelta(minutes=rng.randint(0, 600))
            seat.last_authenticated_at = max(auth, seat.last_authenticated_at or auth)
        elif rng.random() < 0.3:
            seat.last_authenticated_at = _between(rng, start, now)


def _weighted_sample(
    rng: random.Random, keys: list[tuple[str, str]], weights: list[float], k: int
) -> list[tuple[str, str]]:
    """Sample `k` keys without replacement, favouring heavier weights (Efraimidis-Spirakis)."""
    ranked = sorted(zip(keys, weights, strict=True), key=lambda kw: -(rng.random() ** (1 / kw[1])))
    return sorted(key for key, _ in ranked[:k])


def _choose_leavers(world: _World, month: int) -> None:
    """Pick the seats that will be gone next month; mark some pending in usage months."""
    plan, rng, now = world.plan, world.rng, world.time(month)
    keys = sorted(k for k, s in world.seats.items() if s.since < now - timedelta(days=20))
    idle = world.time(month) - RETENTION

    def weight(seat: _Seat) -> float:
        """Weigh idle and never-used seats heavier: admins remove those first."""
        if seat.person.kind == "never" or (seat.last_activity_at or now) < idle:
            return 2.0
        return 1.0

    count = rng.randint(*plan.leavers)
    chosen = _weighted_sample(rng, keys, [weight(world.seats[k]) for k in keys], count)
    if month == 0:  # seats outside any org show in the first report only
        chosen += sorted(k for k in keys if k[1] == "" and k not in chosen)
    world.leaving_next = chosen
    if 0 <= month < plan.usage_months:
        nxt = world.time(month + 1).date()
        for key in chosen[::2]:
            if key[1]:
                days = (nxt - now.date()).days
                world.seats[key].pending = now.date() + timedelta(rng.randint(2, days - 1))


def _step(world: _World, month: int) -> None:
    """Move the world from the previous month's snapshot to this month's."""
    plan, rng = world.plan, world.rng
    prev, now = world.time(month - 1), world.time(month)
    gone = [world.seats.pop(key) for key in world.leaving_next if key in world.seats]
    if month in plan.returner_months:
        candidates = [s for s in gone if s.pending is None and s.org]
        if candidates:
            seat = rng.choice(candidates)
            world.returning.setdefault(month + rng.randint(1, 3), []).append(seat)
    for old in world.returning.pop(month, []):
        key = (old.person.login.casefold(), old.org)
        since = _between(rng, prev, now)
        world.seats[key] = _Seat(old.person, old.org, since, quiet_until=now)
        world.returners.append(old.person.login)
    if month > -plan.warmup_months:
        for _ in range(max(0, len(gone) + rng.randint(*plan.growth))):
            world.seat_person(world.new_person(month), _between(rng, prev, now))
    for key in sorted(world.seats):
        world.touch(world.seats[key], month, prev, now)
    _choose_leavers(world, month)


def _rows(world: _World) -> list[SeatRow]:
    """Return the current seats as rows sorted by login (ignoring case) then org."""
    rows = []
    for key in sorted(world.seats):
        seat = world.seats[key]
        rows.append(
            SeatRow(
                login=seat.person.login,
                last_activity_at=seat.last_activity_at,
                last_surface=seat.last_surface,
                last_authenticated_at=seat.last_authenticated_at,
                team=seat.person.team,
                pending_cancellation=seat.pending,
                organization=seat.org,
            )
        )
    return rows


def simulate_population(plan: PopulationPlan) -> list[Snapshot]:
    """Simulate the plan month by month and return one snapshot per recorded month."""
    rng = random.Random(plan.seed)
    world = _World(plan, rng, snapshot_times(plan, rng))
    first = -plan.warmup_months
    origin = datetime(2023, 1, 9, 14, 0, tzinfo=UTC)
    for index in range(plan.start_people + plan.orgless_people):
        orgs = ("",) if index >= plan.start_people else None
        person = world.new_person(first, orgs)
        world.seat_person(person, origin + timedelta(hours=rng.randint(0, 14_000)))
    snapshots = []
    for month in range(first, plan.months):
        _step(world, month)
        if month >= 0:
            snapshots.append(Snapshot(world.time(month), _rows(world)))
    return snapshots


OCTO_DEMO = PopulationPlan(
    orgs=("octo-demo",),
    first_month=(2025, 6),
    months=18,
    start_people=305,
    growth=(1, 4),
    leavers=(6, 10),
    usage_months=5,
    returner_months=(1, 3, 6, 9, 12),
)
GLOBEX = PopulationPlan(
    orgs=("globex-data", "globex-mobile", "globex-web"),
    first_month=(2025, 10),
    months=14,
    start_people=78,
    growth=(-2, -1),
    leavers=(2, 3),
    usage_months=1,
    org_counts=(62, 26, 12),
    orgless_people=2,
    warmup_months=4,
    seed=20251003,
)


def simulate_org() -> list[Snapshot]:
    """Return the 18 monthly snapshots of the `octo-demo` org (2025-06 .. 2026-11)."""
    return simulate_population(OCTO_DEMO)


def simulate_enterprise() -> list[Snapshot]:
    """Return the 14 monthly snapshots of the `globex-ent` enterprise (2025-10 .. 2026-11)."""
    return simulate_population(GLOBEX)


@dataclass(frozen=True)
class SnapshotFacts:
    """What a snapshot holds, counted from the rows (for tests and the README)."""

    time: datetime
    seats: int  # rows (an enterprise user with three orgs counts three times)
    users: int  # distinct logins, ignoring case
    never_active: int  # users whose rows never showed activity in any snapshot so far
    dormant: int  # users whose true last activity is older than 90 days
    returners: int  # users present now who were absent from an earlier snapshot after one
    pending: int  # seats pending cancellation
    joined: int  # users not in the previous snapshot
    left: int  # users of the previous snapshot not in this one


def describe_snapshots(snapshots: list[Snapshot]) -> list[SnapshotFacts]:
    """Count seats, never-active, dormant and returning users in every snapshot."""
    ever_active: set[str] = set()
    seen: set[str] = set()
    came_back: set[str] = set()
    previous: set[str] = set()
    facts = []
    for time, rows in snapshots:
        users = {row.login.casefold() for row in rows}
        latest: dict[str, datetime] = {}
        for row in rows:
            if row.last_activity_at is not None:
                key = row.login.casefold()
                ever_active.add(key)
                latest[key] = max(latest.get(key, row.last_activity_at), row.last_activity_at)
        came_back |= (users & seen) - previous
        facts.append(
            SnapshotFacts(
                time=time,
                seats=len(rows),
                users=len(users),
                never_active=len(users - ever_active),
                dormant=sum(1 for t in latest.values() if time - t > RETENTION),
                returners=len(users & came_back),
                pending=sum(1 for row in rows if row.pending_cancellation is not None),
                joined=len(users - previous) if previous else 0,
                left=len(previous - users),
            )
        )
        seen |= users
        previous = users
    return facts
