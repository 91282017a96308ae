"""GitHub's dashboard figures over a usage window: active users and the acceptance rate."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActiveUse:
    """GitHub's dashboard figures over a usage window; each None where the export lacks it.

    - daily_active_users: the aggregate report's `daily_active_users` averaged over the
      window's days, else users with a record per covered day, averaged over those days;
    - weekly_active_users: the aggregate report's `weekly_active_users` on the window's
      last day, else users with a record in the window's last 7 days (all covered);
    - acceptance_rate: code completion's accepted / generated suggestions over the covered
      days (`code_acceptance_activity_count / code_generation_activity_count`).
    """

    daily_active_users: float | None
    weekly_active_users: int | None
    daily_from: str  # "the aggregate report" or "per-user records"; "" when unknown
    weekly_from: str
    acceptances: int | None
    generations: int | None

    @property
    def acceptance_rate(self) -> float | None:
        """Return accepted / generated code completions, None when either is unknown or 0."""
        if self.acceptances is None or not self.generations:
            return None
        return self.acceptances / self.generations
