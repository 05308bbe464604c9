"""The one clock of the metadata database: naive UTC, to the microsecond."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """The current time, naive UTC (SQLite keeps no time zone; both engines agree this way)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    return now().date()
