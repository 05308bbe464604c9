"""A large hospital export made of copies of the tiny valid export of `exports.py`.

Patient `i` is a copy of patient `i % 3` of the tiny export (breast, lung, ovary) with a
new IPP and NDA, and every date of the copy, birth date included, moved back by the same
number of days: the gaps between dates are unchanged, so every plausibility rule that holds
for the original holds for the copy (dates within life, treatment after diagnosis, day
cases on one day, nothing after the package's creation). The first three patients keep
the tiny export's IPPs unchanged, so that a refresh of a home holding the tiny export
supersedes them.

Every `invalid_every`-th patient also gets one defect from `DEFECTS`, in turn, so that the
ingest quarantines a few rows of several tables and for several reasons.
"""

from __future__ import annotations

import datetime as dt

from entrepot.vocab.nir import make_nir
from tests.support.exports import CENTRE, valid_export

_ORIGINALS = ("100001", "100002", "100003")
#: Tables whose rows hold dates, with the columns holding them.
_DATE_COLUMNS = {
    "patient": ("death_date", "last_news_date"),
    "tumour": ("diagnosis_date",),
    "treatment": ("start_date", "end_date"),
    "tumour_event": ("event_date",),
    "measurement": ("measurement_date",),
    "family_history": (),
    "centre_stay": ("admission_date", "discharge_date"),
}
#: (table, base patient, change, reason the ingest gives): one row of the patient made
#: invalid. Base patients: 0 breast (inpatient stay), 1 lung (deceased, day case), 2 ovary.
DEFECTS = (
    ("treatment", 0, {"end_date": "1990-01-01"}, "end_before_start"),
    ("measurement", 0, {"value": "999"}, "out_of_range"),
    ("tumour", 2, {"icd10": "C50"}, "cancer_type_inconsistent"),
    ("centre_stay", 1, {"stay_type": "inpatient"}, "stay_dates_inconsistent"),
    ("patient", 2, {"death_date": "2020-01-01"}, "death_inconsistent"),
)


def bulk_export(
    patients: int, finess: str = CENTRE, invalid_every: int = 500, max_shift_days: int = 2500
) -> dict[str, list[dict[str, str]]]:
    """`patients` patients as export tables for `exports.write_export`.

    Patient `i` has a defect when `i % invalid_every == invalid_every - 1`: defects go to
    patients of the defect's base type only, so some multiples are skipped.
    """
    template = valid_export(finess)
    by_patient = _rows_by_patient(template)
    out: dict[str, list[dict[str, str]]] = {name: [] for name in template}
    for i in range(patients):
        base = i % 3
        original = _ORIGINALS[base]
        if i < 3:
            ipp, shift = original, 0
        else:
            ipp, shift = f"2{i:08d}", (i * 7919) % max_shift_days
        defect = None
        if i % invalid_every == invalid_every - 1:
            candidate = DEFECTS[(i // invalid_every) % len(DEFECTS)]
            defect = candidate if candidate[1] == base else None
        out["identity"].append(_identity(by_patient["identity"][original][0], ipp, shift, i))
        for name, columns in _DATE_COLUMNS.items():
            for number, row in enumerate(by_patient[name].get(original, [])):
                copy = dict(row, ipp=ipp)
                for column in columns:
                    if copy[column]:
                        copy[column] = _shifted(copy[column], shift)
                if "nda" in copy:
                    copy["nda"] = f"N{i:08d}{number}"
                if defect is not None and defect[0] == name and number == 0:
                    copy.update(defect[2])
                out[name].append(copy)
    return out


def _rows_by_patient(
    tables: dict[str, list[dict[str, str]]],
) -> dict[str, dict[str, list[dict[str, str]]]]:
    grouped: dict[str, dict[str, list[dict[str, str]]]] = {}
    for name, rows in tables.items():
        table = grouped.setdefault(name, {})
        for row in rows:
            table.setdefault(row["ipp"], []).append(row)
    return grouped


def _identity(row: dict[str, str], ipp: str, shift: int, i: int) -> dict[str, str]:
    birth = dt.date.fromisoformat(row["birth_date"]) - dt.timedelta(days=shift)
    sex = int(row["nir"][0])
    return dict(
        row,
        ipp=ipp,
        birth_date=birth.isoformat(),
        nir=make_nir(sex, birth.year, birth.month, row["postcode"][:2], "113", i % 999 + 1),
    )


_SHIFTED: dict[tuple[str, int], str] = {}


def _shifted(date: str, days: int) -> str:
    key = (date, days)
    if key not in _SHIFTED:
        _SHIFTED[key] = (dt.date.fromisoformat(date) - dt.timedelta(days=days)).isoformat()
    return _SHIFTED[key]
