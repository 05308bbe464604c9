"""Values as an SNDS extract spells them, built as Arrow arrays without a Python loop per row.

Dates go through lookup tables (one string per day from 1900 to 2030, built once) and a
`take`: formatting millions of dates cell by cell would dominate the run time. An SNDS
extract writes "no date" as 1 January 1600 (decision 0004); `NEVER` (the generator's "does
not happen") comes out that way.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from entrepot.synth.sampling import NEVER, day

FIRST_DAY = day("1900-01-01")
LAST_DAY = day("2030-12-31")
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_ID_ALPHABET = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", dtype=np.uint8)
#: Length of BEN_IDT_ANO, BEN_NIR_PSA and NIR_ANO_17.
ID_LENGTH = 17


@cache
def _table(style: str) -> pa.Array:
    """Text of every day from FIRST_DAY to LAST_DAY, then the "no date" text, in a style."""
    iso = np.datetime_as_string(np.arange(FIRST_DAY, LAST_DAY + 1).astype("datetime64[D]"))
    if style == "sas":
        text = [f"{s[8:10]}{_MONTHS[int(s[5:7]) - 1]}{s[:4]}:00:00:00" for s in iso]
        none = "01JAN1600:00:00:00"
    else:
        text = [f"{s[8:10]}{s[5:7]}{s[:4]}" for s in iso]
        none = "01011600"
    return pa.array([*text, none], type=pa.string())


def _dates(days: np.ndarray, style: str) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    inside = (days >= FIRST_DAY) & (days <= LAST_DAY)
    if not inside[days < NEVER].all():
        raise ValueError("a date outside 1900-2030 reached the extract")
    index = np.where(inside, days - FIRST_DAY, LAST_DAY - FIRST_DAY + 1)
    return _table(style).take(pa.array(index))


def sas_datetime(days: np.ndarray) -> pa.Array:
    """`01JAN2019:00:00:00`, as the DCIR and referential tables carry dates; NEVER → 1600."""
    return _dates(days, "sas")


def ddmmyyyy(days: np.ndarray) -> pa.Array:
    """`01012019`, as ENT_DAT / SOR_DAT of the PMSI; NEVER → 01011600."""
    return _dates(days, "ddmmyyyy")


def year_month(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar year and month (1–12) of each day number."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]")
    month_number = months.astype(np.int64)
    return month_number // 12 + 1970, month_number % 12 + 1


def two_digits(values: np.ndarray) -> pa.Array:
    """`01`–`99`: months as BEN_NAI_MOI and SOR_MOI carry them."""
    table = pa.array([f"{k:02d}" for k in range(100)], type=pa.string())
    return table.take(pa.array(np.asarray(values, dtype=np.int64)))


def text(values: np.ndarray) -> pa.Array:
    """An object array of str (codes, FINESS) as an Arrow string column, via its few
    distinct values: codes repeat, so the conversion works on the distinct ones only."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    return pa.array(list(distinct), type=pa.string()).take(pa.array(codes))


def mapped(values: np.ndarray, function: Callable[[str], object]) -> np.ndarray:
    """`function` applied to each value, computed once per distinct value."""
    codes, distinct = pd.factorize(np.asarray(values, dtype=object))
    return np.array([function(v) for v in distinct])[codes] if len(distinct) else np.zeros(0)


def identifiers(values: np.ndarray) -> pa.Array:
    """Fixed-width byte strings (`S17` pseudonyms) as an Arrow string column."""
    values = np.asarray(values)
    width = values.dtype.itemsize
    flat = np.ascontiguousarray(values).view(np.uint8)
    lengths = np.full(len(values), width, dtype=np.int32)
    if width and len(values):
        # Empty entries (b"") are all zero bytes: they become empty strings.
        lengths[flat.reshape(len(values), width)[:, 0] == 0] = 0
        data = flat.reshape(len(values), width)[lengths > 0].ravel()
    else:
        data = np.zeros(0, dtype=np.uint8)
    offsets = np.zeros(len(values) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.StringArray.from_buffers(len(values), pa.py_buffer(offsets), pa.py_buffer(data))


def random_identifiers(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` random 17-character identifiers (A–Z, 0–9) as `S17`.

    36^17 ≈ 3·10^26 values: among a few million, a collision has a probability of about
    10^-14, so uniqueness is not checked (a test checks it on every run it makes).
    """
    symbols = _ID_ALPHABET[rng.integers(0, len(_ID_ALPHABET), (n, ID_LENGTH), dtype=np.uint8)]
    return np.ascontiguousarray(symbols).view(f"S{ID_LENGTH}").ravel()


def take_text(vocabulary: list[str] | tuple[str, ...], index: np.ndarray) -> pa.Array:
    """Entries of a small vocabulary, picked by an index array, as an Arrow string column."""
    return pa.array(list(vocabulary), type=pa.string()).take(
        pa.array(np.asarray(index, dtype=np.int64))
    )


def departement_3(code: str) -> str:
    """Département as BEN_RES_DPT writes it, three characters: `075`, `02A`, `971`."""
    return code if len(code) == 3 else "0" + code
