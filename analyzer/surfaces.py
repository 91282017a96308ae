"""Map GitHub's raw surface strings (editor/version/plugin/version or bare tokens) to families."""

from __future__ import annotations

import polars as pl

UNKNOWN = "unknown"
OTHER = "other"
# The one mapping table: (family, first segments or bare tokens, lower-cased). The first
# segment is the text before the first "/" (`vscode/1.104.1/copilot-chat/0.31.2`).
FAMILIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("VS Code", ("vscode", "vscode-insiders", "code")),
    ("JetBrains", ("jetbrains", "intellij")),
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


# The usage-metrics export's feature keys in the words of GitHub's Copilot usage dashboard.
FEATURE_LABELS: dict[str, str] = {
    "code_completion": "Code completion",
    "chat_panel_ask_mode": "Chat: ask mode",
    "chat_panel_edit_mode": "Chat: edit mode",
    "chat_panel_agent_mode": "Chat: agent mode",
    "chat_panel_custom_mode": "Chat: custom mode",
    "chat_panel_plan_mode": "Chat: plan mode",
    "chat_panel_unknown_mode": "Chat: other mode",
    "chat_inline": "Inline chat",
    "agent_edit": "Agent edits",
    "copilot_cli": "Copilot CLI",
    "copilot_coding_agent": "Cloud agent",
    "copilot_cloud_agent": "Cloud agent",
    "code_review": "Code review",
}


def feature_label(key: str) -> str:
    """Return a usage-metrics feature as people say it ("chat_inline" -> "Inline chat")."""
    if key in FEATURE_LABELS:
        return FEATURE_LABELS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else key


def ide_label(key: str) -> str:
    """Return a usage-metrics IDE in the surface chart's words ("vscode" -> "VS Code")."""
    family = surface_family(key)
    return key if family in (OTHER, UNKNOWN) else family
