"""k-anonymity of a patient-level extract on its quasi-identifiers.

Records sharing every quasi-identifier (age band, sex, département, month of a date…) form
an equivalence class; a record in a class of k is indistinguishable from k-1 others by
those fields. The report says how small the classes get and how many records sit in small
ones. It holds counts and column names only, so it may be written next to the extract.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

#: Class-size bands of the histogram: (label, smallest, largest).
SIZE_BANDS = (
    ("1", 1, 1),
    ("2", 2, 2),
    ("3-4", 3, 4),
    ("5-10", 5, 10),
    ("11-20", 11, 20),
    ("21-50", 21, 50),
    ("51-100", 51, 100),
    ("101+", 101, math.inf),
)
#: Ages at or above this share one band: the oldest patients are few and easy to single out.
TOP_AGE = 90


@dataclass(frozen=True)
class SizeBand:
    """How many classes, holding how many records, have a size in this band."""

    size: str
    classes: int
    records: int


@dataclass(frozen=True)
class KAnonymityReport:
    """The equivalence classes of an extract on its quasi-identifiers, in counts."""

    quasi_identifiers: tuple[str, ...]
    records: int
    classes: int
    #: The size of the smallest class: the extract is k-anonymous for this k (None if empty).
    smallest_k: int | None
    records_in_classes_below_5: int
    records_in_classes_below_11: int
    histogram: tuple[SizeBand, ...]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    def to_markdown(self) -> str:
        lines = [
            f"# k-anonymity on {', '.join(self.quasi_identifiers)}",
            "",
            f"- records: {self.records}",
            f"- equivalence classes: {self.classes}",
            f"- smallest class (k): {self.smallest_k if self.smallest_k is not None else '-'}",
            f"- records in classes of fewer than 5: {self.records_in_classes_below_5}",
            f"- records in classes of fewer than 11: {self.records_in_classes_below_11}",
            "",
            "| class size | classes | records |",
            "|---:|---:|---:|",
            *(f"| {band.size} | {band.classes} | {band.records} |" for band in self.histogram),
        ]
        return "\n".join(lines) + "\n"


def k_anonymity(frame: pd.DataFrame, quasi_identifiers: list[str]) -> KAnonymityReport:
    """The k-anonymity report of `frame` on `quasi_identifiers`.

    A missing value is a value like any other: records missing the same fields fall in the
    same class (a rare missing field singles a record out as well as a rare value).
    """
    if not quasi_identifiers:
        raise ValueError("k-anonymity needs at least one quasi-identifier")
    missing = [column for column in quasi_identifiers if column not in frame.columns]
    if missing:
        raise ValueError(f"no column {', '.join(map(repr, missing))} in the extract")
    groups = frame.groupby(list(quasi_identifiers), dropna=False, observed=True)
    sizes = groups.size().to_numpy()
    histogram = []
    for label, smallest, largest in SIZE_BANDS:
        inside = (sizes >= smallest) & (sizes <= largest)
        histogram.append(SizeBand(label, int(inside.sum()), int(sizes[inside].sum())))
    return KAnonymityReport(
        quasi_identifiers=tuple(quasi_identifiers),
        records=int(sizes.sum()),
        classes=len(sizes),
        smallest_k=int(sizes.min()) if len(sizes) else None,
        records_in_classes_below_5=int(sizes[sizes < 5].sum()),
        records_in_classes_below_11=int(sizes[sizes < 11].sum()),
        histogram=tuple(histogram),
    )


def age_band(birth_year: Any, reference_year: Any, width: int = 5) -> str | None:
    """The age band ("60-64") of someone born in `birth_year`, in `reference_year`.

    Ages from `TOP_AGE` share the band "90+". None when either year is missing.
    """
    if pd.isna(birth_year) or pd.isna(reference_year):
        return None
    age = int(reference_year) - int(birth_year)
    if age < 0:
        raise ValueError(f"born in {int(birth_year)}, after the year {int(reference_year)}")
    if age >= TOP_AGE:
        return f"{TOP_AGE}+"
    lower = age // width * width
    return f"{lower}-{min(lower + width - 1, TOP_AGE - 1)}"


def quasi_identifiers(patients: pd.DataFrame, date_column: str, width: int = 5) -> pd.DataFrame:
    """The generalised quasi-identifiers of a patient table, one row per patient.

    `patients` has `birth_year`, `sex`, `departement` and `date_column` (a date such as the
    diagnosis date). The result has `age_band` (age in the year of that date, `width`
    years wide), `sex`, `departement`, and the date kept to its month as
    `<date_column>_month` ("2021-03"), in the same row order.
    """
    dates = pd.to_datetime(patients[date_column], errors="coerce")
    years = dates.dt.year
    return pd.DataFrame(
        {
            "age_band": [
                age_band(born, year, width)
                for born, year in zip(patients["birth_year"], years, strict=True)
            ],
            "sex": patients["sex"].to_numpy(),
            "departement": patients["departement"].to_numpy(),
            f"{date_column}_month": dates.dt.strftime("%Y-%m").to_numpy(),
        },
        index=patients.index,
    )
