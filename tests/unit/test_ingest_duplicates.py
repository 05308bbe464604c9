"""The exact comparison behind duplicate detection: the engine only shortlists rows whose
key hashes are shared, so rows that merely share a hash must come out untouched."""

from __future__ import annotations

from entrepot.ingest.duplicates import _compare


def _row(centre_code: str, kind: str | None, value: str) -> tuple[tuple, tuple]:
    """A candidate's key (centre code, kind) and its whole content."""
    return (centre_code, kind), (centre_code, kind, value)


def _compare_rows(*rows: tuple[tuple, tuple]) -> tuple[list[bool], list[int]]:
    return _compare([key for key, _ in rows], [content for _, content in rows])


def test_rows_sharing_only_a_hash_are_neither_repeats_nor_conflicts():
    assert _compare_rows(_row("A", "weight", "60"), _row("B", "height", "60")) == (
        [True, True],
        [1, 1],
    )


def test_an_exact_repeat_is_a_later_copy_and_another_content_a_conflict():
    first_copy, versions = _compare_rows(
        _row("A", "weight", "60"),
        _row("B", "height", "170"),
        _row("A", "weight", "60"),
        _row("A", "weight", "61"),
    )
    assert first_copy == [True, True, False, True]
    assert versions == [2, 1, 2, 2]


def test_a_missing_key_part_is_a_value_like_any_other():
    rows = (_row("A", None, "60"), _row("A", None, "60"), _row("A", "weight", "60"))
    assert _compare_rows(*rows) == ([True, False, True], [1, 1, 1])
