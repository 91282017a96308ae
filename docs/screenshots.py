"""Make the README's pictures from the demo data: the report page and the workbook's Summary.

Run: python docs/screenshots.py  (needs Debian's chromium, libreoffice-calc and poppler-utils,
and the playwright Python package from the `test` extra; never downloads a browser).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
sys.path.insert(0, str(ROOT))

from tests.helpers import CHROMIUM_ARGS  # noqa: E402


def run_monthly(work: Path) -> Path:
    """Run the README's main job on sample_reports/ in `work`; return the reports folder."""
    subprocess.run(
        [sys.executable, "-m", "analyzer", "monthly", str(ROOT / "sample_reports"), "--quiet"],
        cwd=work,
        check=True,
    )
    return work / "copilot-reports"


def shoot_page(page: Path, target: Path) -> None:
    """Save the top of the report page as seen in headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "chromium", args=CHROMIUM_ARGS
        )
        tab = browser.new_page(viewport={"width": 1280, "height": 1500})
        tab.goto(page.as_uri())
        tab.wait_for_selector("#chart-states .main-svg")
        tab.screenshot(path=str(target), full_page=False)
        browser.close()


def shoot_workbook(book: Path, target: Path, work: Path) -> None:
    """Render the workbook's first sheet (Summary) through LibreOffice and pdftoppm."""
    profile = (work / "lo-profile").as_uri()
    subprocess.run(
        [
            "soffice",
            "--headless",
            "--norestore",
            f"-env:UserInstallation={profile}",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(book),
        ],
        check=True,
        capture_output=True,
    )
    pdf = work / (book.stem + ".pdf")
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "80",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf),
            str(target.with_suffix("")),
        ],
        check=True,
    )


def main() -> None:
    """Write docs/report.png and docs/workbook-summary.png."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        reports = run_monthly(work)
        page = sorted(reports.glob("octo-demo-*.html"))[-1]
        shoot_page(page, DOCS / "report.png")
        shoot_workbook(page.with_suffix(".xlsx"), DOCS / "workbook-summary.png", work)
    print(f"wrote {DOCS / 'report.png'} and {DOCS / 'workbook-summary.png'}")


if __name__ == "__main__":
    main()
