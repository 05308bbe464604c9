"""CCAM procedures (Classification commune des actes médicaux), from the SNDS ``IR_CCAM_V63``.

A code is four letters and three digits (``QEFA003``). The list has French labels only.
"""

import re

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, EnumeratedCodeSystem, Labels

_CCAM_SHAPE = re.compile(r"[A-Z]{4}[0-9]{3}", re.ASCII)


def _clean(raw: str) -> str:
    return WHITESPACE.sub("", raw).upper()


def _load() -> dict[str, Labels]:
    table: dict[str, Labels] = {}
    for row in read_rows("snds/IR_CCAM_V63.csv"):
        # A few code cells carry a modifier after a line break ("JANH798\n[A]"), and one row
        # is a note, not a procedure ("NT_09"): keep the first token when it is a code.
        tokens = row["CAM_PRS_IDE_COD"].split()
        if tokens and _CCAM_SHAPE.fullmatch(tokens[0]):
            table.setdefault(tokens[0], Labels(None, row["CAM_PRS_IDE_LIB"] or None))
    return table


CCAM = EnumeratedCodeSystem(
    "ccam", "CCAM (French classification of medical procedures)", load=_load, clean=_clean
)
