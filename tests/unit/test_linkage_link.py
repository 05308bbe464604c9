"""`link` end to end on a synthetic world of 2,000 patients and 20,000 beneficiaries, with
discordant birth months, stays a day off, twins, decoys, absent patients and token
conflicts (tests/support/linkage_people.py)."""

from __future__ import annotations

import json
from collections import Counter

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from entrepot.linkage import REASONS, STEPS, deterministic_baseline, evaluate, link
from tests.support.linkage_people import make_world

pytestmark = pytest.mark.slow

DUPLICATE = "P9999999"
DUPLICATED = "P0000010"


@pytest.fixture(scope="module")
def world():
    return make_world(2000, seed=3)


@pytest.fixture(scope="module")
def world_with_duplicate(world):
    """The world plus a second record of one patient, as if two centres sent the same
    person: both want the same beneficiary, equally."""
    people = world.hospital_people
    row = people.filter(pc.equal(people["patient_id"], DUPLICATED))
    stays = world.hospital_stays
    stay_rows = stays.filter(pc.equal(stays["patient_id"], DUPLICATED))
    return (
        pa.concat_tables([people, _renamed(row, DUPLICATE)]),
        pa.concat_tables([stays, _renamed(stay_rows, DUPLICATE)]),
    )


def _renamed(table: pa.Table, patient_id: str) -> pa.Table:
    index = table.schema.get_field_index("patient_id")
    return table.set_column(index, "patient_id", pa.array([patient_id] * table.num_rows))


@pytest.fixture(scope="module")
def indirect(world, world_with_duplicate):
    people, stays = world_with_duplicate
    steps = []
    result = link(
        people, stays, world.snds_people, world.snds_stays, use_tokens=False, progress=steps.append
    )
    return result, steps


@pytest.fixture(scope="module")
def with_tokens(world):
    return link(world.hospital_people, world.hospital_stays, world.snds_people, world.snds_stays)


def test_probabilistic_linkage_alone_reaches_an_f1_of_098(world, indirect):
    scores = evaluate(indirect[0].links, world.truth)
    assert scores["f1"] >= 0.98
    assert scores["precision"] >= 0.99


def test_the_deterministic_baseline_finds_fewer_true_pairs(world, indirect):
    baseline = deterministic_baseline(
        world.hospital_people, world.hospital_stays, world.snds_people, world.snds_stays
    )
    assert set(baseline["method"].to_pylist()) == {"deterministic"}
    assert (
        evaluate(baseline, world.truth)["recall"]
        < evaluate(indirect[0].links, world.truth)["recall"]
    )


@pytest.mark.parametrize("which", ["indirect", "with_tokens"])
def test_links_are_one_to_one(which, request):
    result = request.getfixturevalue(which)
    links = result[0].links if which == "indirect" else result.links
    assert len(set(links["patient_id"].to_pylist())) == links.num_rows
    assert len(set(links["beneficiary_id"].to_pylist())) == links.num_rows


def test_tokens_are_used_first_and_conflicting_tokens_link_nobody(world, with_tokens):
    links = with_tokens.links
    method = dict(zip(links["patient_id"].to_pylist(), links["method"].to_pylist(), strict=True))
    linked_to = dict(
        zip(links["patient_id"].to_pylist(), links["beneficiary_id"].to_pylist(), strict=True)
    )
    by_token = _unique_token_pairs(world)
    assert by_token
    for patient, beneficiary in by_token.items():
        assert (method[patient], linked_to[patient]) == ("token", beneficiary)
    assert world.conflicting_patients
    assert all(method.get(p) != "token" for p in world.conflicting_patients)
    assert with_tokens.report["tokens"]["conflicting_patients"] == len(world.conflicting_patients)
    assert Counter(method.values())["token"] == len(by_token)


def _unique_token_pairs(world) -> dict[str, str]:
    def holders(table, id_column):
        found: dict[str, list[str]] = {}
        for token, person in zip(
            table["snds_token"].to_pylist(), table[id_column].to_pylist(), strict=True
        ):
            if token is not None:
                found.setdefault(token, []).append(person)
        return found

    patients = holders(world.hospital_people, "patient_id")
    beneficiaries = holders(world.snds_people, "beneficiary_id")
    return {
        ps[0]: beneficiaries[token][0]
        for token, ps in patients.items()
        if len(ps) == 1 and len(beneficiaries.get(token, [])) == 1
    }


def test_every_patient_is_linked_or_has_a_reason(world, indirect):
    result = indirect[0]
    assert result.links.num_rows + result.unlinked.num_rows == world.hospital_people.num_rows + 1
    assert set(result.unlinked["reason"].to_pylist()) <= set(REASONS)
    assert not set(result.links["patient_id"].to_pylist()) & set(
        result.unlinked["patient_id"].to_pylist()
    )


def test_a_patient_outbid_for_their_only_match_says_so(indirect):
    result = indirect[0]
    reason = dict(
        zip(
            result.unlinked["patient_id"].to_pylist(),
            result.unlinked["reason"].to_pylist(),
            strict=True,
        )
    )
    # Equal scores: the lower patient id wins, deterministically.
    assert DUPLICATED in result.links["patient_id"].to_pylist()
    assert reason[DUPLICATE] == "lost_to_better_match"


def test_patients_absent_from_the_snds_stay_unlinked_for_want_of_a_good_candidate(world, indirect):
    absent = set(
        pc.filter(world.truth["patient_id"], pc.is_null(world.truth["beneficiary_id"])).to_pylist()
    )
    reason = dict(
        zip(
            indirect[0].unlinked["patient_id"].to_pylist(),
            indirect[0].unlinked["reason"].to_pylist(),
            strict=True,
        )
    )
    assert absent
    assert {reason[p] for p in absent} <= {"below_threshold", "no_candidate"}


def test_the_report_adds_up_and_is_json(world, with_tokens):
    report = with_tokens.report
    json.dumps(report)
    assert (
        report["linked"] + report["unlinked"]
        == report["patients"]
        == world.hospital_people.num_rows
    )
    assert sum(report["by_method"].values()) == report["linked"]
    assert sum(report["unlinked_by_reason"].values()) == report["unlinked"]
    centres = report["by_centre"].values()
    assert sum(c["patients"] for c in centres) == report["patients"]
    assert sum(c["linked"] for c in centres) == report["linked"]
    assert sum(c["by_method"]["token"] for c in centres) == report["by_method"]["token"]
    quality = report["probabilistic"]
    assert 0.9 <= quality["estimated_precision"] <= 1
    assert quality["expected_false_links"] == pytest.approx(
        report["by_method"]["probabilistic"] * (1 - quality["estimated_precision"])
    )
    assert json.loads(with_tokens.model_json)["link_type"] == "link_only"


def test_progress_is_told_each_step(indirect):
    assert indirect[1] == list(STEPS)
