"""What GitHub's download file names say: scope slug, report kind and snapshot epoch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl

_GITHUB_NAME = re.compile(
    r"^(?P<slug>[a-z0-9][a-z0-9-]*?)-seat-(?P<kind>usage|activity)-(?P<epoch>\d{9,13})"
    r"(?:\s*\(\d+\))?\.(?:csv|txt)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NameFacts:
    """Scope and time read from a GitHub download name."""

    slug: str
    kind: str  # usage / activity
    time: datetime  # UTC


def parse_download_name(name: str) -> NameFacts | None:
    """Return the facts in `<slug>-seat-<usage|activity>-<epoch>[ (n)].csv`, else None."""
    match = _GITHUB_NAME.match(name.strip())
    if not match:
        return None
    epoch = int(match["epoch"])
    # GitHub writes seconds; a 12- or 13-digit stamp is milliseconds.
    time = datetime.fromtimestamp(epoch / 1000 if epoch > 10**11 else epoch, tz=UTC)
    return NameFacts(match["slug"].lower(), match["kind"].lower(), time)


def slugify(name: str) -> str:
    """Return a scope slug as GitHub writes it: lower-case, non-alphanumerics as `-`.

    The result is empty for a name without an ASCII letter or digit (`..`, `日本`); callers
    refuse it.
    """
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


def is_partial_download(name: str) -> bool:
    """Return True for a file a browser is still writing (`.crdownload`, `.part`, ...)."""
    return name.lower().endswith((".crdownload", ".part", ".partial", ".download", ".tmp"))


# GitHub's rules: alphanumerics and single hyphens, no hyphen first or last, at most 39
# characters. Enterprise Managed Users get `<normalised name>_<shortcode>`, whose name part
# may hold the hyphens the normalisation left, so `_` and a suffix are accepted too.
LOGIN_PATTERN = r"^(?:[A-Za-z0-9](?:-?[A-Za-z0-9])*|[A-Za-z0-9][A-Za-z0-9-]*_[A-Za-z0-9]+)$"
MAX_LOGIN = 39
MAX_EMU_LOGIN = 64  # (a guess with room: the docs give no limit for the suffixed form)
ORG_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"
MAX_ORG = 39


def bad_logins(logins: pl.Series) -> pl.Series:
    """Return a mask of the non-empty logins GitHub would not allow."""
    text = logins.cast(pl.String)
    limit = pl.select(
        pl.when(text.str.contains("_")).then(MAX_EMU_LOGIN).otherwise(MAX_LOGIN)
    ).to_series()
    bad = ~text.str.contains(LOGIN_PATTERN) | (text.str.len_chars() > limit)
    return (bad & (text != "")).fill_null(False)


def bad_orgs(orgs: pl.Series) -> pl.Series:
    """Return a mask of the non-empty organization names GitHub would not allow."""
    text = orgs.cast(pl.String)
    bad = ~text.str.contains(ORG_PATTERN) | (text.str.len_chars() > MAX_ORG)
    return (bad & (text != "")).fill_null(False)


_API_NAME = re.compile(
    r"^(?P<slug>[a-z0-9][a-z0-9-]*?)-(?:copilot-)?(?:billing-)?seats(?:[-_. (].*)?"
    r"\.(?:json|ndjson|jsonl|csv)$",
    re.IGNORECASE,
)


def parse_api_name(name: str) -> str | None:
    """Return the scope slug of a saved API file named `<slug>-seats[...].json`, else None."""
    match = _API_NAME.match(name.strip())
    return match["slug"].lower() if match else None


def license_slug(name: str) -> str | None:
    """Return the enterprise slug of GitHub's licence report name `export-<slug>-<unix>.csv`."""
    match = re.fullmatch(r"export-(.+)-\d+(?: \(\d+\))?\.csv", name, flags=re.IGNORECASE)
    return match[1].lower() if match else None
