"""Faults injected into the formatted rows of one centre's table, with their ground truth.

At most one fault per row. Rows of `treatment`, `tumour_event`, `measurement`,
`family_history` and `centre_stay` are faulted with probability `rate`, the kind drawn
uniformly among the kinds that apply to the row; rows of `patient` and `tumour` only get
`duplicate_row` (probability `rate / 6`, the per-kind rate of the child tables), so that no
fault cascades to the rows that depend on them; `identity` rows get none (see
`CLEAN_TABLES`). The event that makes a tumour metastatic (relapse) is never faulted, for
the same reason.

Kinds:

- `invalid_code`: a code cell holds a value that is not in its vocabulary (ATC `L01ZZ99`,
  ICD-10 `C99.9X`, a FINESS with a wrong check digit, a French word outside a value set).
- `unparseable_date`: a date cell holds an impossible date in the centre's style
  (`2019-02-30`, `31/13/2019`).
- `date_after_death`: a treatment, measurement or stay of a deceased patient is dated
  after the death (and so after the last news); dates of the row move together, so start
  ≤ end and admission ≤ discharge still hold.
- `missing_required`: a required cell is empty.
- `truncated_line`: the line stops early, fewer fields than the header (the last field kept
  may be cut in the middle), no quote left open.
- `duplicate_row`: an exact copy of the row follows it; the copy is the faulty line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from entrepot.model import TABLES, ColumnType, Layer
from entrepot.synth.centres import ExportStyle
from entrepot.synth.cohort import Arrays
from entrepot.synth.follow_up import END
from entrepot.synth.formatting import date_text
from entrepot.synth.sampling import NEVER, categorical_rows

KINDS = (
    "invalid_code",
    "unparseable_date",
    "date_after_death",
    "missing_required",
    "truncated_line",
    "duplicate_row",
)
CHILD_TABLES = ("treatment", "tumour_event", "measurement", "family_history", "centre_stay")
#: The identity file stays clean: the edge kit refuses a whole export whose identity file
#: repeats an IPP (it could not tell which identity is the patient's), so a fault there
#: would cascade to every table of the centre.
CLEAN_TABLES = ("identity",)
_DATE_AFTER_DEATH_TABLES = {
    "treatment": "start_date",
    "measurement": "measurement_date",
    "centre_stay": "admission_date",
}

#: Replacement values outside each code column's vocabulary (checked by a unit test).
BAD_CODES: dict[str, tuple[str, ...]] = {
    "kind": ("chimio", "hormono"),
    "setting": ("palliatif", "entretien"),
    "drugs": ("L01ZZ99", "L99XX01"),
    "procedure_ccam": ("QEFA999", "ZZZZ999"),
    "stop_reason": ("arret", "fin"),
    "event_kind": ("rechute", "evolution"),
    "site": ("os_long", "ganglion"),
    # Not "voisin": Voisin is also a surname, which the edge scanner rightly refuses.
    "relative": ("conjoint", "epoux"),
    "cancer_site": ("thyroide", "vessie"),
    "stay_type": ("ambulatoire", "HDJ"),
    "main_diagnosis": ("C99.9X", "C5O9"),
}
_MEASUREMENT_BAD_KIND = ("PS_OMS", "poids_kg")


@dataclass
class Faults:
    """Faults of one slice: per row the kind ("" if clean), the column named, the number of
    fields kept by a truncation (0 if none)."""

    kind: np.ndarray
    column: np.ndarray
    keep_fields: np.ndarray


@dataclass
class _Target:
    """What every cell-level fault works on: the slice's formatted cells by column name
    (changed in place), its typed values, the centre's style, the random stream, and the
    `Faults` to record into. One object instead of the same six arguments on each kind."""

    table: str
    column: dict[str, np.ndarray]
    typed: Arrays
    style: ExportStyle
    rng: np.random.Generator
    faults: Faults

    def set_cells(self, name: str, rows: np.ndarray, values: object) -> None:
        """Write faulty `values` into column `name` at `rows`, and name that column as the
        fault's in the ground truth (the two must never drift apart)."""
        self.column[name][rows] = values
        self.faults.column[rows] = name


def inject(
    table: str,
    cells: list[np.ndarray],
    typed: Arrays,
    style: ExportStyle,
    rate: float,
    rng: np.random.Generator,
) -> Faults:
    """Choose faults for the rows of a slice and apply the cell-level ones to `cells` in
    place (truncation and duplication happen when the rows are written)."""
    names = TABLES[table].column_names(Layer.EXPORT)
    n = len(cells[0]) if cells else 0
    faults = Faults(
        np.full(n, "", dtype=object), np.full(n, "", dtype=object), np.zeros(n, dtype=np.int64)
    )
    if n == 0 or rate <= 0 or table in CLEAN_TABLES:
        return faults
    if table not in CHILD_TABLES:
        duplicate = rng.random(n) < rate / len(KINDS)
        faults.kind[duplicate] = "duplicate_row"
        return faults
    column = dict(zip(names, cells, strict=True))
    eligible = _eligibility(table, column, typed)
    faulty = (rng.random(n) < rate) & eligible.any(axis=1)
    if "_anchor" in typed:
        faulty &= ~typed["_anchor"]
    rows = np.flatnonzero(faulty)
    if len(rows) == 0:
        return faults
    kind = np.array(KINDS, dtype=object)[categorical_rows(rng, eligible[rows].astype(np.float64))]
    faults.kind[rows] = kind
    target = _Target(table, column, typed, style, rng, faults)
    for name, apply in (
        ("invalid_code", _invalid_code),
        ("unparseable_date", _unparseable_date),
        ("date_after_death", _date_after_death),
        ("missing_required", _missing_required),
        ("truncated_line", _truncated_line),
    ):
        chosen = rows[kind == name]
        if len(chosen):
            apply(target, chosen)
    return faults


def _code_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns_in(Layer.EXPORT) if c.type is ColumnType.CODE]


def _date_columns(table: str) -> list[str]:
    return [c.name for c in TABLES[table].columns_in(Layer.EXPORT) if c.type is ColumnType.DATE]


def _eligibility(table: str, column: dict[str, np.ndarray], typed: Arrays) -> np.ndarray:
    n = len(next(iter(column.values())))
    eligible = np.ones((n, len(KINDS)), dtype=bool)
    dates = _date_columns(table)
    eligible[:, 1] = bool(dates)
    if table in _DATE_AFTER_DEATH_TABLES:
        eligible[:, 2] = _room_after_death(table, typed)
    else:
        eligible[:, 2] = False
    return eligible


def _length_of_stay(typed: Arrays) -> np.ndarray:
    return typed["discharge_date"] - typed["admission_date"]


def _room_after_death(table: str, typed: Arrays) -> np.ndarray:
    """A deceased patient, and a day after the death (plus the stay's length) left before
    the end of follow-up."""
    death = typed["_death"]
    needed = _length_of_stay(typed) if table == "centre_stay" else 0
    return (death < NEVER) & (death + 1 + needed <= END)


def _rows_per_column(
    target: _Target, candidates: list[str], rows: np.ndarray
) -> Iterator[tuple[str, np.ndarray]]:
    """Choose one column per row among the candidates filled in that row, then yield each
    candidate with its rows (candidates chosen by no row are skipped). Shared by the kinds
    that spoil one cell of a row, so that they pick that cell the same way."""
    filled = np.stack([target.column[c][rows] != "" for c in candidates], axis=1)
    choice = categorical_rows(target.rng, filled.astype(np.float64) + 1e-12)
    chosen = np.array(candidates, dtype=object)[choice]
    for name in candidates:
        sub = rows[chosen == name]
        if len(sub):
            yield name, sub


def _invalid_code(target: _Target, rows: np.ndarray) -> None:
    rng = target.rng
    candidates = [c for c in _code_columns(target.table) if c != "ipp"]
    for name, sub in _rows_per_column(target, candidates, rows):
        values = target.column[name][sub]
        if name == "stay_finess":
            # Change the last digit: a Luhn check always catches a single changed digit.
            bad = [f[:-1] + str((int(f[-1]) + 1 + k % 9) % 10) for k, f in enumerate(values)]
        elif name == "drugs":
            bad = [_replace_one_drug(v, rng) for v in values]
        else:
            options = (
                _MEASUREMENT_BAD_KIND
                if (target.table == "measurement" and name == "kind")
                else BAD_CODES[name]
            )
            bad = np.array(options, dtype=object)[rng.integers(0, len(options), len(sub))]
        target.set_cells(name, sub, bad)


def _replace_one_drug(drugs: str, rng: np.random.Generator) -> str:
    parts = drugs.split("|")
    parts[int(rng.integers(len(parts)))] = BAD_CODES["drugs"][int(rng.integers(2))]
    return "|".join(parts)


def _unparseable_date(target: _Target, rows: np.ndarray) -> None:
    for name, sub in _rows_per_column(target, _date_columns(target.table), rows):
        when = target.typed[name][sub].astype("datetime64[D]")
        year = when.astype("datetime64[Y]").astype(np.int64) + 1970
        day_of_month = (when - when.astype("datetime64[M]")).astype(np.int64) + 1
        month = when.astype("datetime64[M]").astype(np.int64) % 12 + 1
        february_30 = target.rng.random(len(sub)) < 0.5
        if target.style.date_style == "iso":
            bad = [
                f"{y}-02-30" if f else f"{y}-{m:02d}-32"
                for y, m, f in zip(year, month, february_30, strict=True)
            ]
        else:
            bad = [
                f"30/02/{y}" if f else f"{d:02d}/13/{y}"
                for y, d, f in zip(year, day_of_month, february_30, strict=True)
            ]
        target.set_cells(name, sub, bad)


def _date_after_death(target: _Target, rows: np.ndarray) -> None:
    """Move the row's dates to 1–90 days after the death, never past the end of follow-up.

    Measurements move to the n-th day after the death, n counting the faulty measurements
    of the same patient and kind, so that the fault never adds a duplicate key as well (a
    fault without room for that is dropped).
    """
    table, column, typed = target.table, target.column, target.typed
    main = _DATE_AFTER_DEATH_TABLES[table]
    death = typed["_death"][rows]
    stay = (
        _length_of_stay(typed)[rows]
        if table == "centre_stay"
        else np.zeros(len(rows), dtype=np.int64)
    )
    room = END - death - stay
    offset = 1 + np.floor(target.rng.random(len(rows)) * np.minimum(room, 90)).astype(np.int64)
    if table == "measurement":
        offset = 1 + _rank_within(column["ipp"][rows], column["kind"][rows])
        dropped = offset > room
        target.faults.kind[rows[dropped]] = ""
        rows, offset, death = rows[~dropped], offset[~dropped], death[~dropped]
    shift = death + offset - typed[main][rows]
    for name in _date_columns(table):
        original = typed[name][rows]
        # An end date pushed past the end of follow-up is held there (still ≥ the start).
        moved = date_text(np.minimum(original + shift, END), target.style.date_style)
        column[name][rows] = np.where(original < NEVER, moved, column[name][rows])
    target.faults.column[rows] = main


def _rank_within(ipp: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """0, 1, 2... for the repeated (ipp, kind) pairs, in row order."""
    key = np.char.add(ipp.astype(str), np.char.add("|", kind.astype(str)))
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[0, np.flatnonzero(sorted_key[1:] != sorted_key[:-1]) + 1]
    rank_sorted = np.arange(len(key)) - np.repeat(starts, np.diff(np.r_[starts, len(key)]))
    rank = np.empty(len(key), dtype=np.int64)
    rank[order] = rank_sorted
    return rank


def _missing_required(target: _Target, rows: np.ndarray) -> None:
    required = [c.name for c in TABLES[target.table].columns_in(Layer.EXPORT) if c.required]
    chosen = np.array(required, dtype=object)[target.rng.integers(0, len(required), len(rows))]
    for name in required:
        target.set_cells(name, rows[chosen == name], "")


def _truncated_line(target: _Target, rows: np.ndarray) -> None:
    """Keep 1 to n−1 fields; the last one kept may lose its end (never its first character)."""
    names = list(target.column)
    keep = target.rng.integers(1, len(names), len(rows))
    target.faults.keep_fields[rows] = keep
    for k in np.unique(keep):
        sub = rows[keep == k]
        last = target.column[names[k - 1]]
        values = last[sub]
        lengths = np.array([len(v) for v in values])
        cut = np.maximum(1, np.floor(target.rng.random(len(sub)) * lengths).astype(np.int64))
        last[sub] = [v[:c] if len(v) > 1 else v for v, c in zip(values, cut, strict=True)]
