"""Plausibility rules, table by table, as Ibis predicates that are true when a row fails.

Each rule is `(reason, column, fails)`. `row_rules` look at one row; `linked_rules` also see
the row's patient, tumour and metastatic history, joined in by `checks`. A NULL
predicate (some value missing) never fails a row: missing values have their own rule.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from entrepot.model import MEASUREMENT_UNITS, ColumnType, Table

Rule = tuple[str, str | None, ir.BooleanValue]
Value = Callable[[str], ir.Value]

#: Codes that may describe each cancer type (ICD-10 diagnosis, ICD-O-3 topography).
_SITE_PREFIXES = {
    "breast": (("C50", "D05"), ("C50",)),
    "ovary": (("C56", "C57", "C48"), ("C56", "C57", "C48")),
    "lung": (("C34", "C33"), ("C34", "C33")),
}


def _starts_with_any(value: ir.StringValue, prefixes: tuple[str, ...]) -> ir.BooleanValue:
    result = ibis.literal(False)
    for prefix in prefixes:
        result = result | value.startswith(prefix)
    return result


def _fails(predicate: ir.BooleanValue) -> ir.BooleanValue:
    return predicate.fill_null(False)


def _patient_rules(v: Value) -> list[Rule]:
    deceased, death = v("vital_status") == "deceased", v("death_date")
    return [
        (
            "death_inconsistent",
            "death_date",
            _fails(
                (deceased & death.isnull()) | ((v("vital_status") == "alive") & death.notnull())
            ),
        )
    ]


def _tumour_rules(v: Value) -> list[Rule]:
    cancer, icd10, topography = v("cancer_type"), v("icd10"), v("topography")
    wrong_icd10 = ibis.literal(False)
    wrong_site = ibis.literal(False)
    for cancer_type, (icd_prefixes, site_prefixes) in _SITE_PREFIXES.items():
        wrong_icd10 = wrong_icd10 | (
            (cancer == cancer_type) & ~_starts_with_any(icd10, icd_prefixes)
        )
        wrong_site = wrong_site | (
            (cancer == cancer_type) & ~_starts_with_any(topography, site_prefixes)
        )
    metastatic = v("metastatic_at_diagnosis")
    m1 = v("clinical_m").startswith("M1")
    stage_iv = v("stage_group").startswith("IV").fill_null(False) | v("figo_stage").startswith(
        "IV"
    ).fill_null(False)
    stage_not_iv = v("stage_group").notnull() & ~v("stage_group").startswith("IV")
    figo_not_iv = v("figo_stage").notnull() & ~v("figo_stage").startswith("IV")
    return [
        ("cancer_type_inconsistent", "icd10", _fails(wrong_icd10)),
        ("cancer_type_inconsistent", "topography", _fails(wrong_site)),
        ("stage_inconsistent_with_m", "clinical_m", _fails(m1 != metastatic)),
        (
            "stage_inconsistent_with_m",
            "stage_group",
            _fails((metastatic & (stage_not_iv | figo_not_iv)) | (~metastatic & stage_iv)),
        ),
        (
            "stage_inconsistent_with_m",
            "metastatic_sites",
            _fails(~metastatic & v("metastatic_sites").notnull()),
        ),
    ]


def _treatment_rules(v: Value) -> list[Rule]:
    in_metastatic_setting = v("setting") == "metastatic"
    return [
        ("end_before_start", "end_date", _fails(v("end_date") < v("start_date"))),
        (
            "line_outside_metastatic_setting",
            "line_number",
            _fails(in_metastatic_setting != v("line_number").notnull()),
        ),
    ]


def _measurement_rules(v: Value) -> list[Rule]:
    kind, value = v("kind"), v("value")
    declared_unit = ibis.cases(
        *[(kind == k, ibis.literal(unit)) for k, (unit, _, _) in MEASUREMENT_UNITS.items()],
        else_=ibis.null("string"),
    )
    outside = ibis.literal(False)
    for k, (_, low, high) in MEASUREMENT_UNITS.items():
        outside = outside | ((kind == k) & ((value < low) | (value > high)))
    return [
        ("unit_mismatch", "unit", _fails(v("unit") != declared_unit)),
        ("out_of_range", "value", _fails(outside)),
    ]


def _stay_rules(v: Value) -> list[Rule]:
    admission, discharge, stay_type = v("admission_date"), v("discharge_date"), v("stay_type")
    return [
        ("end_before_start", "discharge_date", _fails(discharge < admission)),
        (
            "stay_dates_inconsistent",
            "discharge_date",
            _fails(
                ((stay_type == "day_case") & (discharge != admission))
                | ((stay_type == "inpatient") & (discharge <= admission))
            ),
        ),
    ]


_ROW_RULES: dict[str, Callable[[Value], list[Rule]]] = {
    "patient": _patient_rules,
    "tumour": _tumour_rules,
    "treatment": _treatment_rules,
    "measurement": _measurement_rules,
    "centre_stay": _stay_rules,
}


def row_rules(table: Table, v: Value) -> list[Rule]:
    """Rules needing only the row itself."""
    rule = _ROW_RULES.get(table.name)
    return rule(v) if rule else []


def life_rules(table: Table, v: Value, life: Value, created: ir.DateValue) -> list[Rule]:
    """Every date of the row must fall within the patient's life and before the package.

    `life` gives `birth_start` (first day of the birth month), `death_date`, `last_news_date`.
    """
    rules: list[Rule] = []
    for name in (c.name for c in table.columns if c.type is ColumnType.DATE):
        date = v(name)
        rules += [
            ("date_before_birth", name, _fails(date < life("birth_start"))),
            ("date_after_death", name, _fails(date > life("death_date"))),
            ("date_after_last_news", name, _fails(date > life("last_news_date"))),
            ("date_in_future", name, _fails(date > created)),
        ]
    return rules


def tumour_rules(table: Table, v: Value, tumour: Value, sex: ir.StringValue) -> list[Rule]:
    """Rules relating a row to its tumour (diagnosis date, metastatic history)."""
    if table.name == "tumour":
        return [
            (
                "sex_inconsistent",
                "cancer_type",
                _fails((v("cancer_type") == "ovary") & (sex == "M")),
            )
        ]
    if table.name == "treatment":
        start = v("start_date")
        metastatic_known = tumour("metastatic_at_diagnosis").fill_null(False) | (
            tumour("first_metastasis_date") <= start
        ).fill_null(False)
        return [
            ("treatment_before_diagnosis", "start_date", _fails(start < tumour("diagnosis_date"))),
            (
                "metastatic_line_without_metastasis",
                "setting",
                _fails((v("setting") == "metastatic") & ~metastatic_known),
            ),
        ]
    if table.name == "tumour_event":
        return [
            (
                "event_before_diagnosis",
                "event_date",
                _fails(v("event_date") < tumour("diagnosis_date")),
            )
        ]
    return []
