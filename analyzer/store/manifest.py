"""The store's manifest and marker: strict reading, writing, and the names the store gives."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from analyzer.errors import StoreError
from analyzer.model import SnapshotInfo
from analyzer.store.shelf import (
    ASIDE,
    ATTIC,
    SCOPE,
    SHA_RE,
    check_version,
    manifest_object,
    rebuild_hint,
)
from analyzer.store.shelf import file_sha256 as file_sha256  # (re-exported)
from analyzer.times import iso_exact, parse_iso

FORMAT_VERSION = 2  # 2: every snapshot records its Parquet file's sha256
MANIFEST = "manifest.json"
MARKER = "copilot-seats-store.json"
SCOPE_RE = SCOPE.pattern
# snapshots/<scope>/<YYYYMMDDTHHMMSSZ>-<sha12>.parquet
PARQUET_RE = re.compile(
    rf"snapshots/(?P<scope>{SCOPE_RE})/\d{{8}}T\d{{6}}Z-(?P<sha12>[0-9a-f]{{12}})\.parquet"
)
# What a store folder may hold at its top; anything else is someone else's file.
# The top of a store: its own files and folders (usage metrics, billing files and the derived
# carried state each keep a folder of their own).
OWN_ENTRIES = {
    MANIFEST,
    MARKER,
    ".lock",
    ".tmp",
    "originals",
    "snapshots",
    ATTIC,
    ASIDE,
    "usage",
    "billing",
    "billing.json",
    "derived",
}


def marker_bytes() -> bytes:
    """Return the marker file's content: what the folder is, and its format version."""
    body = {"format_version": FORMAT_VERSION, "what": "a copilot-seats history store"}
    return (json.dumps(body, indent=1, sort_keys=True) + "\n").encode("utf-8")


def read_marker(root: Path, *, damaged_ok: bool = False) -> int | None:
    """Return the marker's format version, None when there is none (or, if allowed, damaged).

    Raises StoreError for a damaged marker (unless `damaged_ok`) and, always, for a store
    of a newer format.
    """
    path = root / MARKER
    if not path.is_file():
        return None
    try:
        version = json.loads(path.read_text(encoding="utf-8"))["format_version"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise TypeError("format_version is not a number")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        if damaged_ok:
            return None
        raise StoreError(
            f"{path}: the store's marker file is damaged ({type(exc).__name__}); "
            + rebuild_hint(root)
        ) from exc
    check_version(path, version, FORMAT_VERSION)
    return version


_TEXT = {"id", "scope", "format", "source_name", "sha256", "time_source", "time_precision"}
_TEXT |= {"scope_source", "parquet", "parquet_sha256"}
_COUNTS = {"seats", "rows"}
_OPTIONAL = {"parquet_sha256"}


def _entry(entry: Any, index: int) -> SnapshotInfo:
    """Return one manifest entry as a SnapshotInfo; raise ValueError saying what is wrong."""
    where = f"snapshot {index + 1}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} is {type(entry).__name__}, not an object")
    values: dict[str, Any] = {}
    for field in fields(SnapshotInfo):
        name = field.name
        if name not in entry:
            if name in _OPTIONAL:
                continue
            raise ValueError(f"{where}: `{name}` is missing")
        value = entry[name]
        if name in _TEXT and not isinstance(value, str):
            raise ValueError(f"{where}: `{name}` must be text, found {value!r:.60}")
        if name in _COUNTS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ValueError(f"{where}: `{name}` must be a count, found {value!r:.60}")
        values[name] = value
    if not isinstance(values["as_of"], str):
        raise ValueError(f"{where}: `as_of` must be a time, found {values['as_of']!r:.60}")
    try:
        values["as_of"] = parse_iso(values["as_of"])
    except ValueError:
        raise ValueError(f"{where}: `as_of` is not a time: {values['as_of']!r:.60}") from None
    sha, parquet = values["sha256"], values["parquet"]
    if not SHA_RE.fullmatch(sha):
        raise ValueError(f"{where}: `sha256` is not a sha256: {sha!r:.80}")
    match = PARQUET_RE.fullmatch(parquet)
    if not match or match["scope"] != values["scope"] or match["sha12"] != sha[:12]:
        raise ValueError(f"{where}: `parquet` is not this snapshot's file name: {parquet!r:.120}")
    if values.get("parquet_sha256") and not SHA_RE.fullmatch(values["parquet_sha256"]):
        raise ValueError(f"{where}: `parquet_sha256` is not a sha256")
    return SnapshotInfo(**values)


def read_manifest(root: Path) -> list[SnapshotInfo]:
    """Return the manifest's snapshots; raise StoreError naming `rebuild` when it is damaged."""
    path = root / MANIFEST
    try:
        body, version = manifest_object(path.read_bytes())
        check_version(path, version, FORMAT_VERSION)
        entries = body.get("snapshots")
        if not isinstance(entries, list):
            raise ValueError(f"`snapshots` must be a list, found {entries!r:.60}")
        infos = [_entry(e, n) for n, e in enumerate(entries)]
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise StoreError(f"{path}: the manifest is damaged ({exc}); " + rebuild_hint(root)) from exc
    ids = [i.id for i in infos]
    if len(set(ids)) != len(ids):
        raise StoreError(f"{path}: the manifest lists a snapshot twice; " + rebuild_hint(root))
    return sorted(infos, key=lambda i: (i.scope, i.as_of, i.id))


def manifest_bytes(infos: list[SnapshotInfo]) -> bytes:
    """Return the manifest listing these snapshots, in the current format."""
    ordered = sorted(infos, key=lambda i: (i.scope, i.as_of, i.id))
    # Written whole after every snapshot an ingest stores: each entry is made once.
    entries = ",\n".join(_entry_text(info) for info in ordered)
    listed = f"[\n{entries}\n ]" if entries else "[]"
    # (Not sealed like the other manifests: its layout is the very bytes of one json.dumps.)
    return f'{{\n "format_version": {FORMAT_VERSION},\n "snapshots": {listed}\n}}\n'.encode()


@functools.lru_cache(maxsize=4096)
def _entry_text(info: SnapshotInfo) -> str:
    """Return one snapshot's manifest entry, as `json.dumps(..., indent=1)` lays it out."""
    values = asdict(info)
    values["as_of"] = iso_exact(info.as_of)
    text = json.dumps([values], indent=1, sort_keys=True)
    return "\n".join(" " + line for line in text.splitlines()[1:-1])
