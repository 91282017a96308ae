"""Every problem and finding code, once, with its one-line meaning (README "Problem codes")."""

from __future__ import annotations

# Problems found in an input file (or by the store while taking it). An error refuses the
# file; a warning is said and the file is kept.
PROBLEMS: dict[str, str] = {
    "ambiguous-date": "re-saved dates whose day/month order no value settles (never guessed)",
    "amount-too-large": "a billing amount beyond 1e9 USD (no Copilot bill is that large)",
    "bad-billing-date": "a billing date not YYYY-MM-DD, YYYY/M/D, M/D/YYYY or M/D/YY",
    "bad-boolean": "a billing file's True/False cell with another value",
    "bad-date": "a date that is not YYYY-MM-DD (API pending_cancellation_date)",
    "bad-json": "a .json file that is not JSON, or JSON of another shape than GitHub's seats",
    "bad-json-value": "a JSON seat field of the wrong type",
    "bad-login": "a login that breaks GitHub's rules (letters, digits, single hyphens, 39 long)",
    "bad-organization": "an organization name that breaks GitHub's rules",
    "bad-scope": "a scope (--scope or the API's organization) with no letter or digit to name it",
    "bad-row-width": "a row with more or fewer fields than the header (a download cut short)",
    "bad-status": "a usage-report Status other than Active or Pending cancellation YYYY-MM-DD",
    "bad-timestamp": "a timestamp that is not a UTC time, a date or None",
    "bad-usage-record": "a usage-metrics record that is no object with user_id, user_login, day",
    "bad-usage-value": "a usage-metrics field of the wrong type, or a day that is no date",
    "bad-number": "a billing file's quantity or amount that is not a number",
    "conflicting-billing-row": "a billing row whose figures differ from a stored row of its key",
    "conflicting-snapshot": "a different report for a scope and time already stored",
    "date-out-of-range": "a date in a file outside 2000-01-01..2100-12-31 (docs/limits.md)",
    "duplicate-billing-row": "warning: a billing row repeated exactly in one file; counted once",
    "duplicate-usage-record": "warning: a user and day twice in one usage-metrics file; last kept",
    "duplicate-login": "warning: one login twice in one org; the row with the latest activity kept",
    "empty-file": "the file is empty",
    "empty-login": "a row without a login",
    "empty-amount": "a billing row without an amount or quantity GitHub always writes (never 0)",
    "empty-value": "a billing row without a value the report always has (date, sku, user, model)",
    "not-finite": "a billing number that is NaN or infinite",
    "field-too-long": "a cell longer than 4,096 characters (or an unclosed quote)",
    "file-too-large": "a file over 1 GiB, more than any seat report",
    "implausible-time": "a snapshot time before 2021 or more than a day ahead of the clock",
    "json-too-deep": "JSON nested too deeply to be a seats list",
    "line-too-long": "a first line over 131,072 characters: no seat report header",
    "internal-error": "reading the file failed unexpectedly (a bug; please report it)",
    "malformed-csv": "text that is not valid CSV (unbalanced quotes)",
    "missing-column": "a column the recognised report needs is absent",
    "missing-field": "a JSON seat without a field every seat has",
    "mixed-report-time": "rows of one report with different Report Times",
    "negative-amount": "a billing row whose gross amount is below zero",
    "no-billing-rows": "a billing file with a header and no rows",
    "no-scope": "neither the file name, the data nor --scope says which org or enterprise",
    "no-seats": "a report with a header and no seat rows",
    "no-time": "nothing says when the report was made; pass --as-of",
    "not-a-seat-report": "another kind of file (a picture, a workbook, another GitHub export)",
    "not-utf8": "bytes that are not UTF-8 (a re-save in a legacy encoding)",
    "quantity-too-large": "a billing quantity beyond 1e12 units",
    "time-from-mtime": "warning: the snapshot time is the file's modification time",
    "too-many-columns": "a header with more than 1,000 columns",
    "too-many-rows": "more seat rows or usage records than a file may hold (docs/limits.md)",
    "unknown-column": "warning: a column this version does not read; it is ignored",
    "unknown-header": "a CSV header that is no seat report's",
    "value-out-of-range": "a usage-metrics number beyond its stated range (docs/limits.md)",
}

# Data-quality findings and caveats about a scope's history (status, page, workbook).
FINDINGS: dict[str, str] = {
    "auth-without-activity": "seats that signed in recently but show no activity",
    "first-snapshot-caveat": "never-active seats of the first snapshot may be long idle",
    "frozen-activity": "no seat shows activity in the two weeks before the report's time",
    "old-snapshot": "the latest snapshot is older than a month",
    "seat-count-jump": "the seat count changed by more than a fifth between snapshots",
    "snapshot-gap": "more than 45 days between two snapshots",
    "unmapped-surface": "surfaces this version does not know, counted as other",
    "usage-gap": "days of the month the usage-metrics files do not cover (unknown, not zero)",
    "active-without-usage": "active seats with no usage-metrics day in a fully covered 28 days",
    "usage-on-idle-seat": "stale or never-active seats with usage-metrics days in the 28 days",
}


# Problems `copilot-seats verify` (and every command reading the store) finds in the store.
STORE: dict[str, str] = {
    "derived-damaged": (
        "note: a kept carried state or history table that fails its checksum; recomputed when read"
    ),
    "derived-differs": "a kept carried state unlike a recomputation; rebuild recomputes it",
    "derived-missing": "note: a snapshot whose carried state is not kept yet; kept on next use",
    "damaged-manifest": "manifest.json is not valid JSON or has a wrong or missing field",
    "damaged-marker": "the marker file copilot-seats-store.json is damaged",
    "damaged-original": "a kept original whose bytes no longer match their sha256",
    "damaged-snapshot": "a snapshot file that is truncated, unreadable or changed on disk",
    "damaged-table": "a billing or usage-metrics table that is truncated, unreadable or changed",
    "leftover": "note: a file an interrupted run left; the next ingest removes it",
    "missing-manifest": "a manifest is missing while the tables or originals it lists are there",
    "missing-marker": "note: no marker file (an earlier version's store; the next ingest adds it)",
    "missing-original": "a listed snapshot or table whose original file is not kept",
    "missing-snapshot": "a snapshot file the manifest lists is missing",
    "missing-table": "a billing or usage-metrics table its manifest lists is missing",
    "no-checksum": "a table written before checksums were recorded; rebuild records them",
    "unknown-file": "a file or folder in the store that copilot-seats did not write",
    "unknown-snapshot": "a snapshot file the manifest does not list",
    "unlisted-original": "note: a kept original no manifest lists (an interrupted ingest)",
}


# Reconciliation exceptions of `bill`: a login whose bill the seat history does not explain.
EXCEPTIONS: dict[str, str] = {
    "billed-not-seated": "billed for a seat, in no seat report of the month",
    "billed-twice": "billed more than one seat on the same day (several orgs or plans)",
    "days-differ": "billed for more or fewer days than the seat history allows",
    "not-in-enterprise": "holds a Copilot seat but is not in the enterprise license report",
    "plan-differs": "billed at another plan than the seat report states",
    "seated-not-billed": "in a seat report of the month, not billed",
    "amount-differs": "billed a seat amount other than plan price x days seated / days in month",
}


def markdown_table() -> str:
    """Return the README's table of codes, generated from the registry."""
    rows = ["| code | kind | meaning |", "|---|---|---|"]
    kinds = (
        ("problem", PROBLEMS),
        ("finding", FINDINGS),
        ("store", STORE),
        ("exception", EXCEPTIONS),
    )
    for kind, codes in kinds:
        rows += [f"| `{code}` | {kind} | {meaning} |" for code, meaning in sorted(codes.items())]
    return "\n".join(rows) + "\n"


if __name__ == "__main__":  # `python -m analyzer.codes` prints the README table
    print(markdown_table(), end="")
