"""What GitHub's download file names say: scope slug, report kind and snapshot epoch."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

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
    """Return a scope slug as GitHub writes it: lower-case, non-alphanumerics as `-`."""
    return re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")


def is_partial_download(name: str) -> bool:
    """Return True for a file a browser is still writing (`.crdownload`, `.part`, ...)."""
    return name.lower().endswith((".crdownload", ".part", ".partial", ".download", ".tmp"))
