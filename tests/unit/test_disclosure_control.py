"""Disclosure control: small counts are masked, masked cells cannot be recomputed from what
is published, rounding follows its rule. The checks of secondary suppression are written
here independently of `disclosure.additivity`: a rank test on equations built anew, and for
small tables an explicit other table that publishes the same cells."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrepot.disclosure.control import (
    MASK,
    TOTAL,
    Policy,
    Rounding,
    check_table,
    protect_crosstab,
    protect_survival_table,
    suppress_counts,
)
from entrepot.disclosure.policy import round_count

# --- What the tests know about additive tables, written without the package --------------


def grid_of(frame):
    """The counts with their margins, computed here."""
    counts = frame.to_numpy(dtype=np.int64)
    rows = np.column_stack([counts, counts.sum(axis=1)])
    return np.vstack([rows, rows.sum(axis=0)])


def equation_rows(shape):
    """Each grid row sums to its last cell, each grid column to its last cell."""
    height, width = shape
    rows = []
    for i in range(height):
        row = np.zeros(shape)
        row[i, :] = 1
        row[i, -1] = -1
        rows.append(row.ravel())
    for j in range(width):
        row = np.zeros(shape)
        row[:, j] = 1
        row[-1, j] = -1
        rows.append(row.ravel())
    return np.array(rows)


def recomputable(masked):
    """Masked cells whose unit vector is in the row space of the masked equations."""
    unknowns = np.flatnonzero(masked.ravel())
    system = equation_rows(masked.shape)[:, unknowns]
    rank = np.linalg.matrix_rank(system)
    found = set()
    for position, cell in enumerate(unknowns):
        unit = np.zeros(len(unknowns))
        unit[position] = 1
        if np.linalg.matrix_rank(np.vstack([system, unit])) == rank:
            found.add(np.unravel_index(cell, masked.shape))
    return found


def other_table(grid, masked, cell):
    """A non-negative additive table equal to `grid` on every published cell and different
    at `cell`, searched among moves of -1, 0 or +1 on the masked cells; None if there is
    none. (Additive tables form a network: if the cell is free to move at all, such a move
    exists.)"""
    cells = [tuple(c) for c in np.argwhere(masked)]
    for steps in itertools.product((-1, 0, 1), repeat=len(cells)):
        if steps[cells.index(cell)] == 0:
            continue
        other = grid.copy()
        for target, step in zip(cells, steps, strict=True):
            other[target] += step
        additive = (other[:-1, :].sum(axis=0) == other[-1, :]).all() and (
            other[:, :-1].sum(axis=1) == other[:, -1]
        ).all()
        if additive and (other >= 0).all():
            return other
    return None


def published_grid(protected):
    return protected.table.to_numpy(dtype=object)


@st.composite
def crosstabs(draw, max_rows=5, max_columns=5):
    rows = draw(st.integers(1, max_rows))
    columns = draw(st.integers(1, max_columns))
    # Mostly small or mostly large counts, and zeros, so every case turns up.
    count = st.one_of(st.integers(0, 12), st.integers(0, 80), st.just(0))
    values = draw(
        st.lists(st.lists(count, min_size=columns, max_size=columns), min_size=rows, max_size=rows)
    )
    return pd.DataFrame(
        values,
        index=pd.Index([f"r{i}" for i in range(rows)], name="group"),
        columns=[f"c{j}" for j in range(columns)],
    )


# --- Rounding -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "to5", "midpoint6"),
    [(0, 0, 0), (1, 0, 3), (6, 5, 3), (7, 5, 9), (11, 10, 9), (12, 10, 9), (13, 15, 15)],
)
def test_rounding_rules(count, to5, midpoint6):
    assert round_count(count, Rounding.TO_5) == to5
    assert round_count(count, Rounding.MIDPOINT_6) == midpoint6
    assert round_count(count, None) == count


@given(st.integers(0, 10**6))
def test_rounded_values_stay_within_their_band(count):
    to5 = round_count(count, Rounding.TO_5)
    midpoint6 = round_count(count, Rounding.MIDPOINT_6)
    assert to5 % 5 == 0 and abs(to5 - count) <= 2
    if count:
        assert midpoint6 % 6 == 3 and midpoint6 - 2 <= count <= midpoint6 + 3


def test_a_policy_refuses_unknown_rules():
    with pytest.raises(ValueError):
        Policy(rounding="to7")
    with pytest.raises(ValueError):
        Policy(threshold=-1)


# --- Flat tables --------------------------------------------------------------------------


def test_small_counts_of_a_flat_table_are_masked_and_zeros_shown():
    frame = pd.DataFrame(
        {"cancer": ["breast", "lung", "colon"], "n_patients": [120, 4, 0], "n_deaths": [11, 10, 1]}
    )
    protected = suppress_counts(frame, ["n_patients", "n_deaths"])
    assert protected.table["n_patients"].tolist() == [120, pd.NA, 0]
    assert protected.table["n_deaths"].tolist() == [11, pd.NA, pd.NA]
    assert protected.table["cancer"].tolist() == ["breast", "lung", "colon"]
    assert (protected.primary, protected.secondary) == (3, 0)
    assert protected.to_csv() == (
        f"cancer,n_patients,n_deaths\nbreast,120,11\nlung,{MASK},{MASK}\ncolon,0,{MASK}\n"
    )


def test_the_threshold_is_configurable_and_rounding_follows_suppression():
    frame = pd.DataFrame({"n": [3, 5, 6, 13]})
    protected = suppress_counts(frame, ["n"], Policy(threshold=5, rounding=Rounding.TO_5))
    # 6 is shown, rounded to 5: a value that 6 and 7 (above the threshold) also round to.
    assert protected.table["n"].tolist() == [pd.NA, pd.NA, 5, 15]


@pytest.mark.parametrize("bad", [-1, 2.5, None, "a few"])
def test_what_is_not_a_count_is_refused(bad):
    with pytest.raises(ValueError, match="row 2"):
        suppress_counts(pd.DataFrame({"n": [20, bad]}), ["n"])


# --- Crosstabs: hand-checked examples ------------------------------------------------------


def test_a_row_with_one_small_cell_gets_the_cheapest_cycle_around_it():
    frame = pd.DataFrame(
        [[3, 40, 50], [30, 60, 70], [20, 35, 45]],
        index=pd.Index(["r1", "r2", "r3"], name="group"),
        columns=["a", "b", "c"],
    )
    protected = protect_crosstab(frame)
    # Alone, the 3 is row total minus 40 and 50. Masking 20, 40 and 35 (95 in all) closes
    # the cheapest cycle around it; every other cycle would hide more.
    na = pd.NA
    assert protected.table.to_numpy(dtype=object).tolist() == [
        [na, na, 50, 93],
        [30, 60, 70, 160],
        [na, na, 45, 100],
        [53, 135, 165, 353],
    ]
    assert (protected.primary, protected.secondary) == (1, 3)
    assert protected.table.index.tolist() == ["r1", "r2", "r3", TOTAL]
    assert protected.table.columns.tolist() == ["a", "b", "c", TOTAL]


def test_two_masked_cells_in_every_row_and_column_are_not_enough():
    # Two blocks of small cells joined by one small cell (row 0, column c): every row and
    # column holding a masked cell holds two or more, yet that cell is a bridge between
    # the blocks, and rows 0-1 minus columns a-b give it back.
    frame = pd.DataFrame(
        [[3, 3, 5, 50], [3, 3, 50, 50], [50, 50, 4, 4], [50, 50, 4, 4]],
        columns=["a", "b", "c", "d"],
    )
    grid = grid_of(frame)
    small = (grid >= 1) & (grid <= 10)
    assert recomputable(small) == {(0, 2)}
    protected = protect_crosstab(frame)
    masked = protected.masked.to_numpy()
    assert (masked & ~small).sum() == protected.secondary == 1
    assert masked[1, 2]  # one more 50 closes a cycle through the bridge
    assert recomputable(masked) == set()


def test_a_small_total_is_masked_and_protected_like_any_cell():
    frame = pd.DataFrame([[2, 0], [0, 0]], columns=["a", "b"])
    protected = protect_crosstab(frame)
    # The 2, its row total, its column total and the grand total form a cycle.
    assert protected.masked.to_numpy().tolist() == [
        [True, False, True],
        [False, False, False],
        [True, False, True],
    ]
    assert protected.secondary == 0
    assert recomputable(protected.masked.to_numpy()) == set()


def test_without_margins_only_small_counts_are_masked():
    frame = pd.DataFrame([[3, 40], [30, 60]], columns=["a", "b"])
    protected = protect_crosstab(frame, margins=False)
    assert TOTAL not in protected.table.columns
    assert protected.table.to_numpy(dtype=object).tolist() == [[pd.NA, 40], [30, 60]]


def test_the_margin_label_is_reserved():
    with pytest.raises(ValueError, match="Total"):
        protect_crosstab(pd.DataFrame({"Total": [20]}))


def test_a_crosstab_csv_names_its_label_column_and_masks_with_one_marker():
    frame = pd.DataFrame([[3, 40], [30, 60]], index=["f", "m"], columns=["a", "b"])
    lines = protect_crosstab(frame).to_csv().splitlines()
    assert lines[0] == "row,a,b,Total"
    assert lines[1] == f"f,{MASK},{MASK},43"


# --- Crosstabs: properties ----------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(crosstabs(), st.integers(0, 12))
def test_no_small_count_is_published_and_no_masked_cell_can_be_recomputed(frame, threshold):
    policy = Policy(threshold=threshold)
    protected = protect_crosstab(frame, policy)
    grid = grid_of(frame)
    masked = protected.masked.to_numpy()
    published = published_grid(protected)
    # Published cells are the true counts (so the table adds up), masked cells are missing.
    assert all(published[~masked] == grid[~masked])
    assert all(value is pd.NA for value in published[masked])
    # Every small count, and only those, is masked first; what else is masked is not 0.
    small = (grid >= 1) & (grid <= threshold)
    assert (masked >= small).all() and protected.primary == small.sum()
    assert (grid[masked & ~small] > threshold).all()
    assert protected.secondary == (masked & ~small).sum()
    assert check_table(protected.table, list(protected.table.columns), policy) == []
    assert recomputable(masked) == set()


@settings(max_examples=150, deadline=None)
@given(crosstabs(max_rows=3, max_columns=2))
def test_every_masked_cell_has_another_value_consistent_with_the_publication(frame):
    protected = protect_crosstab(frame)
    grid, masked = grid_of(frame), protected.masked.to_numpy()
    if masked.sum() > 8:  # the search below is exhaustive: keep it small
        return
    for cell in map(tuple, np.argwhere(masked)):
        other = other_table(grid, masked, cell)
        assert other is not None, f"cell {cell} is determined"
        assert other[cell] != grid[cell]
        assert (other[~masked] == grid[~masked]).all()


@settings(max_examples=150, deadline=None)
@given(crosstabs(), st.sampled_from(list(Rounding)))
def test_rounding_comes_after_suppression(frame, rounding):
    policy = Policy(rounding=rounding)
    rounded = protect_crosstab(frame, policy)
    exact = protect_crosstab(frame)
    masked = exact.masked.to_numpy()
    assert (rounded.masked.to_numpy() == masked).all()
    grid = grid_of(frame)
    published = published_grid(rounded)
    expected = [round_count(int(n), rounding) for n in grid[~masked]]
    assert published[~masked].tolist() == expected
    assert check_table(rounded.table, list(rounded.table.columns), policy) == []


# --- Checking submitted tables ------------------------------------------------------------


def test_check_table_names_row_and_column_of_each_problem():
    frame = pd.DataFrame(
        {"group": ["a", "b", "c", "d"], "n": ["15", "3", MASK, "<5"], "m": [0, 11, None, 12.0]}
    )
    assert check_table(frame, ["n", "m"]) == [
        "row 2, column 'n': 3 is between 1 and 10",
        f"row 4, column 'n': '<5' is not a count (write masked cells as {MASK} or leave them "
        "empty)",
    ]
    assert check_table(frame, ["m"], Policy(threshold=11)) == [
        "row 2, column 'm': 11 is between 1 and 11"
    ]


@pytest.mark.parametrize(
    ("value", "rounding", "safe"),
    [
        (10, Rounding.TO_5, True),  # 11 and 12 round to 10
        (5, Rounding.TO_5, False),  # only 3 to 7 do
        (7, Rounding.TO_5, False),  # not rounded at all
        (9, Rounding.MIDPOINT_6, True),  # 7 to 12
        (3, Rounding.MIDPOINT_6, False),  # 1 to 6
        (12, Rounding.MIDPOINT_6, False),  # not rounded
        (0, Rounding.MIDPOINT_6, True),
    ],
)
def test_check_table_knows_what_rounded_values_stand_for(value, rounding, safe):
    problems = check_table(pd.DataFrame({"n": [value]}), ["n"], Policy(rounding=rounding))
    assert (problems == []) is safe


# --- Survival tables ----------------------------------------------------------------------


def test_a_survival_table_is_rounded_its_small_counts_masked_and_its_tail_dropped():
    frame = pd.DataFrame(
        {
            "time": [0, 6, 12, 18, 24],
            "at_risk": [200, 180, 150, 30, 8],
            "events": [15, 4, 40, 12, 3],
            "censored": [5, 26, 80, 10, 5],
        }
    )
    protected = protect_survival_table(frame.sample(frac=1, random_state=1))
    na = pd.NA
    assert protected.table.to_numpy(dtype=object).tolist() == [
        [0, 201, 15, na],
        [6, 177, na, 27],
        [12, 147, 39, 81],
        [18, 27, 9, na],
    ]
    assert protected.dropped_rows == 1
    assert protected.policy.rounding is Rounding.MIDPOINT_6
    columns = ["at_risk", "events", "censored"]
    assert check_table(protected.table, columns, protected.policy) == []


def test_a_survival_table_takes_no_estimates():
    frame = pd.DataFrame(
        {"time": [0], "at_risk": [50], "events": [20], "censored": [0], "survival": [0.6]}
    )
    with pytest.raises(ValueError, match="exactly the columns"):
        protect_survival_table(frame)
