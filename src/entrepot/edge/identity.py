"""The identity file, loaded once per run: what the edge derives from it, what it scans for.

Identity values live only in this object, in memory, during a run. What leaves is
derived and generalised: birth year and month (never the day), the département (never
the postcode), the linkage token (never the NIR). The normalised names and birth dates
kept here feed the identifier scanner.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from entrepot.edge.errors import EdgeError, lines_excerpt
from entrepot.edge.export_reader import ExportFile, read_whole_table
from entrepot.model import IDENTITY
from entrepot.vocab import departement_from_postcode

NAME_COLUMNS = ("last_name", "birth_name", "first_name")
#: Shortest name the scanner looks for inside free text; shorter ones ("Ly", "Roy") are
#: also common syllables and abbreviations, and would block packages for nothing.
MIN_NAME_IN_TEXT = 4
#: Shortest name the scanner looks for as a whole cell.
MIN_NAME_IN_CELL = 2
# Placeholders of hospital identity files for unknown or test patients: not names, and
# words a care cell may legitimately hold.
_PLACEHOLDERS = frozenset(
    {"inconnu", "inconnue", "anonyme", "test", "nc", "nr", "xx", "xxx", "nom", "prenom", "sans"}
)
_TIME_SUFFIX = r"[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Lower case, no accents, words separated by single spaces: "Le Hénaff-D'Arc" and
    "LE HENAFF D ARC" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_ALNUM.sub(" ", stripped).strip()


@dataclass(frozen=True)
class Identities:
    """Identity rows indexed by IPP, with their derived values (one entry per row)."""

    ipp: pa.Array
    birth_date: pa.Array
    birth_year: pa.Array
    birth_month: pa.Array
    departement: pa.Array
    nir: pa.Array
    #: Normalised last, birth and first names.
    names: dict[str, pa.Array]
    #: Every normalised name, and every word of a name of `MIN_NAME_IN_TEXT`+ letters.
    name_set: frozenset[str]

    def index_of(self, ipps: pa.Array) -> pa.Array:
        """Position of each IPP's identity row (null when the file has none)."""
        return pc.index_in(ipps, value_set=self.ipp)

    def name_words(self, position: int) -> set[str]:
        """Words of the names of one patient that the scanner looks for in free text."""
        words = set()
        for column in NAME_COLUMNS:
            name = self.names[column][position].as_py()
            if name:
                words.update(w for w in name.split() if len(w) >= MIN_NAME_IN_TEXT)
        return words


def clean_identifier(values: pa.Array) -> pa.Array:
    """IPP or NDA without surrounding spaces; blank becomes null."""
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def load_identities(export: ExportFile) -> Identities:
    """Read and check the identity file; derive birth year, month and département."""
    rows, lines = read_whole_table(export, IDENTITY)
    lines_np = lines.to_numpy()
    ipp = clean_identifier(rows.column("ipp").combine_chunks())
    _refuse(export, "ipp", lines_np, pc.is_null(ipp), "no IPP: every identity row needs one")
    _refuse_duplicates(export, ipp, lines_np)

    birth_date = _iso_birth_date(rows.column("birth_date").combine_chunks())
    _refuse(
        export,
        "birth_date",
        lines_np,
        pc.is_null(birth_date),
        "missing or unreadable birth date: write it as YYYY-MM-DD or DD/MM/YYYY "
        "(birth year and month are derived from it)",
    )
    parsed = pc.strptime(birth_date, format="%Y-%m-%d", unit="s")
    names = {c: _normalise_column(rows.column(c).combine_chunks()) for c in NAME_COLUMNS}
    return Identities(
        ipp=ipp,
        birth_date=birth_date,
        birth_year=pc.year(parsed),
        birth_month=pc.month(parsed),
        departement=_departements(rows.column("postcode").combine_chunks()),
        nir=rows.column("nir").combine_chunks(),
        names=names,
        name_set=_name_set(names.values()),
    )


def _refuse(export: ExportFile, column: str, lines: np.ndarray, bad: pa.Array, why: str) -> None:
    bad_lines = lines[pc.fill_null(bad, True).to_numpy(zero_copy_only=False)]
    if len(bad_lines):
        raise EdgeError(
            f"{why} (line(s) {lines_excerpt(bad_lines.tolist())})",
            file=export.name,
            line=int(bad_lines[0]),
            column=column,
        )


def _refuse_duplicates(export: ExportFile, ipp: pa.Array, lines: np.ndarray) -> None:
    codes = pc.dictionary_encode(ipp).indices.to_numpy()
    _, first = np.unique(codes, return_index=True)
    repeated = np.ones(len(codes), bool)
    repeated[first] = False
    _refuse(
        export,
        "ipp",
        lines,
        pa.array(repeated),
        "the same IPP is on several identity rows: keep one row per patient",
    )


def _iso_birth_date(raw: pa.Array) -> pa.Array:
    """`YYYY-MM-DD` or `DD/MM/YYYY` (a midnight time part tolerated) as ISO text; null
    when unreadable or not a real date (31/02 is refused, not moved to 2 March)."""
    text = pc.replace_substring_regex(pc.utf8_trim_whitespace(raw), _TIME_SUFFIX, "")
    iso = pc.replace_substring_regex(text, r"^(\d{2})/(\d{2})/(\d{4})$", r"\3-\2-\1")
    well_formed = pc.match_substring_regex(iso, r"^\d{4}-\d{2}-\d{2}$")
    parsed = pc.strptime(iso, format="%Y-%m-%d", unit="s", error_is_null=True)
    # strptime rolls impossible days over; a real date prints back the same.
    real = pc.equal(pc.strftime(parsed, format="%Y-%m-%d"), iso)
    keep = pc.fill_null(pc.and_(well_formed, real), False)
    return pc.if_else(keep, iso, pa.scalar(None, pa.string()))


def _departements(postcodes: pa.Array) -> pa.Array:
    encoded = pc.dictionary_encode(postcodes)
    known = [departement_from_postcode(p) for p in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(known, pa.string()), encoded.indices)


def _normalise_column(values: pa.Array) -> pa.Array:
    """Normalised names; placeholders and blanks become null."""
    encoded = pc.dictionary_encode(values)
    normalised = []
    for value in encoded.dictionary.to_pylist():
        name = normalise_name(value)
        normalised.append(None if not name or name in _PLACEHOLDERS else name)
    return pc.take(pa.array(normalised, pa.string()), encoded.indices)


def _name_set(columns: Iterable[pa.Array]) -> frozenset[str]:
    names: set[str] = set()
    for column in columns:
        for name in pc.unique(column).to_pylist():
            if name is None:
                continue
            if len(name) >= MIN_NAME_IN_CELL:
                names.add(name)
            names.update(
                w for w in name.split() if len(w) >= MIN_NAME_IN_TEXT and w not in _PLACEHOLDERS
            )
    return frozenset(names)
