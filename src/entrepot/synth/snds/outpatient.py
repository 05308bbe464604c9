"""DCIR lines: what the health insurance reimbursed outside hospital stays.

A line is a row of `ER_PRS_F` (who, when, what nature of care, amounts), with a child row in
`ER_PHA_F` for a pharmacy dispensing (CIP13, packs) or in `ER_UCD_F` for a hospital drug
billed outside a stay (UCD, units). Sources:

- hospital patients: their oral anticancer drugs from the treatment's start to its end (or
  death, or the end of the window), at the rhythm of `drugs.PHARMACY`; oncologist and GP
  consultations;
- liste-en-sus drugs given in a private clinic's sessions (`ER_UCD_F`, nature 3320);
- everyone else: a few GP and specialist consultations and everyday drugs.

Amounts: consultation tariffs of the NGAP (G 22 € → 23 € in 2011 → 25 € in May 2017 →
26.50 € in December 2023 → 30 € in December 2024; CS 25 € → 30 € in 2017 → 31.50 €
in December 2023: from memory of the published tariffs, an assumption here, no source in the
reference sheet), one in five specialist consultations with an extra fee of 5–40 €; drug
prices of `drugs`. Reimbursed: 70 % of the tariff minus the 1 € flat participation for a
consultation, 65 % of a drug's price, 100 % (still minus the participation for
consultations) for care under an ALD, and for expensive anticancer drugs (nature 3311, PH1).

Some consultation lines are sent again "for information" (`DPN_QLF` 71): the same care,
a second line with its own keys. Summing amounts without dropping them double-counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import NEVER, day, uniform_days
from entrepot.synth.snds import text
from entrepot.synth.snds.demography import ALL_DEPARTEMENTS, WINDOW_END, WINDOW_START
from entrepot.synth.snds.drugs import EVERYDAY, LISTED, PHARMACY, cip13, regimen_drugs
from entrepot.synth.snds.hospital_input import HospitalInput
from entrepot.synth.snds.population import Population
from entrepot.synth.snds.stay_rows import Stays

NO_CHILD, PHARMACY_CHILD, UCD_CHILD = 0, 1, 2
#: PRS_NAT_REF (IR_NAT_V): consultations C, G, CS; pharmacy PH1 (100 %), PH7 (65 %); drugs
#: billed on top of a private clinic's stay (PH8).
C, G, CS, PH1, PH7, PH8 = 1111, 1110, 1112, 3311, 3313, 3320
#: PSE_SPE_COD (IR_SPE_V): general practice, medical oncology; other specialists seen.
GENERAL_PRACTICE, ONCOLOGY = 1, 73
_SPECIALISTS = np.array([3, 5, 6, 7, 13, 15])
INFORMATION = 71
_GP_TARIFF = (("2008-01-01", 22.0), ("2011-01-01", 23.0), ("2017-05-01", 25.0),
              ("2023-12-22", 26.5), ("2024-12-22", 30.0))  # fmt: skip
_CS_TARIFF = (("2008-01-01", 25.0), ("2017-11-01", 30.0), ("2023-12-22", 31.5))
_GP_FROM_G = day("2017-05-01")  # the GP consultation became "G" (before: "C")
_PARTICIPATION = 1.0
#: Consultations per person over the window (assumption): hospital patients see their
#: oncologist and GP; others are "a few lines each" to keep an extract of millions small.
HOSPITAL_ONCOLOGY_VISITS = 4.0
HOSPITAL_GP_VISITS = 6.0
OTHER_GP_VISITS = 1.6
OTHER_SPECIALIST_VISITS = 0.4
OTHER_DISPENSINGS = 1.0
_EXPENSIVE = 500.0
_COLUMNS = ("person", "day", "nature", "specialty", "quantity", "paid", "reimbursed",
            "qualifier", "child", "child_code", "child_count")  # fmt: skip


@dataclass
class Lines:
    """DCIR lines as arrays (see `_COLUMNS`); `child_code` is a CIP13 or a UCD."""

    columns: Arrays

    def __len__(self) -> int:
        return len(self.columns["person"])


def _lines(n: int, **columns: object) -> Lines:
    defaults = {"qualifier": 0, "child": NO_CHILD, "child_code": "", "child_count": 0}
    out: Arrays = {}
    for key in _COLUMNS:
        value = columns.get(key, defaults.get(key))
        array = np.asarray(value, dtype=object if isinstance(value, str) else None)
        out[key] = np.full(n, value, dtype=array.dtype) if array.ndim == 0 else array
    return Lines(out)


def concatenate(parts: list[Lines]) -> Lines:
    return Lines({k: np.concatenate([p.columns[k] for p in parts]) for k in _COLUMNS})


def _tariff(table: tuple[tuple[str, float], ...], when: np.ndarray) -> np.ndarray:
    starts = np.array([day(d) for d, _ in table])
    values = np.array([v for _, v in table])
    return values[np.maximum(np.searchsorted(starts, when, side="right") - 1, 0)]


def _under_ald(population: Population, person: np.ndarray, when: np.ndarray) -> np.ndarray:
    return (population.cancer_start[person] <= when) | (population.chronic_start[person] <= when)


def _visits(
    rng: np.random.Generator, person: np.ndarray, mean: float, low: np.ndarray, high: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(person, day) of a Poisson number of visits per person, uniform in [low, high]."""
    count = rng.poisson(mean, len(person)) * (high >= low)
    row = np.repeat(np.arange(len(person)), count)
    when = low[row] + np.floor(rng.random(len(row)) * (high[row] - low[row] + 1)).astype(np.int64)
    return person[row], when


def _consultations(
    rng: np.random.Generator,
    population: Population,
    person: np.ndarray,
    when: np.ndarray,
    specialty: np.ndarray,
) -> Lines:
    gp = specialty == GENERAL_PRACTICE
    base = np.where(gp, _tariff(_GP_TARIFF, when), _tariff(_CS_TARIFF, when))
    extra = np.where(~gp & (rng.random(len(when)) < 0.2), uniform_days(rng, 5, 40, len(when)), 0)
    rate = np.where(_under_ald(population, person, when), 1.0, 0.7)
    return _lines(
        len(person),
        person=person,
        day=when,
        nature=np.where(gp, np.where(when >= _GP_FROM_G, G, C), CS),
        specialty=specialty,
        quantity=np.ones(len(person)),
        paid=base + extra,
        reimbursed=np.maximum(np.round(base * rate - _PARTICIPATION, 2), 0.0),
    )


def hospital_lines(
    rng: np.random.Generator,
    population: Population,
    hospitals: HospitalInput,
    first: int,
    stop: int,
) -> Lines:
    """Dispensings of oral anticancer drugs and consultations of hospital patients."""
    patients = hospitals.patients
    person = np.arange(first, stop)
    last = np.minimum(population.death[person] - 1, WINDOW_END)
    oncology = _visits(
        rng, person, HOSPITAL_ONCOLOGY_VISITS, patients["diagnosis_date"][person], last
    )
    gp = _visits(rng, person, HOSPITAL_GP_VISITS, np.full(len(person), WINDOW_START), last)
    consultations = _consultations(
        rng,
        population,
        np.concatenate([oncology[0], gp[0]]),
        np.concatenate([oncology[1], gp[1]]),
        np.concatenate(
            [np.full(len(oncology[0]), ONCOLOGY), np.full(len(gp[0]), GENERAL_PRACTICE)]
        ),
    )
    return concatenate([_dispensings(population, hospitals, first, stop), consultations])


def _dispensings(population: Population, hospitals: HospitalInput, first: int, stop: int) -> Lines:
    treatments = hospitals.treatments
    a, b = np.searchsorted(treatments["patient"], [first, stop])
    patient, regimen = treatments["patient"][a:b], treatments["regimen"][a:b]
    start, end = treatments["start"][a:b], treatments["end"][a:b]
    pair_regimen, pair_atc = regimen_drugs("pharmacy")
    order = np.argsort(pair_regimen, kind="stable")
    pair_regimen, pair_atc = pair_regimen[order], pair_atc[order]
    lo = np.searchsorted(pair_regimen, regimen, side="left")
    count = np.searchsorted(pair_regimen, regimen, side="right") - lo
    row = np.repeat(np.arange(len(regimen)), count)
    atc = pair_atc[lo[row] + np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count)]
    every = text.mapped(atc, lambda x: PHARMACY[x].every_days).astype(np.int64)
    packs = text.mapped(atc, lambda x: PHARMACY[x].packs).astype(np.int64)
    price = text.mapped(atc, lambda x: PHARMACY[x].price).astype(np.float64)
    code = text.mapped(atc, lambda x: cip13(PHARMACY[x].cip7)).astype(object)
    person = patient[row]
    last = np.minimum(population.death[person] - 1, WINDOW_END)
    last = np.where(end[row] < NEVER, np.minimum(end[row], last), last)
    times = np.where(last >= start[row], (last - start[row]) // np.maximum(every, 1) + 1, 0)
    line = np.repeat(np.arange(len(row)), times)
    k = np.arange(len(line)) - np.repeat(np.cumsum(times) - times, times)
    when = start[row][line] + k * every[line]
    person = person[line]
    paid = packs[line] * price[line]
    expensive = price[line] >= _EXPENSIVE
    rate = np.where(expensive | _under_ald(population, person, when), 1.0, 0.65)
    return _lines(
        len(line),
        person=person,
        day=when,
        nature=np.where(expensive, PH1, PH7),
        specialty=0,
        quantity=packs[line].astype(np.float64),
        paid=paid,
        reimbursed=np.round(paid * rate, 2),
        child=PHARMACY_CHILD,
        child_code=code[line],
        child_count=packs[line],
    )


def clinic_drug_lines(rng: np.random.Generator, stays: Stays) -> Lines:
    """Liste-en-sus drugs of sessions in private clinics, billed through the DCIR."""
    stay = stays.drugs["stay"]
    keep = stays.rows["private"][stay]
    stay, atc = stay[keep], stays.drugs["atc"][keep]
    units = text.mapped(atc, lambda x: LISTED[x].units).astype(np.float64)
    units = np.ceil(units * rng.uniform(0.85, 1.15, len(stay))).astype(np.int64)
    price = text.mapped(atc, lambda x: LISTED[x].price).astype(np.float64)
    paid = np.round(units * price, 2)
    return _lines(
        len(stay),
        person=stays.rows["person"][stay],
        day=stays.rows["admission"][stay],
        nature=PH8,
        specialty=ONCOLOGY,
        quantity=units.astype(np.float64),
        paid=paid,
        reimbursed=paid,
        child=UCD_CHILD,
        child_code=text.mapped(atc, lambda x: LISTED[x].ucd).astype(object),
        child_count=units,
    )


def everyday_lines(rng: np.random.Generator, population: Population, person: np.ndarray) -> Lines:
    """A few consultations and everyday drug dispensings of people outside the cohorts."""
    low = np.full(len(person), WINDOW_START)
    last = np.minimum(population.death[person] - 1, WINDOW_END)
    gp = _visits(rng, person, OTHER_GP_VISITS, low, last)
    specialist = _visits(rng, person, OTHER_SPECIALIST_VISITS, low, last)
    consultations = _consultations(
        rng,
        population,
        np.concatenate([gp[0], specialist[0]]),
        np.concatenate([gp[1], specialist[1]]),
        np.concatenate(
            [np.full(len(gp[0]), GENERAL_PRACTICE),
             _SPECIALISTS[rng.integers(0, len(_SPECIALISTS), len(specialist[0]))]]
        ),
    )  # fmt: skip
    who, when = _visits(rng, person, OTHER_DISPENSINGS, low, last)
    which = rng.integers(0, len(EVERYDAY), len(who))
    price = np.array([p for _, p in EVERYDAY])[which]
    packs = rng.integers(1, 4, len(who))
    paid = np.round(packs * price, 2)
    rate = np.where(population.chronic_start[who] <= when, 1.0, 0.65)
    drugs = _lines(
        len(who),
        person=who,
        day=when,
        nature=PH7,
        specialty=0,
        quantity=packs.astype(np.float64),
        paid=paid,
        reimbursed=np.round(paid * rate, 2),
        child=PHARMACY_CHILD,
        child_code=np.array([cip13(c) for c, _ in EVERYDAY], dtype=object)[which],
        child_count=packs,
    )
    return concatenate([consultations, drugs])


def with_information_copies(rng: np.random.Generator, lines: Lines, rate: float) -> Lines:
    """Copy a share `rate` of the consultation lines as lines "for information" (71)."""
    c = lines.columns
    chosen = np.flatnonzero((c["child"] == NO_CHILD) & (rng.random(len(lines)) < rate))
    copies = {k: v[chosen] for k, v in c.items()}
    copies["qualifier"] = np.full(len(chosen), INFORMATION)
    return concatenate([lines, Lines(copies)])


def dcir_tables(
    rng: np.random.Generator, lines: Lines, population: Population, first_number: int
) -> dict[str, dict[str, pa.Array]]:
    """ER_PRS_F, ER_PHA_F and ER_UCD_F columns; décompte numbers from `first_number`.

    Each line is its own décompte (`DCT_ORD_NUM` unique in the extract, `PRS_ORD_NUM` 1), so
    the nine keys are unique; the flux is made available one or two months after the care.
    """
    c = lines.columns
    order = np.lexsort((c["day"], c["person"]))
    c = {k: v[order] for k, v in c.items()}
    n = len(order)
    person, when = c["person"], c["day"]
    year, month = text.year_month(when)
    months_later = (year - 1970) * 12 + (month - 1) + rng.integers(1, 3, n)
    available = (
        (np.datetime64("1970-01", "M") + months_later).astype("datetime64[D]").astype(np.int64)
    )
    organisation = tuple(f"01{text.departement_3(d)}0000" for d in ALL_DEPARTEMENTS)
    keys = {
        "FLX_DIS_DTD": text.sas_datetime(available),
        "FLX_TRT_DTD": text.sas_datetime(available - rng.integers(1, 11, n)),
        "FLX_EMT_TYP": pa.array(np.ones(n, dtype=np.int64)),
        "FLX_EMT_NUM": pa.array(population.residence[person].astype(np.int64) % 20 + 1),
        "FLX_EMT_ORD": pa.array(np.zeros(n, dtype=np.int64)),
        "ORG_CLE_NUM": text.take_text(organisation, population.residence[person]),
        "DCT_ORD_NUM": pa.array(first_number + np.arange(n, dtype=np.int64)),
        "PRS_ORD_NUM": pa.array(np.ones(n, dtype=np.int64)),
        "REM_TYP_AFF": pa.array(np.ones(n, dtype=np.int64)),
    }
    lines_table = {
        **keys,
        "BEN_NIR_PSA": text.identifiers(population.pseudonym_at(person, when)),
        "BEN_RNG_GEM": pa.array(population.rank[person]),
        "EXE_SOI_DTD": text.sas_datetime(when),
        "EXE_SOI_DTF": text.sas_datetime(when),
        "PRS_NAT_REF": pa.array(c["nature"].astype(np.int64)),
        "PRS_ACT_QTE": pa.array(c["quantity"].astype(np.float64)),
        "PRS_PAI_MNT": pa.array(np.round(c["paid"].astype(np.float64), 2)),
        "BSE_REM_MNT": pa.array(np.round(c["reimbursed"].astype(np.float64), 2)),
        "DPN_QLF": pa.array(c["qualifier"].astype(np.int64)),
        "PSE_SPE_COD": pa.array(c["specialty"].astype(np.int64)),
    }
    tables = {"ER_PRS_F": lines_table}
    for table, kind, code, count in (
        ("ER_PHA_F", PHARMACY_CHILD, "PHA_PRS_C13", "PHA_ACT_QSN"),
        ("ER_UCD_F", UCD_CHILD, "UCD_UCD_COD", "UCD_DLV_NBR"),
    ):
        child = np.flatnonzero(c["child"] == kind)
        index = pa.array(child)
        tables[table] = {
            **{name: column.take(index) for name, column in keys.items()},
            code: text.text(c["child_code"][child]),
            count: pa.array(c["child_count"][child].astype(np.int64)),
        }
    return tables
