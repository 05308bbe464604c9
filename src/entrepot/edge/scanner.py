"""The identifier scanner: the last check before anything leaves the hospital.

It reads every care cell of every package table — the text the hospital exported and the
edge passes on — and looks for:

- NIR: 15 characters (spaces, dots or dashes allowed between the usual groups, Corsican
  2A/2B) whose key is valid. Also 13 characters shaped like a NIR without its key (sex
  1/2, a real or pseudo month 01-12/20-42, a place and order number that are not 00/000):
  the 13 characters alone identify the person (the SNDS hashes exactly these). Pseudo
  months 50-99 are left out for 13-character numbers, since millisecond timestamps of the
  2000s-2030s take that shape, and a real NIR with such a month is rare.
- e-mail addresses;
- French telephone numbers: 0X XX XX XX XX (spaces, dots, dashes or nothing between
  pairs) and +33 / 0033 forms.
- names: a cell whose whole text equals (ignoring case, accents and punctuation) a last,
  birth or first name of *any* patient of the identity file, or a word of such a name of
  4+ letters. A care cell holding exactly a name is a misplaced identity column whoever
  the name belongs to. Codes of the model's own value sets and units ("son", "skin",
  "score") are exempt, since some surnames are English words.
- in free-text columns (those the model types as plain strings, e.g. `regimen`), a word
  equal to a 4+ letter word of *the row's own patient's* names. Matching every patient's
  names inside free text would block packages for nothing: among a million patients
  some are called Bras, Dose or Essai, and "bras A" is a trial arm. Even so, the patient
  called Bras may be in arm A: a word that also appears in the text of at least
  `VOCABULARY_ROWS` rows of other patients is taken as vocabulary of the column and not
  reported. The price: a patient whose name is also such a word is not caught when the
  name is typed in the text (other checks still apply).
- the row's own patient's exact birth date, in ISO, French (DD/MM/YYYY, dashes or dots,
  2- or 4-digit year), compact (YYYYMMDD, DDMMYYYY) or long (12 mars 1956) form, as a
  whole cell or inside text. Other patients' birth dates are not identifying on their own.

What the scanner does not see: the columns the edge computes itself (centre and stay
codes, linkage token, birth year and month, département) are outputs of keyed functions
or of code lists, not hospital text; scanning them would only raise false alarms (a
64-character hex token contains phone-shaped digit runs by chance).

Speed: each check that depends on the cell alone runs once per distinct value of a column
(most columns hold dates and codes repeating across millions of rows) and is cached; the
checks that depend on the row's patient are vectorised comparisons.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from entrepot.edge.errors import Finding, IdentifierKind
from entrepot.edge.identity import MIN_NAME_IN_TEXT, Identities, normalise_name
from entrepot.model import MEASUREMENT_UNITS, VALUE_SETS, Column, ColumnType, Layer, Origin, Table
from entrepot.vocab.nir import is_valid_nir

_SEP = r"[ .\-]?"
_NIR = re.compile(
    rf"(?<![0-9])([1-478]{_SEP}[0-9]{{2}}{_SEP}[0-9]{{2}}{_SEP}(?:[0-9]{{2}}|2[ABab])"
    rf"{_SEP}[0-9]{{3}}{_SEP}[0-9]{{3}})(?:{_SEP}([0-9]{{2}}))?(?![0-9])"
)
_NIR13_SHAPE = re.compile(
    r"[12][0-9]{2}(?:0[1-9]|1[0-2]|[23][0-9]|4[0-2])"  # sex, year, month or pseudo-month
    r"(?!00)(?:[0-9]{2}|2[AB])[0-9]{3}(?!000)[0-9]{3}"  # place, order number
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_PHONE = re.compile(
    rf"(?<![0-9+])(?:(?:\+|00)33{_SEP}(?:\(0\){_SEP})?[1-9]|0[1-9])(?:{_SEP}[0-9]{{2}}){{4}}"
    r"(?![0-9])"
)
_SEPARATORS = re.compile(r"[ .\-]")
_DIGIT = re.compile(r"[0-9]")
_LETTER = re.compile(r"[^\W\d_]")

_YMD = re.compile(r"(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])")
_DMY = re.compile(r"(?<![0-9])([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4}|[0-9]{2})(?![0-9])")
_COMPACT = re.compile(r"(?<![0-9])([0-9]{8})(?![0-9])")
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "january": 1,
    "fevrier": 2, "fevr": 2, "fev": 2, "feb": 2, "february": 2,
    "mars": 3, "mar": 3, "march": 3,
    "avril": 4, "avr": 4, "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "juin": 6, "jun": 6, "june": 6,
    "juillet": 7, "juil": 7, "jul": 7, "july": 7,
    "aout": 8, "aug": 8, "august": 8,
    "septembre": 9, "sept": 9, "sep": 9, "september": 9,
    "octobre": 10, "oct": 10, "october": 10,
    "novembre": 11, "nov": 11, "november": 11,
    "decembre": 12, "dec": 12, "december": 12,
}  # fmt: skip
_LONG_DATE = re.compile(
    rf"(?<![0-9])([0-9]{{1,2}})(?: ?er)? ({'|'.join(_MONTHS)}) ([0-9]{{4}})(?![0-9])"
)
#: A name word found in at least this many rows of *other* patients' text in a column is
#: vocabulary of that column ("bras" in "bras A"), not a name: not reported.
VOCABULARY_ROWS = 10
# How exports say "no value"; also surnames ("Na"), but never identifying as a whole cell.
_MISSING_MARKERS = frozenset({"na", "nd", "nc", "nr", "inconnu", "unknown"})
# Above this many distinct values cached for a column, start the cache afresh (memory).
_CACHE_LIMIT = 500_000


@dataclass(frozen=True)
class _Verdict:
    """What one distinct cell value holds, independently of the row's patient."""

    kinds: tuple[IdentifierKind, ...] = ()
    #: Dates written in the cell, as "Y1956-03-12" (4-digit year) or "y56-03-12".
    date_keys: tuple[str, ...] = ()
    #: Words of the cell that are a word of some patient's name (free text only).
    name_words: frozenset[str] = frozenset()


_CLEAN = _Verdict()


def date_keys(text: str) -> tuple[str, ...]:
    """Every date written in `text`, in a form comparable with a birth date."""
    keys = []

    def add(year: str, month: int, day: int) -> None:
        if 1 <= month <= 12 and 1 <= day <= 31:
            prefix = "Y" if len(year) == 4 else "y"
            keys.append(f"{prefix}{year}-{month:02d}-{day:02d}")

    for y, m, d in _YMD.findall(text):
        add(y, int(m), int(d))
    for d, m, y in _DMY.findall(text):
        add(y, int(m), int(d))
    for digits in _COMPACT.findall(text):
        add(digits[:4], int(digits[4:6]), int(digits[6:]))
        add(digits[4:], int(digits[2:4]), int(digits[:2]))
    if _LETTER.search(text):
        for d, month, y in _LONG_DATE.findall(normalise_name(text)):
            add(y, _MONTHS[month], int(d))
    return tuple(keys)


def identifier_kinds(text: str) -> list[IdentifierKind]:
    """Identifiers recognisable in `text` alone: NIR, e-mail address, telephone number."""
    kinds = []
    if _DIGIT.search(text):
        for match in _NIR.finditer(text):
            body = _SEPARATORS.sub("", match[1]).upper()
            if match[2] and is_valid_nir(body + match[2]):
                kinds.append(IdentifierKind.NIR)
            elif not match[2] and _NIR13_SHAPE.fullmatch(body):
                kinds.append(IdentifierKind.NIR_WITHOUT_KEY)
        if _PHONE.search(text):
            kinds.append(IdentifierKind.PHONE)
    if "@" in text and _EMAIL.search(text):
        kinds.append(IdentifierKind.EMAIL)
    return kinds


class IdentifierScanner:
    """Scans package batches and collects findings (locations only, never values)."""

    def __init__(self, identities: Identities) -> None:
        self._identities = identities
        self._birth_keys = (
            pc.binary_join_element_wise("Y", identities.birth_date, ""),
            pc.binary_join_element_wise("y", pc.utf8_slice_codeunits(identities.birth_date, 2), ""),
        )
        self._cache: dict[tuple[str, str], dict[str, _Verdict]] = defaultdict(dict)
        self._lines: dict[tuple[str, str, IdentifierKind], list[np.ndarray]] = defaultdict(list)
        # Own-name words in free text are judged at the end, once it is known whether the
        # word is also common vocabulary of the column (see the module docstring).
        self._own_name_lines: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self._foreign_rows: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        self._words_of_patient: dict[int, set[str]] = {}

    def findings(self) -> list[Finding]:
        """Every finding so far, grouped by file, column and kind, lines in order."""
        lines = dict(self._lines)
        for (file, column), by_word in self._own_name_lines.items():
            foreign = self._foreign_rows[(file, column)]
            kept = [
                np.array(word_lines, np.int64)
                for word, word_lines in by_word.items()
                if foreign[word] < VOCABULARY_ROWS
            ]
            if kept:
                lines[(file, column, IdentifierKind.NAME_IN_TEXT)] = kept
        return [
            Finding(file, column, kind, tuple(np.unique(np.concatenate(parts)).tolist()))
            for (file, column, kind), parts in sorted(lines.items())
        ]

    def scan(
        self,
        table: Table,
        file: str,
        rows: pa.RecordBatch,
        source_rows: pa.Array,
        identity_index: pa.Array,
    ) -> None:
        """Scan the care columns of `rows` (export layout) of `table`.

        `identity_index` gives, for each row, its patient's position in the identities
        (null when the IPP has no identity row: only patient-independent checks apply).
        """
        lines = source_rows.to_numpy()
        births = tuple(pc.take(keys, identity_index) for keys in self._birth_keys)
        for column in table.columns_in(Layer.EXPORT):
            if column.origin is Origin.CARE:
                values = rows.column(column.name)
                self._scan_column(table, column, file, values, lines, identity_index, births)

    def _scan_column(
        self,
        table: Table,
        column: Column,
        file: str,
        values: pa.Array,
        lines: np.ndarray,
        identity_index: pa.Array,
        births: tuple[pa.Array, ...],
    ) -> None:
        encoded = pc.dictionary_encode(values)
        cache = self._cache[(table.name, column.name)]
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        exempt = _exempt_values(table, column)
        free_text = column.type is ColumnType.STRING
        verdicts = []
        for value in encoded.dictionary.to_pylist():
            verdict = cache.get(value)
            if verdict is None:
                verdict = cache[value] = self._judge(value, exempt, free_text)
            verdicts.append(verdict)
        if all(v is _CLEAN for v in verdicts):
            return
        indices = encoded.indices

        def rows_where(per_value: list[bool]) -> np.ndarray:
            mask = pc.fill_null(pc.take(pa.array(per_value, pa.bool_()), indices), False)
            return mask.to_numpy(zero_copy_only=False)

        def record(kind: IdentifierKind, mask: np.ndarray) -> None:
            if mask.any():
                self._lines[(file, column.name, kind)].append(lines[mask])

        for kind in {k for v in verdicts for k in v.kinds}:
            record(kind, rows_where([kind in v.kinds for v in verdicts]))
        record(IdentifierKind.BIRTH_DATE, _own_birth_date(verdicts, indices, births))
        if free_text:
            key = (file, column.name)
            self._own_name(key, verdicts, indices, identity_index, lines)

    def _judge(self, value: str, exempt: frozenset[str], free_text: bool) -> _Verdict:
        kinds = identifier_kinds(value)
        name_words: frozenset[str] = frozenset()
        if _LETTER.search(value):
            normalised = normalise_name(value)
            if normalised in self._identities.name_set and normalised not in exempt:
                kinds.append(IdentifierKind.NAME)
            if free_text:
                name_words = frozenset(
                    w
                    for w in normalised.split()
                    if len(w) >= MIN_NAME_IN_TEXT and w in self._identities.name_set
                )
        verdict = _Verdict(tuple(kinds), date_keys(value), name_words)
        return _CLEAN if verdict == _CLEAN else verdict

    def _own_name(
        self,
        key: tuple[str, str],
        verdicts: list[_Verdict],
        indices: pa.Array,
        identity_index: pa.Array,
        lines: np.ndarray,
    ) -> None:
        """Note rows whose text holds a word of their own patient's names, and count the
        rows where such a word appears in another patient's text."""
        with_words = [bool(v.name_words) for v in verdicts]
        if not any(with_words):
            return
        candidates = pc.fill_null(pc.take(pa.array(with_words), indices), False)
        positions = np.flatnonzero(candidates.to_numpy(zero_copy_only=False))
        value_of_row = indices.to_numpy(zero_copy_only=False)
        patients = pc.take(identity_index, pa.array(positions, pa.int64())).to_pylist()
        own_lines = self._own_name_lines[key]
        foreign = self._foreign_rows[key]
        for row, patient in zip(positions, patients, strict=True):
            own = self._patient_words(patient)
            for word in verdicts[value_of_row[row]].name_words:
                if word in own:
                    own_lines[word].append(int(lines[row]))
                else:
                    foreign[word] += 1

    def _patient_words(self, patient: int | None) -> set[str]:
        if patient is None:
            return set()
        words = self._words_of_patient.get(patient)
        if words is None:
            words = self._words_of_patient[patient] = self._identities.name_words(patient)
        return words


def _own_birth_date(
    verdicts: list[_Verdict], indices: pa.Array, births: tuple[pa.Array, ...]
) -> np.ndarray:
    """Rows holding a date equal to their own patient's birth date."""
    mask = np.zeros(len(indices), bool)
    for slot in range(max(len(v.date_keys) for v in verdicts)):
        keys = pa.array(
            [v.date_keys[slot] if slot < len(v.date_keys) else None for v in verdicts],
            pa.string(),
        )
        row_keys = pc.take(keys, indices)
        for birth in births:
            mask |= pc.fill_null(pc.equal(row_keys, birth), False).to_numpy(zero_copy_only=False)
    return mask


@functools.cache
def _exempt_values(table: Table, column: Column) -> frozenset[str]:
    """Normalised codes a column may legitimately hold even if a patient bears that name."""
    codes = set(_MISSING_MARKERS)
    if column.vocabulary in VALUE_SETS:
        codes.update(VALUE_SETS[column.vocabulary].codes())
    if table.name == "measurement" and column.name == "unit":
        codes.update(unit for unit, _, _ in MEASUREMENT_UNITS.values())
    return frozenset(normalise_name(code) for code in codes)
