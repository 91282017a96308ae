"""--pseudonymize hides every name in every output: logins, people's names, exclusions."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import polars as pl
from click.testing import CliRunner

from analyzer.cli import main
from tests.paths import ROOT

SAMPLES = ROOT / "sample_reports"


def _names_in_store(store: Path, people: Path) -> set[str]:
    """Return every login and person's name the store and the people file hold."""
    names: set[str] = set()
    columns = ("login", "username", "user_login", "name", "github_com_name")
    for part in store.rglob("*.parquet"):
        frame = pl.read_parquet(part)
        for column in columns:
            if column in frame.columns and frame.schema[column] == pl.String:
                names |= {v for v in frame[column].drop_nulls().unique().to_list() if v}
    table = pl.read_csv(people)
    names |= set(table["GitHub login"].to_list()) | set(table["Full name"].to_list())
    return {n for n in names if len(n) >= 4}  # shorter strings occur inside ordinary words


def _outputs(out: Path) -> dict[str, str]:
    """Return the text of every page and of every part of every workbook written."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in out.glob("*.html")}
    for book in out.glob("*.xlsx"):
        with zipfile.ZipFile(book) as archive:
            for member in archive.namelist():
                texts[f"{book.name}/{member}"] = archive.read(member).decode("utf-8", "replace")
    return texts


def test_every_output_of_a_pseudonymized_monthly_run_hides_every_name(tmp_path: Path) -> None:
    """No login, name, excluded login or exclusion pattern appears in any page or workbook."""
    config_dir = tmp_path / "config"
    shutil.copytree(SAMPLES / "config", config_dir)
    config = config_dir / "copilot-seats.toml"
    text = config.read_text(encoding="utf-8")
    excluded = ["octo-ci-bot", "zed-excluded-person"]
    patterns = ["svc-*", "*-bot", "contractor-jo*"]
    text = text.replace(
        'logins = ["octo-ci-bot"]\npatterns = ["svc-*", "*-bot"]',
        f"logins = {excluded!r}\npatterns = {patterns!r}".replace("'", '"'),
    )
    assert "zed-excluded-person" in text
    config.write_text(text, encoding="utf-8")
    store, out = tmp_path / "store", tmp_path / "out"
    args = ["monthly", str(SAMPLES), "--store", str(store), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--config", str(config), "--pseudonymize", "-q"])
    assert result.exit_code == 0, result.output
    texts = _outputs(out)
    assert any(name.endswith(".html") for name in texts) and any(".xlsx/" in n for n in texts)
    names = _names_in_store(store, config_dir / "people.csv")
    assert len(names) > 100
    secrets = names | set(excluded) | set(patterns)
    leaks = set()
    for where, body in texts.items():
        lowered = body.lower()
        words = set(re.findall(r"[\w*-]+", lowered))
        for secret in secrets:
            key = secret.lower()
            if (key in words) if re.fullmatch(r"[\w*-]+", key) else (key in lowered):
                leaks.add((where, secret))
    assert not leaks, sorted(leaks)[:10]
    assert any("user-" in body for body in texts.values())
