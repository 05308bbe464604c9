"""PMSI stays as rows of arrays, and what every chunk's stays go through.

A `Stays` holds one row per RSA (person, establishment, dates, diagnoses, GHM) and its child
rows: CCAM acts, associated diagnoses, liste-en-sus drugs, each pointing at its stay by row
index. Each source of stays (`hospital_stays`, `population_stays`) builds one; a chunk's are
concatenated, cut to the people's lives, given their anomalies (failing return codes, error
GHMs), and the stays of AP-HP, HCL and AP-HM sites copied under their legal entity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from entrepot.synth.cohort import Arrays
from entrepot.synth.snds import grouping
from entrepot.synth.snds.demography import WINDOW_END, WINDOW_START
from entrepot.synth.snds.population import Population
from entrepot.synth.snds.rates import Rates

#: Where a stay comes from (`source` column): a hospital's export, a stay at the centre the
#: export lacks, a look-alike's, anyone else's, a legal entity's copy of a site's stay.
HOSPITAL, UNKNOWN, DECOY, OTHER, LEGAL_COPY = range(5)

ROW_KEYS = (
    "person", "eta", "legal", "private", "admission", "discharge", "dp", "dr", "ghm", "ghs",
    "session", "death_exit", "source", "origin",
)  # fmt: skip


@dataclass
class Stays:
    """Stay rows and their child rows (see the module docstring).

    `origin` is, for a hospital stay, its index in `HospitalInput.stays`; for a
    legal-entity copy, the row of the stay it copies; −1 otherwise.
    """

    rows: Arrays
    #: `stay`, `code` (CCAM), `delay` (days from admission).
    acts: Arrays
    #: `stay`, `code` (ICD-10).
    diagnoses: Arrays
    #: `stay`, `atc` (a liste-en-sus drug of `drugs.LISTED`).
    drugs: Arrays

    def __len__(self) -> int:
        return len(self.rows["person"])

    def take(self, keep: np.ndarray) -> Stays:
        """The stays where `keep` (bool) holds, children renumbered."""
        new_index = np.cumsum(keep) - 1
        return Stays(
            {k: v[keep] for k, v in self.rows.items()},
            _children(self.acts, keep, new_index),
            _children(self.diagnoses, keep, new_index),
            _children(self.drugs, keep, new_index),
        )


def _children(children: Arrays, keep: np.ndarray, new_index: np.ndarray) -> Arrays:
    mask = keep[children["stay"]]
    out = {k: v[mask] for k, v in children.items()}
    out["stay"] = new_index[out["stay"]]
    return out


def empty_children() -> tuple[Arrays, Arrays, Arrays]:
    """No acts, no associated diagnoses, no drugs."""
    return (
        {
            "stay": np.zeros(0, np.int64),
            "code": np.zeros(0, object),
            "delay": np.zeros(0, np.int64),
        },
        {"stay": np.zeros(0, np.int64), "code": np.zeros(0, object)},
        {"stay": np.zeros(0, np.int64), "atc": np.zeros(0, object)},
    )


def concatenate(parts: list[Stays]) -> Stays:
    """One `Stays` of several, child rows pointing at the right rows."""
    offsets = np.cumsum([0, *(len(p) for p in parts)])
    rows = {k: np.concatenate([p.rows[k] for p in parts]) for k in ROW_KEYS}

    def children(name: str) -> Arrays:
        tables = [getattr(p, name) for p in parts]
        keys = tables[0].keys()
        out = {k: np.concatenate([t[k] for t in tables]) for k in keys}
        out["stay"] = np.concatenate(
            [t["stay"] + o for t, o in zip(tables, offsets[:-1], strict=True)]
        )
        return out

    return Stays(rows, children("acts"), children("diagnoses"), children("drugs"))


def stay_rows(n: int, **columns: object) -> Arrays:
    """A stay table of `n` rows: given columns, defaults for the others."""
    defaults: dict[str, object] = {
        "legal": "", "private": False, "dr": "", "session": False, "death_exit": False,
        "origin": -1,
    }  # fmt: skip
    rows: Arrays = {}
    for key in ROW_KEYS:
        value = columns.get(key, defaults.get(key))
        if value is None:
            raise KeyError(key)
        array = np.asarray(value, dtype=object if isinstance(value, str) else None)
        rows[key] = np.full(n, value, dtype=array.dtype) if array.ndim == 0 else array
    return rows


def within_life(stays: Stays, population: Population) -> Stays:
    """Drop stays outside the window or ending after the person's death (drawn courses
    may run past either; the hospitals' stays never do)."""
    rows = stays.rows
    keep = (
        (rows["admission"] >= WINDOW_START)
        & (rows["discharge"] <= WINDOW_END)
        & (rows["discharge"] <= population.death[rows["person"]])
    )
    return stays.take(keep)


def anomalies(rng: np.random.Generator, stays: Stays, rates: Rates) -> Arrays:
    """Per stay: `return_code` (index of the failing return code in `layout.RETURN_CODES`,
    −1 when all are 0) and `error_ghm` (the stay was grouped in a 90* error group, whose
    GHM replaces the stay's own)."""
    n = len(stays)
    failing = np.where(rng.random(n) < rates.return_code, rng.integers(0, 9, n), -1)
    error = rng.random(n) < rates.error_ghm
    stays.rows["ghm"] = np.where(
        error,
        np.array(grouping.ERROR_GHMS, dtype=object)[rng.integers(0, len(grouping.ERROR_GHMS), n)],
        stays.rows["ghm"],
    )
    stays.rows["ghs"] = np.where(error, -1, stays.rows["ghs"])
    return {"return_code": failing, "error_ghm": error}


def legal_entity_copies(stays: Stays, flags: Arrays) -> tuple[Stays, Arrays]:
    """Append, for each stay at a site of AP-HP, HCL or AP-HM, its copy under the legal
    entity's FINESS (with the same acts, diagnoses and drugs); `flags` follow."""
    copy = np.flatnonzero(stays.rows["legal"] != "")
    if len(copy) == 0:
        return stays, flags
    duplicate = stays.take(stays.rows["legal"] != "")
    duplicate.rows["origin"] = copy
    duplicate.rows["eta"] = duplicate.rows["legal"]
    duplicate.rows["source"] = np.full(len(copy), LEGAL_COPY)
    merged = concatenate([stays, duplicate])
    return merged, {k: np.concatenate([v, v[copy]]) for k, v in flags.items()}
