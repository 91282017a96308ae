"""Write the `bill` benchmark's detailed usage report: 31 days x every bigorg seat (~3M rows).

Run by `bill_bench.py` when `bench/data/billing/` is missing; deterministic. The logins are
those of the history's October 2026 report, so the bill reconciles against that history;
the file has GitHub's form (UTF-8 BOM, CRLF, every value quoted).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import polars as pl

from analyzer.billing_schema import USAGE_DETAILED_HEADER

BENCH = Path(__file__).resolve().parent
NAME = "usageReport_1_0b1e2c3d4f5a6b7c8d9e0f1a2b3c4d5e.csv"


def main() -> None:
    """Write bench/data/billing/usageReport_...csv."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=BENCH / "data")
    args = parser.parse_args()
    october = sorted((args.out / "history").glob("*.csv"))[-1]
    logins = pl.read_csv(october, columns=["Login"])["Login"].unique().sort()
    days = pl.date_range(date(2026, 10, 1), date(2026, 10, 31), eager=True).alias("date")
    share = 1 / 31
    frame = (
        pl.DataFrame({"date": days})
        .join(pl.DataFrame({"username": logins}), how="cross")
        .with_columns(
            product=pl.lit("copilot"),
            sku=pl.lit("copilot_for_business"),
            quantity=pl.lit(f"{share:.9f}"),
            unit_type=pl.lit("user-months"),
            applied_cost_per_quantity=pl.lit("19"),
            gross_amount=pl.lit(f"{19 * share:.9f}"),
            discount_amount=pl.lit("0"),
            net_amount=pl.lit(f"{19 * share:.9f}"),
            organization=pl.lit("bigorg"),
            repository=pl.lit(""),
            workflow_path=pl.lit(""),
            cost_center_name=(pl.lit("cc-") + (pl.col("username").str.slice(-1))),
        )
        .select(USAGE_DETAILED_HEADER)
    )
    folder = args.out / "billing"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NAME
    with open(path, "wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        frame.write_csv(handle, quote_style="always", line_terminator="\r\n")
    print(f"wrote {path} ({frame.height:,} rows)")


if __name__ == "__main__":
    main()
