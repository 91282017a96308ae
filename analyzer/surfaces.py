"""Map GitHub's raw surface strings (editor/version/plugin/version or bare tokens) to families."""

from __future__ import annotations

import polars as pl

UNKNOWN = "unknown"
OTHER = "other"
# The one mapping table: (family, first segments or bare tokens, lower-cased). The first
# segment is the text before the first "/" (`vscode/1.104.1/copilot-chat/0.31.2`).
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("VS Code", ("vscode", "vscode-insiders", "code")),
    ("JetBrains", ("jetbrains",)),
    ("Visual Studio", ("visualstudio", "visual studio")),
    ("Xcode", ("xcode",)),
    ("Eclipse", ("eclipse", "eclipse ide")),
    ("Vim/Neovim", ("vim", "neovim", "nvim")),
    ("github.com", ("github.com", "copilot-chat", "copilot-chat-platform", "github")),
    ("CLI", ("copilot-cli", "gh-copilot", "cli")),
    (
        "code review",
        (
            "copilot_pr_review",
            "copilot-pr-reviews",
            "copilot_pull_request_review",
            "copilot-pr-review",
        ),
    ),
    ("mobile", ("copilot-mobile-ios", "copilot-mobile-android", "copilot-mobile")),
)
FAMILY_ORDER: tuple[str, ...] = (*(name for name, _ in FAMILIES), OTHER, UNKNOWN)
_NO_SURFACE = {"", "none", "no activity", "unspecified surface", "/unknown", "unknown"}


def surface_family(raw: str | None) -> str:
    """Return the family of one raw surface string ("other" when unmapped)."""
    if raw is None or raw.strip().lower() in _NO_SURFACE:
        return UNKNOWN
    text = raw.strip().lower()
    if text.startswith("unknown/githubcopilotchat"):
        return "VS Code"
    head = text.split("/", 1)[0].strip()
    for family, keys in FAMILIES:
        for key in keys:
            if head == key or (key == "jetbrains" and head.startswith("jetbrains")):
                return family
    return OTHER


def family_column(surfaces: pl.Series) -> pl.Series:
    """Return the family of each surface, mapping each distinct value once."""
    distinct = surfaces.unique().to_list()
    mapping = {value: surface_family(value) for value in distinct if value is not None}
    return (
        surfaces.replace_strict(mapping, default=UNKNOWN, return_dtype=pl.String)
        .fill_null(UNKNOWN)
        .alias("surface_family")
    )
