"""Every problem and finding code is registered once, with its meaning, and the docs agree."""

from __future__ import annotations

import re

import pytest

from analyzer.codes import FINDINGS, PROBLEMS, markdown_table
from analyzer.reading.problems import ProblemLog
from tests.paths import ROOT


def test_readme_table_is_the_registry() -> None:
    """docs/problem-codes.md's table is exactly what `python -m analyzer.codes` prints."""
    readme = (ROOT / "docs" / "problem-codes.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "regenerate it: python -m analyzer.codes"


def test_every_finding_code_in_the_code_is_registered() -> None:
    """Each Finding the timeline emits names a code of the registry."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "analyzer").rglob("*.py"))
    used = set(re.findall(r'Finding\(\s*"([a-z0-9-]+)"', source))
    assert used, "no Finding found: the pattern is out of date"
    assert used <= set(FINDINGS), used - set(FINDINGS)


def test_problem_and_finding_codes_do_not_overlap() -> None:
    """A code means one thing."""
    assert not set(PROBLEMS) & set(FINDINGS)


def test_an_unregistered_problem_code_is_a_bug() -> None:
    """Recording a code the registry does not know fails loudly in development."""
    with pytest.raises(KeyError, match=r"not in analyzer\.codes\.PROBLEMS"):
        ProblemLog("x.csv").file("no-such-code", "message")
