"""Who people are, their long-term conditions, how they died: IR_BEN_R, IR_IMB_R, KI_CCI_R
and KI_ECD_R for a range of people.

- `IR_BEN_R`: one row per pseudonym (a person with two pseudo-NIRs has two rows under one
  `BEN_IDT_ANO`), with the birth month as the SNDS knows it.
- `IR_IMB_R`: one row per long-term condition (ALD): ALD 30 with the tumour's ICD-10 for
  every cancer (a second primary gets its own row), other ALDs for chronic diseases. Most
  exemptions are open (end "01JAN1600"), some were granted for five years.
- `KI_CCI_R` / `KI_ECD_R` (CépiDc): every death in the window, with its underlying cause and
  the causes written beside it (an immediate cause before it for most certificates, a few
  comorbidities after it).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from entrepot.synth.sampling import NEVER, day
from entrepot.synth.snds import text
from entrepot.synth.snds.demography import (
    ALL_DEPARTEMENTS,
    CANCER_COMPANIONS,
    OTHER_COMPANIONS,
    WINDOW_END,
)
from entrepot.synth.snds.population import Population

_RESIDENCE = tuple(text.departement_3(d) for d in ALL_DEPARTEMENTS)
#: IMB_ETM_NAT 41: exemption for a disease of the ALD list (IR_ETM_V).
ALD_LIST_EXEMPTION = 41
CANCER_ALD = 30
_FIVE_YEARS = 1826
_FIXED_TERM_SHARE = 0.4  # assumption
_REGISTERED = (day("2003-01-01"), day("2009-12-31"))


def beneficiaries(
    rng: np.random.Generator, population: Population, person: np.ndarray
) -> dict[str, pa.Array]:
    """IR_BEN_R rows of `person`: first pseudonyms, then the second ones."""
    second = person[population.switch[person] < NEVER]
    who = np.concatenate([person, second])
    n_first = len(person)
    registered = np.maximum(
        population.birth[person], rng.integers(_REGISTERED[0], _REGISTERED[1], n_first)
    )
    death = population.death[who]
    updated = np.where(
        death < NEVER,
        death + rng.integers(5, 60, len(who)),
        rng.integers(day("2024-01-01"), WINDOW_END, len(who)),
    )
    updated[:n_first] = np.where(
        population.switch[person] < NEVER, population.switch[person], updated[:n_first]
    )
    pseudonym = np.concatenate([population.pseudonym[person], population.second_pseudonym[second]])
    year = text.year_month(population.birth[who])[0]
    return {
        "BEN_NIR_PSA": text.identifiers(pseudonym),
        "BEN_RNG_GEM": pa.array(population.rank[who]),
        "BEN_IDT_ANO": text.identifiers(population.ben_idt_ano[who]),
        "BEN_NAI_ANN": pa.array(year).cast(pa.string()),
        "BEN_NAI_MOI": text.two_digits(population.snds_birth_month[who]),
        "BEN_SEX_COD": pa.array(population.sex[who].astype(np.int64)),
        "BEN_DCD_DTE": text.sas_datetime(death),
        "BEN_RES_DPT": text.take_text(_RESIDENCE, population.residence[who]),
        "BEN_DTE_INS": text.sas_datetime(np.concatenate([registered, population.switch[second]])),
        "BEN_DTE_MAJ": text.sas_datetime(updated),
    }


def long_term_conditions(
    rng: np.random.Generator, population: Population, person: np.ndarray
) -> dict[str, pa.Array]:
    """IR_IMB_R rows of `person`: cancers, second primaries, other chronic diseases."""
    parts = []
    for code, start, number in (
        (population.cancer, population.cancer_start, None),
        (population.second_cancer, population.second_start, None),
        (population.chronic_code, population.chronic_start, population.chronic_ald),
    ):
        who = person[code[person] != ""]
        ald = np.full(len(who), CANCER_ALD) if number is None else number[who]
        parts.append((who, start[who], ald, code[who]))
    who = np.concatenate([p[0] for p in parts])
    start = np.concatenate([p[1] for p in parts])
    fixed = rng.random(len(who)) < _FIXED_TERM_SHARE
    end = np.where(fixed & (start + _FIVE_YEARS <= WINDOW_END), start + _FIVE_YEARS, NEVER)
    return {
        "BEN_NIR_PSA": text.identifiers(population.pseudonym_at(who, start)),
        "BEN_RNG_GEM": pa.array(population.rank[who]),
        "IMB_ALD_NUM": pa.array(np.concatenate([p[2] for p in parts]).astype(np.int64)),
        "IMB_ALD_DTD": text.sas_datetime(start),
        "IMB_ALD_DTF": text.sas_datetime(end),
        "IMB_ETM_NAT": pa.array(np.full(len(who), ALD_LIST_EXEMPTION, dtype=np.int64)),
        "MED_MTF_COD": text.text(np.concatenate([p[3] for p in parts])),
    }


def deaths(
    rng: np.random.Generator, population: Population, person: np.ndarray
) -> tuple[dict[str, pa.Array], dict[str, pa.Array]]:
    """KI_CCI_R and KI_ECD_R rows of the people of `person` who died."""
    dead = person[population.death[person] < NEVER]
    n = len(dead)
    cause = population.cause[dead]
    cancer = np.char.startswith(cause.astype(str), "C")
    certificates = {
        "BEN_IDT_ANO": text.identifiers(population.ben_idt_ano[dead]),
        "BEN_DCD_DTE": text.sas_datetime(population.death[dead]),
        "DCD_CIM_COD": text.text(cause),
        "BEN_NAI_ANN": pa.array(text.year_month(population.birth[dead])[0]).cast(pa.string()),
        "BEN_SEX_COD": pa.array(population.sex[dead].astype(np.int64)),
        "BEN_RES_DPT": text.take_text(_RESIDENCE, population.residence[dead]),
    }
    companions = np.where(
        cancer,
        np.array(CANCER_COMPANIONS, dtype=object)[rng.integers(0, len(CANCER_COMPANIONS), n)],
        np.array(OTHER_COMPANIONS, dtype=object)[rng.integers(0, len(OTHER_COMPANIONS), n)],
    )
    before = rng.random(n) < 0.7
    after = rng.integers(0, 3, n)
    comorbidity = np.array(OTHER_COMPANIONS, dtype=object)
    # Causes per certificate: [immediate], underlying, then 0–2 comorbidities.
    count = before + 1 + after
    row = np.repeat(np.arange(n), count)
    rank = np.arange(len(row)) - np.repeat(np.cumsum(count) - count, count) + 1
    underlying_rank = before[row] + 1
    code = np.where(
        rank < underlying_rank,
        companions[row],
        np.where(
            rank == underlying_rank,
            cause[row],
            comorbidity[rng.integers(0, len(comorbidity), len(row))],
        ),
    )
    causes = {
        "BEN_IDT_ANO": text.identifiers(population.ben_idt_ano[dead][row]),
        "ECD_CAU_RNG": pa.array(rank.astype(np.int64)),
        "ECD_CIM_COD": text.text(code),
        "BEN_DCD_DTE": text.sas_datetime(population.death[dead][row]),
    }
    return certificates, causes
