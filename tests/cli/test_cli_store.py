"""verify, forget and rebuild through the CLI; every store file corrupted in turn; fuzzed ingest."""

from __future__ import annotations

import json
import shutil
import string
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzer.cli import main
from tests.helpers import Seat, ts, write_activity

T1 = ts("2026-01-03T06:00:00")
T2 = ts("2026-02-03T06:00:00")


def run(*args: str | Path) -> Result:
    """Run the CLI in-process as a user would (exceptions caught and reported)."""
    return CliRunner().invoke(main, [str(a) for a in args])


def make(tmp: Path) -> Path:
    """Ingest two acme snapshots through the CLI; return the store folder."""
    inbox = tmp / "in"
    write_activity(inbox, "acme", T1, [Seat("ann", T1), Seat("bob"), Seat("cid", T1)])
    write_activity(inbox, "acme", T2, [Seat("ann", T2), Seat("dan")])
    assert run("ingest", inbox, "--store", tmp / "s").exit_code == 0
    return tmp / "s"


def figures(store: Path) -> str:
    """Return what status and history say (the figures a corruption must not change)."""
    return (
        run("status", "--json", "--store", store).stdout
        + run("history", "--json", "--store", store).stdout
    )


def test_verify_clean_store_exits_0_with_a_summary(tmp_path: Path) -> None:
    """A whole store: no problem lines, exit 0, one summary line."""
    store = make(tmp_path)
    result = run("verify", "--store", store)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == f"verified 2 snapshots and 2 originals in {store}: no problems"
    body = json.loads(run("verify", "--json", "--store", store).stdout)
    assert body["ok"] is True and body["problems"] == []


def test_verify_on_a_foreign_folder_is_an_error_line(tmp_path: Path) -> None:
    """verify names a folder that is no store, exit 1, no traceback."""
    (tmp_path / "f").mkdir()
    (tmp_path / "f" / "a.txt").write_text("x")
    result = run("verify", "--store", tmp_path / "f")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'f'} is not a copilot-seats store")


def test_forget_through_the_cli(tmp_path: Path) -> None:
    """forget prints what it removed; an ambiguous choice is refused; ingest restores it."""
    store = make(tmp_path)
    ambiguous = run("forget", "--sha256", "0000", "--store", store)
    assert ambiguous.exit_code == 1 and "no stored snapshot matches" in ambiguous.stderr
    usage = run("forget", "--store", store)
    assert usage.exit_code == 2
    result = run("forget", "--scope", "acme", "--at", "2026-01-03T06:00:00Z", "--store", store)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("forgot          acme at 2026-01-03T06:00:00Z, 3 seats (")
    assert result.stderr.strip().startswith("1 snapshot forgotten, 1 snapshot left")
    assert run("rebuild", "--store", store).exit_code == 0
    listed = json.loads(run("snapshots", "--json", "--store", store).stdout)["snapshots"]
    assert [s["as_of"] for s in listed] == ["2026-02-03T06:00:00Z"]
    assert run("ingest", tmp_path / "in", "--store", store).exit_code == 0
    listed = json.loads(run("snapshots", "--json", "--store", store).stdout)["snapshots"]
    assert [s["as_of"] for s in listed] == ["2026-01-03T06:00:00Z", "2026-02-03T06:00:00Z"]
    assert run("verify", "--store", store).exit_code == 0


def _manifest(store: Path) -> None:
    (store / "manifest.json").write_text('{"format_version": 2, "snapshots": [{"id": 1}]}')


def _parquet(store: Path) -> None:
    path = sorted((store / "snapshots" / "acme").iterdir())[-1]
    path.write_bytes(path.read_bytes()[:100])


def _original(store: Path) -> None:
    folder = sorted((store / "originals").iterdir())[0]
    kept = next(p for p in folder.iterdir() if p.name != "ingest.json")
    kept.write_bytes(kept.read_bytes() + b"x")


def _marker(store: Path) -> None:
    (store / "copilot-seats-store.json").write_text("{garbage")


# (what is corrupted, how, what every reading command says, what verify says)
FAULTS: list[tuple[str, Callable[[Path], None], str, str]] = [
    ("manifest", _manifest, "the manifest is damaged", "[damaged-manifest]"),
    ("parquet", _parquet, "is truncated or not a Parquet file", "[damaged-snapshot]"),
    ("original", _original, "", "[damaged-original]"),
    ("marker", _marker, "the store's marker file is damaged", "[damaged-marker]"),
]


@pytest.mark.parametrize(("kind", "corrupt", "said", "code"), FAULTS, ids=[f[0] for f in FAULTS])
def test_each_corrupted_store_file_is_named_and_rebuild_restores_the_figures(
    tmp_path: Path, kind: str, corrupt: Callable[[Path], None], said: str, code: str
) -> None:
    """Every command names the damage and `rebuild` (exit 1, no traceback); rebuild repairs it."""
    store = make(tmp_path)
    before = figures(store)
    corrupt(store)
    commands = [
        ["status"],
        ["history"],
        ["snapshots"],
        ["report", "--html", str(tmp_path / "r.html")],
        ["monthly", str(tmp_path / "in"), "--out", str(tmp_path / "out")],
    ]
    for args in commands:
        result = run(*args, "--store", store)
        assert "Traceback" not in result.output, (args, result.output)
        if not said:  # a changed original does not change what reports read from the store
            assert result.exit_code == 0, (args, result.output)
            continue
        assert result.exit_code == 1, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        error = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert error and said in error[0] and "copilot-seats rebuild --store" in error[0], args
    verify = run("verify", "--store", store)
    assert verify.exit_code == 1 and code in verify.stdout
    if kind == "original":  # the kept bytes are gone: rebuild refuses to derive from them
        assert run("rebuild", "--store", store).exit_code == 1
        return
    rebuilt = run("rebuild", "--store", store)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert figures(store) == before
    assert run("verify", "--store", store).exit_code == 0


CSV_CELLS = st.text(alphabet=string.printable + "éß日\x00\x1b\ufeff", max_size=12)


def _csv(rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(row) for row in rows).encode("utf-8", "surrogatepass")


def _deep_json(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


FILES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.lists(CSV_CELLS, min_size=1, max_size=6), min_size=1, max_size=6).map(_csv),
    st.lists(st.lists(CSV_CELLS, min_size=5, max_size=5), max_size=4).map(
        lambda rows: _csv(
            [
                [
                    "Report Time",
                    "Login",
                    "Last Authenticated At",
                    "Last Activity At",
                    "Last Surface Used",
                ],
                *rows,
            ]
        )
    ),
    st.integers(min_value=1, max_value=100_000).map(_deep_json),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=20,
    ).map(lambda v: json.dumps({"total_seats": 1, "seats": v}).encode()),
)
NAMES = st.sampled_from(
    [
        "acme-seat-activity-1767420000.csv",
        "x.json",
        "acme-seat-usage-1767420000.csv",
        "y.ndjson",
        "z.csv",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(files=st.lists(st.tuples(NAMES, FILES), min_size=1, max_size=3))
def test_fuzzed_files_never_crash_ingest_and_leave_a_verified_store(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]]
) -> None:
    """Random bytes, CSV shapes and deep JSON: exit 0 or 1, no traceback, verify passes."""
    tmp = tmp_path_factory.mktemp("fuzz")
    inbox = tmp / "in"
    inbox.mkdir()
    for n, (name, data) in enumerate(files):
        (inbox / f"{n}-{name}" if name[0] in "xyz" else inbox / name).write_bytes(data)
    result = run("ingest", inbox, "--scope", "acme", "--as-of", "2026-01-03", "--store", tmp / "s")
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    if (tmp / "s").exists():
        check = run("verify", "--store", tmp / "s")
        assert check.exit_code == 0, check.output
    shutil.rmtree(tmp)
