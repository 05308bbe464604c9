"""The check of a submitted file: which CSV columns are counts, and what is unsafe in them.
What disclosure control writes always passes it."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrepot.disclosure.control import MASK, Policy, Rounding, protect_crosstab, suppress_counts
from entrepot.disclosure.files import inspect_file

TABLE = (
    f"stage,sex,n_patients,rate,label\n1,F,15,0.5,a\n2,M,3,1.5,b\n3,F,{MASK},2,c\n4,M,<5,,d\n"
).encode()


def test_count_columns_are_found_from_their_cells_failing_closed():
    check = inspect_file("table.csv", TABLE, Policy())
    # The stage is a whole number, so it is taken for a count until declared otherwise.
    assert check.report["count_columns"] == ["stage", "n_patients"]
    assert check.report["not_counts"] == {"sex": "text", "rate": "decimals", "label": "text"}
    assert "row 2, column 'n_patients': 3 is between 1 and 10" in check.problems
    assert any("row 4, column 'n_patients': '<5'" in p for p in check.problems)
    assert any("column 'stage'" in p for p in check.problems)


def test_declared_non_count_columns_are_not_checked_and_the_report_says_so():
    check = inspect_file("table.csv", TABLE, Policy(), ["stage"])
    assert check.report["count_columns"] == ["n_patients"]
    assert check.report["not_counts"]["stage"] == "declared not counts by the author"
    assert not any("stage" in p for p in check.problems)
    assert check.report["masked_cells"] == 1
    assert check.report["smallest_count"] == 3


def test_a_column_of_bounded_counts_in_text_is_a_count_column():
    check = inspect_file("t.csv", b"group,n\na,<5\nb,<10\n", Policy())
    assert check.report["count_columns"] == ["n"]
    assert len(check.problems) == 2


def test_other_files_are_left_to_the_checkers():
    check = inspect_file("figure.png", b"\x89PNG...", Policy())
    assert check.report["checked"] is False and check.problems == []


@pytest.mark.parametrize("content", [b"\xff\xfe\x00bad", b""])
def test_an_unreadable_csv_is_an_error(content):
    with pytest.raises(ValueError, match="readable UTF-8 CSV"):
        inspect_file("t.csv", content, Policy())


def test_declaring_a_column_the_file_lacks_is_an_error():
    with pytest.raises(ValueError, match="stage"):
        inspect_file("t.csv", b"n\n20\n", Policy(), ["stage"])


counts = st.lists(st.integers(0, 60), min_size=1, max_size=4)


@settings(max_examples=100, deadline=None)
@given(st.lists(counts, min_size=1, max_size=4), st.sampled_from([None, *Rounding]))
def test_what_control_writes_passes_the_check(rows, rounding):
    width = min(len(row) for row in rows)
    frame = pd.DataFrame(
        [row[:width] for row in rows], index=[f"g{i}" for i in range(len(rows))]
    ).rename(columns=lambda j: f"n_{j}")
    policy = Policy(rounding=rounding)
    for protected in (
        protect_crosstab(frame, policy),
        suppress_counts(frame, frame.columns, policy),
    ):
        check = inspect_file("t.csv", protected.to_csv().encode(), policy)
        assert check.problems == []
