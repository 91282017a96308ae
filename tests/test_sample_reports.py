"""The demo inbox: its generators reproduce it byte for byte, its top level holds every kind."""

from __future__ import annotations

from pathlib import Path

from sample_reports.generate import generate_all
from sample_reports.generate_billing import write_billing_files
from sample_reports.generate_usage import write_usage_files
from tests.paths import BILLING_FILES, SAMPLES, USAGE_FILES

HAND_WRITTEN = {"config"}  # folders a person wrote, no generator


def _data_files(root: Path) -> dict[str, bytes]:
    """Return every data file under root by relative path (the generators' code left out)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and path.suffix != ".py"
        and "__pycache__" not in path.parts
        and path.relative_to(root).parts[0] not in HAND_WRITTEN
    }


def test_the_generators_reproduce_the_committed_files(tmp_path: Path) -> None:
    """generate.py, then generate_billing.py and generate_usage.py: the same bytes, no more."""
    written = generate_all(tmp_path) + write_billing_files(tmp_path) + write_usage_files(tmp_path)
    made = _data_files(tmp_path)
    assert len(written) == len(made)
    assert sorted(made) == sorted(_data_files(SAMPLES))
    changed = [name for name, data in made.items() if (SAMPLES / name).read_bytes() != data]
    assert changed == []


def test_the_inbox_holds_billing_and_usage_files_at_its_top() -> None:
    """The billing and usage-metrics files sit beside the seat reports, not in subfolders."""
    top = {path.name for path in SAMPLES.iterdir() if path.is_file()}
    assert {path.name for path in (*BILLING_FILES, *USAGE_FILES)} <= top
    assert not (SAMPLES / "billing").exists() and not (SAMPLES / "usage").exists()
    assert sorted(p.name for p in SAMPLES.iterdir() if p.is_dir() and p.name != "__pycache__") == [
        "api",
        "bad",
        "config",
        "resaved",
    ]
