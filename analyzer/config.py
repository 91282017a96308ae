"""Load `copilot-seats.toml` and command-line overrides into Settings, and the people file."""

from __future__ import annotations

import dataclasses
import math
import tomllib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analyzer.errors import ConfigError
from analyzer.model import BillingSettings, PeopleSource, Settings
from analyzer.times import MAX_DAYS

if TYPE_CHECKING:
    import polars as pl

CONFIG_NAME = "copilot-seats.toml"
# Plausible ranges: anything outside is a typo (or an attack), never a setting.
MAX_PRICE = 100_000.0  # a seat's monthly price: 0 .. 100,000 (finite)
_TOP_KEYS = {
    "stale_days",
    "grace_days",
    "default_plan",
    "currency",
    "timezone",
    "prices",
    "exclusions",
    "people",
    "billing",
}
_PEOPLE_KEYS = {
    "file",
    "login_column",
    "name_column",
    "email_column",
    "department_column",
    "cost_center_column",
    "manager_column",
}


def _int(table: dict[str, Any], key: str, where: str) -> int | None:
    value = table.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        raise ConfigError(
            f"{where}: `{key}` must be a whole number of days from 0 to {MAX_DAYS}, found {value!r}"
        )
    return value


def _text(table: dict[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{where}: `{key}` must be a non-empty string, found {value!r}")
    return value


def _unknown(table: dict[str, Any], allowed: set[str], where: str, section: str = "") -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise ConfigError(
            f"{where}: unknown key `{section}{extra[0]}`; expected one of "
            f"{', '.join(sorted(allowed))}"
        )


def _prices(table: Any, where: str) -> dict[str, float] | None:
    if table is None:
        return None
    if not isinstance(table, dict) or not table:
        raise ConfigError(f"{where}: `[prices]` must be a table such as business = 19")
    prices: dict[str, float] = {}
    for plan, price in table.items():
        if (
            isinstance(price, bool)
            or not isinstance(price, int | float)
            or not 0 <= price <= MAX_PRICE  # also refuses nan, inf and huge integers
            or not math.isfinite(price)
        ):
            raise ConfigError(
                f"{where}: `prices.{plan}` must be a number from 0 to {MAX_PRICE:,.0f}, "
                f"found {price!r}"
            )
        prices[plan.lower()] = float(price)
    return prices


def _merged_prices(prices: dict[str, float] | None) -> dict[str, float] | None:
    """Return GitHub's list prices updated by the file's, so every plan keeps a price."""
    return None if prices is None else {**Settings().prices, **prices}


def _exclusions(table: Any, where: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if table is None:
        return (), ()
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: `[exclusions]` must be a table with logins and patterns")
    _unknown(table, {"logins", "patterns"}, where, "exclusions.")
    out = []
    for key in ("logins", "patterns"):
        values = table.get(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(
                f"{where}: `exclusions.{key}` must be a list of strings, found {values!r}"
            )
        out.append(tuple(v.strip().lower() for v in values))
    return out[0], out[1]


def _people(table: Any, where: str, base: Path) -> PeopleSource | None:
    if table is None:
        return None
    if not isinstance(table, dict) or "file" not in table:
        raise ConfigError(
            f"{where}: `[people]` needs `file`, the path of a CSV mapping "
            "login to name, email, department and cost center"
        )
    _unknown(table, _PEOPLE_KEYS, where, "people.")
    values = {k: _text(table, k, where) for k in _PEOPLE_KEYS}
    path = Path(str(values.pop("file")))
    path = path if path.is_absolute() else base / path
    return PeopleSource(str(path), **{k: v for k, v in values.items() if v is not None})


_BILLING_KEYS = {
    "credit_price",
    "business_credits",
    "enterprise_credits",
    "promotion_business_credits",
    "promotion_enterprise_credits",
    "promotion_until",
    "billing_day",
}


def _billing(table: Any, where: str) -> BillingSettings | None:
    """Return `[billing]`: credit price, credits per licence, the promotion and its end."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: `[billing]` must be a table such as credit_price = 0.01")
    _unknown(table, _BILLING_KEYS, where, "billing.")
    numbers: dict[str, float] = {}
    for key in _BILLING_KEYS - {"promotion_until", "billing_day"}:
        value = table.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise ConfigError(f"{where}: `billing.{key}` must be a number >= 0, found {value!r}")
        numbers[key] = float(value)
    base = BillingSettings()
    until = table.get("promotion_until", base.promotion_until)
    try:
        date.fromisoformat(str(until))
    except ValueError as exc:
        raise ConfigError(
            f"{where}: `billing.promotion_until` must be a date such as 2026-09-01"
        ) from exc

    day = table.get("billing_day", base.billing_day)
    if isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 28:
        raise ConfigError(
            f"{where}: `billing.billing_day` must be a whole day of the month from 1 to 28 "
            f"(the day the seat billing cycle starts), found {day!r}"
        )

    def plans(prefix: str, default: dict[str, float]) -> dict[str, float]:
        return {p: numbers.get(f"{prefix}{p}_credits", default[p]) for p in default}

    return BillingSettings(
        credit_price=numbers.get("credit_price", base.credit_price),
        allowances=plans("", base.allowances),
        promotion_allowances=plans("promotion_", base.promotion_allowances),
        promotion_until=str(until),
        billing_day=day,
    )


def load_settings(
    config_path: Path | None, *, cwd: Path, overrides: dict[str, Any] | None = None
) -> Settings:
    """Return Settings from the config file (given, or ./copilot-seats.toml) and overrides."""
    path = config_path or (cwd / CONFIG_NAME)
    raw: dict[str, Any] = {}
    if config_path is not None and not config_path.is_file():
        raise ConfigError(f"{config_path}: no such configuration file")
    if path.is_file():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    where = str(path)
    _unknown(raw, _TOP_KEYS, where)
    fields: dict[str, Any] = {
        "stale_days": _int(raw, "stale_days", where),
        "grace_days": _int(raw, "grace_days", where),
        "default_plan": (_text(raw, "default_plan", where) or "").lower() or None,
        "currency": _text(raw, "currency", where),
        "timezone": _text(raw, "timezone", where),
        "prices": _merged_prices(_prices(raw.get("prices"), where)),
        "people": _people(raw.get("people"), where, path.parent),
        "config_path": str(path) if path.is_file() else None,
        "billing": _billing(raw.get("billing"), where),
    }
    fields["exclude_logins"], fields["exclude_patterns"] = _exclusions(raw.get("exclusions"), where)
    for key, value in (overrides or {}).items():
        if key in ("stale_days", "grace_days"):
            value = _int({key: value}, key, "the command line")
        if value is not None:
            fields[key] = value
    settings = dataclasses.replace(
        Settings(), **{k: v for k, v in fields.items() if v is not None and v != ()}
    )
    return _validated(settings, where)


def _validated(settings: Settings, where: str) -> Settings:
    if settings.default_plan not in settings.prices:
        raise ConfigError(
            f"{where}: `default_plan` is {settings.default_plan!r} but "
            f"`[prices]` has no price for it (prices: "
            f"{', '.join(sorted(settings.prices))})"
        )
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"{where}: `timezone` must be an IANA zone such as "
            f"'Europe/Berlin', found {settings.timezone!r}"
        ) from exc
    return settings


def load_people(source: PeopleSource) -> pl.DataFrame:
    """Return login (lower-case), name, email, department, cost_center, manager from the file.

    A column the file lacks is empty (the manager column is optional in most people files).
    """
    import polars as pl

    path = Path(source.path)
    if not path.is_file():
        raise ConfigError(f"{path}: the people file named in the configuration does not exist")
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        raise ConfigError(f"{path}: cannot read the people file as CSV: {exc}") from exc
    columns = {
        "login": source.login_column,
        "name": source.name_column,
        "email": source.email_column,
        "department": source.department_column,
        "cost_center": source.cost_center_column,
        "manager": source.manager_column,
    }
    if source.login_column not in frame.columns:
        raise ConfigError(
            f"{path}: the people file has no column {source.login_column!r} "
            f"(found: {', '.join(frame.columns)}); set people.login_column"
        )
    return (
        frame.select(
            [
                (
                    pl.col(col).str.strip_chars()
                    if col in frame.columns
                    else pl.lit(None, pl.String)
                ).alias(name)
                for name, col in columns.items()
            ]
        )
        .with_columns(pl.col("login").str.to_lowercase())
        .unique("login", keep="first")
        .filter(pl.col("login").is_not_null())
    )
