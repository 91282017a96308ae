"""Parse report timestamps to UTC: GitHub's own format fast, re-saved spreadsheet forms too."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from analyzer.schema import constant

UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
SLASHED = (
    r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)


@dataclass(frozen=True)
class ParsedTimes:
    """A parsed timestamp column: UTC values, date-only flags, and the unparseable rows."""

    values: pl.Series  # Datetime("us", "UTC")
    day_only: pl.Series  # Boolean: the value was a date without a time
    failed: pl.Series  # Boolean: a non-empty value no known form matched
    minute_only: bool  # some value had no seconds (a spreadsheet re-save)


def day_order(columns: list[pl.Series]) -> str | None:
    """Return "dmy" or "mdy" for the slashed dates of a file, None if undecidable.

    A spreadsheet re-save turns `2026-01-15` into `1/15/2026` or `15/01/2026` depending on
    the locale. One file uses one order, so any part greater than 12 settles it for every
    value; dotted dates (`15.01.2026`) are day-first by convention. When no value settles
    it, the order is unknown and the caller must refuse rather than guess. Any values will
    do; passing only `maybe_slashed` ones saves work.
    """
    texts = pl.concat([c.cast(pl.String) for c in columns])
    parts = texts.str.extract_groups(SLASHED).struct.unnest().drop_nulls("1")
    if parts.is_empty():
        return None
    first = parts["1"].cast(pl.Int32)
    second = parts["2"].cast(pl.Int32)
    day_first = bool((first > 12).any())
    month_first = bool((second > 12).any())
    if day_first and not month_first:
        return "dmy"
    if month_first and not day_first:
        return "mdy"
    dotted = texts.str.contains(r"^\d{1,2}\.")
    if bool(dotted.any()) and not month_first:
        return "dmy"
    return None


def maybe_slashed(texts: pl.Series) -> pl.Series:
    """Keep the values with a slash or a dot: only those can be spreadsheet dates."""
    return texts.filter(texts.str.contains(r"[/.]"))


def _slashed(raw: pl.Series, order: str | None) -> tuple[pl.Series, pl.Series]:
    parts = raw.str.extract_groups(SLASHED).struct.unnest()
    if order is None:
        empty = constant(None, len(raw), pl.Datetime("us", "UTC")).alias(raw.name)
        return empty, constant(False, len(raw), pl.Boolean)
    day, month = ("1", "2") if order == "dmy" else ("2", "1")
    hour = parts["4"].cast(pl.Int32).fill_null(0)
    ampm = parts["7"].str.to_lowercase()
    hour = (
        pl.select(
            pl.when((ampm == "pm") & (hour < 12))
            .then(hour + 12)
            .when((ampm == "am") & (hour == 12))
            .then(0)
            .otherwise(hour)
        )
        .to_series()
        .cast(pl.Int32)
    )

    def pad(col: pl.Series, width: int = 2) -> pl.Series:
        return col.cast(pl.Int32).fill_null(0).cast(pl.String).str.zfill(width)

    # Rebuild ISO text and parse it non-strictly: an impossible day such as 31/02 or an
    # hour of 25 becomes null (an unparseable value), never an error or a rolled-over date.
    iso = pl.select(
        pl.concat_str(
            [
                parts["3"],
                pl.lit("-"),
                pad(parts[month]),
                pl.lit("-"),
                pad(parts[day]),
                pl.lit(" "),
                pad(hour),
                pl.lit(":"),
                pad(parts["5"]),
                pl.lit(":"),
                pad(parts["6"]),
            ]
        )
    ).to_series()
    values = iso.str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_zone="UTC")
    return values.cast(pl.Datetime("us", "UTC")), parts["4"].is_null()


def parse_times(raw: pl.Series, *, order: str | None = None) -> ParsedTimes:
    """Parse a column of timestamp text (nulls are empty) into UTC datetimes.

    Tries GitHub's `2026-03-28T06:54:33Z` first (fast), then a plain date (day precision),
    then ISO-8601 with any offset or fraction, then `2026-03-28 06:54[:33]` and slashed
    spreadsheet forms (`order` from `day_order`). Text without an offset was UTC when
    GitHub wrote it, so it is read as UTC.
    """
    utc = pl.Datetime("us", "UTC")
    if len(raw) > 1 and not raw.null_count() and bool((raw == raw[0]).all()):
        # One value on every row (the Report Time column): parse it once.
        one = parse_times(raw.head(1), order=order)
        return ParsedTimes(
            one.values.new_from_index(0, len(raw)),
            one.day_only.new_from_index(0, len(raw)),
            one.failed.new_from_index(0, len(raw)),
            one.minute_only,
        )
    # GitHub's own form first, on the values as they are: a whole column of it is done.
    # (cache=False: caching pays for repeated values, and timestamps rarely repeat)
    raw = raw.cast(pl.String)
    values = raw.str.to_datetime(
        UTC_FORMAT, strict=False, time_zone="UTC", time_unit="us", cache=False
    )
    day_only = constant(False, len(raw), pl.Boolean)
    if values.null_count() == raw.null_count():
        return ParsedTimes(values.alias(raw.name), day_only, day_only, False)
    raw = raw.str.strip_chars()
    raw = pl.select(pl.when(raw != "").then(raw)).to_series()
    values = values.fill_null(
        raw.str.to_datetime(UTC_FORMAT, strict=False, time_zone="UTC", time_unit="us")
    )
    minute_only = False
    todo = raw.is_not_null() & values.is_null()
    if bool(todo.any()):
        # Only a full date: chrono would also take `2026-03-2`, the end of a cut-off file.
        full = raw.str.contains(r"^\d{4}-\d{2}-\d{2}$").fill_null(False)
        dates = raw.str.to_date("%Y-%m-%d", strict=False).cast(utc)
        dates = pl.select(pl.when(full).then(dates)).to_series()
        day_only = todo & dates.is_not_null()
        values = values.fill_null(dates)
        todo = raw.is_not_null() & values.is_null()
    if bool(todo.any()):
        offset = raw.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f%#z", strict=False, time_unit="us")
        values = values.fill_null(offset.dt.convert_time_zone("UTC").cast(utc))
        todo = raw.is_not_null() & values.is_null()
    if bool(todo.any()):  # spelled-out zone on a UTC time, e.g. "2026-03-28 06:54:33 UTC"
        raw = raw.str.replace(r"(?i)\s*(UTC|GMT|Z)$", "")
    for fmt, no_seconds in (
        ("%Y-%m-%dT%H:%M:%S%.f", False),
        ("%Y-%m-%d %H:%M:%S%.f", False),
        ("%Y-%m-%dT%H:%M", True),
        ("%Y-%m-%d %H:%M", True),
    ):
        if not bool(todo.any()):
            break
        spaced = raw.str.to_datetime(fmt, strict=False, time_zone="UTC", time_unit="us")
        minute_only = minute_only or (no_seconds and bool((todo & spaced.is_not_null()).any()))
        values = values.fill_null(spaced)
        todo = raw.is_not_null() & values.is_null()
    if bool(todo.any()):
        slashed, slashed_day = _slashed(raw, order)
        hit = todo & slashed.is_not_null()
        minute_only = minute_only or bool((hit & ~slashed_day).any())
        day_only = day_only | (hit & slashed_day)
        values = values.fill_null(slashed)
        todo = raw.is_not_null() & values.is_null()
    return ParsedTimes(values.alias(raw.name), day_only, todo, minute_only)
