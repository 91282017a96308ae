"""Who a login is: the people file, and GitHub's enterprise licence report beside it."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from analyzer.config import load_people
from analyzer.model import Settings
from analyzer.store.billing import latest_license
from analyzer.store.folder import Store
from analyzer.timeline.seats import PEOPLE_COLUMNS

# A licence report downloaded up to a month after a snapshot still describes its people.
MONTH = timedelta(days=31)


def people_of(
    store: Store, settings: Settings, scope: str, before: datetime
) -> pl.DataFrame | None:
    """Return login and PEOPLE_COLUMNS from the people file and the licence report, or None.

    The licence report (the newest made before `before`; with several scopes, one whose file
    name names this scope) gives names and cost centres; the people file wins where both
    speak, column by column.
    """
    people = load_people(settings.people) if settings.people else None
    several = len(store.scopes()) > 1
    licence, _ = latest_license(store.root, before, scope=scope if several else None)
    if licence is None or licence.is_empty():
        return people
    from_licence = licence.select(
        "login",
        *[
            pl.col(c) if c in licence.columns else pl.lit(None, pl.String).alias(c)
            for c in PEOPLE_COLUMNS
        ],
    ).unique("login", keep="first")
    if people is None:
        return from_licence
    both = people.join(from_licence, on="login", how="full", coalesce=True, suffix="_licence")
    return both.select("login", *[pl.coalesce(c, f"{c}_licence").alias(c) for c in PEOPLE_COLUMNS])
