"""The records the probabilistic model compares: one row per person, the same columns on
both sides, built in Arrow so that DuckDB and Spark receive identical inputs.

A stay becomes a key `FINESS|day` (day = days since 1970-01-01). The hospital side lists
each stay under the day before, the day itself and the day after: the PMSI records some
admissions a day off (a night admission, an emergency stay merged into the next), and
padding one side only lets an array intersection count such a stay as shared without
a date function that DuckDB and Spark spell differently.

Dates are day numbers and months are counted from year 0 for the same reason: the
comparisons are then plain arithmetic, identical in every SQL dialect.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

UNIQUE_ID = "unique_id"
STAY_KEYS = "stay_keys"
#: The same keys without the padding: stays admitted on the very same day.
EXACT_STAY_KEYS = "exact_stay_keys"
STAY_COUNT = "hospital_stays"
ANCHOR_STAY = "anchor_stay"

_KEYS = pa.list_(pa.string())


def hospital_records(people: pa.Table, stays: pa.Table) -> pa.Table:
    """Records of hospital patients, with the number of their stays. A patient without
    stays gets null keys: nothing known, so the stays comparison falls in its null level
    and weighs nothing."""
    stays = stays.filter(pc.is_in(stays["patient_id"], people["patient_id"]))
    keys = _keys(stays, "patient_id", offsets=(-1, 0, 1))
    exact = _keys(stays, "patient_id", offsets=(0,))
    records = _records(people, "patient_id", keys, exact, _anchors(stays, "patient_id"))
    distinct = stays.group_by(["patient_id", "finess", "admission_date"]).aggregate([])
    counts = distinct.group_by("patient_id").aggregate([([], "count_all")])
    count = pc.take(counts["count_all"], pc.index_in(records[UNIQUE_ID], counts["patient_id"]))
    return records.append_column(STAY_COUNT, pc.cast(count, pa.int32()))


def snds_records(people: pa.Table, stays: pa.Table, centres: pa.Array) -> pa.Table:
    """Records of SNDS beneficiaries, with only their stays at the `centres` (the FINESS
    the hospital side has stays at: no other stay can be shared). A beneficiary never
    admitted there gets an empty list, not null: the hospital knows its patients were
    admitted, so "no stay at the centre" is evidence against the pair."""
    stays = stays.filter(pc.is_in(stays["finess"], centres))
    keys = _keys(stays, "beneficiary_id", offsets=(0,))
    records = _records(people, "beneficiary_id", keys, keys, _anchors(stays, "beneficiary_id"))
    for column in (STAY_KEYS, EXACT_STAY_KEYS):
        filled = pc.fill_null(records[column], pa.scalar([], _KEYS))
        records = records.set_column(records.schema.get_field_index(column), column, filled)
    # Both sides need the same columns; only the hospital's count is ever read.
    return records.append_column(STAY_COUNT, pa.nulls(records.num_rows, pa.int32()))


def centre_finess(stays: pa.Table) -> pa.Array:
    """The FINESS the hospital stays took place at."""
    return pc.unique(stays["finess"].combine_chunks())


def _day(dates: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.cast(dates, pa.int32())


def _key(finess: pa.ChunkedArray, day: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(finess, pc.cast(day, pa.string()), "|")


def _keys(stays: pa.Table, id_column: str, offsets: tuple[int, ...]) -> pa.Table:
    day = _day(stays["admission_date"])
    shifted = pa.concat_tables(
        pa.table({id_column: stays[id_column], STAY_KEYS: _key(stays["finess"], pc.add(day, n))})
        for n in offsets
    )
    # Sorted and grouped on one thread, so that a list reads the same on every run.
    shifted = shifted.sort_by([(id_column, "ascending"), (STAY_KEYS, "ascending")])
    grouped = shifted.group_by(id_column, use_threads=False).aggregate([(STAY_KEYS, "distinct")])
    return pa.table({id_column: grouped[id_column], STAY_KEYS: grouped[f"{STAY_KEYS}_distinct"]})


def _anchors(stays: pa.Table, id_column: str) -> pa.Table:
    """Each person's first two stays at a centre, as `day|FINESS|day|FINESS` (days
    zero-padded, so that sorting the strings sorts the stays); null with fewer than two.

    Only used to pick training pairs: two admissions on the same two days are almost
    never a coincidence, so pairs with equal anchors are nearly all true matches, found
    without looking at any identity column, which EM can then learn the m of. One shared
    stay is not enough: at a busy centre dozens of people are admitted each day.
    """
    day = pc.utf8_lpad(pc.cast(_day(stays["admission_date"]), pa.string()), 6, "0")
    stay = pc.binary_join_element_wise(day, stays["finess"], "|")
    table = pa.table({id_column: stays[id_column], ANCHOR_STAY: stay})
    table = table.sort_by([(id_column, "ascending"), (ANCHOR_STAY, "ascending")])
    grouped = table.group_by(id_column, use_threads=False).aggregate([(ANCHOR_STAY, "distinct")])
    first_two = pc.list_slice(grouped[f"{ANCHOR_STAY}_distinct"], 0, 2)
    anchor = pc.if_else(
        pc.equal(pc.list_value_length(first_two), 2), pc.binary_join(first_two, "|"), None
    )
    return pa.table({id_column: grouped[id_column], ANCHOR_STAY: anchor})


def _records(
    people: pa.Table, id_column: str, keys: pa.Table, exact: pa.Table, anchors: pa.Table
) -> pa.Table:
    people = people.sort_by(id_column)
    ids = people[id_column]
    # Looked up by position: Arrow's joins do not carry list columns.
    stay_keys = pc.take(keys[STAY_KEYS], pc.index_in(ids, keys[id_column]))
    exact_keys = pc.take(exact[STAY_KEYS], pc.index_in(ids, exact[id_column]))
    anchor = pc.take(anchors[ANCHOR_STAY], pc.index_in(ids, anchors[id_column]))
    return pa.table(
        {
            UNIQUE_ID: people[id_column],
            "sex": people["sex"],
            "birth_year": people["birth_year"],
            "birth_month": people["birth_month"],
            # Months since year 0: one month apart across a new year too.
            "birth_months": pc.add(pc.multiply(people["birth_year"], 12), people["birth_month"]),
            "departement": people["departement"],
            "death_day": _day(people["death_date"]),
            STAY_KEYS: stay_keys.cast(_KEYS),
            EXACT_STAY_KEYS: exact_keys.cast(_KEYS),
            ANCHOR_STAY: anchor,
        }
    )
