"""Small SNDS value lists (prestations, long-term conditions, specialties, PMSI modes), and
the shape of a GHM.

Each list is an SNDS nomenclature shipped unmodified in ``data/snds``. Their rows whose
``TEC_COL`` is not 0 are technical placeholders (``SANS OBJET``, ``VALEUR INCONNUE``): they
say a value is unknown or does not apply, so they are not codes here. A claim carrying one
is not wrong; the importer reads it as an empty value (``placeholders`` lists them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, EnumeratedCodeSystem, Labels, PatternCodeSystem


def _clean(raw: str) -> str:
    code = WHITESPACE.sub("", raw)
    # Numbers written as SAS or a spreadsheet may write them: "0030", "30.0".
    if code.endswith(".0"):
        code = code[:-2]
    if code.isascii() and code.isdigit():
        code = str(int(code))
    return code


class SndsValueList(EnumeratedCodeSystem):
    """An SNDS nomenclature: codes with a French label, and placeholder codes apart."""

    def __init__(self, name: str, title: str, file: str, code: str, label: str) -> None:
        self._file, self._code, self._label = file, code, label
        super().__init__(name, title, load=self._load_codes, clean=_clean)

    @cached_property
    def _rows(self) -> list[dict[str, str]]:
        return list(read_rows(self._file))

    def _load_codes(self) -> Mapping[str, Labels]:
        return {
            _clean(row[self._code]): Labels(None, row[self._label].strip() or None)
            for row in self._rows
            if row["TEC_COL"].strip() == "0"
        }

    @cached_property
    def placeholders(self) -> frozenset[str]:
        """Codes meaning "unknown" or "not applicable", in canonical spelling."""
        return frozenset(_clean(row[self._code]) for row in self._rows if row["TEC_COL"] != "0")

    def is_placeholder(self, raw: str) -> bool:
        """Whether ``raw`` is one of the placeholder codes (``0`` SANS OBJET, ``99``...)."""
        return isinstance(raw, str) and _clean(raw) in self.placeholders


PRESTATION = SndsValueList(
    "prestation",
    "Nature of a reimbursed prestation (SNDS IR_NAT_V)",
    "snds/IR_NAT_V.csv",
    "PRS_NAT",
    "PRS_NAT_LIB",
)
ALD = SndsValueList(
    "ald",
    "Long-term condition (ALD) number (SNDS IR_ALD_V)",
    "snds/IR_ALD_V.csv",
    "ALD_030_COD",
    "ALD_030_LIB",
)
MEDICAL_SPECIALTY = SndsValueList(
    "medical_specialty",
    "Specialty of a health professional (SNDS IR_SPE_V)",
    "snds/IR_SPE_V.csv",
    "PFS_SPE_COD",
    "PFS_SPE_LIB",
)
PMSI_MODE = SndsValueList(
    "pmsi_mode",
    "Mode of entry into or exit from a PMSI stay (SNDS MS_SOR_V)",
    "snds/MS_SOR_V.csv",
    "SOR_MOD_COD",
    "SOR_MOD_LIB",
)

# CMD (2 digits), kind (C surgical, K non-operative procedure, M medical, Z undifferentiated,
# and a few others), number (2 digits), severity or type (1-4, A-E, J, T, Z): "09C051",
# "28Z07Z", "90Z00Z" (CMD 90, grouping errors). No list ships with the schema project.
_GHM = re.compile(r"[0-9]{2}[A-Z][0-9]{2}[0-9A-Z]", re.ASCII)


def _clean_ghm(raw: str) -> str | None:
    code = WHITESPACE.sub("", raw).upper()
    return code if _GHM.fullmatch(code) else None


GHM = PatternCodeSystem("ghm", "GHM (diagnosis-related group of the PMSI MCO)", clean=_clean_ghm)
