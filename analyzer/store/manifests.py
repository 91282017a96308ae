"""Manifests: every family's list of what it keeps, read and written one way.

A manifest is one JSON object with a whole-number `format_version`, sealed with the sha256
of its own bytes (written first), replaced atomically and durably. One of a newer version
is refused, never rewritten; a damaged one names `rebuild`. Each entry is a dataclass whose
every field is checked against its type when read (times and days: ISO text).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import types
import typing
from datetime import date, datetime
from pathlib import Path
from typing import Any, TypeVar

from analyzer.errors import StoreError
from analyzer.store.shelf import rebuild_hint, write_bytes
from analyzer.times import iso_exact, parse_iso

T = TypeVar("T")


_SEAL = re.compile(rb'\A\{\n "sha256": "([0-9a-f]{64})",\n')


def seal(text: bytes) -> bytes:
    """Return a manifest's JSON text with the sha256 of its bytes written in, first."""
    digest = hashlib.sha256(text).hexdigest().encode()
    return b'{\n "sha256": "' + digest + b'",\n' + text.removeprefix(b"{\n")


def check_seal(data: bytes) -> None:
    """Raise ValueError when a sealed manifest's bytes are not the ones it was written with."""
    match = _SEAL.match(data)
    if match and hashlib.sha256(b"{\n" + data[match.end() :]).hexdigest() != match[1].decode():
        raise ValueError("its bytes do not match the sha256 written in it (changed on disk)")


def manifest_object(data: bytes) -> tuple[dict[str, Any], int]:
    """Return a manifest's JSON object and format version; ValueError when it is damaged.

    Every family's manifest is read through here: its seal (when it has one), UTF-8, one
    JSON object, and a whole-number `format_version`.
    """
    check_seal(data)
    body = json.loads(data.decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError(f"it is {type(body).__name__}, not an object")
    found = body.get("format_version")
    if isinstance(found, bool) or not isinstance(found, int):
        raise ValueError(f"`format_version` must be a number, found {found!r:.60}")
    return body, found


def read_body(root: Path, rel: str, version: int, folder: str) -> dict[str, Any] | None:
    """Return a manifest's JSON object (None when absent); refuse a damaged or newer one.

    A manifest missing while its family's `folder` holds tables is damage, never an empty
    family: the tables would silently be left out of every figure.
    """
    path = root / rel
    if not path.is_file():
        if any((root / folder).glob("*/*.parquet")):
            raise StoreError(
                f"{path} is missing but the store holds its tables in {folder}/; nothing was "
                "changed; " + rebuild_hint(root)
            )
        return None
    try:
        body, found = manifest_object(path.read_bytes())
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise StoreError(f"{path}: the manifest is damaged ({exc}); " + rebuild_hint(root)) from exc
    check_version(path, found, version)
    return body


def check_version(path: Path, found: int, known: int) -> None:
    """Raise StoreError for a file of a newer format than this version knows."""
    if found > known:
        raise StoreError(
            f"{path}: the store has format version {found}, newer than this "
            f"copilot-seats understands ({known}); nothing was changed; upgrade copilot-seats"
        )


def refuse_newer(root: Path, known: dict[str, int]) -> None:
    """Raise StoreError when one of these manifests has a newer format (damaged ones pass)."""
    for rel, version in known.items():
        try:  # (its seal is not asked for: a newer version may have been edited by hand)
            found = json.loads((root / rel).read_text(encoding="utf-8"))["format_version"]
        except (OSError, ValueError, RecursionError, KeyError, TypeError):
            continue
        if isinstance(found, int) and not isinstance(found, bool):
            check_version(root / rel, found, version)


def write_body(root: Path, rel: str, body: dict[str, Any]) -> None:
    """Replace a manifest atomically and durably."""
    text = json.dumps({k: v for k, v in body.items() if k != "sha256"}, indent=1, sort_keys=True)
    write_bytes(root, root / rel, seal((text + "\n").encode()))


def entry_to_json(entry: Any) -> dict[str, Any]:
    """Return a manifest entry (a dataclass) as JSON values: times and days as ISO text."""
    values = dataclasses.asdict(entry)
    for name, value in values.items():
        if isinstance(value, datetime):
            values[name] = iso_exact(value)
        elif isinstance(value, date):
            values[name] = value.isoformat()
    return values


def entry_from_json(cls: type[T], entry: Any, where: str) -> T:
    """Return one manifest entry as `cls`, every field checked against its type.

    Raise ValueError saying which field is wrong; a field with a default may be absent.
    """
    if not isinstance(entry, dict):
        raise ValueError(f"{where} is {type(entry).__name__}, not an object")
    hints, fields, required = _shape(cls)  # type: ignore[arg-type]  # (a class is hashable)
    values: dict[str, Any] = {}
    for field in fields:
        if field.name not in entry:
            if field.name in required:
                raise ValueError(f"{where}: `{field.name}` is missing")
            continue
        try:
            values[field.name] = _typed(entry[field.name], hints[field.name])
        except ValueError as exc:
            raise ValueError(f"{where}: `{field.name}` {exc}: {entry[field.name]!r:.60}") from None
    return cls(**values)


@functools.cache
def _shape(cls: type) -> tuple[dict[str, Any], tuple[dataclasses.Field[Any], ...], set[str]]:
    """Return an entry class's type hints, fields and the fields without a default (read
    once: a manifest lists thousands of entries)."""
    fields = dataclasses.fields(cls)
    missing = dataclasses.MISSING
    required = {f.name for f in fields if f.default is missing and f.default_factory is missing}
    return typing.get_type_hints(cls), fields, required


def _typed(value: Any, kind: Any) -> Any:
    """Return `value` as `kind` (times and days parsed); ValueError saying what it must be."""
    if isinstance(kind, types.UnionType):  # `X | None`
        if value is None:
            return None
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind in (datetime, date):
        try:
            return parse_iso(value) if kind is datetime else date.fromisoformat(value)
        except (AttributeError, TypeError, ValueError):
            raise ValueError("is not a " + ("time" if kind is datetime else "day")) from None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError("must be a count")
    if kind is str and not isinstance(value, str):
        raise ValueError("must be text")
    if not isinstance(value, typing.get_origin(kind) or kind):
        raise ValueError(f"must be a {(typing.get_origin(kind) or kind).__name__}")
    return value
