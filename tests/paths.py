"""Folders the tests read from and write to, wherever a test module sits."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_reports"
ARTIFACTS = ROOT / "tests" / "artifacts"  # kept for a person to look at (git-ignored)

# The demo inbox's billing files and usage-metrics files (octo-demo, 2026-10), beside its seat
# reports at the top of sample_reports/.
BILLING_FILES = tuple(
    SAMPLES / name
    for name in (
        "usageReport_1_5f0e8c2d9a4b47e1b3c6d8f0a2e4c6b8.csv",
        "aiUsageReport_1_9c1d3e5f7a9b4c2d8e0f1a3b5c7d9e1f.csv",
        "premiumRequestUsageReport_1_2b4d6f8a0c2e4a6c8e0a2c4e6a8c0e2a.csv",
        "export-octo-demo-1793750400.csv",
    )
)
USAGE_FILES = tuple(
    SAMPLES / name
    for name in (
        "octo-demo-users-1-day-2026-10-01.ndjson",
        "octo-demo-users-1-day-2026-10-02.ndjson",
        "octo-demo-users-1-day-2026-10-03.ndjson",
        "octo-demo-users-28-day-2026-10-31.ndjson",
        "octo-demo-organization-28-day-2026-10-31.json",
    )
)
