"""The parts of the linkage, each on a handful of hand-written rows."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from entrepot.linkage import deterministic_baseline, evaluate
from entrepot.linkage.assignment import one_to_one
from entrepot.linkage.inputs import read_inputs
from entrepot.linkage.reasons import unlinked_patients
from entrepot.linkage.records import hospital_records, snds_records
from entrepot.linkage.tokens import link_by_token

DAY = dt.date(2020, 3, 10)
EPOCH_DAY = (DAY - dt.date(1970, 1, 1)).days


def people(id_column: str, rows: list[tuple]) -> pa.Table:
    """Rows of (id, token, sex, birth_year, birth_month)."""
    columns = list(zip(*rows, strict=True)) or [()] * 5
    table = {
        id_column: pa.array(columns[0], pa.string()),
        "snds_token": pa.array(columns[1], pa.string()),
        "sex": pa.array(columns[2], pa.string()),
        "birth_year": pa.array(columns[3], pa.int32()),
        "birth_month": pa.array(columns[4], pa.int32()),
        "departement": pa.array(["75"] * len(rows)),
        "death_date": pa.nulls(len(rows), pa.date32()),
    }
    if id_column == "patient_id":
        table["centre_finess"] = pa.array(["750000001"] * len(rows))
    return pa.table(table)


def stays(id_column: str, rows: list[tuple]) -> pa.Table:
    """Rows of (id, finess, admission date)."""
    ids, finess, days = zip(*rows, strict=True) if rows else ((), (), ())
    return pa.table(
        {
            id_column: pa.array(ids, pa.string()),
            "finess": pa.array(finess, pa.string()),
            "admission_date": pa.array(days, pa.date32()),
            "discharge_date": pa.array(days, pa.date32()),
        }
    )


def inputs(hospital, snds, hospital_stays=(), snds_stays=()):
    return read_inputs(
        people("patient_id", hospital),
        stays("patient_id", list(hospital_stays)),
        people("beneficiary_id", snds),
        stays("beneficiary_id", list(snds_stays)),
    )


# Tokens.


def test_a_token_found_once_on_each_side_links():
    found = link_by_token(
        inputs(
            [("p1", "t1", "F", 1950, 1)], [("b1", "t1", "F", 1950, 1), ("b2", "t2", "M", 1960, 2)]
        )
    )
    assert found.links.to_pylist() == [
        {"patient_id": "p1", "beneficiary_id": "b1", "method": "token", "match_probability": 1.0}
    ]


def test_a_token_on_two_beneficiaries_or_two_patients_links_nobody():
    found = link_by_token(
        inputs(
            [("p1", "t1", "F", 1950, 1), ("p2", "t2", "F", 1950, 1), ("p3", "t2", "M", 1951, 1)],
            [("b1", "t1", "F", 1950, 1), ("b2", "t1", "F", 1950, 1), ("b3", "t2", "F", 1950, 1)],
        )
    )
    assert found.links.num_rows == 0
    assert sorted(found.conflicting_patients.to_pylist()) == ["p1", "p2", "p3"]
    assert found.conflicting_tokens == 2


def test_a_token_nobody_carries_is_reported_not_found():
    found = link_by_token(
        inputs(
            [("p1", "t9", "F", 1950, 1), ("p2", None, "F", 1950, 1)], [("b1", "t1", "F", 1950, 1)]
        )
    )
    assert found.unmatched_patients.to_pylist() == ["p1"]
    assert found.patients_with_token == 1


# Records.


def test_hospital_stays_are_keyed_the_day_before_the_day_and_the_day_after():
    data = inputs(
        [("p1", None, "F", 1950, 1), ("p2", None, "M", 1950, 1)], [], [("p1", "750000001", DAY)]
    )
    records = hospital_records(data.hospital_people, data.hospital_stays).to_pylist()
    assert records[0]["stay_keys"] == [f"750000001|{EPOCH_DAY + n}" for n in (-1, 0, 1)]
    assert records[0]["hospital_stays"] == 1
    # No stay known: null, so the comparison weighs nothing either way.
    assert records[1]["stay_keys"] is None


def test_snds_stays_keep_the_centres_only_and_an_empty_list_says_none_there():
    data = inputs(
        [("p1", None, "F", 1950, 1)],
        [("b1", None, "F", 1950, 1), ("b2", None, "F", 1950, 1)],
        [("p1", "750000001", DAY)],
        [("b1", "750000001", DAY), ("b1", "330000001", DAY), ("b2", "330000001", DAY)],
    )
    records = snds_records(data.snds_people, data.snds_stays, pa.array(["750000001"])).to_pylist()
    assert records[0]["stay_keys"] == [f"750000001|{EPOCH_DAY}"]
    assert records[1]["stay_keys"] == []


def test_anchors_are_the_first_two_stays_so_only_near_certain_pairs_train_identity():
    data = inputs(
        [("p1", None, "F", 1950, 1), ("p2", None, "F", 1950, 1)],
        [],
        [
            ("p1", "750000001", DAY + dt.timedelta(days=9)),
            ("p1", "750000001", DAY),
            ("p2", "750000001", DAY),
        ],
    )
    records = hospital_records(data.hospital_people, data.hospital_stays).to_pylist()
    assert records[0]["anchor_stay"] == f"0{EPOCH_DAY}|750000001|0{EPOCH_DAY + 9}|750000001"
    assert records[1]["anchor_stay"] is None


# One-to-one assignment.


def pairs(rows):
    patient, beneficiary, probability = zip(*rows, strict=True)
    return pa.table(
        {
            "patient_id": pa.array(patient, pa.string()),
            "beneficiary_id": pa.array(beneficiary, pa.string()),
            "match_probability": pa.array(probability, pa.float64()),
        }
    )


def test_the_best_pair_goes_first_and_the_loser_takes_its_next_best():
    assigned = one_to_one(pairs([("p1", "b1", 0.95), ("p2", "b1", 0.99), ("p1", "b2", 0.93)]))
    assert [(r["patient_id"], r["beneficiary_id"]) for r in assigned.links.to_pylist()] == [
        ("p1", "b2"),
        ("p2", "b1"),
    ]
    assert assigned.outbid.to_pylist() == []


def test_a_patient_whose_only_candidate_is_taken_is_outbid_and_ties_go_to_the_lower_id():
    assigned = one_to_one(pairs([("p2", "b1", 0.97), ("p1", "b1", 0.97)]))
    assert assigned.links["patient_id"].to_pylist() == ["p1"]
    assert assigned.outbid.to_pylist() == ["p2"]


def test_the_strongest_reason_wins():
    data = inputs([(f"p{n}", None, "F", 1950, 1) for n in range(1, 6)], [])
    linked = pairs([("p5", "b5", 0.99)])
    unlinked = unlinked_patients(
        data.hospital_people,
        linked,
        token_conflicts=pa.array(["p1"]),
        outbid=pa.array(["p1", "p2"]),
        with_candidates=pa.array(["p1", "p2", "p3"]),
    )
    assert dict(
        zip(unlinked["patient_id"].to_pylist(), unlinked["reason"].to_pylist(), strict=True)
    ) == {
        "p1": "token_conflict",
        "p2": "lost_to_better_match",
        "p3": "below_threshold",
        "p4": "no_candidate",
    }
    assert unlinked["centre_finess"].to_pylist() == ["750000001"] * 4


# Deterministic baseline.


def test_the_baseline_wants_the_same_day_and_a_pair_unique_both_ways():
    data = dict(
        hospital_people=people(
            "patient_id",
            [
                ("p1", None, "F", 1950, 1),
                ("p2", None, "M", 1960, 5),
                ("p3", None, "M", 1960, 5),
                ("p4", None, "F", 1970, 2),
            ],
        ),
        hospital_stays=stays(
            "patient_id",
            [
                ("p1", "750000001", DAY),
                ("p2", "750000001", DAY),
                ("p3", "750000001", DAY),
                ("p4", "750000001", DAY),
            ],
        ),
        snds_people=people(
            "beneficiary_id",
            [("b1", None, "F", 1950, 1), ("b2", None, "M", 1960, 5), ("b4", None, "F", 1970, 2)],
        ),
        snds_stays=stays(
            "beneficiary_id",
            [
                ("b1", "750000001", DAY),
                ("b2", "750000001", DAY),
                ("b4", "750000001", DAY + dt.timedelta(days=1)),
            ],
        ),
    )
    links = deterministic_baseline(**data)
    # p2 and p3 both fit b2: ambiguous, dropped. p4's stay is a day off: missed.
    assert links.select(["patient_id", "beneficiary_id"]).to_pylist() == [
        {"patient_id": "p1", "beneficiary_id": "b1"}
    ]


# Evaluation.


def test_precision_recall_and_f1_overall_and_by_method():
    truth = pa.table(
        {
            "patient_id": ["p1", "p2", "p3", "p4", "p5"],
            "beneficiary_id": ["b1", "b2", "b3", "b4", None],
        }
    )
    links = pa.table(
        {
            "patient_id": ["p1", "p2", "p3", "p5"],
            "beneficiary_id": ["b1", "b2", "b9", "b5"],
            "method": ["token", "probabilistic", "probabilistic", "probabilistic"],
        }
    )
    scores = evaluate(links, truth)
    assert (scores["links"], scores["true_links"], scores["true_pairs"]) == (4, 2, 4)
    assert scores["precision"] == 0.5
    assert scores["recall"] == 0.5
    assert scores["f1"] == 0.5
    token, probabilistic = scores["by_method"]["token"], scores["by_method"]["probabilistic"]
    assert (token["precision"], token["recall"]) == (1.0, 0.25)
    assert probabilistic["precision"] == pytest.approx(1 / 3)
    assert probabilistic["recall"] == 0.25
    assert token["recall"] + probabilistic["recall"] == scores["recall"]


def test_nothing_linked_has_no_precision_and_zero_recall():
    truth = pa.table({"patient_id": ["p1"], "beneficiary_id": ["b1"]})
    links = pa.table(
        {"patient_id": pa.array([], pa.string()), "beneficiary_id": pa.array([], pa.string())}
    )
    scores = evaluate(links, truth)
    assert (scores["precision"], scores["recall"], scores["f1"]) == (None, 0.0, None)


# Inputs.


def test_a_missing_column_is_named_without_any_value():
    with pytest.raises(ValueError, match=r"SNDS people: missing column.*birth_month"):
        read_inputs(
            people("patient_id", [("p1", None, "F", 1950, 1)]),
            stays("patient_id", []),
            people("beneficiary_id", [("b1", None, "F", 1950, 1)]).drop_columns(["birth_month"]),
            stays("beneficiary_id", []),
        )


def test_the_warehouse_name_stay_finess_is_accepted():
    hospital_stays = stays("patient_id", [("p1", "750000001", DAY)]).rename_columns(
        ["patient_id", "stay_finess", "admission_date", "discharge_date"]
    )
    data = read_inputs(
        people("patient_id", [("p1", None, "F", 1950, 1)]).drop_columns(["centre_finess"]),
        hospital_stays,
        people("beneficiary_id", [("b1", None, "F", 1950, 1)]),
        stays("beneficiary_id", []),
    )
    assert data.hospital_stays.column_names == ["patient_id", "finess", "admission_date"]
    assert data.hospital_people["centre_finess"].to_pylist() == [None]
