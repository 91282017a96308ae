"""Folders the tests read from and write to, wherever a test module sits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_reports"
ARTIFACTS = ROOT / "tests" / "artifacts"  # kept for a person to look at (git-ignored)
