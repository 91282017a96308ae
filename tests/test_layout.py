"""The package's layout rules: imports point down the pipeline, never back up, never in a circle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "analyzer"
STAGES = ("cli", "answers", "reading", "store", "timeline", "metering", "report")
# What each stage may import besides itself; "shared" is the vocabulary at the top
# (model, schema, config, errors, codes, times, fsutil, surfaces).
ALLOWED: dict[str, set[str]] = {
    "shared": set(),
    "reading": {"shared"},
    "store": {"shared", "reading"},
    "timeline": {"shared"},
    "metering": {"shared", "timeline"},
    "report": {"shared"},
    "answers": {"shared", "reading", "store", "timeline", "metering", "report"},
    "cli": {"shared", "answers"},  # the CLI reaches the rest only through answers/
}
# Inside report/: the page and the workbook are two renderers; neither imports the other, and
# what both need (the palette, what is said of the bill) sits at report/'s top.
REPORT_PARTS = ("page", "workbook")
# The CLI's shared kit; every other cli module declares commands and imports no other one.
CLI_KIT = {"analyzer.cli.options", "analyzer.cli.feedback"}


def module_name(path: Path) -> str:
    """Return the dotted module name of a file of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def stage_of(module: str) -> str:
    """Return the stage folder a module belongs to, or "shared" (`python -m` is the CLI's)."""
    if module == "analyzer.__main__":
        return "cli"
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else "shared"


def imports_of(path: Path) -> set[str]:
    """Return every analyzer module a file imports, at the top, in functions or for types."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("analyzer")}
        elif (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.level == 0
            and node.module.startswith("analyzer")
        ):
            # `from analyzer.x import y` may name a module y: count it when it is one.
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in MODULES else node.module)
    return found - {"analyzer"}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def test_the_package_has_one_folder_per_stage() -> None:
    """Every stage folder exists and few modules sit loose at the top."""
    for stage in STAGES:
        assert (PACKAGE / stage / "__init__.py").is_file(), stage
    loose = [p.name for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")]
    assert len(loose) <= 10, loose


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down_the_pipeline(module: str) -> None:
    """A stage imports only the stages below it (report: only the shared vocabulary)."""
    stage = stage_of(module)
    for target in GRAPH[module]:
        other = stage_of(target)
        assert other == stage or other in ALLOWED[stage], f"{module} imports {target}"


def report_part(module: str) -> str | None:
    """Return "page" or "workbook" for a module of those report folders, else None."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "report" and parts[2] in REPORT_PARTS:
        return parts[2]
    return None


def test_report_has_a_page_and_a_workbook_folder() -> None:
    """report/ holds page/ and workbook/, and only shared modules sit at its top."""
    for part in REPORT_PARTS:
        assert (PACKAGE / "report" / part / "__init__.py").is_file(), part
    top = sorted(p.stem for p in (PACKAGE / "report").glob("*.py") if p.stem != "__init__")
    assert len(top) <= 4, top


@pytest.mark.parametrize("module", sorted(n for n in GRAPH if report_part(n)))
def test_the_workbook_and_the_page_do_not_import_each_other(module: str) -> None:
    """A page module imports no workbook module and a workbook module no page module."""
    part = report_part(module)
    for target in GRAPH[module]:
        other = report_part(target)
        assert other is None or other == part, f"{module} imports {target}"


def test_no_module_outside_cli_imports_click_or_cli() -> None:
    """The core never imports click, and nothing outside cli/ imports cli/."""
    for name, path in MODULES.items():
        if stage_of(name) == "cli":
            continue
        assert not any(t.startswith("analyzer.cli") for t in GRAPH[name]), name
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(a.name != "click" for a in node.names), name
            elif isinstance(node, ast.ImportFrom):
                assert node.module != "click", name


def test_cli_command_modules_do_not_import_each_other() -> None:
    """A command module imports only the CLI's shared kit, never another command module."""
    commands = {n for n in GRAPH if n.startswith("analyzer.cli.") and n not in CLI_KIT}
    for name in commands:
        assert not (GRAPH[name] & commands), name


def test_there_is_no_import_circle() -> None:
    """Following imports (lazy ones included) never leads back to where it started."""
    state: dict[str, int] = {}  # 1 on the current path, 2 done

    def visit(name: str, path: list[str]) -> None:
        state[name] = 1
        for target in sorted(GRAPH.get(name, ())):
            if target not in GRAPH:
                continue
            assert state.get(target) != 1, " -> ".join([*path, name, target])
            if target not in state:
                visit(target, [*path, name])
        state[name] = 2

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [])
