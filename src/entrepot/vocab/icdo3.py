"""ICD-O-3 tumour topography (``C50.9``) and morphology (``8500/3``).

Topography is a closed list (C00.0-C80.9, with only the subsites that exist), shipped in full
in ``data/icdo3_topography.csv``.

Morphology is a 4-digit histology and a behaviour digit. ICD-O lets a coder combine any
histology with any behaviour (its "behaviour code matrix" rule), so a morphology is valid by
its structure: histology 8000-9999, behaviour 0, 1, 2, 3, 6 or 9. Only the labels come from a
list, ``data/icdo3_morphology.csv``, curated for breast, ovary and lung; codes outside it are
valid but have no label.
"""

import re

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, EnumeratedCodeSystem, Labels, PatternCodeSystem

_TOPOGRAPHY = re.compile(r"C([0-9]{2})\.?([0-9])", re.ASCII)
# "M-8500/3" and "85003" are common spellings in pathology and registry exports.
_MORPHOLOGY = re.compile(r"(?:M-?)?([89][0-9]{3})/?([012369])", re.ASCII)


def _clean_topography(raw: str) -> str | None:
    match = _TOPOGRAPHY.fullmatch(WHITESPACE.sub("", raw).upper())
    return f"C{match[1]}.{match[2]}" if match else None


def _clean_morphology(raw: str) -> str | None:
    match = _MORPHOLOGY.fullmatch(WHITESPACE.sub("", raw).upper())
    return f"{match[1]}/{match[2]}" if match else None


def _load_topography() -> dict[str, Labels]:
    return {row["code"]: Labels(row["label_en"], None) for row in read_rows("icdo3_topography.csv")}


def _load_morphology_labels() -> dict[str, Labels]:
    return {row["code"]: Labels(row["label_en"], None) for row in read_rows("icdo3_morphology.csv")}


ICDO3_TOPOGRAPHY = EnumeratedCodeSystem(
    "icdo3_topography",
    "ICD-O-3 topography (tumour site)",
    load=_load_topography,
    clean=_clean_topography,
)

ICDO3_MORPHOLOGY = PatternCodeSystem(
    "icdo3_morphology",
    "ICD-O-3 morphology (histology/behaviour)",
    clean=_clean_morphology,
    load_labels=_load_morphology_labels,
)
