"""The data dictionary, generated from the declarations: Markdown for people, JSON for programs.

`docs/data-dictionary.md` and `docs/data-dictionary.json` are these renderings checked in;
a test fails when they no longer match the model.
"""

from __future__ import annotations

import json

from entrepot.model.claims import CLAIMS_TABLES
from entrepot.model.linkage import SNDS_LINK
from entrepot.model.schema import Column, Layer, Table
from entrepot.model.tables import IDENTITY, SCHEMA_VERSION, TABLES
from entrepot.model.value_sets import MEASUREMENT_UNITS, VALUE_SETS


def _layers(column: Column, table: Table) -> list[str]:
    return [layer.value for layer in Layer if column in table.columns_in(layer)]


def _column_dict(column: Column, table: Table) -> dict:
    return {
        "name": column.name,
        "type": column.type.value,
        "multiple": column.multiple,
        "required": column.required,
        "vocabulary": column.vocabulary,
        "unit": column.unit,
        "minimum": column.minimum,
        "maximum": column.maximum,
        "origin": column.origin.value,
        "layers": _layers(column, table),
        "description": column.description,
        "label_fr": column.label_fr,
    }


def as_dict() -> dict:
    """The whole schema as plain data (the machine-readable dictionary)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tables": [
            {
                "name": t.name,
                "description": t.description,
                "label_fr": t.label_fr,
                "identifying": t.identifying,
                "key": list(t.key),
                "package_key": list(t.package_key),
                "references": [
                    {"parent": r.parent, "columns": list(r.columns)} for r in t.references
                ],
                "columns": [_column_dict(c, t) for c in t.columns],
                "notes": list(t.notes),
            }
            for t in (*TABLES.values(), *CLAIMS_TABLES, SNDS_LINK)
        ],
        "value_sets": {
            name: {code: {"en": en, "fr": fr} for code, (en, fr) in vs.values.items()}
            for name, vs in VALUE_SETS.items()
        },
        "measurement_units": {
            kind: {"unit": unit, "minimum": low, "maximum": high}
            for kind, (unit, low, high) in MEASUREMENT_UNITS.items()
        },
    }


def render_json() -> str:
    return json.dumps(as_dict(), indent=2, ensure_ascii=False) + "\n"


def _type_text(column: Column) -> str:
    text = column.type.value
    return f"list of {text}" if column.multiple else text


def _constraint_text(column: Column) -> str:
    parts = []
    if column.vocabulary:
        parts.append(f"`{column.vocabulary}`")
    if column.unit:
        parts.append(column.unit)
    if column.minimum is not None or column.maximum is not None:
        low = "" if column.minimum is None else f"{column.minimum:g}"
        high = "" if column.maximum is None else f"{column.maximum:g}"
        parts.append(f"{low}–{high}")
    return ", ".join(parts)


def _table_markdown(table: Table) -> list[str]:
    lines = [f"## `{table.name}` — {table.label_fr}", "", table.description, ""]
    if table.identifying:
        lines += [
            "**Identifying: exists only in the hospital export and inside the edge kit.**",
            "",
        ]
    else:
        lines += [f"Key: `{', '.join(table.key)}`.", ""]
    lines += [*(f"Note: {note}" for note in table.notes), *([""] if table.notes else [])]
    lines += [
        "| column | type | required | vocabulary / unit / range | origin | description | libellé |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in table.columns:
        lines.append(
            f"| `{c.name}` | {_type_text(c)} | {'yes' if c.required else 'no'} | "
            f"{_constraint_text(c)} | {c.origin.value} | {c.description} | {c.label_fr} |"
        )
    return [*lines, ""]


def render_markdown() -> str:
    """The human data dictionary, in English with the French labels."""
    lines = [
        "# Data dictionary",
        "",
        "Generated from `entrepot.model` by `entrepot dictionary`; do not edit by hand.",
        f"Schema version {SCHEMA_VERSION}.",
        "",
        "Origins: `hospital_id` — in the hospital export only, replaced by the edge kit; "
        "`care` — exported by the hospital, sent as exported, validated at ingestion; "
        "`edge` — computed inside the hospital by the edge kit; "
        "`warehouse` — assigned at ingestion; "
        "`snds` — read from a national SNDS extract by `entrepot snds import`.",
        "",
    ]
    for table in TABLES.values():
        if table is not IDENTITY:
            lines += _table_markdown(table)
    lines += _table_markdown(IDENTITY)
    lines += [
        "## SNDS claims tables",
        "",
        "Written by `entrepot snds import` from a national SNDS extract (decision 0004), in "
        "the warehouse only. Every table follows one person, `beneficiary_id`.",
        "",
    ]
    for table in CLAIMS_TABLES:
        lines += _table_markdown(table)
    lines += [
        "## SNDS link table",
        "",
        "Written by `entrepot link`; a release carries it with the claims of the linked "
        "beneficiaries only.",
        "",
        *_table_markdown(SNDS_LINK),
    ]
    lines += ["## Value sets", ""]
    for name, vs in VALUE_SETS.items():
        lines += [f"### `{name}`", "", "| code | label | libellé |", "|---|---|---|"]
        lines += [f"| `{code}` | {en} | {fr} |" for code, (en, fr) in vs.values.items()]
        lines.append("")
    lines += ["## Measurement units", "", "| kind | unit | plausible range |", "|---|---|---|"]
    lines += [
        f"| `{kind}` | {unit} | {low:g}–{high:g} |"
        for kind, (unit, low, high) in MEASUREMENT_UNITS.items()
    ]
    return "\n".join(lines) + "\n"
