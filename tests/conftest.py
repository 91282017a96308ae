"""Test-suite wiring: the real-browser and LibreOffice tests count as slow end-to-end tests.

Every test runs polars on the engine the command line picks (analyzer.cli.main), whether or
not a command ran before it in the same process.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("POLARS_ENGINE_AFFINITY", "in-memory")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every browser or LibreOffice test `slow` too, so `-m "not slow"` stays quick."""
    for item in items:
        if item.get_closest_marker("browser") or item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.slow)
