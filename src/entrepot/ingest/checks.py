"""Check every row of a package, table by table, inside the engine.

Each table goes through two stages, composed into one expression and materialised once:

1. *typed*: sent text (cleaned and coded in Arrow, duplicates marked) → typed values;
   missing, unreadable, out-of-range values, in-row plausibility and duplicates;
2. *checked*: the row joined to its patient (dates within life), its parent (present and
   loaded, else the row follows it into quarantine) and its tumour's history.

A row's reason is the first failing rule in `reasons.PRIORITY` order; NULL means loaded.
Parents are checked before children, so a child sees whether its parent was loaded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import ibis
import ibis.expr.types as ir

from entrepot.ingest.codes import clean_and_code, code_column
from entrepot.ingest.duplicates import FIRST_COPY, VERSIONS_OF_KEY, mark_duplicates
from entrepot.ingest.load import patient_id
from entrepot.ingest.reasons import PRIORITY
from entrepot.ingest.rules import Rule, life_rules, row_rules, tumour_rules
from entrepot.ingest.values import UNREADABLE_REASON, typed
from entrepot.model import TABLES, Column, Layer, Origin, Table

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
#: Columns joined in from parents for the checks, dropped from the checked rows.
_REFERENCE_PREFIXES = ("ref_", "life_", "tref_", "eref_")


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


class PackageChecks:
    """The checked tables of one package, held in an engine connection."""

    def __init__(
        self, con: ibis.BaseBackend, package_dir: Path, finess: str, created: dt.date
    ) -> None:
        self.con = con
        self.package_dir = package_dir
        self.finess = finess
        self.created = ibis.literal(created, "date")
        self.checked: dict[str, ir.Table] = {}

    def run(self, on_table_done: Callable[[str], None] | None = None) -> dict[str, ir.Table]:
        """Check every table; return the checked tables (columns `reason`, `column`)."""
        for name in CHECK_ORDER:
            table = TABLES[name]
            checked = self._linked(table, self._typed(table))
            self.checked[name] = self._materialise(f"checked_{name}", checked)
            if on_table_done:
                on_table_done(name)
        return self.checked

    def _materialise(self, name: str, expr: ir.Table) -> ir.Table:
        return self.con.create_table(name, expr, temp=True)

    # Stage 1 -----------------------------------------------------------------------------

    def _typed(self, table: Table) -> ir.Table:
        columns = table.columns_in(Layer.PACKAGE)
        sent = clean_and_code(table, self.package_dir / f"{table.name}.parquet")
        content = [c.name for c in columns if c.name != "source_row"]
        t = ibis.memtable(mark_duplicates(self.con, sent, list(table.package_key), content))
        t = t.mutate(**{_value(c.name): self._typed_value(c, t) for c in columns})
        rules = [rule for c in columns for rule in _column_rules(c, t)]
        rules += row_rules(table, lambda name: t[_value(name)])
        if table.name == "patient":
            t = t.mutate(birth_start=self._birth_start(t))
        rules += [
            ("duplicate_row", None, ~t[FIRST_COPY].fill_null(True)),
            ("conflicting_duplicate", None, t[VERSIONS_OF_KEY].fill_null(1) > 1),
        ]
        return t.mutate(failure=_first_failing(rules)).drop(FIRST_COPY, VERSIONS_OF_KEY)

    @staticmethod
    def _typed_value(column: Column, t: ir.Table) -> ir.Value:
        if column.vocabulary:
            return t[code_column(column.name)]
        if column.origin is Origin.CARE:
            return typed(column, t[column.name])
        return t[column.name]

    @staticmethod
    def _birth_start(t: ir.Table) -> ir.DateValue:
        # Built as text then cast, so an impossible month gives NULL instead of an error.
        year, month = t[_value("birth_year")], t[_value("birth_month")]
        text = year.cast("string") + "-" + month.cast("string").lpad(2, "0") + "-01"
        return text.try_cast("date")

    # Stage 2 -----------------------------------------------------------------------------

    def _linked(self, table: Table, t: ir.Table) -> ir.Table:
        v = lambda name: t[_value(name)]  # noqa: E731
        if table.name == "patient":
            t = t.mutate(**{WAREHOUSE_ID: patient_id(self.finess, t.centre_code)})
            life = {
                "birth_start": t.birth_start,
                "death_date": v("death_date"),
                "last_news_date": v("last_news_date"),
            }
            rules = life_rules(table, v, life.__getitem__, self.created)
            return self._with_final_reason(t, rules)

        patients = self._patient_reference()
        t = t.left_join(patients, t.centre_code == patients.ref_centre_code)
        if table.references[0].parent == "patient":
            rules = self._parent_rules(t, "ref")
        else:
            tumours = self._tumour_reference()
            t = t.left_join(
                tumours,
                (t.centre_code == tumours.tref_centre_code)
                & (t[_value("tumour_number")] == tumours.tref_number),
            )
            if table.name == "treatment":
                events = self._metastasis_reference()
                t = t.left_join(
                    events,
                    (t.centre_code == events.eref_centre_code)
                    & (t[_value("tumour_number")] == events.eref_number),
                )
            rules = self._parent_rules(t, "tref")
        v = lambda name: t[_value(name)]  # noqa: E731
        tumour = lambda name: t[  # noqa: E731
            "eref_first_metastasis_date" if name == "first_metastasis_date" else f"tref_{name}"
        ]
        rules += life_rules(table, v, lambda name: t[f"life_{name}"], self.created)
        rules += tumour_rules(table, v, tumour, t.life_sex)
        linked = self._with_final_reason(t, rules)
        return linked.drop(*[c for c in linked.columns if c.startswith(_REFERENCE_PREFIXES)])

    @staticmethod
    def _parent_rules(t: ir.Table, prefix: str) -> list[Rule]:
        known, loaded = t[f"{prefix}_known"], t[f"{prefix}_ok"]
        return [
            ("unknown_parent", None, known.isnull()),
            ("parent_quarantined", None, ~loaded.fill_null(True)),
        ]

    @staticmethod
    def _with_final_reason(t: ir.Table, rules: list[Rule]) -> ir.Table:
        failure = t.failure.coalesce(_first_failing(rules)) if rules else t.failure
        parts = failure.split(_SEPARATOR)
        return t.mutate(reason=parts[0], column=parts[1].nullif("")).drop("failure")

    def _patient_reference(self) -> ir.Table:
        p = self.checked["patient"]
        loaded = p.reason.isnull()
        return p.group_by(ref_centre_code=p.centre_code).agg(
            ref_known=p.source_row.count() > 0,
            # The warehouse id is computed once per patient, then carried to the records.
            **{WAREHOUSE_ID: p[WAREHOUSE_ID].max(where=loaded)},
            ref_ok=loaded.any(),
            life_birth_start=p.birth_start.max(where=loaded),
            life_death_date=p[_value("death_date")].max(where=loaded),
            life_last_news_date=p[_value("last_news_date")].max(where=loaded),
            life_sex=p[_value("sex")].max(where=loaded),
        )

    def _tumour_reference(self) -> ir.Table:
        tu = self.checked["tumour"]
        loaded = tu.reason.isnull()
        return tu.group_by(
            tref_centre_code=tu.centre_code, tref_number=tu[_value("tumour_number")]
        ).agg(
            tref_known=tu.source_row.count() > 0,
            tref_ok=loaded.any(),
            tref_diagnosis_date=tu[_value("diagnosis_date")].max(where=loaded),
            tref_metastatic_at_diagnosis=tu[_value("metastatic_at_diagnosis")].any(where=loaded),
        )

    def _metastasis_reference(self) -> ir.Table:
        ev = self.checked["tumour_event"]
        metastatic = ev.reason.isnull() & ev[_value("event_kind")].isin(_METASTATIC_EVENTS)
        return (
            ev.filter(metastatic)
            .group_by(eref_centre_code=ev.centre_code, eref_number=ev[_value("tumour_number")])
            .agg(eref_first_metastasis_date=ev[_value("event_date")].min())
        )
