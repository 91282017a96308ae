"""The monthly page and workbook of the demo, with its billing files: exit 0, the bill shown."""

from __future__ import annotations

import shutil
from pathlib import Path

import lxml.html
from click.testing import CliRunner
from openpyxl import load_workbook

from analyzer.cli import main
from tests.cli.test_cli_bill import OCTO, SAMPLES, _demo_store
from tests.paths import BILLING_FILES


def test_report_of_a_billed_month_shows_the_spend_section(tmp_path: Path) -> None:
    """`report --month 2026-10` exits 0; the page and the workbook carry October's bill."""
    store = _demo_store(tmp_path)
    page, book = tmp_path / "r.html", tmp_path / "r.xlsx"
    args = ["report", "--scope", "octo-demo", "--month", "2026-10", "--store", str(store)]
    result = CliRunner().invoke(main, [*args, "--html", str(page), "--xlsx", str(book)])
    assert result.exit_code == 0, result.output
    tree = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
    line = " ".join(tree.get_element_by_id("spend-reconciliation").text_content().split())
    assert line.startswith("seat charges billed 6,957.68 USD") and line.endswith("5 exceptions")
    assert len(tree.xpath("//table[@data-key='bill-exceptions']/tbody/tr")) == 5
    assert "Bill" in load_workbook(book, read_only=True).sheetnames


def test_report_of_a_month_without_billing_files_names_the_downloads(tmp_path: Path) -> None:
    """The November page has no bill: one line says what to download and which months exist."""
    store = _demo_store(tmp_path)
    page = tmp_path / "r.html"
    args = ["report", "--scope", "octo-demo", "--store", str(store), "--html", str(page)]
    result = CliRunner().invoke(main, [*args, "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    tree = lxml.html.document_fromstring(page.read_text(encoding="utf-8"))
    hint = " ".join(tree.get_element_by_id("spend-hint").text_content().split())
    assert hint.startswith("No billing files for 2026-11")
    assert "AI usage > Get usage report" in hint and "2026-05 and 2026-10" in hint


def test_monthly_with_billing_files_in_the_inbox_exits_0(tmp_path: Path) -> None:
    """The monthly run takes billing files beside the seat reports and still exits 0."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    for name in OCTO:
        shutil.copy(SAMPLES / name, inbox / name)
    for path in BILLING_FILES:
        shutil.copy(path, inbox / path.name)
    args = ["monthly", str(inbox), "--out", str(tmp_path / "out"), "--store", str(tmp_path / "s")]
    result = CliRunner().invoke(main, [*args, "-q"])
    assert result.exit_code == 0, result.output
    listed = CliRunner().invoke(main, ["billing-files", "--store", str(tmp_path / "s")])
    assert listed.stderr.strip() == f"4 billing files in {tmp_path / 's'}"
