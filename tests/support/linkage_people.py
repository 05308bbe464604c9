"""A small synthetic world to test the linkage on: hospital patients, SNDS beneficiaries,
their stays, and the truth kept aside.

Not the SNDS generator (`entrepot.synth.snds`): just the people and stays linkage reads
(decision 0004, seam 2), with the traps that make linkage hard:

- birth months that disagree between the hospital and the SNDS (mostly by one month);
- stays shifted by a day in the PMSI (admission recorded the day before or after);
- a patient's same-sex twin in the SNDS: same birth month, same département, no stay at
  the centre;
- decoys: people of the same sex, birth month and département who were admitted to the
  same centre on other days;
- patients who are not in the SNDS at all, and patients or beneficiaries without a token;
- a few token conflicts (one token on two beneficiaries, one token on two patients).

Everything is drawn with numpy from one seed, so a world is the same on every run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

CENTRES = ("750000001", "690000002", "130000003")
OTHER_HOSPITALS = tuple(f"{code:02d}0000{n:03d}" for code in (33, 59, 31, 67) for n in (1, 2))
DEPARTEMENTS = (
    *(f"{n:02d}" for n in range(1, 96) if n != 20),
    "2A",
    "2B",
    "971",
    "972",
    "973",
    "974",
    "976",
)

_FIRST_DAY = (dt.date(2012, 1, 1) - dt.date(1970, 1, 1)).days
_LAST_DAY = (dt.date(2024, 12, 31) - dt.date(1970, 1, 1)).days


@dataclass(frozen=True)
class World:
    """The four linkage inputs and the truth `(patient_id, beneficiary_id)`, one row per
    patient, `beneficiary_id` null for a patient who is not in the SNDS."""

    hospital_people: pa.Table
    hospital_stays: pa.Table
    snds_people: pa.Table
    snds_stays: pa.Table
    truth: pa.Table
    #: Patients whose token is shared with another patient or another beneficiary.
    conflicting_patients: frozenset[str]


@dataclass
class _People:
    """Columns of a population being built, as numpy arrays."""

    sex: np.ndarray
    birth_year: np.ndarray
    birth_month: np.ndarray
    departement: np.ndarray
    death_day: np.ndarray  # -1 when alive

    def take(self, index: np.ndarray) -> _People:
        return _People(*(getattr(self, f)[index] for f in _People.__dataclass_fields__))

    @staticmethod
    def concat(parts: list[_People]) -> _People:
        return _People(
            *(np.concatenate([getattr(p, f) for p in parts]) for f in _People.__dataclass_fields__)
        )


def make_world(
    patients: int = 2000,
    *,
    beneficiaries_per_patient: int = 10,
    seed: int = 0,
    token_share: float = 0.6,
    discordant_month_share: float = 0.05,
    moved_share: float = 0.02,
    shifted_stay_share: float = 0.2,
    twin_share: float = 0.05,
    decoy_share: float = 0.5,
    absent_share: float = 0.01,
    conflicts: bool = True,
) -> World:
    """A world of `patients` hospital patients and about `beneficiaries_per_patient` times
    as many SNDS beneficiaries."""
    rng = np.random.default_rng(seed)
    weights = _departement_weights(rng)

    patient_people = _draw_people(rng, patients, weights, cancer=True)
    centre = rng.choice(np.array(CENTRES), patients)
    patient_stays = _draw_stays(rng, np.arange(patients), centre, rng.poisson(3, patients) + 1)

    present = rng.random(patients) >= absent_share
    matched = np.flatnonzero(present)

    # The SNDS side of each present patient: the same person, as the SNDS records them.
    true_people = patient_people.take(matched)
    true_people.death_day = _snds_death(rng, true_people.death_day)
    true_stays = _pmsi_copy(rng, patient_stays, matched, shifted_stay_share)

    twins_of = matched[rng.random(matched.size) < twin_share]
    twins = patient_people.take(twins_of)
    twins.death_day = np.full(twins_of.size, -1)

    decoy_counts = np.where(rng.random(patients) < decoy_share, rng.integers(1, 4, patients), 0)
    decoys_of = np.repeat(np.arange(patients), decoy_counts)
    decoys = patient_people.take(decoys_of)
    decoys.death_day = np.full(decoys_of.size, -1)

    background_size = max(
        0, patients * beneficiaries_per_patient - matched.size - twins_of.size - decoys_of.size
    )
    background = _draw_people(rng, background_size, weights, cancer=False)

    # Hospital records drift from the SNDS: a wrong birth month, a move.
    _disagree(rng, patient_people, discordant_month_share, moved_share)

    snds = _People.concat([true_people, twins, decoys, background])
    size = snds.sex.size
    # Identifiers drawn in random order, so that no tie-break can lean on the truth.
    beneficiary_ids = np.array([f"B{n:08d}" for n in rng.permutation(size)])
    offsets = np.cumsum([0, matched.size, twins_of.size, decoys_of.size])
    decoy_rows = np.arange(offsets[2], offsets[3])
    background_rows = np.arange(offsets[3], size)

    snds_stays = _concat_stays(
        _reindex(true_stays, np.arange(matched.size)),
        _other_hospital_stays(rng, np.arange(offsets[0], offsets[1]), 1.0),
        _other_hospital_stays(rng, np.arange(offsets[1], offsets[2]), 1.0),
        _decoy_stays(rng, decoy_rows, centre[decoys_of]),
        _background_stays(rng, background_rows),
    )

    patient_ids = np.array([f"P{n:07d}" for n in range(patients)])
    patient_tokens, beneficiary_tokens, conflicting = _tokens(
        rng, patients, size, matched, token_share, conflicts
    )

    truth_beneficiary = np.full(patients, None, dtype=object)
    truth_beneficiary[matched] = beneficiary_ids[: matched.size]
    return World(
        hospital_people=_people_table(
            "patient_id", patient_ids, patient_people, patient_tokens, centre
        ),
        hospital_stays=_stays_table("patient_id", patient_ids, patient_stays),
        snds_people=_people_table("beneficiary_id", beneficiary_ids, snds, beneficiary_tokens),
        snds_stays=_stays_table("beneficiary_id", beneficiary_ids, snds_stays),
        truth=pa.table(
            {
                "patient_id": pa.array(patient_ids, pa.string()),
                "beneficiary_id": pa.array(truth_beneficiary, pa.string()),
            }
        ),
        conflicting_patients=frozenset(str(p) for p in patient_ids[conflicting]),
    )


def _departement_weights(rng: np.random.Generator) -> np.ndarray:
    # Départements differ a lot in size: a few big ones, a long tail of small ones.
    weights = 1 / np.sqrt(np.arange(1, len(DEPARTEMENTS) + 1))
    weights = rng.permutation(weights)
    return weights / weights.sum()


def _draw_people(
    rng: np.random.Generator, size: int, weights: np.ndarray, *, cancer: bool
) -> _People:
    if cancer:
        birth_year = np.clip(np.rint(rng.normal(1955, 13, size)), 1920, 2005).astype(int)
        dead = rng.random(size) < 0.3
    else:
        birth_year = rng.integers(1925, 2020, size)
        dead = rng.random(size) < 0.05
    death_day = np.where(dead, rng.integers(_FIRST_DAY, _LAST_DAY, size), -1)
    return _People(
        sex=rng.choice(np.array(["M", "F"]), size),
        birth_year=birth_year,
        birth_month=rng.integers(1, 13, size),
        departement=rng.choice(np.array(DEPARTEMENTS), size, p=weights),
        death_day=death_day,
    )


def _snds_death(rng: np.random.Generator, death_day: np.ndarray) -> np.ndarray:
    """The SNDS death date of the same people: mostly the same, sometimes a few days off,
    sometimes missing, sometimes known to the SNDS only."""
    draw = rng.random(death_day.size)
    dead = death_day >= 0
    shifted = death_day + rng.integers(1, 6, death_day.size) * rng.choice([-1, 1], death_day.size)
    result = np.where(dead & (draw < 0.05), shifted, death_day)
    result = np.where(dead & (draw > 0.97), -1, result)
    died_later = rng.integers(_FIRST_DAY, _LAST_DAY, death_day.size)
    return np.where(~dead & (draw < 0.02), died_later, result)


def _disagree(
    rng: np.random.Generator, people: _People, month_share: float, moved_share: float
) -> None:
    size = people.sex.size
    wrong = rng.random(size) < month_share
    # Most discordant months are one month off (a typing slip, a date read the wrong way).
    step = np.where(rng.random(size) < 0.7, rng.choice([-1, 1], size), rng.integers(2, 12, size))
    people.birth_month = np.where(
        wrong, (people.birth_month - 1 + step) % 12 + 1, people.birth_month
    )
    moved = rng.random(size) < moved_share
    people.departement = np.where(
        moved, rng.choice(np.array(DEPARTEMENTS), size), people.departement
    )


@dataclass
class _Stays:
    owner: np.ndarray  # row number of the person
    finess: np.ndarray
    admission: np.ndarray  # days since 1970-01-01
    length: np.ndarray


def _draw_stays(
    rng: np.random.Generator, owners: np.ndarray, finess: np.ndarray, counts: np.ndarray
) -> _Stays:
    owner = np.repeat(owners, counts)
    return _Stays(
        owner=owner,
        finess=np.repeat(finess, counts),
        admission=rng.integers(_FIRST_DAY, _LAST_DAY, owner.size),
        length=rng.poisson(2, owner.size),
    )


def _pmsi_copy(
    rng: np.random.Generator, stays: _Stays, matched: np.ndarray, shifted_share: float
) -> _Stays:
    """The stays of the matched patients as the PMSI has them, a share shifted by a day.
    Owners become row numbers among the matched patients."""
    position = np.full(stays.owner.max(initial=0) + 1, -1)
    position[matched] = np.arange(matched.size)
    keep = position[stays.owner] >= 0
    shift = np.where(
        rng.random(stays.owner.size) < shifted_share, rng.choice([-1, 1], stays.owner.size), 0
    )
    return _Stays(
        owner=position[stays.owner][keep],
        finess=stays.finess[keep],
        admission=(stays.admission + shift)[keep],
        length=stays.length[keep],
    )


def _reindex(stays: _Stays, rows: np.ndarray) -> _Stays:
    return _Stays(rows[stays.owner], stays.finess, stays.admission, stays.length)


def _other_hospital_stays(rng: np.random.Generator, rows: np.ndarray, mean: float) -> _Stays:
    counts = rng.poisson(mean, rows.size)
    return _draw_stays(rng, rows, rng.choice(np.array(OTHER_HOSPITALS), rows.size), counts)


def _decoy_stays(rng: np.random.Generator, rows: np.ndarray, centre: np.ndarray) -> _Stays:
    # Admitted to the patient's own centre, on days of their own.
    return _draw_stays(rng, rows, centre, rng.integers(1, 5, rows.size))


def _background_stays(rng: np.random.Generator, rows: np.ndarray) -> _Stays:
    hospitals = np.array(CENTRES + OTHER_HOSPITALS)
    counts = np.where(rng.random(rows.size) < 0.6, rng.integers(1, 4, rows.size), 0)
    return _draw_stays(rng, rows, rng.choice(hospitals, rows.size), counts)


def _concat_stays(*parts: _Stays) -> _Stays:
    return _Stays(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _Stays.__dataclass_fields__)
    )


def _tokens(
    rng: np.random.Generator,
    patients: int,
    beneficiaries: int,
    matched: np.ndarray,
    token_share: float,
    conflicts: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tokens of both sides: a matched patient with a token shares it with their
    beneficiary, unless the trusted third party computed none for the beneficiary."""
    numbers = rng.choice(2**62, patients + beneficiaries, replace=False)
    patient_tokens = np.array([f"{n:016x}" for n in numbers[:patients]], dtype=object)
    beneficiary_tokens = np.array([f"{n:016x}" for n in numbers[patients:]], dtype=object)
    beneficiary_tokens[: matched.size] = patient_tokens[matched]

    beneficiary_tokens[rng.random(beneficiaries) < 0.1] = None
    patient_tokens[rng.random(patients) >= token_share] = None

    conflicting = np.array([], dtype=int)
    if conflicts:
        holders = np.flatnonzero([token is not None for token in patient_tokens[matched]])
        first, second, third = holders[:3]
        # One token on two beneficiaries: a stranger carries the first patient's token too.
        token = patient_tokens[matched[first]]
        beneficiary_tokens[first] = beneficiary_tokens[-1] = token
        # One token on two patients.
        patient_tokens[matched[third]] = patient_tokens[matched[second]]
        conflicting = matched[[first, second, third]]
    return patient_tokens, beneficiary_tokens, conflicting


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("int32"), pa.int32()).cast(pa.date32())


def _people_table(
    id_name: str,
    ids: np.ndarray,
    people: _People,
    tokens: np.ndarray,
    centre: np.ndarray | None = None,
) -> pa.Table:
    death = np.where(people.death_day >= 0, people.death_day, 0)
    columns = {
        id_name: pa.array(ids, pa.string()),
        "snds_token": pa.array(tokens, pa.string()),
        "sex": pa.array(people.sex, pa.string()),
        "birth_year": pa.array(people.birth_year, pa.int32()),
        "birth_month": pa.array(people.birth_month, pa.int32()),
        "departement": pa.array(people.departement, pa.string()),
        "death_date": pa.array(death.astype("int32"), pa.int32(), mask=people.death_day < 0).cast(
            pa.date32()
        ),
    }
    if centre is not None:
        columns["centre_finess"] = pa.array(centre, pa.string())
    return pa.table(columns)


def _stays_table(id_name: str, ids: np.ndarray, stays: _Stays) -> pa.Table:
    return pa.table(
        {
            id_name: pa.array(ids[stays.owner], pa.string()),
            "finess": pa.array(stays.finess, pa.string()),
            "admission_date": _dates(stays.admission),
            "discharge_date": _dates(stays.admission + stays.length),
        }
    )
