"""Write the `forecast` / `whatif` benchmark's AI usage reports: a year of daily credits.

One report per month from November 2025 to October 2026, and one of 1-7 November 2026 (a
download made mid-month, for the month-to-date projection). The users are those of the
history's October 2026 report: a tenth use credits every day, a fifth once a week (on the day
their number says), the rest never; about 4.8 million rows. Months before June 2026 were billed
in premium requests; their rows are written as credits all the same, as load only (the
forecast reads the last four months, the what-if one). Deterministic; GitHub's file form
(UTF-8 BOM, CRLF, every value quoted).
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from analyzer.billing_schema import AI_USAGE_HEADER

BENCH = Path(__file__).resolve().parent
# (year, month, last day written: None for the whole month)
MONTHS: list[tuple[int, int, int | None]] = [
    *((2025, m, None) for m in (11, 12)),
    *((2026, m, None) for m in range(1, 11)),
    (2026, 11, 7),
]


def _month(year: int, month: int, last_day: int | None, logins: pl.DataFrame) -> pl.DataFrame:
    first = date(year, month, 1)
    nxt = date(year + month // 12, month % 12 + 1, 1)
    last = first.replace(day=last_day) if last_day else nxt - timedelta(days=1)
    days = pl.DataFrame({"date": pl.date_range(first, last, eager=True)})
    frame = days.join(logins, how="cross").filter(
        (pl.col("n") % 10 == 0)
        | ((pl.col("n") % 5 == 1) & (pl.col("date").dt.weekday() == pl.col("n") % 7 + 1))
    )
    credits = ((pl.col("n") * 7919 + pl.col("date").dt.day() * 104729) % 400 + 1).cast(pl.Float64)
    return frame.with_columns(
        pl.col("date").cast(pl.String),
        product=pl.lit("copilot"),
        sku=pl.lit("copilot_ai_credit"),
        model=pl.lit("Claude Sonnet 4.6"),
        quantity=credits.cast(pl.String),
        unit_type=pl.lit("ai-credits"),
        applied_cost_per_quantity=pl.lit("0.01"),
        gross_amount=(credits / 100).cast(pl.String),
        discount_amount=(credits / 100).cast(pl.String),
        net_amount=pl.lit("0"),
        total_monthly_quota=pl.lit("1900"),
        organization=pl.lit("bigorg"),
        repository=pl.lit(""),
        cost_center_name=pl.lit("cc-") + (pl.col("n") % 7).cast(pl.String),
        aic_quantity=pl.lit("0"),
        aic_gross_amount=pl.lit("0"),
    ).select(AI_USAGE_HEADER)


def main() -> None:
    """Write bench/data/credits/aiUsageReport_*.csv (13 files)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=BENCH / "data")
    args = parser.parse_args()
    october = sorted((args.out / "history").glob("*.csv"))[-1]
    names = pl.read_csv(october, columns=["Login"])["Login"].unique().sort()
    logins = pl.DataFrame({"username": names}).with_row_index("n")
    folder = args.out / "credits"
    folder.mkdir(parents=True, exist_ok=True)
    rows = 0
    for i, (year, month, last_day) in enumerate(MONTHS):
        frame = _month(year, month, last_day, logins)
        path = folder / f"aiUsageReport_{i + 1}_{year}{month:02d}00000000000000000000000000.csv"
        with open(path, "wb") as handle:
            handle.write(b"\xef\xbb\xbf")
            frame.write_csv(handle, quote_style="always", line_terminator="\r\n")
        rows += frame.height
    print(f"wrote 13 AI usage reports to {folder} ({rows:,} rows)")


if __name__ == "__main__":
    main()
