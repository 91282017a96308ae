"""copilot-seats: an offline analyzer of GitHub Copilot seat reports."""

__version__ = "0.1.0"
