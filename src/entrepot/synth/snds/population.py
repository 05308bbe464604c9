"""The people of the extract: the hospitals' patients, their twins and look-alikes, the rest.

People are rows of arrays, in this order: hospital patients (ground-truth order), twins,
look-alikes ("decoys"), everyone else. What makes linkage hard is built here:

- **Twins.** A same-sex twin born the same day, living in the same département, shares the
  patient's pseudo-NIR (`BEN_NIR_PSA`): the DCIR tells them apart by `BEN_RNG_GEM`, the
  PMSI (`NIR_ANO_17`) cannot. The twin has no stay at the patient's centre.
- **Look-alikes.** Someone of the same sex, birth year and month (the SNDS knows no birth
  day) and département, with stays at the patient's centre around the same time; half of
  them with a cancer of the same site.
- **Several pseudonyms.** Some people change `BEN_NIR_PSA` (a new NIR, a change of
  scheme): IR_BEN_R holds one row per pseudonym under one `BEN_IDT_ANO`, and claims use the
  pseudonym valid on their date.
- **Birth month.** Some hospital patients' birth month is one off in the SNDS.

Beside that, each person carries what the referential tables say: death and cause, the
long-term conditions (ALD) with their ICD-10 and start, and what the trusted third party
needs to compute a token (the NIR, or its parts for people drawn here).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from entrepot.synth.sampling import NEVER, categorical, day, uniform_days
from entrepot.synth.snds import demography as demo
from entrepot.synth.snds.hospital_input import HospitalInput
from entrepot.synth.snds.rates import Rates
from entrepot.synth.snds.text import random_identifiers
from entrepot.synth.snds.text import year_month as split_date

ROLES = ("hospital_patient", "twin", "decoy", "other")
HOSPITAL, TWIN, DECOY, OTHER = range(4)
#: Share of hospital patients with an ALD 30 exemption for their cancer (assumption: almost
#: all of them ask for it).
HOSPITAL_ALD_SHARE = 0.95
#: Share of look-alikes with a cancer of the patient's site (assumption).
DECOY_CANCER_SHARE = 0.5
#: People with a cancer among the rest: 2.49 M people with a cancer marker in 2014 [S28],
#: ≈ 3.5 % of the insured.
OTHER_CANCER_SHARE = 0.035
#: Other long-term conditions: (ALD number, ICD-10, weight); 12 % of people (assumption).
CHRONIC_ALDS = (
    (8, "E119", 40.0),
    (5, "I500", 12.0),
    (13, "I251", 15.0),
    (15, "G309", 8.0),
    (14, "J449", 8.0),
    (23, "F200", 10.0),
    (3, "I702", 7.0),
)
CHRONIC_ALD_SHARE = 0.12
_SWITCH_RANGE = (day("2010-01-01"), day("2022-12-31"))


@dataclass
class Population:
    """Per person: see the module docstring. Days are day numbers, `NEVER` when none."""

    role: np.ndarray  # int8, index in ROLES
    related: np.ndarray  # hospital patient a person is (or is related to); −1 for others
    sex: np.ndarray  # int8: 1 man, 2 woman
    birth: np.ndarray
    residence: np.ndarray  # index in demography.ALL_DEPARTEMENTS
    snds_birth_month: np.ndarray  # 1–12, as IR_BEN_R writes it
    death: np.ndarray
    cause: np.ndarray  # underlying cause of death (ICD-10), "" if alive
    cancer: np.ndarray  # ICD-10 of a cancer under ALD 30, ""
    cancer_start: np.ndarray
    second_cancer: np.ndarray  # hospital patients' second primary under ALD 30, ""
    second_start: np.ndarray
    chronic_ald: np.ndarray  # ALD number of another long-term condition, 0 if none
    chronic_code: np.ndarray
    chronic_start: np.ndarray
    ben_idt_ano: np.ndarray  # S17
    pseudonym: np.ndarray  # S17, first BEN_NIR_PSA
    rank: np.ndarray  # BEN_RNG_GEM
    second_pseudonym: np.ndarray  # S17, b"" if none
    switch: np.ndarray  # day the second pseudonym takes over; NEVER if none
    has_token: np.ndarray  # bool
    #: Birth place for the NIR of people drawn here: département index (−1 abroad),
    #: commune (or country) code, order number.
    birth_place: np.ndarray
    birth_commune: np.ndarray
    birth_order: np.ndarray

    def __len__(self) -> int:
        return len(self.role)

    def count(self, role: int) -> int:
        return int((self.role == role).sum())

    def pseudonym_at(self, person: np.ndarray, when: np.ndarray) -> np.ndarray:
        """The BEN_NIR_PSA valid on each day for each person."""
        later = np.asarray(when) >= self.switch[person]
        return np.where(later, self.second_pseudonym[person], self.pseudonym[person])


def build_population(
    rng: np.random.Generator, hospitals: HospitalInput, size: int | None, rates: Rates
) -> Population:
    """Everyone in the extract; `size` people in all (default: ten per hospital patient)."""
    n_hospital = hospitals.size
    twin_of = np.flatnonzero(rng.random(n_hospital) < rates.twin)
    decoy_of = np.flatnonzero(rng.random(n_hospital) < rates.decoy)
    size = 10 * n_hospital if size is None else size
    n_other = size - n_hospital - len(twin_of) - len(decoy_of)
    if n_other < 0:
        raise ValueError(
            f"population must be at least {n_hospital + len(twin_of) + len(decoy_of)}: the "
            f"{n_hospital} hospital patients, their twins and look-alikes"
        )
    related = np.concatenate(
        [np.arange(n_hospital), twin_of, decoy_of, np.full(n_other, -1)]
    ).astype(np.int64)
    role = np.repeat(
        np.arange(4, dtype=np.int8), [n_hospital, len(twin_of), len(decoy_of), n_other]
    )
    core = _demographics(rng, hospitals, related, role, rates)
    conditions = _conditions(rng, hospitals, role, related, core)
    return Population(
        role=role,
        related=related,
        **core,
        cause=_causes(rng, hospitals, role, core, conditions["cancer"]),
        **conditions,
        **_identifiers(rng, role, related, core["death"], rates),
        **_birth_places(rng, core["residence"]),
    )


def _demographics(
    rng: np.random.Generator,
    hospitals: HospitalInput,
    related: np.ndarray,
    role: np.ndarray,
    rates: Rates,
) -> dict[str, np.ndarray]:
    """Sex, birth, residence, death: the hospital's truth for its patients, copied for twins
    and look-alikes (a look-alike is born another day of the same month), drawn for others."""
    patients = hospitals.patients
    n_hospital = hospitals.size
    n_other = int((role == OTHER).sum())
    known = related[role != OTHER]
    hospital_sex = np.where(patients["sex"] == "M", 1, 2).astype(np.int8)
    hospital_residence = np.array(
        [demo.DEPARTEMENT_INDEX[d] for d in patients["residence_departement"].tolist()],
        dtype=np.int16,
    )
    others = demo.draw_people(rng, n_other)
    birth = patients["birth_date"][known]
    decoy = role[role != OTHER] == DECOY
    birth[decoy] = _same_month_other_day(rng, birth[decoy])
    sex = np.concatenate([hospital_sex[known], others["sex"]])
    births = np.concatenate([birth, others["birth"]])
    residence = np.concatenate([hospital_residence[known], others["residence"]])
    drawn = demo.draw_deaths(rng, sex[n_hospital:], births[n_hospital:])
    death = np.concatenate([patients["true_death_date"], drawn])
    month = split_date(births)[1].astype(np.int8)
    snds_month = month.copy()
    off = np.flatnonzero(rng.random(n_hospital) < rates.birth_month_off)
    up = rng.random(len(off)) < 0.5
    moved = np.where(up, month[off] + 1, month[off] - 1)
    snds_month[off] = np.where(moved > 12, 11, np.where(moved < 1, 2, moved))
    return {
        "sex": sex,
        "birth": births,
        "residence": residence,
        "snds_birth_month": snds_month,
        "death": death,
    }


def _same_month_other_day(rng: np.random.Generator, birth: np.ndarray) -> np.ndarray:
    """Another day of the same month and year."""
    month = birth.astype("datetime64[D]").astype("datetime64[M]")
    first = month.astype("datetime64[D]").astype(np.int64)
    length = (month + 1).astype("datetime64[D]").astype(np.int64) - first
    offset = np.floor(rng.random(len(birth)) * (length - 1)).astype(np.int64)
    offset += offset >= birth - first
    return first + offset


def _between(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A day uniformly in [low, high] (low where high < low)."""
    return low + np.floor(rng.random(len(low)) * np.maximum(high - low + 1, 0)).astype(np.int64)


def _conditions(
    rng: np.random.Generator,
    hospitals: HospitalInput,
    role: np.ndarray,
    related: np.ndarray,
    core: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """Long-term conditions (ALD): the cancer, a second primary, another chronic disease."""
    patients = hospitals.patients
    n = len(role)
    death = core["death"]
    last_day = np.minimum(death - 1, demo.WINDOW_END)
    cancer = np.full(n, "", dtype=object)
    start = np.full(n, NEVER, dtype=np.int64)

    h = np.flatnonzero(role == HOSPITAL)
    code = hospitals.patients["tumour_icd10"]
    with_ald = rng.random(len(h)) < HOSPITAL_ALD_SHARE
    cancer[h[with_ald]] = code[with_ald]
    start[h] = np.minimum(
        patients["diagnosis_date"] + uniform_days(rng, 0, 60, len(h)), last_day[h]
    )
    second = np.full(n, "", dtype=object)
    second_start = np.full(n, NEVER, dtype=np.int64)
    has_second = (
        with_ald & (patients["second_icd10"] != "") & (patients["second_diagnosis_date"] < NEVER)
    )
    second[h[has_second]] = patients["second_icd10"][has_second]
    second_start[h[has_second]] = np.minimum(
        patients["second_diagnosis_date"][has_second] + 30, last_day[h[has_second]]
    )

    d = np.flatnonzero((role == DECOY) & (rng.random(n) < DECOY_CANCER_SHARE))
    around = patients["diagnosis_date"][related[d]] + uniform_days(rng, -365, 365, len(d))
    start[d] = np.clip(around, demo.WINDOW_START, demo.WINDOW_END)
    keep = start[d] < death[d]
    cancer[d[keep]] = code[related[d[keep]]]

    o = np.flatnonzero(((role == OTHER) | (role == TWIN)) & (rng.random(n) < OTHER_CANCER_SHARE))
    o = o[last_day[o] > demo.WINDOW_START]
    cancer[o] = demo.draw_cancer_codes(rng, core["sex"][o])
    start[o] = _between(rng, np.full(len(o), demo.WINDOW_START), last_day[o])
    start[cancer == ""] = NEVER

    c = np.flatnonzero(rng.random(n) < CHRONIC_ALD_SHARE)
    c = c[last_day[c] > day("2000-01-01")]
    which = categorical(rng, [w for _, _, w in CHRONIC_ALDS], len(c))
    chronic = np.zeros(n, dtype=np.int64)
    chronic_code = np.full(n, "", dtype=object)
    chronic_start = np.full(n, NEVER, dtype=np.int64)
    chronic[c] = np.array([a for a, _, _ in CHRONIC_ALDS])[which]
    chronic_code[c] = np.array([k for _, k, _ in CHRONIC_ALDS], dtype=object)[which]
    chronic_start[c] = _between(rng, np.full(len(c), day("2000-01-01")), last_day[c])
    return {
        "cancer": cancer,
        "cancer_start": start,
        "second_cancer": second,
        "second_start": second_start,
        "chronic_ald": chronic,
        "chronic_code": chronic_code,
        "chronic_start": chronic_start,
    }


def _causes(
    rng: np.random.Generator,
    hospitals: HospitalInput,
    role: np.ndarray,
    core: dict[str, np.ndarray],
    cancer: np.ndarray,
) -> np.ndarray:
    """Underlying cause of death: the hospital's truth says whether the patient died of the
    cancer (then its ICD-10) or of something else; others die of a cancer they have (60 %,
    assumption) or of the causes of `demography`."""
    n = len(role)
    dead = core["death"] < NEVER
    cause = np.full(n, "", dtype=object)
    n_hospital = hospitals.size
    of_cancer = hospitals.patients["cause_of_death"] == "cancer"
    code = hospitals.patients["tumour_icd10"]
    other = demo.draw_causes(rng, core["sex"][:n_hospital], np.zeros(n_hospital, dtype=bool))
    cause[:n_hospital] = np.where(of_cancer, code, other)
    rest = np.arange(n_hospital, n)
    own_cancer = (cancer[rest] != "") & (rng.random(len(rest)) < 0.6)
    drawn = demo.draw_causes(
        rng, core["sex"][rest], rng.random(len(rest)) < demo.CANCER_DEATH_SHARE
    )
    cause[rest] = np.where(own_cancer, cancer[rest], drawn)
    cause[~dead] = ""
    return cause


def _identifiers(
    rng: np.random.Generator,
    role: np.ndarray,
    related: np.ndarray,
    death: np.ndarray,
    rates: Rates,
) -> dict[str, np.ndarray]:
    """BEN_IDT_ANO, pseudonyms and rank; twins share their patient's first pseudonym and
    the pair is told apart by rank (which twin is first is drawn)."""
    n = len(role)
    pseudonym = random_identifiers(rng, n)
    rank = np.ones(n, dtype=np.int64)
    twins = np.flatnonzero(role == TWIN)
    pseudonym[twins] = pseudonym[related[twins]]
    second_born = rng.random(len(twins)) < 0.5
    rank[twins[second_born]] = 2
    rank[related[twins[~second_born]]] = 2
    in_pair = np.zeros(n, dtype=bool)
    in_pair[twins] = True
    in_pair[related[twins]] = True
    switch = np.full(n, NEVER, dtype=np.int64)
    chosen = np.flatnonzero(~in_pair & (rng.random(n) < rates.extra_pseudonym))
    when = _between(
        rng, np.full(len(chosen), _SWITCH_RANGE[0]), np.full(len(chosen), _SWITCH_RANGE[1])
    )
    chosen, when = chosen[when < death[chosen]], when[when < death[chosen]]
    switch[chosen] = when
    second = np.zeros(n, dtype=pseudonym.dtype)
    second[chosen] = random_identifiers(rng, len(chosen))
    return {
        "ben_idt_ano": random_identifiers(rng, n),
        "pseudonym": pseudonym,
        "rank": rank,
        "second_pseudonym": second,
        "switch": switch,
        "has_token": rng.random(n) < rates.token,
    }


def _birth_places(rng: np.random.Generator, residence: np.ndarray) -> dict[str, np.ndarray]:
    """Where people drawn here were born, for their NIR: in their département of residence
    (60 %), another metropolitan one (30 %) or abroad (10 %) (assumption)."""
    n = len(residence)
    where = categorical(rng, (0.6, 0.3, 0.1), n)
    metropolitan = len(demo.ALL_DEPARTEMENTS) - len(demo.OVERSEAS)
    place = np.where(where == 0, residence, rng.integers(0, metropolitan, n)).astype(np.int16)
    place[where == 2] = -1
    commune = rng.integers(1, 1000, n).astype(np.int16)
    overseas = place >= metropolitan
    commune[overseas] = rng.integers(1, 100, int(overseas.sum()))
    commune[place < 0] = rng.choice(
        np.array([352, 350, 351, 127, 134, 139, 109, 131]), int((place < 0).sum())
    )
    return {
        "birth_place": place,
        "birth_commune": commune,
        "birth_order": rng.integers(1, 1000, n).astype(np.int16),
    }
