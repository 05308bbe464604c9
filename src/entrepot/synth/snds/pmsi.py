"""Stays to the PMSI MCO tables of each year of discharge: B (stay), C (chaining), D
(associated diagnoses), A (CCAM acts), MED (liste-en-sus drugs of public hospitals).

The chaining table is where linkage starts and where the SNDS is least reliable:
`NIR_ANO_17` is the pseudo-NIR only (twins share it), and when a chaining check failed
(`NIR_RET`, `NAI_RET` or `SEX_RET` not 0) the pseudonym was computed from wrong input, so it
points at nobody; other failing checks leave it right but flag the stay.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import DAYS_PER_YEAR
from entrepot.synth.snds import text
from entrepot.synth.snds.demography import ALL_DEPARTEMENTS
from entrepot.synth.snds.drugs import LISTED
from entrepot.synth.snds.layout import RETURN_CODES
from entrepot.synth.snds.population import Population
from entrepot.synth.snds.stay_rows import Stays

#: Return codes whose failure makes the pseudonym meaningless.
_IDENTITY_CHECKS = (0, 1, 2)
#: BDI_DEP is two characters: overseas départements are all "97".
_BDI_DEP = tuple(d[:2] for d in ALL_DEPARTEMENTS)


def pmsi_tables(
    rng: np.random.Generator,
    stays: Stays,
    flags: Arrays,
    rsa: np.ndarray,
    population: Population,
) -> Iterator[tuple[str, int, dict[str, pa.Array]]]:
    """(table, year, columns) for every PMSI table and year with rows in `stays`."""
    rows = stays.rows
    year = text.year_month(rows["discharge"])[0]
    for y in np.unique(year):
        here = year == y
        index = np.flatnonzero(here)
        yield "T_MCOaaB", int(y), _stay_table(rows, index, rsa, population)
        yield "T_MCOaaC", int(y), _chaining_table(rng, rows, index, flags, rsa, population)
        child_year = {
            name: here[getattr(stays, name)["stay"]] for name in ("diagnoses", "acts", "drugs")
        }
        d = stays.diagnoses["stay"][child_year["diagnoses"]]
        yield (
            "T_MCOaaD",
            int(y),
            {
                "ETA_NUM": text.text(rows["eta"][d]),
                "RSA_NUM": pa.array(rsa[d]),
                "ASS_DGN": text.text(stays.diagnoses["code"][child_year["diagnoses"]]),
            },
        )
        a = child_year["acts"]
        yield (
            "T_MCOaaA",
            int(y),
            {
                "ETA_NUM": text.text(rows["eta"][stays.acts["stay"][a]]),
                "RSA_NUM": pa.array(rsa[stays.acts["stay"][a]]),
                "CDC_ACT": text.text(stays.acts["code"][a]),
                "ENT_DAT_DEL": pa.array(stays.acts["delay"][a]),
                "NBR_EXE_ACT": pa.array(np.ones(int(a.sum()), dtype=np.int64)),
            },
        )
        yield "T_MCOaaMED", int(y), _drug_table(rng, stays, child_year["drugs"], rsa)


def _stay_table(
    rows: Arrays, index: np.ndarray, rsa: np.ndarray, population: Population
) -> dict[str, pa.Array]:
    person = rows["person"][index]
    admission, discharge = rows["admission"][index], rows["discharge"][index]
    year, month = text.year_month(discharge)
    ghs = rows["ghs"][index]
    return {
        "ETA_NUM": text.text(rows["eta"][index]),
        "RSA_NUM": pa.array(rsa[index]),
        "GRG_GHM": text.text(rows["ghm"][index]),
        "DGN_PAL": text.text(rows["dp"][index]),
        "DGN_REL": text.text(rows["dr"][index]),
        # Sessions carry no length of stay.
        "SEJ_NBJ": pa.array(discharge - admission, mask=rows["session"][index]),
        "SOR_ANN": pa.array(year).cast(pa.string()),
        "SOR_MOI": text.two_digits(month),
        "COD_SEX": text.take_text(("0", "1", "2"), population.sex[person]),
        "AGE_ANN": pa.array(
            np.floor((admission - population.birth[person]) / DAYS_PER_YEAR).astype(np.int64)
        ),
        "BDI_DEP": text.take_text(_BDI_DEP, population.residence[person]),
        "ENT_MOD": text.take_text(("8",), np.zeros(len(index), dtype=np.int64)),
        "SOR_MOD": text.take_text(("8", "9"), rows["death_exit"][index].astype(np.int64)),
        "GHS_NUM": pa.array(ghs, mask=ghs < 0),
    }


def _chaining_table(
    rng: np.random.Generator,
    rows: Arrays,
    index: np.ndarray,
    flags: Arrays,
    rsa: np.ndarray,
    population: Population,
) -> dict[str, pa.Array]:
    person = rows["person"][index]
    admission, discharge = rows["admission"][index], rows["discharge"][index]
    failing = flags["return_code"][index]
    pseudonym = population.pseudonym_at(person, admission)
    lost = np.isin(failing, _IDENTITY_CHECKS)
    pseudonym[lost] = text.random_identifiers(rng, int(lost.sum()))
    columns = {
        "ETA_NUM": text.text(rows["eta"][index]),
        "RSA_NUM": pa.array(rsa[index]),
        "NIR_ANO_17": text.identifiers(pseudonym),
        "ENT_DAT": text.ddmmyyyy(admission),
        "SOR_DAT": text.ddmmyyyy(discharge),
        "EXE_SOI_DTD": text.sas_datetime(admission),
        "EXE_SOI_DTF": text.sas_datetime(discharge),
    }
    for k, name in enumerate(RETURN_CODES):
        columns[name] = text.take_text(("0", "1"), (failing == k).astype(np.int64))
    return columns


def _drug_table(
    rng: np.random.Generator, stays: Stays, in_year: np.ndarray, rsa: np.ndarray
) -> dict[str, pa.Array]:
    """Liste-en-sus drugs of public hospitals (a private clinic's go to the DCIR)."""
    stay = stays.drugs["stay"]
    keep = in_year & ~stays.rows["private"][stay]
    stay, atc = stay[keep], stays.drugs["atc"][keep]
    ucd = text.mapped(atc, lambda a: LISTED[a].ucd).astype(object)
    units = text.mapped(atc, lambda a: LISTED[a].units).astype(np.float64)
    return {
        "ETA_NUM": text.text(stays.rows["eta"][stay]),
        "RSA_NUM": pa.array(rsa[stay]),
        "UCD_UCD_COD": text.text(ucd),
        "ADM_NBR": pa.array(np.round(units * rng.uniform(0.85, 1.15, len(stay)), 3)),
        "DELAI": pa.array(np.zeros(len(stay), dtype=np.int64)),
    }
