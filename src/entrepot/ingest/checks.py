"""Check every row of a package, table by table, inside the engine.

Each table goes through two stages, composed into one expression:

1. *typed*: sent text (cleaned and coded in Arrow, duplicates flagged) → typed values;
   missing, unreadable, out-of-range values, in-row plausibility and duplicates;
2. *checked*: the row joined to its patient (dates within life), its parent (present and
   loaded, else the row follows it into quarantine) and its tumour's history.

A row's failure is the first failing rule in `reasons.PRIORITY` order; NULL means loaded.
Parents are checked before children, so a child sees whether its parent was loaded.

The checked rows of the tables other checks read (`referenced`) are materialised once, for
the load and for their children. The other tables' rows are checked as they are written
(`load.table_outputs`), and only the rows that were not loaded, a few in a hundred, are
checked again to be quarantined with their reason (`check_unloaded`): materialising
millions of measurements or stays only to write them out cost 14-21% more CPU.

The expressions read named tables (the package's facts, its sent rows and duplicate flags,
the checked parents), registered for each package: built and compiled once per process,
they run unchanged on every package (`store.prepared`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from entrepot.ingest import facts
from entrepot.ingest.codes import code_column
from entrepot.ingest.duplicates import duplicate_flags, flags_of
from entrepot.ingest.reasons import PRIORITY
from entrepot.ingest.rules import Rule, life_rules, row_rules, tumour_rules
from entrepot.ingest.sent import sent_rows, sent_table, typed_by_distinct, value_column
from entrepot.ingest.values import UNREADABLE_REASON
from entrepot.model import TABLES, Column, Layer, Table
from entrepot.store import prepared

#: Parents first; tumour events before treatments, whose metastatic lines need them.
CHECK_ORDER = (
    "patient",
    "tumour",
    "tumour_event",
    "treatment",
    "measurement",
    "family_history",
    "centre_stay",
)
_METASTATIC_EVENTS = ("distant_progression", "new_metastatic_site")
#: Between reason and column in the encoded result of the rules (the ASCII unit separator).
_SEPARATOR = "\x1f"
#: The warehouse patient id of each checked row (NULL when its patient is not loaded).
WAREHOUSE_ID = "warehouse_patient_id"


def patient_id(finess: ir.StringValue, centre_code: ir.StringValue) -> ir.StringValue:
    """Warehouse patient id: a hash of centre and centre code, stable across refreshes.

    Derived rather than counted so that ingesting needs no shared counter, a replayed
    package gives the same ids, and the id reveals nothing the centre code doesn't.
    """
    return (finess + ":" + centre_code).hexdigest("sha256").substr(0, 20)


@cache
def checked_rows(name: str) -> ir.Table:
    """The checked rows of a table, once materialised (by `check_tables` for the
    `referenced` tables, by `check_unloaded` for the others): the typed value of every
    package column under the column's name, `failure` (NULL when loaded; see
    `reason_and_column`), the warehouse patient id and, for patients, `birth_start`."""
    return prepared.named(check_expression(name).schema(), f"checked_{name}")


@cache
def referenced() -> frozenset[str]:
    """The tables whose checked rows the checks of other tables read (patients, tumours,
    tumour events), found in the check expressions themselves: a table a new rule reads
    cannot be missed, and left with only its rows not loaded in `checked_rows`."""
    read = {
        table.name
        for name in CHECK_ORDER
        for table in check_expression(name).op().find(ops.UnboundTable)
    }
    return frozenset(name for name in CHECK_ORDER if checked_rows(name).get_name() in read)


def check_tables(
    con: BaseBackend, package_dir: Path, on_table_done: Callable[[str], None] | None = None
) -> dict[str, pa.Table]:
    """Prepare the checks of every table of the package in `package_dir`: register its
    sent rows (`sent.sent_rows`) and duplicate flags, and materialise `checked_rows` of the
    `referenced` tables. Returns the sent rows of each table, by name.

    The package's facts must be registered (`facts.FACTS`); the sent rows stay registered
    for the load and the quarantine."""
    sent_tables = {}
    for name in CHECK_ORDER:
        table = TABLES[name]
        sent = sent_tables[name] = sent_table(con, table, package_dir / f"{name}.parquet")
        prepared.register_arrow(con, sent_rows(table).get_name(), sent)
        flags = duplicate_flags(con, table)
        prepared.register_arrow(con, flags_of(table).get_name(), flags)
        if name in referenced():
            prepared.materialise(con, checked_rows(name).get_name(), check_expression(name))
        if on_table_done:
            on_table_done(name)
    return sent_tables


def check_unloaded(con: BaseBackend, name: str, sent: pa.Table, loaded: pa.Array) -> None:
    """Materialise `checked_rows(name)` for the rows of `sent` (the table's sent rows) whose
    line is not in `loaded` (the lines written by the load), and register those rows alone
    as the table's sent rows, for the quarantine.

    A row's checks read only the row, its duplicate flags and its parents, all registered
    already: the rows checked again fail as they did when the others were written.
    """
    unloaded = sent.filter(_absent(sent["source_row"], loaded))
    prepared.register_arrow(con, sent_rows(TABLES[name]).get_name(), unloaded)
    prepared.materialise(con, checked_rows(name).get_name(), check_expression(name))


def _absent(lines: pa.ChunkedArray, members: pa.Array) -> np.ndarray:
    """Which of `lines` are not among `members` (line numbers: non-negative and about as
    many as the rows, so a mark per possible line is the cheapest set: 6 ms for 2 million,
    against 190 ms for a hash set, which is kept for numbers outside that range, and for a
    missing line number, which counts as not written: whatever its checks then say, the
    accounting proves every row sent was written or quarantined, or refuses the package)."""
    if not len(lines):
        return np.zeros(0, dtype=bool)
    if lines.null_count:
        return _absent_by_hash(lines, members)
    values = lines.to_numpy()
    marked = members.drop_null().to_numpy()
    low, high = values.min(), values.max()
    if low < 0 or high > 4 * len(values) + 1_000_000:
        return _absent_by_hash(lines, members)
    seen = np.zeros(high + 1, dtype=bool)
    seen[marked[(marked >= 0) & (marked <= high)]] = True
    return ~seen[values]


def _absent_by_hash(lines: pa.ChunkedArray, members: pa.Array) -> np.ndarray:
    found = pc.is_in(lines, value_set=members, skip_nulls=True).fill_null(False)
    return ~found.to_numpy(zero_copy_only=False)


@cache
def check_expression(name: str) -> ir.Table:
    """The checked rows of table `name`, over the named tables (see the module's doc)."""
    table = TABLES[name]
    return _linked(table, _typed(table))


def _value(name: str) -> str:
    return f"{name}__v"


def _first_failing(rules: list[Rule]) -> ir.StringValue:
    """`reason<US>column` of the first failing rule, NULL when the row passes them all.

    One CASE carries both, so that each predicate is compiled and evaluated once.
    """
    ordered = sorted(rules, key=lambda rule: PRIORITY[rule[0]])
    return ibis.cases(
        *[(fails, f"{code}{_SEPARATOR}{col or ''}") for code, col, fails in ordered],
        else_=ibis.null("string"),
    )


def _column_rules(column: Column, t: ir.Table) -> list[Rule]:
    text, value = t[column.name], t[_value(column.name)]
    rules: list[Rule] = []
    if column.required:
        rules.append(("missing_required", column.name, text.isnull()))
    unreadable = "invalid_code" if column.vocabulary else UNREADABLE_REASON.get(column.type)
    if unreadable:
        rules.append((unreadable, column.name, text.notnull() & value.isnull()))
    if column.minimum is not None:
        rules.append(("out_of_range", column.name, (value < column.minimum).fill_null(False)))
    if column.maximum is not None:
        rules.append(("out_of_range", column.name, (value > column.maximum).fill_null(False)))
    return rules


# Stage 1 -------------------------------------------------------------------------------


def _typed(table: Table) -> ir.Table:
    columns = table.columns_in(Layer.PACKAGE)
    sent, flags = sent_rows(table), flags_of(table)
    t = sent.left_join(flags, sent.source_row == flags.duplicate_row)
    t = t.mutate(**{_value(c.name): _typed_value(c, t) for c in columns})
    rules = [rule for c in columns for rule in _column_rules(c, t)]
    rules += row_rules(table, lambda name: t[_value(name)])
    if table.name == "patient":
        t = t.mutate(birth_start=_birth_start(t))
    rules += [
        ("duplicate_row", None, ~t.first_copy.fill_null(True)),
        ("conflicting_duplicate", None, t.versions_of_key.fill_null(1) > 1),
    ]
    return t.mutate(failure=_first_failing(rules))


def _typed_value(column: Column, t: ir.Table) -> ir.Value:
    if column.vocabulary:
        return t[code_column(column.name)]
    if typed_by_distinct(column):
        return t[value_column(column.name)]
    return t[column.name]


def _birth_start(t: ir.Table) -> ir.DateValue:
    # Built as text then cast, so an impossible month gives NULL instead of an error.
    year, month = t[_value("birth_year")], t[_value("birth_month")]
    text = year.cast("string") + "-" + month.cast("string").lpad(2, "0") + "-01"
    return text.try_cast("date")


# Stage 2 -------------------------------------------------------------------------------


def _linked(table: Table, t: ir.Table) -> ir.Table:
    v = lambda name: t[_value(name)]  # noqa: E731
    if table.name == "patient":
        t = t.mutate(**{WAREHOUSE_ID: patient_id(facts.finess(), t.centre_code)})
        life = {
            "birth_start": t.birth_start,
            "death_date": v("death_date"),
            "last_news_date": v("last_news_date"),
        }
        rules = life_rules(table, v, life.__getitem__, facts.created())
        return _checked_columns(table, _with_final_failure(t, rules))

    patients = _patient_reference()
    t = t.left_join(patients, t.centre_code == patients.ref_centre_code)
    if table.references[0].parent == "patient":
        rules = _parent_rules(t, "ref")
    else:
        tumours = _tumour_reference()
        t = t.left_join(
            tumours,
            (t.centre_code == tumours.tref_centre_code)
            & (t[_value("tumour_number")] == tumours.tref_number),
        )
        if table.name == "treatment":
            events = _metastasis_reference()
            t = t.left_join(
                events,
                (t.centre_code == events.eref_centre_code)
                & (t[_value("tumour_number")] == events.eref_number),
            )
        rules = _parent_rules(t, "tref")
    v = lambda name: t[_value(name)]  # noqa: E731
    tumour = lambda name: t[  # noqa: E731
        "eref_first_metastasis_date" if name == "first_metastasis_date" else f"tref_{name}"
    ]
    rules += life_rules(table, v, lambda name: t[f"life_{name}"], facts.created())
    rules += tumour_rules(table, v, tumour, t.life_sex)
    return _checked_columns(table, _with_final_failure(t, rules))


def _checked_columns(table: Table, t: ir.Table) -> ir.Table:
    """The typed values under the columns' own names, and what the load needs.

    Only values are kept: the sent text of the few quarantined rows is joined back from
    the sent rows when they are written, rather than materialised for every row."""
    values = {c.name: t[_value(c.name)] for c in table.columns_in(Layer.PACKAGE)}
    kept = ["birth_start"] if table.name == "patient" else []
    kept += [WAREHOUSE_ID, "failure"]
    return t.select(**values, **{name: t[name] for name in kept})


def _parent_rules(t: ir.Table, prefix: str) -> list[Rule]:
    known, loaded = t[f"{prefix}_known"], t[f"{prefix}_ok"]
    return [
        ("unknown_parent", None, known.isnull()),
        ("parent_quarantined", None, ~loaded.fill_null(True)),
    ]


def _with_final_failure(t: ir.Table, rules: list[Rule]) -> ir.Table:
    return t.mutate(failure=t.failure.coalesce(_first_failing(rules))) if rules else t


def reason_and_column(checked: ir.Table) -> dict[str, ir.StringValue]:
    """The reason and the column at fault (NULL for a whole-row reason) of checked rows.

    Split from `failure` only where needed, for quarantined rows: splitting it on every
    row cost as much as the in-row rules."""
    parts = checked.failure.split(_SEPARATOR)
    return {"reason": parts[0], "column": parts[1].nullif("")}


def _patient_reference() -> ir.Table:
    p = checked_rows("patient")
    loaded = p.failure.isnull()
    return p.group_by(ref_centre_code=p.centre_code).agg(
        ref_known=p.source_row.count() > 0,
        # The warehouse id is computed once per patient, then carried to the records.
        **{WAREHOUSE_ID: p[WAREHOUSE_ID].max(where=loaded)},
        ref_ok=loaded.any(),
        life_birth_start=p.birth_start.max(where=loaded),
        life_death_date=p.death_date.max(where=loaded),
        life_last_news_date=p.last_news_date.max(where=loaded),
        life_sex=p.sex.max(where=loaded),
    )


def _tumour_reference() -> ir.Table:
    tu = checked_rows("tumour")
    loaded = tu.failure.isnull()
    return tu.group_by(tref_centre_code=tu.centre_code, tref_number=tu.tumour_number).agg(
        tref_known=tu.source_row.count() > 0,
        tref_ok=loaded.any(),
        tref_diagnosis_date=tu.diagnosis_date.max(where=loaded),
        tref_metastatic_at_diagnosis=tu.metastatic_at_diagnosis.any(where=loaded),
    )


def _metastasis_reference() -> ir.Table:
    ev = checked_rows("tumour_event")
    metastatic = ev.failure.isnull() & ev.event_kind.isin(_METASTATIC_EVENTS)
    return (
        ev.filter(metastatic)
        .group_by(eref_centre_code=ev.centre_code, eref_number=ev.tumour_number)
        .agg(eref_first_metastasis_date=ev.event_date.min())
    )
