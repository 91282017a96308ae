"""Credit cohorts and each cost centre's share of the pool, by hand."""

from __future__ import annotations

import polars as pl
import pytest

from analyzer.metering.spenders import cohorts, pool_fairness

ALLOW = {"business": 1900.0, "enterprise": 3900.0}


def _users() -> pl.DataFrame:
    logins = [f"u{i:02d}" for i in range(1, 21)] + ["idle1", "idle2"]
    credits = [float(21 - i) for i in range(1, 21)] + [0.0, None]
    return pl.DataFrame({"login": logins, "credits": credits})


def test_cohorts_count_mean_median() -> None:
    """20 users with 20..1 credits: 1 top, 3 next, 11 middle, 5 lowest; 2 without credits."""
    table = {r["cohort"]: r for r in cohorts(_users()).table.iter_rows(named=True)}
    assert [table[c]["users"] for c in table] == [1, 3, 11, 5, 2]
    assert table["middle 55 %"]["mean"] == pytest.approx(11.0)
    assert table["lowest 25 %"]["median"] == pytest.approx(3.0)
    assert table["next 15 %"]["credits"] == pytest.approx(54.0)
    assert table["none"]["mean"] == pytest.approx(0.0)


def test_cohort_headline() -> None:
    """The headline says the top 5 % used 20/210 and the top 20 % 74/210 of the credits."""
    assert cohorts(_users()).headline == (
        "the top 5 % of users (1) used 10% of the credits, the top 20 % (4) 35%"
    )


def test_no_credits_at_all() -> None:
    """Without any credits every user is in "none" and the headline says so."""
    c = cohorts(pl.DataFrame({"login": ["a"], "credits": [0.0]}))
    assert c.headline == "no user used AI credits"
    assert c.table.filter(pl.col("cohort") == "none")["users"].item() == 1


def _people(b_use: float) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "login": ["a1", "a2", "b1", "c1", "x"],
            "cost_center": ["A", "A", "B", "C", "C"],
            "plan": ["business", "business", "enterprise", "business", None],
            "licensed": [True, True, True, True, False],
            "credits": [600.0, 400.0, b_use, 2000.0, 600.0],
        }
    )


def test_fairness_when_the_surplus_covers_the_draw() -> None:
    """A contributes 3,800 and uses 1,000; B (-2,100) and C (-700) draw on A's allowance."""
    f = pool_fairness(_people(6000.0), ALLOW)
    assert f.table.select("cost_center", "licences", "contributed", "consumed").rows() == [
        ("A", 2, 3800.0, 1000.0),
        ("B", 1, 3900.0, 6000.0),
        ("C", 1, 1900.0, 2600.0),
    ]
    assert f.flows.rows() == [("A", "B", pytest.approx(2100.0)), ("A", "C", pytest.approx(700.0))]
    assert f.uncovered == 0.0


def test_fairness_beyond_the_surplus_is_overage() -> None:
    """B using 8,000 draws 4,100: A's 2,800 is shared pro rata, 2,000 credits are overage."""
    f = pool_fairness(_people(8000.0), ALLOW)
    assert f.flows["credits"].to_list() == pytest.approx([4100 * 2800 / 4800, 700 * 2800 / 4800])
    assert f.uncovered == pytest.approx(2000.0)
