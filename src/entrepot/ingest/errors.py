"""Errors of ingestion that refuse a whole package (row problems go to quarantine)."""

from __future__ import annotations


class PackageRefused(Exception):
    """The package cannot be ingested; nothing was stored. The message says what to do."""
