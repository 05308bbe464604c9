"""Codes of the extract, mapped to the warehouse's spelling while the files are converted.

A coded column has few distinct values even in a table of tens of millions of rows:
each distinct value is normalised once with `vocab`, then every batch is mapped with a
vector lookup (as the clinical ingestion does, decision 0003). The converted file gets,
beside the raw text `X`, the canonical code `X__code` (empty when the cell is empty, not
a code, or an SNDS placeholder meaning "unknown"), `X__bad` (the cell holds something that
is not a code of the nomenclature) and, for some systems, `X__extra` (a label or an ATC
code looked up from the canonical code).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from entrepot.vocab import SndsValueList, code_system

CODE, BAD, EXTRA = "__code", "__bad", "__extra"

#: Raw cell -> (canonical code or None, whether the cell is not a code at all).
Normaliser = Callable[[str], tuple[str | None, bool]]


def by_system(name: str) -> Normaliser:
    """Normalise with a code system; SNDS placeholders (unknown, not applicable) are empty,
    not wrong."""
    system = code_system(name)

    def normalise(raw: str) -> tuple[str | None, bool]:
        canonical = system.normalise(raw)
        if canonical is not None:
            return canonical, False
        if isinstance(system, SndsValueList) and system.is_placeholder(raw):
            return None, False
        return None, True

    return normalise


def mapped(table: dict[str, str]) -> Normaliser:
    """Normalise with a small fixed table (sex 1/2 -> M/F)."""
    return lambda raw: (table.get(raw.strip()), raw.strip() not in table)


def departement(raw: str) -> tuple[str | None, bool]:
    """BEN_RES_DPT: any IR_DPT_V code is valid; only départements give a value (999
    unknown, 991 abroad and 099 not given are empty)."""
    if code_system("snds_departement").normalise(raw) is None:
        return None, True
    return code_system("departement").normalise(raw), False


@dataclass
class Coder:
    """Maps the cells of one column, remembering every distinct cell it has seen."""

    normalise: Normaliser
    #: Looked up from the canonical code into `X__extra` (a label, an ATC code).
    extra: Callable[[str], str | None] | None = None
    _known: dict[str, tuple[str | None, bool, str | None]] = field(default_factory=dict)

    def _lookup(self, cell: str | None) -> tuple[str | None, bool, str | None]:
        if cell is None or not cell.strip():
            return None, False, None
        if cell not in self._known:
            code, bad = self.normalise(cell)
            extra = self.extra(code) if self.extra is not None and code is not None else None
            self._known[cell] = (code, bad, extra)
        return self._known[cell]

    def __call__(self, cells: pa.Array) -> list[pa.Array]:
        """`X__code`, `X__bad` and (with `extra`) `X__extra` for a batch of cells."""
        encoded = pc.dictionary_encode(cells)
        found = [self._lookup(cell) for cell in encoded.dictionary.to_pylist()]
        indices = encoded.indices
        arrays = [
            pc.take(pa.array([f[0] for f in found], pa.string()), indices),
            pc.fill_null(pc.take(pa.array([f[1] for f in found], pa.bool_()), indices), False),
        ]
        if self.extra is not None:
            arrays.append(pc.take(pa.array([f[2] for f in found], pa.string()), indices))
        return arrays
