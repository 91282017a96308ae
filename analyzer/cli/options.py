"""Options shared by several commands, declared once, and small CLI helpers."""

from __future__ import annotations

import functools
import json
import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from analyzer.times import MAX_DAYS, in_years, parse_iso, years_text

if TYPE_CHECKING:
    from analyzer.answers.store import Store
    from analyzer.model import Settings

F = TypeVar("F", bound=Callable[..., Any])
CONTEXT: dict[str, Any] = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def store_option(func: F) -> F:
    """Add `--store DIR` (env COPILOT_SEATS_STORE, default ./copilot-history)."""
    return click.option(
        "--store",
        "store_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="COPILOT_SEATS_STORE",
        default=Path("copilot-history"),
        show_default=True,
        help="History store folder (env COPILOT_SEATS_STORE).",
    )(func)


def config_option(func: F) -> F:
    """Add `--config FILE` (default: ./copilot-seats.toml when present)."""
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Configuration file (default: ./copilot-seats.toml when it exists).",
    )(func)


SCOPE_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")


def check_scope(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Return the scope lower-cased, or a usage error when it is no org or enterprise slug."""
    if value is None:
        return None
    scope = value.strip().lower()
    if SCOPE_PATTERN.fullmatch(scope):
        return scope
    hint = re.sub(r"[^a-z0-9]+", "-", scope).strip("-")[:100]
    suggestion = f" (did you mean {hint!r}?)" if hint else ""
    raise click.BadParameter(
        f"{printable(value)!r} is not an org or enterprise slug: use lower-case letters, "
        f"digits and '-', starting with a letter or digit, at most 100 characters{suggestion}",
        ctx,
        param,
    )


def scope_option(func: F) -> F:
    """Add `--scope S`: which org or enterprise, when the store holds several."""
    return click.option(
        "--scope",
        default=None,
        callback=check_scope,
        help="Org or enterprise slug (needed when the store has several).",
    )(func)


def threshold_options(func: F) -> F:
    """Add `--stale-days` and `--grace-days`, which win over the configuration file."""
    func = click.option(
        "--grace-days",
        type=click.IntRange(min=0, max=MAX_DAYS),
        default=None,
        help="Days a new seat may stay unused before it counts as never active [30].",
    )(func)
    return click.option(
        "--stale-days",
        type=click.IntRange(min=0, max=MAX_DAYS),
        default=None,
        help="Days without activity after which a seat is stale [30].",
    )(func)


def quiet_option(func: F) -> F:
    """Add `--quiet` / `-q`."""
    return click.option("-q", "--quiet", is_flag=True, help="Print only errors.")(func)


class TimeParam(click.ParamType):  # type: ignore[type-arg]
    """A time on the command line: `2026-03-28`, `2026-03-28T06:54:33Z` or with an offset."""

    name = "TIME"

    def __init__(self, *, end_of_day: bool) -> None:
        self.end_of_day = end_of_day

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            parsed = parse_iso(text)
        except ValueError:
            self.fail(
                f"{value!r} is not a time; use e.g. 2026-03-28 or 2026-03-28T06:54:33Z", param, ctx
            )
        if self.end_of_day and len(text) == 10:  # "at 2026-03-28" includes that day
            parsed = parsed.replace(hour=23, minute=59, second=59)
        if not in_years(parsed):
            self.fail(f"{value!r} is outside the supported dates {years_text()}", param, ctx)
        return parsed


TIME = TimeParam(end_of_day=False)  # a bare date is 00:00 UTC
AT = TimeParam(end_of_day=True)  # a bare date is the end of that day (UTC)


def plural(count: int, word: str, many: str | None = None) -> str:
    """Return `1 file`, `2 files`."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def say(message: str) -> None:
    """Print a status line to stderr, control characters shown escaped."""
    click.echo(printable(message), err=True)


# C0 and C1 control characters, DEL, and the bidirectional overrides that reorder text.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """Return `text` with control characters escaped (`\\x1b`, `\\n`), safe for a terminal.

    A login, team, org or file name from a report can hold an escape sequence that rewrites
    the screen, or a newline that forges an output line: neither reaches the terminal raw.
    """
    return _CONTROL.sub(_escape, text)


def echo_line(text: str, *, err: bool = False) -> None:
    """Print one line of human output with control characters shown escaped."""
    click.echo(printable(text), err=err)


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
# A spreadsheet skips these before it decides whether a cell is a formula.
_LEADING_BLANKS = "\r\n\t "
_FORMULA_START = ("=", "+", "-", "@")


def csv_safe(value: Any) -> Any:
    """Return a CSV cell a spreadsheet will not run as a formula (OWASP CSV injection).

    Text whose first character after any carriage returns, line feeds, tabs and spaces is
    `=`, `+`, `-` or `@` gets a leading `'` (so does text starting with a tab or a carriage
    return); numbers, and text that is just a number such as `-5`, stay as they are.
    """
    if not isinstance(value, str) or _NUMBER.fullmatch(value):
        return value
    risky = value[:1] in ("\t", "\r") or value.lstrip(_LEADING_BLANKS)[:1] in _FORMULA_START
    return "'" + value if risky else value


def csv_field(value: Any) -> str:
    """Return one CSV field: empty for None, quoted when it holds a comma, quote, CR or LF.

    Python's csv module leaves a lone carriage return unquoted when lines end in LF, and a
    spreadsheet then starts a new row there: every CR or LF is quoted here.
    """
    if value is None:
        return ""
    text = csv_safe(value) if isinstance(value, str) else value
    text = str(text)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """Return rows as CSV text, every cell made safe for a spreadsheet."""
    lines = [",".join(csv_field(c) for c in columns)]
    lines.extend(",".join(csv_field(row.get(c)) for c in columns) for row in rows)
    return "".join(line + "\n" for line in lines)


def write_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as CSV to stdout, every cell made safe for a spreadsheet."""
    sys.stdout.write(csv_text(rows, columns))


def interactive() -> bool:
    """Return True when stderr is a terminal (progress bars make sense)."""
    return sys.stderr.isatty()


def now_utc() -> datetime:
    """Return the current time; the CLI is the only place that reads the clock."""
    return datetime.now(UTC).replace(microsecond=0)


def resolve_settings(config_path: Path | None, **overrides: Any) -> Settings:
    """Return Settings from the configuration file and the command line's overrides."""
    from analyzer.config import load_settings

    return load_settings(config_path, cwd=Path.cwd(), overrides=overrides)


def settings_options(func: F) -> F:
    """Add `--config`, `--stale-days` and `--grace-days`, resolved once into `settings`."""

    @functools.wraps(func)
    def resolved(
        *args: Any,
        config_path: Path | None,
        stale_days: int | None,
        grace_days: int | None,
        **kwargs: Any,
    ) -> Any:
        kwargs["settings"] = resolve_settings(
            config_path, stale_days=stale_days, grace_days=grace_days
        )
        return func(*args, **kwargs)

    return config_option(threshold_options(cast(F, resolved)))


def one_format(*asked: str | None) -> str | None:
    """Return the one machine format asked for (None: text); two different ones are a usage error.

    `asked` holds each output option's format or None, e.g. ("json", None) for `--json`.
    """
    chosen = sorted({a for a in asked if a})
    if len(chosen) > 1:
        raise click.UsageError(
            "choose one output format; asked for " + " and ".join(chosen),
            click.get_current_context(),
        )
    return chosen[0] if chosen else None


def money(value: float, currency: str) -> str:
    """Return `1,234.00 USD`."""
    return f"{value:,.2f} {currency}"


def lower_first(text: str) -> str:
    """Return a label for the middle of a line: `No activity ...` -> `no activity ...`."""
    return text[:1].lower() + text[1:]


def open_store(store_dir: Path) -> Store:
    """Return the store at `store_dir` (imported here so `--help` does not load polars)."""
    from analyzer.answers.store import open_store as opened

    return opened(store_dir)


_SCALARS = {str, int, float, bool, type(None)}
# Between the items of a row, as `json.dumps(rows, indent=2)` writes them (and, at first,
# between the rows too: a literal line break is never inside an encoded string).
_ROWS_ENCODER = json.JSONEncoder(separators=(",\n    ", ": "))


def json_rows(rows: list[dict[str, Any]]) -> str:
    """Return `json.dumps(rows, indent=2)` for a list of rows, several times faster.

    Python's indenting encoder is written in Python. When every row is a non-empty object
    of scalars, the C encoder writes the whole list instead, its item separator carrying
    the rows' indentation; the rows' own separators are then indented one level less.
    """
    flat = all(rows) and set().union(*(map(type, row.values()) for row in rows)) <= _SCALARS
    if not rows or not flat:
        return json.dumps(rows, indent=2)
    body = _ROWS_ENCODER.encode(rows)[2:-2].replace("},\n    {", "\n  },\n  {\n    ")
    return "[\n  {\n    " + body + "\n  }\n]"


def json_with_rows(head: dict[str, Any], key: str, rows: list[dict[str, Any]]) -> str:
    """Return `json.dumps({**head, key: rows}, indent=2)`, the rows written by `json_rows`."""
    opening = json.dumps(head, indent=2)[:-2] if head else "{"
    joint = ",\n" if head else "\n"
    # a literal line break is never inside an encoded string: indenting every line is safe
    listed = json_rows(rows).replace("\n", "\n  ")
    return f"{opening}{joint}  {json.dumps(key)}: {listed}\n}}"


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter(f"{value!r} is not a month; use YYYY-MM, e.g. 2026-03")
    if value is not None and not in_years(date(max(int(value[:4]), 1), int(value[5:7]), 1)):
        raise click.BadParameter(f"{value!r} is outside the supported dates {years_text()}")
    return value


def month_option(help_text: str, *names: str) -> Callable[[F], F]:
    """Add `--month YYYY-MM` (or the option `names` give), checked before anything is read."""

    def add(func: F) -> F:
        decls = names or ("--month",)
        return click.option(*decls, callback=_month, default=None, help=help_text)(func)

    return add
