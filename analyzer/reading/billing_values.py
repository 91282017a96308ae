"""Check and parse a billing file's values: numbers, amounts, days and booleans, per cell."""

from __future__ import annotations

from datetime import date

import polars as pl

from analyzer.billing_schema import KIND_PREMIUM_LEGACY
from analyzer.reading.problems import ProblemLog

_AMOUNTS = {"price", "gross_amount", "discount_amount", "net_amount", "aic_gross_amount"}
_QUANTITIES = {"quantity", "aic_quantity"} | {
    "input_tokens",
    "output_tokens",
    "cache_creation_tokens",
    "cache_read_tokens",
}
FLOATS = _AMOUNTS | _QUANTITIES | {"total_monthly_quota"}
# The cells GitHub always writes in a priced report: empty is a problem, never 0.
_ALWAYS: tuple[str, ...] = ("quantity", "price", "gross_amount", "discount_amount", "net_amount")
MAX_AMOUNT = 1e9  # USD: no Copilot bill line is that large
MAX_QUANTITY = 1e12
_FIRST_DAY, _LAST_DAY = date(2020, 1, 1), date(2100, 1, 1)  # the days a billing file may hold
# (columns, the largest value, the problem code, the limit as the message says it)
_CEILINGS = (
    (_AMOUNTS, MAX_AMOUNT, "amount-too-large", f"{MAX_AMOUNT:,.0f} USD"),
    (_QUANTITIES, MAX_QUANTITY, "quantity-too-large", f"{MAX_QUANTITY:.0e} units"),
)


def cast_floats(frame: pl.DataFrame, mapping: dict[str, str], log: ProblemLog) -> pl.DataFrame:
    """Cast the numeric columns that polars could not, logging each bad value."""
    exprs = []
    for source, target in mapping.items():
        if target in FLOATS and frame.schema[source] == pl.String:
            text = pl.col(source).str.strip_chars()
            exprs.append(text.cast(pl.Float64, strict=False).alias(source))
            values = frame[source].str.strip_chars()
            cast = values.cast(pl.Float64, strict=False)
            bad = cast.is_null() & values.is_not_null() & (values != "")
            if target == "total_monthly_quota":
                bad = bad & (values.str.to_lowercase() != "unlimited")
            log.rows(
                frame["line"],
                bad,
                source,
                "bad-number",
                "expected a number such as 19 or 9.4086E-05; found {value}",
                values=values,
            )
    return frame.with_columns(exprs) if exprs else frame


def _number_checks(source: str, target: str) -> list[tuple[pl.Expr, str, str]]:
    """Return (rows it flags, code, message) of every check a number column must pass."""
    value = pl.col(source)
    finite = value.is_finite()
    expected = f"expected a finite number in {source}; found {{value}}"
    checks = [(value.is_nan() | value.is_infinite(), "not-finite", expected)]
    if target == "gross_amount":
        expected = "expected a gross amount of 0 or more; found {value}"
        checks.append((finite & (value < 0), "negative-amount", expected))
    for columns, limit, code, most in _CEILINGS:
        if target in columns:
            expected = f"expected at most {most}; found {{value}}"
            checks.append((finite & (value.abs() > limit), code, expected))
    return checks


def _plainly_fine(source: str, target: str) -> pl.Expr:
    """Return whether a number column passes every check, from its sum, min and max alone.

    A NaN or an infinity makes the sum so; a sum too large for a float is only checked
    row by row (never wrongly passed).
    """
    value = pl.col(source)
    limit = next((lim for cols, lim, _, _ in _CEILINGS if target in cols), float("inf"))
    low = 0.0 if target == "gross_amount" else -limit
    inside = (value.min() >= low) & (value.max() <= limit)
    return (value.sum().is_finite() & inside.fill_null(True)).alias(source)


def check_numbers(frame: pl.DataFrame, mapping: dict[str, str], log: ProblemLog) -> None:
    """Log the numbers no GitHub bill holds: NaN, inf, negative gross, too large, or empty.

    One pass of sums, minima and maxima clears the columns of a good file; only the other
    columns are checked row by row.
    """
    numbers = {s: t for s, t in mapping.items() if t in FLOATS}
    if not numbers:
        return
    fine = frame.select(_plainly_fine(s, t) for s, t in numbers.items()).row(0, named=True)
    for source, target in numbers.items():
        if fine[source]:
            continue
        for mask, code, message in _number_checks(source, target):
            flagged = frame.select(mask).to_series()
            # (shown as the number read; no text copy of a million cells)
            log.rows(frame["line"], flagged, source, code, message, values=frame[source])


def check_empty(frame: pl.DataFrame, kind: str, mapping: dict[str, str], log: ProblemLog) -> None:
    """Log every empty amount or quantity of a priced report (GitHub writes 0, never nothing)."""
    if kind == KIND_PREMIUM_LEGACY:
        return
    for source, target in mapping.items():
        if target in _ALWAYS:
            values = frame[source]
            empty = values.is_null()
            if values.dtype == pl.String:
                empty = empty | (values.str.strip_chars() == "")
            log.rows(
                frame["line"],
                empty,
                source,
                "empty-amount",
                f"the {source} is empty; GitHub always writes one (0 included): "
                "download the report again",
            )


def _month_first(text: pl.Series) -> bool | None:
    """Return whether `A/B/YYYY` dates are month first; None when no value settles it."""
    parts = text.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/\d{4}$")
    a = parts.struct.field("1").cast(pl.Int32, strict=False)
    b = parts.struct.field("2").cast(pl.Int32, strict=False)
    day_first, month_first = bool((a > 12).any()), bool((b > 12).any())
    if month_first == day_first:
        # Both readings agree when every value has A == B: nothing to settle.
        return True if bool((a == b).all()) else None
    return month_first


def parse_days(values: pl.Series, lines: pl.Series, column: str, log: ProblemLog) -> pl.Series:
    """Return the days as dates, logging the values that are none.

    GitHub writes YYYY-MM-DD; M/D/YY is accepted, and spreadsheet re-saves' YYYY/M/D and
    M/D/YYYY (D/M/YYYY when the values say so; refused when no value settles the order).
    """
    days = values.str.to_date("%Y-%m-%d", strict=False)
    first, last = days.min(), days.max()
    whole = not days.null_count() and isinstance(first, date) and isinstance(last, date)
    if whole and _FIRST_DAY <= first <= last <= _LAST_DAY:  # type: ignore[operator]
        return days  # (GitHub's own form in every cell: nothing to strip, try or log)
    text = values.str.strip_chars()
    days = text.str.to_date("%Y-%m-%d", strict=False)
    told = pl.Series([False] * len(text))  # values already refused as ambiguous
    if days.null_count() > text.null_count():
        days = days.fill_null(text.str.to_date("%m/%d/%y", strict=False))
        days = days.fill_null(text.str.to_date("%Y/%m/%d", strict=False))
        four = text.str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$").fill_null(False)
        if bool(four.any()):
            order = _month_first(text.filter(four))
            if order is None:
                log.rows(
                    lines,
                    four,
                    column,
                    "ambiguous-date",
                    "a re-saved date whose day and month no value of the file tells apart; "
                    "found {value}: download the report again (GitHub writes YYYY-MM-DD)",
                    values=text,
                )
                told = four
            else:
                days = days.fill_null(
                    text.str.to_date("%m/%d/%Y" if order else "%d/%m/%Y", strict=False)
                )
    bad = (days.is_null() | (days < _FIRST_DAY) | (days > _LAST_DAY)) & ~told
    log.rows(
        lines,
        bad,
        column,
        "bad-billing-date",
        "expected a UTC day like 2026-09-02 (or 2026/9/2, 9/2/2026, 9/2/26); found {value}",
        values=text,
    )
    return days


def parse_bools(values: pl.Series, lines: pl.Series, column: str, log: ProblemLog) -> pl.Series:
    """Return True/False/TRUE/false as booleans (empty: null), logging anything else."""
    low = values.str.strip_chars().str.to_lowercase()
    parsed = low.replace_strict(
        {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
    ).alias(values.name)
    bad = parsed.is_null() & low.is_not_null() & (low != "")
    log.rows(
        lines, bad, column, "bad-boolean", "expected True or False; found {value}", values=values
    )
    return parsed
