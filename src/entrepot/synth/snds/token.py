"""The trusted third party's correspondence: each person's linkage token and pseudonym.

The token must be exactly the one the edge kit computes at the hospital from the same
person (`entrepot.edge.linkage_token`, recipe version 1): lowercase hex of HMAC-SHA256,
keyed by the trusted third party's 32-byte key, of `"{NIR13}|{YYYY-MM-DD}|{M or F}"`,
NIR13 being the NIR's first 13 characters (Corsica keeps `2A`/`2B`). `synth` may not import
the edge, so the recipe is written again here; a unit test proves both give the same token.
The key file is read as the edge reads it (32 bytes, not readable by other accounts).

The trusted third party works from each person's own NIR: twins sharing a pseudonym have
different NIRs, so different tokens. NIRs of hospital patients are the ground truth's;
those of everyone else are built here from their sex, birth and birth place (a twin's from
their patient's, with another order number).
"""

from __future__ import annotations

import hmac
import os
import re
import stat
from pathlib import Path

import numpy as np
import pyarrow as pa

from entrepot.synth.sampling import NEVER
from entrepot.synth.snds import text
from entrepot.synth.snds.demography import ALL_DEPARTEMENTS, OVERSEAS
from entrepot.synth.snds.hospital_input import HospitalInput
from entrepot.synth.snds.population import HOSPITAL, TWIN, Population

KEY_BYTES = 32
_ABROAD = 99
_CORSICA = ("2A", "2B")
_SEPARATORS = re.compile(r"[\s.\-]")


def read_ttp_key(path: Path) -> bytes:
    """The trusted third party's key file (made by `entrepot centre ttp-key`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: trusted-third-party key file not found")
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(
            f"{path}: this secret is readable by other accounts; run `chmod 600` on it"
        )
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise ValueError(f"{path}: expected {KEY_BYTES} bytes, found {len(key)}")
    return key


def token(key: bytes, nir13: str, birth_iso: str, sex: str) -> str:
    """Token of one person (recipe in the module docstring)."""
    return hmac.digest(key, f"{nir13}|{birth_iso}|{sex}".encode(), "sha256").hex()


def _compact(nir: str) -> str:
    """The NIR without spaces, dots or dashes, upper-cased, cut to 13 characters."""
    return _SEPARATORS.sub("", nir).upper()[:13]


def nir13(population: Population, hospitals: HospitalInput, person: np.ndarray) -> np.ndarray:
    """The 13 identifying characters of each person's NIR (object array of str)."""
    out = np.empty(len(person), dtype=object)
    role = population.role[person]
    patient = role == HOSPITAL
    out[patient] = [_compact(n) for n in hospitals.patients["nir"][person[patient]].tolist()]
    twin = role == TWIN
    if twin.any():
        own = [
            _compact(n)
            for n in hospitals.patients["nir"][population.related[person[twin]]].tolist()
        ]
        out[twin] = [f"{n[:10]}{int(n[10:13]) % 999 + 1:03d}" for n in own]
    drawn = ~patient & ~twin
    out[drawn] = _drawn_nir13(population, person[drawn])
    return out


def _drawn_nir13(population: Population, person: np.ndarray) -> np.ndarray:
    """NIR13 from sex, birth year and month, birth place and order number, built as a
    number (Corsica counted as 20), then Corsica's département letters put back."""
    year, month = text.year_month(population.birth[person])
    place = population.birth_place[person].astype(np.int64)
    commune = population.birth_commune[person].astype(np.int64)
    number = np.array([20 if d in _CORSICA else int(d) for d in ALL_DEPARTEMENTS])
    departement = np.where(place >= 0, number[np.maximum(place, 0)], _ABROAD)
    overseas = np.isin(place, [ALL_DEPARTEMENTS.index(d) for d in OVERSEAS])
    place_digits = np.where(
        overseas, departement * 100 + commune % 100, departement * 1000 + commune
    )
    value = (
        population.sex[person].astype(np.int64) * 10**12
        + (year % 100) * 10**10
        + month * 10**8
        + place_digits * 10**3
        + population.birth_order[person].astype(np.int64)
    )
    out = value.astype(str).astype(object)
    for i in np.flatnonzero(np.isin(place, [ALL_DEPARTEMENTS.index(d) for d in _CORSICA])):
        out[i] = out[i][:5] + ALL_DEPARTEMENTS[place[i]] + out[i][7:]
    return out


def correspondence(
    key: bytes, population: Population, hospitals: HospitalInput, person: np.ndarray
) -> dict[str, pa.Array]:
    """TTP_CORRESPONDANCE rows of the people of `person` the third party knows: their
    token and current pseudonym (and rank)."""
    known = person[population.has_token[person]]
    identifying = nir13(population, hospitals, known)
    birth = np.datetime_as_string(population.birth[known].astype("datetime64[D]")).tolist()
    sex = np.where(population.sex[known] == 1, "M", "F").tolist()
    tokens = [token(key, n, b, s) for n, b, s in zip(identifying.tolist(), birth, sex, strict=True)]
    changed = population.switch[known] < NEVER
    current = np.where(changed, population.second_pseudonym[known], population.pseudonym[known])
    return {
        "SNDS_TOKEN": pa.array(tokens, type=pa.string()),
        "BEN_NIR_PSA": text.identifiers(current),
        "BEN_RNG_GEM": pa.array(population.rank[known]),
    }
