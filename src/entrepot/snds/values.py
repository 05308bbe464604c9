"""From the extract's text to typed values, and the checks each value fails.

Typing happens in the Arrow pass that converts each file (`reading.convert`), batch by
batch, not in the engine: a typed value (a date read in three formats) is a large
expression that every check, key and output refers to, and the engine evaluated it once per
reference, which made a 3-million-line table take a minute instead of seconds. In Arrow it
is computed once, by vector kernels or, for dates, by parsing each *distinct* text once (a
claims table has a few thousand distinct dates for millions of rows). This pass is not
engine-portable, which is acceptable for the same reason as the clinical ingestion's
(decision 0003): importing is the warehouse's own work, not a user query.

Each column the import uses is a `Field`: its kind (from the HDH type unless the import
says otherwise), whether the import needs it, its maximum length. The converted file holds,
for each field, its cleaned text `X`, its typed value `X__v`, and, per row, the verdict of
the first failing field check in priority order (`_field_verdict`: `reason<US>column`):
missing, too long, not a date, not a number, not a code.

Dates come as the SNDS writes them: SAS datetimes (`01JAN2019:00:00:00`) or dates
(`01JAN2019`), `DD/MM/YYYY`, and `DDMMYYYY` where the schema says so (PMSI `ENT_DAT`,
`SOR_DAT`). `1600-01-01` is the SNDS's "no date": empty, not unreadable.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

from entrepot.snds.coding import EXTRA, Coder
from entrepot.snds.reasons import PRIORITY
from entrepot.snds.sources import Source

Check = tuple[str, str | None, ir.BooleanValue]

TEXT, INTEGER, DECIMAL, AMOUNT, DATE, MONTH, YEAR, CODE_KIND = (
    "text",
    "integer",
    "decimal",
    "amount",
    "date",
    "month",
    "year",
    "code",
)
NO_DATE = dt.date(1600, 1, 1)
#: The column of the converted file holding the verdict of the field checks.
FIELD_VERDICT = "_field_verdict"
#: Between reason and column in an encoded verdict (the ASCII unit separator).
SEPARATOR = "\x1f"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1
    )
}
_TIME = re.compile(r":[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?", re.ASCII)
_INTEGER = r"^[+-]?[0-9]{1,18}$"
_NUMBER = r"^[+-]?([0-9]{1,12}(\.[0-9]{0,6})?|\.[0-9]{1,6})$"
_AMOUNT_TYPE = pa.decimal128(14, 2)
_AMOUNT_LIMIT = Decimal(10) ** 12


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    length: int | None = None
    #: The PMSI's DDMMYYYY dates are accepted too.
    day_month_year: bool = False
    #: The cleaned text is kept beside the typed value (a text field is its own value).
    keep_text: bool = False

    @property
    def has_text(self) -> bool:
        return self.kind == TEXT or self.keep_text


def field(
    source: Source,
    name: str,
    kind: str | None = None,
    required: bool = False,
    keep_text: bool = False,
) -> Field:
    """The field `name` of `source`, its kind read from the HDH schema unless given."""
    hdh = source.schema().fields[name]
    if kind is None:
        kind = {
            "integer": INTEGER,
            "number": DECIMAL,
            "date": MONTH if hdh.format == "%m" else DATE,
            "datetime": DATE,
            "year": YEAR,
        }.get(hdh.type, TEXT)
    return Field(name, kind, required, hdh.length, hdh.format == "%d%m%Y", keep_text)


def value(name: str) -> str:
    """Name of the typed value of column `name`."""
    return f"{name}__v"


def extra(name: str) -> str:
    """Name of the column holding what a coded column's code looked up (label, ATC)."""
    return name + EXTRA


# --- dates -----------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 16)
def read_date(text: str, day_month_year: bool = False) -> dt.date | None:
    """The date a cell holds in one of the SNDS formats, None otherwise. `NO_DATE` is
    returned as such, for the caller to tell "no date" from an unreadable value."""
    up = text.strip().upper()
    if not up.isascii():
        return None
    if len(up) >= 9 and up[2:5] in _MONTHS and (len(up) == 9 or _TIME.fullmatch(up[9:])):
        day, month, year = up[:2], str(_MONTHS[up[2:5]]), up[5:9]
    elif len(up) == 10 and up[2] == "/" and up[5] == "/":
        day, month, year = up[:2], up[3:5], up[6:]
    elif day_month_year and len(up) == 8:
        day, month, year = up[:2], up[2:4], up[4:]
    else:
        return None
    if not (day.isdigit() and month.isdigit() and year.isdigit()):
        return None
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError:
        return None
    return date if date.year >= 1800 or date == NO_DATE else None


def _dates(text: pa.Array, day_month_year: bool) -> tuple[pa.Array, pa.Array, pa.Array]:
    """For each cell: its date (null for "no date"), whether it says "no date", and the
    date as read (null when unreadable); each distinct text is parsed once."""
    encoded = pc.dictionary_encode(text)
    found = [
        None if cell is None else read_date(cell, day_month_year)
        for cell in encoded.dictionary.to_pylist()
    ]
    indices = encoded.indices
    parsed = pc.take(pa.array(found, pa.date32()), indices)
    no_date = pc.equal(parsed, pa.scalar(NO_DATE, pa.date32()))
    return pc.if_else(no_date, pa.scalar(None, pa.date32()), parsed), no_date, parsed


# --- one batch -------------------------------------------------------------------------------

#: A check on a batch: (reason, column, rows failing).
ArrowCheck = tuple[str, str | None, pa.Array]


def cleaned(text: pa.Array) -> pa.Array:
    """Surrounding spaces removed; an empty cell is missing. (ASCII spaces: the Unicode
    kernel costs seven times more, and a value wrapped in other spaces fails its check.)"""
    trimmed = pc.ascii_trim_whitespace(text)
    empty = pc.equal(pc.binary_length(trimmed), 0)
    return pc.if_else(empty, pa.scalar(None, pa.string()), trimmed)


def _unsigned_plus(text: pa.Array) -> pa.Array:
    # Arrow's casts refuse a leading "+", which SAS may write.
    return pc.replace_substring_regex(text, r"^\+", "")


def _number(text: pa.Array, target: pa.DataType) -> pa.Array:
    dotted = pc.replace_substring(text, ",", ".")
    readable = pc.if_else(pc.match_substring_regex(dotted, _NUMBER), _unsigned_plus(dotted), None)
    if target != _AMOUNT_TYPE:
        return pc.cast(readable, target)
    try:  # amounts in cents, as nearly always: exact at once
        return pc.cast(readable, _AMOUNT_TYPE)
    except pa.ArrowInvalid:
        exact = pc.cast(readable, pa.decimal128(20, 6))
        rounded = pc.round(exact, 2, round_mode="half_towards_infinity")
        # 999999999999.999 rounds up to 13 digits, more than an amount holds.
        fits = pc.less(pc.abs(rounded), pa.scalar(_AMOUNT_LIMIT, pa.decimal128(20, 6)))
        return pc.cast(pc.if_else(fits, rounded, None), _AMOUNT_TYPE)


def _integer(text: pa.Array) -> pa.Array:
    # Arrow's cast reads exactly an optional minus and digits, and fails the whole batch
    # otherwise: try it first, and only on failure sort the cells with the pattern.
    try:
        return pc.cast(text, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        readable = pc.if_else(pc.match_substring_regex(text, _INTEGER), _unsigned_plus(text), None)
        return pc.cast(readable, pa.int64())


def _typed(f: Field, text: pa.Array, coder: Coder | None) -> tuple[list[pa.Array], list]:
    """The typed columns of one field for a batch, and its checks."""
    present = pc.is_valid(text)
    checks: list[ArrowCheck] = []
    if f.required:
        checks.append(("missing_required", f.name, pc.invert(present)))
    if f.kind == CODE_KIND:
        assert coder is not None, f"no coder for the coded column {f.name}"
        arrays = coder(text)
        checks.append(("invalid_code", f.name, arrays[1]))
        return [arrays[0], *arrays[2:]], checks
    if f.kind == TEXT:
        if f.length is not None:
            checks.append(("too_long", f.name, pc.greater(pc.utf8_length(text), f.length)))
        return [], checks
    if f.kind == DATE:
        typed, no_date, parsed = _dates(text, f.day_month_year)
        checks.append(("invalid_date", f.name, pc.and_(present, pc.is_null(parsed))))
        if f.required:
            checks.append(("missing_required", f.name, no_date))
        return [typed], checks
    if f.kind in (INTEGER, YEAR, MONTH):
        typed = _integer(text)
        if f.kind == MONTH:
            typed = pc.if_else(
                pc.and_(pc.greater_equal(typed, 1), pc.less_equal(typed, 12)), typed, None
            )
        if f.kind == INTEGER and f.length is not None:
            digits = pc.binary_length(pc.utf8_ltrim(text, "+-"))
            checks.append(
                ("too_long", f.name, pc.and_(pc.is_valid(typed), pc.greater(digits, f.length)))
            )
        reason = "invalid_number" if f.kind == INTEGER else "invalid_date"
        checks.append((reason, f.name, pc.and_(present, pc.is_null(typed))))
        return [typed], checks
    typed = _number(text, _AMOUNT_TYPE if f.kind == AMOUNT else pa.float64())
    checks.append(("invalid_number", f.name, pc.and_(present, pc.is_null(typed))))
    return [typed], checks


def value_fields(f: Field, coder: Coder | None) -> list[pa.Field]:
    """The typed columns `_typed` gives for a field (a text field is its own value)."""
    if f.kind == CODE_KIND:
        assert coder is not None
        names = [(value(f.name), pa.string())]
        if coder.extra is not None:
            names.append((extra(f.name), pa.string()))
        return [pa.field(n, t) for n, t in names]
    if f.kind == TEXT:
        return []
    kind = {
        DATE: pa.date32(),
        INTEGER: pa.int64(),
        YEAR: pa.int64(),
        MONTH: pa.int64(),
        DECIMAL: pa.float64(),
        AMOUNT: _AMOUNT_TYPE,
    }[f.kind]
    return [pa.field(value(f.name), kind)]


def verdict(checks: list[ArrowCheck], rows: int) -> pa.Array:
    """`reason<US>column` of each row's first failing check in priority order, else null."""
    result = pa.nulls(rows, pa.string())
    failing = [(reason, column, pc.fill_null(fails, False)) for reason, column, fails in checks]
    # Most batches have no failure at all: one pass over the masks says so.
    if not failing or not pc.any(_any_of(failing)).as_py():
        return result
    ordered = sorted(enumerate(failing), key=lambda c: (PRIORITY[c[1][0]], c[0]))
    for _, (reason, column, fails) in reversed(ordered):
        if pc.any(fails).as_py():
            label = pa.scalar(f"{reason}{SEPARATOR}{column or ''}", pa.string())
            result = pc.if_else(fails, label, result)
    return result


def _any_of(masks: list[tuple[str, str | None, pa.Array]]) -> pa.Array:
    combined = masks[0][2]
    for _, _, mask in masks[1:]:
        combined = pc.or_(combined, mask)
    return combined


def batch_fields(fields: list[Field], coders: dict[str, Coder]) -> list[pa.Field]:
    """The columns `typed_batch` gives, in order: each field's text if kept, its values."""
    columns = []
    for f in fields:
        if f.has_text:
            columns.append(pa.field(f.name, pa.string()))
        columns += value_fields(f, coders.get(f.name))
    return columns


def typed_batch(
    text: dict[str, pa.Array], fields: list[Field], coders: dict[str, Coder]
) -> tuple[list[pa.Array], pa.Array]:
    """For one batch: the columns of `batch_fields`, and the verdict of the field checks."""
    arrays: list[pa.Array] = []
    checks: list[ArrowCheck] = []
    rows = len(next(iter(text.values()))) if text else 0
    for f in fields:
        clean = cleaned(text[f.name])
        typed, own = _typed(f, clean, coders.get(f.name))
        arrays += [clean, *typed] if f.has_text else typed
        checks += own
    return arrays, verdict(checks, rows)


# --- verdicts in the engine ------------------------------------------------------------------


def first_failing(checks: list[Check]) -> ir.StringValue:
    """`reason<US>column` of the first failing check in priority order, NULL if none fails."""
    if not checks:
        return ibis.null("string")
    ordered = sorted(checks, key=lambda check: PRIORITY[check[0]])
    return ibis.cases(
        *[
            (fails.fill_null(False), f"{code}{SEPARATOR}{col or ''}")
            for code, col, fails in ordered
        ],
        else_=ibis.null("string"),
    )


def split_verdict(encoded: ir.StringValue) -> dict[str, ir.Value]:
    """The `reason` and `column` of an encoded verdict."""
    parts = encoded.split(SEPARATOR)
    return {"reason": parts[0], "column": parts[1].nullif("")}
