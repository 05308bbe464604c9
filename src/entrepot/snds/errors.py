"""Errors that refuse a whole extract (row problems go to quarantine, never here)."""

from __future__ import annotations


class ExtractRefused(Exception):
    """The extract cannot be imported; nothing was stored. The message names the file (and
    the column or line when there is one) and says what to do."""
