"""What disclosure control finds in one file submitted for release.

CSV tables are checked automatically; other files (figures, text) are left to the output
checkers' eyes, and their report says so.

Which columns of a CSV hold counts is decided from the cells, failing closed: a column is a
count column when it holds a whole number, or text that reads as a bounded count ("<5"),
and no decimal. Columns of decimals (rates, means) and of text only (labels) are not
checked. A column of whole numbers that are not counts (a stage, a year) is checked unless
the author declares it among `non_count_columns`; the report lists the declaration, so the
checkers see it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from entrepot.disclosure.control import check_table
from entrepot.disclosure.policy import MASK, Policy

#: The kinds of file an output request may hold.
ACCEPTED_SUFFIXES = frozenset({".csv", ".txt", ".md", ".png", ".jpg", ".jpeg", ".svg", ".pdf"})
_BOUNDED_COUNT = re.compile(r"\s*(?:[<>≤≥]=?|=)\s*\d+\s*")


@dataclass(frozen=True)
class FileCheck:
    """The disclosure report of one file (JSON-ready) and what makes it unsafe."""

    report: dict[str, Any]
    problems: list[str]


def inspect_file(
    filename: str, content: bytes, policy: Policy, non_count_columns: Sequence[str] = ()
) -> FileCheck:
    """Check a submitted file; ValueError if a CSV cannot be read as one."""
    suffix = PurePosixPath(filename).suffix.lower()
    if suffix != ".csv":
        report = {
            "kind": suffix.lstrip("."),
            "checked": False,
            "reason": "only CSV tables are checked automatically: the output checkers "
            "read this file themselves",
        }
        return FileCheck(report, [])
    cells = read_csv_cells(content)
    undeclared = [column for column in non_count_columns if column not in cells.columns]
    if undeclared:
        raise ValueError(f"declares non-count columns it does not have: {undeclared}")
    kinds = {column: _column_kind(cells[column]) for column in cells.columns}
    for column in non_count_columns:
        kinds[column] = "declared not counts by the author"
    counted = [column for column, kind in kinds.items() if kind == "counts"]
    report = {
        "kind": "csv",
        "checked": True,
        "rows": len(cells),
        "count_columns": counted,
        "not_counts": {column: kind for column, kind in kinds.items() if kind != "counts"},
        "masked_cells": int(cells[counted].isin(["", MASK]).to_numpy().sum()),
        "smallest_count": _smallest_count(cells[counted]),
        "policy": policy.as_json(),
    }
    return FileCheck(report, check_table(cells, counted, policy))


def read_csv_cells(content: bytes) -> pd.DataFrame:
    """A CSV file's cells as text (no type guessing: "007" stays "007", "NA" stays "NA")."""
    try:
        text = content.decode("utf-8-sig")
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise ValueError(f"is not a readable UTF-8 CSV file ({error})") from None


def _column_kind(cells: pd.Series) -> str:
    values = cells.str.strip()
    numbers = pd.to_numeric(values, errors="coerce")
    numbers = numbers[np.isfinite(numbers)]
    if (numbers % 1 != 0).any():
        return "decimals"
    if len(numbers) or values.str.fullmatch(_BOUNDED_COUNT).any():
        return "counts"
    return "text"


def _smallest_count(cells: pd.DataFrame) -> int | None:
    """The smallest non-zero whole number published, for the checkers' eyes."""
    numbers = pd.to_numeric(pd.Series(cells.to_numpy().ravel()), errors="coerce")
    positive = numbers[(numbers > 0) & (numbers % 1 == 0)]
    return int(positive.min()) if len(positive) else None
