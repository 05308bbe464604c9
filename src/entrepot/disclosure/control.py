"""Statistical disclosure control of aggregate tables, before they leave a workspace.

- `suppress_counts`: a flat table (one row per group, some count columns): small counts
  are masked. Nothing adds up across its rows, so there is nothing to recompute them from.
- `protect_crosstab`: a two-way table of counts, published with its row, column and grand
  totals: small counts are masked (primary suppression), then more cells until no masked
  cell can be recomputed exactly from the published ones (secondary suppression,
  `additivity`).
- `protect_survival_table`: a life table (time, at risk, events, censored).
- `check_table`: what makes a table unsafe as submitted; the airlock runs it on every CSV.

Suppression is decided on the true counts, then the published cells are rounded if the
policy asks for it, so a rounded value never stands for a small count. Totals are rounded
on their own, like every other cell: rounded cells need not add up to rounded totals.

Masked cells are missing values (`pd.NA`) in `Protected.table` and the marker `MASK`
("[REDACTED]") in its CSV, the same for every masked cell.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from entrepot.disclosure.additivity import secondary_suppression
from entrepot.disclosure.policy import (
    DEFAULT_POLICY,
    MASK,
    SURVIVAL_POLICY,
    Policy,
    Rounding,
    published_problem,
    round_counts,
)

__all__ = [
    "MASK",
    "SURVIVAL_COLUMNS",
    "TOTAL",
    "Policy",
    "Protected",
    "Rounding",
    "check_table",
    "protect_crosstab",
    "protect_survival_table",
    "suppress_counts",
]

#: Label of the row and the column of totals a crosstab is published with.
TOTAL = "Total"
SURVIVAL_COLUMNS = ("time", "at_risk", "events", "censored")


@dataclass(frozen=True)
class Protected:
    """A table ready to publish, and what protecting it took."""

    #: The published table: count columns are `Int64`, masked cells `pd.NA`.
    table: pd.DataFrame
    #: True where a count was masked (count columns only, same index as `table`).
    masked: pd.DataFrame
    policy: Policy
    #: Cells masked because they were small.
    primary: int
    #: Cells masked so that the small ones cannot be recomputed.
    secondary: int
    #: Whether the row labels (the index) are part of the table, as in a crosstab.
    labelled_rows: bool = False
    #: Rows left out altogether (the tail of a survival table).
    dropped_rows: int = 0

    def to_csv(self) -> str:
        """The table as CSV text, masked counts written as `MASK`."""
        written = self.table.copy()
        for column in self.masked.columns:
            written[column] = written[column].astype(object).where(~self.masked[column], MASK)
        if not self.labelled_rows:
            return written.to_csv(index=False, lineterminator="\n")
        # A CSV column always has a name: the airlock names columns in what it reports.
        label = self.table.index.name or "row"
        return written.to_csv(index_label=label, lineterminator="\n")


def suppress_counts(
    frame: pd.DataFrame, count_columns: Sequence[str], policy: Policy = DEFAULT_POLICY
) -> Protected:
    """Mask the small counts of a flat table (primary suppression only), then round.

    Use it only for a table whose rows do not add up to anything published: with totals,
    use `protect_crosstab`.
    """
    counts = _whole_counts(frame, count_columns)
    small = (counts >= 1) & (counts <= policy.threshold)
    published = frame.copy()
    for column in counts.columns:
        published[column] = _published(counts[column], small[column], policy)
    return Protected(published, small, policy, primary=int(small.to_numpy().sum()), secondary=0)


def protect_crosstab(
    frame: pd.DataFrame, policy: Policy = DEFAULT_POLICY, margins: bool = True
) -> Protected:
    """Protect a two-way table of counts (rows × columns, e.g. `pd.crosstab(a, b)` without
    its margins), published with its margins.

    With `margins` the result gains a `TOTAL` row and column, and cells are masked until no
    masked cell, interior or margin, can be recomputed exactly from the published cells.
    Without, only small counts are masked: publish no totals of it anywhere else then.
    """
    if frame.empty:
        raise ValueError("a crosstab needs at least one row and one column")
    counts = _whole_counts(frame, list(frame.columns)).to_numpy()
    if not margins:
        grid, index, columns = counts, frame.index, frame.columns
    else:
        if TOTAL in frame.index or TOTAL in frame.columns:
            raise ValueError(f"the label {TOTAL!r} is kept for the margins")
        grid = np.zeros((counts.shape[0] + 1, counts.shape[1] + 1), dtype=np.int64)
        grid[:-1, :-1] = counts
        grid[:-1, -1] = counts.sum(axis=1)
        grid[-1, :-1] = counts.sum(axis=0)
        grid[-1, -1] = counts.sum()
        index = pd.Index([*frame.index, TOTAL], name=frame.index.name)
        columns = pd.Index([*frame.columns, TOTAL], name=frame.columns.name)
    primary = (grid >= 1) & (grid <= policy.threshold)
    masked = secondary_suppression(grid, primary) if margins else primary
    rounded = round_counts(grid, policy.rounding)
    table = pd.DataFrame(rounded, index=index, columns=columns).astype("Int64").mask(masked)
    return Protected(
        table,
        pd.DataFrame(masked, index=index, columns=columns),
        policy,
        primary=int(primary.sum()),
        secondary=int(masked.sum() - primary.sum()),
        labelled_rows=True,
    )


def protect_survival_table(frame: pd.DataFrame, policy: Policy = SURVIVAL_POLICY) -> Protected:
    """Protect a life table with columns `time`, `at_risk`, `events` and `censored`.

    Kept simple, on purpose:
    - rows are sorted by time, and the tail from the first time with `threshold` or fewer
      still at risk is dropped: the last few patients are the easiest to single out;
    - events and censorings between 1 and the threshold are masked;
    - every published count is rounded, midpoint-6 unless the policy names another rule:
      consecutive numbers at risk differ by that time's events plus censorings, so exact
      ones would give the masked counts back.
    Estimates (survival probabilities, confidence limits) are not accepted: compute them
    from the protected counts.
    """
    if set(frame.columns) != set(SURVIVAL_COLUMNS):
        raise ValueError(f"a survival table has exactly the columns {', '.join(SURVIVAL_COLUMNS)}")
    policy = Policy(policy.threshold, policy.rounding or Rounding.MIDPOINT_6)
    ordered = frame.sort_values("time", kind="stable").reset_index(drop=True)
    counts = _whole_counts(ordered, SURVIVAL_COLUMNS[1:])
    kept = ~(counts["at_risk"] <= policy.threshold).cummax()
    ordered, counts = ordered[kept], counts[kept]
    small = (counts >= 1) & (counts <= policy.threshold)
    published = ordered[list(SURVIVAL_COLUMNS)].copy()
    for column in counts.columns:
        published[column] = _published(counts[column], small[column], policy)
    return Protected(
        published,
        small,
        policy,
        primary=int(small.to_numpy().sum()),
        secondary=0,
        dropped_rows=int((~kept).sum()),
    )


def check_table(
    frame: pd.DataFrame, count_columns: Sequence[str], policy: Policy = DEFAULT_POLICY
) -> list[str]:
    """Every published count that makes `frame` unsafe under `policy`, one message each.

    Cells may be numbers or text (a CSV read as text). Empty cells and `MASK` are masked
    cells. A problem is a count between 1 and the threshold (under rounding: a value that
    is not rounded, or that only small counts round to), or a cell that is not a whole,
    non-negative count, such as "<5". Rows are numbered from 1, the header not counted.
    """
    missing = [column for column in count_columns if column not in frame.columns]
    if missing:
        raise ValueError(f"no column {', '.join(map(repr, missing))} in the table")
    problems = []
    cells = frame[list(count_columns)].to_numpy(dtype=object)
    for position, row in enumerate(cells, start=1):
        for column, value in zip(count_columns, row, strict=True):
            problem = _cell_problem(value, policy)
            if problem:
                problems.append(f"row {position}, column {column!r}: {problem}")
    return problems


def _cell_problem(value: Any, policy: Policy) -> str | None:
    if _is_masked(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return f"{value!r} is not a count (write masked cells as {MASK} or leave them empty)"
    if not math.isfinite(number) or not number.is_integer() or number < 0:
        return f"{value!r} is not a whole, non-negative count"
    return published_problem(int(number), policy)


def _is_masked(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip() in ("", MASK)
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _whole_counts(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The `columns` of `frame` as int64, or ValueError naming what is not a count."""
    counts = {}
    for column in columns:
        if column not in frame.columns:
            raise ValueError(f"no column {column!r} in the table")
        numbers = pd.to_numeric(frame[column], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        wrong = ~np.isfinite(numbers) | (numbers < 0) | (numbers % 1 != 0)
        if wrong.any():
            position = int(np.flatnonzero(wrong)[0]) + 1
            raise ValueError(
                f"column {column!r}, row {position}: {frame[column].iloc[position - 1]!r} "
                "is not a whole, non-negative count"
            )
        counts[column] = numbers.astype(np.int64)
    return pd.DataFrame(counts, index=frame.index)


def _published(counts: pd.Series, masked: pd.Series, policy: Policy) -> pd.Series:
    rounded = pd.Series(round_counts(counts.to_numpy(), policy.rounding), index=counts.index)
    return rounded.astype("Int64").mask(masked)
