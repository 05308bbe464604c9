"""Typed columns to the text a centre's export would hold, in that centre's style.

Dates go through a lookup table per date style (one numpy take per column, no Python loop
per cell); integers through numpy's string cast; decimals through Arrow's float-to-string
cast, which writes the shortest exact form ("63.5", "70"). Empty cells are "".
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from entrepot.model import TABLES, ColumnType, Layer
from entrepot.synth.centres import ExportStyle
from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import day

_FIRST_DAY = day("1900-01-01")
_LAST_DAY = day("2027-12-31")


@cache
def _date_text(style: str) -> np.ndarray:
    """Text of every day from 1900 to 2027 in a date style; index = day − 1900-01-01."""
    days = np.arange(_FIRST_DAY, _LAST_DAY + 1).astype("datetime64[D]")
    iso = np.datetime_as_string(days, unit="D").tolist()
    if style == "iso":
        return np.array(iso, dtype=object)
    return np.array([f"{s[8:10]}/{s[5:7]}/{s[:4]}" for s in iso], dtype=object)


def date_text(days: np.ndarray, style: str) -> np.ndarray:
    """Day numbers as text ("" outside 1900–2027, which is how `NEVER` comes out)."""
    days = np.asarray(days, dtype=np.int64)
    inside = (days >= _FIRST_DAY) & (days <= _LAST_DAY)
    text = _date_text(style)[np.where(inside, days - _FIRST_DAY, 0)]
    return np.where(inside, text, "").astype(object)


def integer_text(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.int64)
    return np.where(values >= 0, values.astype(str), "").astype(object)


def decimal_text(values: np.ndarray, decimal: str) -> np.ndarray:
    array = pc.cast(pa.array(np.asarray(values, dtype=np.float64), from_pandas=True), pa.string())
    if decimal != ".":
        array = pc.replace_substring(array, ".", decimal)
    return np.asarray(array.fill_null("").to_numpy(zero_copy_only=False), dtype=object)


def icd10_text(codes: np.ndarray, dot_share: float, rng: np.random.Generator) -> np.ndarray:
    """Canonical ICD-10 codes ("C509"), a share of them written with the WHO dot ("C50.9")."""
    codes = np.asarray(codes, dtype=object)
    if len(codes) == 0 or dot_share == 0:
        return codes.copy()
    distinct, inverse = np.unique(codes.astype(str), return_inverse=True)
    with_dot = np.array([c[:3] + "." + c[3:] if len(c) > 3 else c for c in distinct], dtype=object)
    return np.where(rng.random(len(codes)) < dot_share, with_dot[inverse], codes)


def format_table(
    name: str, typed: Arrays, style: ExportStyle, rng: np.random.Generator
) -> list[np.ndarray]:
    """The export-layer columns of table `name`, in model order, as object arrays of str."""
    columns = []
    for column in TABLES[name].columns_in(Layer.EXPORT):
        values = typed[column.name]
        if column.type is ColumnType.DATE:
            text = date_text(values, style.date_style)
        elif column.type is ColumnType.INTEGER:
            text = integer_text(values)
        elif column.type is ColumnType.DECIMAL:
            text = decimal_text(values, style.decimal)
        elif column.type is ColumnType.BOOLEAN:
            text = np.where(values, style.true, style.false).astype(object)
        elif column.vocabulary == "icd10":
            text = icd10_text(values, style.icd10_dot_share, rng)
        else:
            text = np.asarray(values, dtype=object)
        columns.append(text)
    return columns
