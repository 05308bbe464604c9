"""Which sent lines the load did not write: those are checked again to be quarantined."""

from __future__ import annotations

import pyarrow as pa

from entrepot.ingest.checks import _absent, referenced


def _lines(values: list[int]) -> pa.ChunkedArray:
    return pa.chunked_array([values[:2], values[2:]], pa.int64())


def test_lines_not_written_are_found_among_line_numbers():
    written = pa.array([2, 7], pa.int64())
    assert _absent(_lines([5, 2, 9, 7]), written).tolist() == [True, False, True, False]


def test_numbers_far_outside_the_lines_of_a_file_are_still_told_apart():
    # A mark per possible line would take terabytes here: the hash set answers instead.
    written = pa.array([3, 10**12], pa.int64())
    lines = _lines([10**12, 3, -1, 10**12 + 1])
    assert _absent(lines, written).tolist() == [False, False, True, True]


def test_written_lines_beyond_the_sent_ones_are_ignored():
    written = pa.array([4, 1_000_000_000], pa.int64())
    assert _absent(_lines([4, 5]), written).tolist() == [False, True]


def test_a_row_without_a_line_number_counts_as_not_written():
    # It is checked again rather than the computation failing; the accounting has the last word.
    lines = pa.chunked_array([[2, None], [3]], pa.int64())
    written = pa.array([2, 3, None], pa.int64())
    assert _absent(lines, written).tolist() == [False, True, False]


def test_no_sent_lines():
    assert _absent(pa.chunked_array([], pa.int64()), pa.array([], pa.int64())).tolist() == []


def test_the_tables_other_checks_read_are_found_in_the_checks():
    # Patients for every record's dates and sex; tumours for diagnosis dates; tumour events
    # for a treatment's metastatic history. The others are written as they are checked.
    assert referenced() == {"patient", "tumour", "tumour_event"}
