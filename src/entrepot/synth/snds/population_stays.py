"""Stays of the people outside the hospitals' cohorts.

- Look-alikes: at their patient's centre (main site or another site), around the patient's
  diagnosis: the course of their own cancer, or one to three ordinary stays.
- Everyone else (twins included, who never go to the network's centres): ordinary stays in
  the hospitals of their area for some, at one of the network's centres for a few, and the
  course of a cancer for most of those who have one — in a public hospital (its expensive
  drugs in `T_MCOaaMED`) or a private clinic (in the DCIR).

Shares are assumptions (a few stays each over the years keeps an extract of millions small).
"""

from __future__ import annotations

import numpy as np

from entrepot.synth.sampling import categorical, uniform_days
from entrepot.synth.snds import grouping, text
from entrepot.synth.snds.demography import WINDOW_END, WINDOW_START
from entrepot.synth.snds.establishments import Establishments, choose_establishments
from entrepot.synth.snds.hospital_input import HospitalInput
from entrepot.synth.snds.population import OTHER as OTHER_PERSON
from entrepot.synth.snds.population import Population
from entrepot.synth.snds.stay_rows import (
    DECOY,
    OTHER,
    ROW_KEYS,
    Stays,
    concatenate,
    empty_children,
    stay_rows,
)

GENERAL_STAY_SHARE = 0.12
NETWORK_STAY_SHARE = 0.03
#: Share of people with a cancer outside the cohorts treated in hospital in the window.
CANCER_CARE_SHARE = 0.7
#: Liste-en-sus drug given in the sessions of a cancer outside the cohorts, by site.
_SITE_DRUG = {"C50": "L01FD01", "C34": "L01FF02"}
_DEFAULT_SITE_DRUG = "L01FG01"
#: The usual operation of a site (CCAM), for the sites the cohorts know.
_SITE_ACT = {"C50": "QEFA004", "C34": "GFFA013", "C56": "JKFA028"}


def _courses(
    rng: np.random.Generator,
    person: np.ndarray,
    code: np.ndarray,
    start: np.ndarray,
    eta: np.ndarray,
    private: np.ndarray,
    legal: np.ndarray,
    source: int,
    with_drug: np.ndarray,
) -> Stays:
    """A cancer's hospital course: an operation (sites with a usual one) a week or more
    after `start`, then 3–6 chemotherapy sessions three weeks apart; `with_drug` sessions
    carry the site's liste-en-sus drug."""
    n = len(person)
    act = text.mapped(code, lambda c: _SITE_ACT.get(c[:3], "")).astype(object)
    operated = act != ""
    surgery_day = start + uniform_days(rng, 7, 30, n)
    nights = uniform_days(rng, 2, 6, n)
    sessions = uniform_days(rng, 3, 6, n)
    first_session = np.where(operated, surgery_day + nights + 21, surgery_day)
    row = np.repeat(np.arange(n), sessions)
    k = np.arange(len(row)) - np.repeat(np.cumsum(sessions) - sessions, sessions)
    session_day = first_session[row] + 21 * k
    s = np.flatnonzero(operated)
    root, ghs = grouping.cancer_roots(code[s], np.ones(len(s), dtype=bool))
    surgery = stay_rows(
        len(s),
        person=person[s],
        eta=eta[s],
        legal=legal[s],
        private=private[s],
        admission=surgery_day[s],
        discharge=surgery_day[s] + nights[s],
        dp=code[s],
        ghm=grouping.ghm(root, nights[s], np.ones(len(s), dtype=bool)),
        ghs=ghs,
        source=source,
    )
    session = stay_rows(
        len(row),
        person=person[row],
        eta=eta[row],
        legal=legal[row],
        private=private[row],
        admission=session_day,
        discharge=session_day,
        dp=grouping.SESSION_DIAGNOSIS,
        dr=code[row],
        ghm=grouping.SESSION[0],
        ghs=grouping.SESSION[1],
        session=True,
        source=source,
    )
    acts, diagnoses, drugs = empty_children()
    acts = {"stay": np.arange(len(s)), "code": act[s], "delay": np.zeros(len(s), np.int64)}
    drug_rows = np.flatnonzero(with_drug[row])
    drug_atc = text.mapped(code, lambda c: _SITE_DRUG.get(c[:3], _DEFAULT_SITE_DRUG))
    drugs = {"stay": len(s) + drug_rows, "atc": drug_atc.astype(object)[row[drug_rows]]}
    rows = {key: np.concatenate([surgery[key], session[key]]) for key in ROW_KEYS}
    return Stays(rows, acts, diagnoses, drugs)


def _ordinary(
    rng: np.random.Generator,
    person: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    eta: np.ndarray,
    private: np.ndarray,
    legal: np.ndarray,
    source: int,
) -> Stays:
    """One stay each for a frequent non-cancer reason (`grouping.OTHER_STAYS`), admitted
    between `low` and `high` (days)."""
    n = len(person)
    which = categorical(rng, grouping.OTHER_WEIGHTS, n)
    short, long = grouping.OTHER_NIGHTS[which, 0], grouping.OTHER_NIGHTS[which, 1]
    nights = uniform_days(rng, short, long, n)
    admission = low + np.floor(rng.random(n) * np.maximum(high - nights - low, 0)).astype(np.int64)
    act = grouping.OTHER_ACTS[which]
    surgical = act != ""
    rows = stay_rows(
        n,
        person=person,
        eta=eta,
        legal=legal,
        private=private,
        admission=admission,
        discharge=admission + nights,
        dp=grouping.OTHER_CODES[which],
        ghm=grouping.ghm(grouping.OTHER_ROOTS[which], nights, surgical),
        ghs=grouping.OTHER_GHS[which] + np.where(surgical, 0, 50),
        source=source,
    )
    acts, diagnoses, drugs = empty_children()
    s = np.flatnonzero(surgical)
    acts = {"stay": s, "code": act[s], "delay": np.zeros(len(s), np.int64)}
    return Stays(rows, acts, diagnoses, drugs)


def _centre_places(
    rng: np.random.Generator, hospitals: HospitalInput, centre: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """FINESS of a stay at a network centre (its main site, or another site for 30 %), and
    whether the centre is a private clinic."""
    finess = np.empty(len(centre), dtype=object)
    private = np.zeros(len(centre), dtype=bool)
    for k, c in enumerate(hospitals.centres):
        idx = np.flatnonzero(centre == k)
        options = np.array([c.finess, *c.sites], dtype=object)
        use_site = (rng.random(len(idx)) < 0.3) & (len(options) > 1)
        pick = np.where(use_site, 1 + rng.integers(0, max(len(options) - 1, 1), len(idx)), 0)
        finess[idx] = options[pick]
        private[idx] = c.category == "private clinic"
    return finess, private


def decoy_stays(
    rng: np.random.Generator, population: Population, hospitals: HospitalInput, person: np.ndarray
) -> Stays:
    """Look-alikes' stays at their patient's centre around the patient's diagnosis: the
    course of their own cancer, or one to three ordinary stays."""
    patient = population.related[person]
    centre = hospitals.patients["centre"][patient]
    eta, private = _centre_places(rng, hospitals, centre)
    legal = np.full(len(person), "", dtype=object)
    cancer = population.cancer[person] != ""
    c = np.flatnonzero(cancer)
    courses = _courses(
        rng,
        person[c],
        population.cancer[person[c]],
        population.cancer_start[person[c]],
        eta[c],
        private[c],
        legal[c],
        DECOY,
        rng.random(len(c)) < 0.3,
    )
    o = np.flatnonzero(~cancer)
    count = uniform_days(rng, 1, 3, len(o))
    row = np.repeat(o, count)
    anchor = hospitals.patients["diagnosis_date"][patient[row]]
    ordinary = _ordinary(
        rng, person[row], anchor - 365, anchor + 730, eta[row], private[row], legal[row], DECOY
    )
    return concatenate([courses, ordinary])


def other_stays(
    rng: np.random.Generator,
    population: Population,
    hospitals: HospitalInput,
    places: Establishments,
    person: np.ndarray,
) -> Stays:
    """Stays of everyone else (twins included, never at the network's centres for them):
    ordinary stays in the hospitals of their area, a few at the network's centres, and the
    course of a cancer for most of those who have one."""
    n = len(person)
    general = np.flatnonzero(rng.random(n) < GENERAL_STAY_SHARE)
    general = np.repeat(general, np.where(rng.random(len(general)) < 0.3, 2, 1))
    where = choose_establishments(rng, places, population.residence[person[general]])
    parts = [
        _ordinary(
            rng,
            person[general],
            np.full(len(general), WINDOW_START),
            np.full(len(general), WINDOW_END),
            places.finess[where],
            places.private[where],
            places.legal[where],
            OTHER,
        )
    ]
    from_network = np.flatnonzero(
        (population.role[person] == OTHER_PERSON) & (rng.random(n) < NETWORK_STAY_SHARE)
    )
    weights = np.bincount(hospitals.patients["centre"], minlength=len(hospitals.centres)) + 1
    centre = categorical(rng, weights.astype(np.float64), len(from_network))
    eta, private = _centre_places(rng, hospitals, centre)
    parts.append(
        _ordinary(
            rng,
            person[from_network],
            np.full(len(from_network), WINDOW_START),
            np.full(len(from_network), WINDOW_END),
            eta,
            private,
            np.full(len(from_network), "", dtype=object),
            OTHER,
        )
    )
    treated = np.flatnonzero(
        (population.cancer[person] != "") & (rng.random(n) < CANCER_CARE_SHARE)
    )
    where = choose_establishments(rng, places, population.residence[person[treated]])
    p = person[treated]
    parts.append(
        _courses(
            rng,
            p,
            population.cancer[p],
            population.cancer_start[p],
            places.finess[where],
            places.private[where],
            places.legal[where],
            OTHER,
            rng.random(len(p)) < 0.3,
        )
    )
    return concatenate(parts)
