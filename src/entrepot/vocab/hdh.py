"""Schemas of the SNDS tables, as the Health Data Hub publishes them (Table Schema JSON).

The files in ``data/snds/schemas`` are unmodified copies from the ``schema-snds`` project
(MPL-2.0, see ``data/snds/README.md``). They name every column a table may have, its type,
its length and the nomenclature of its codes. Per-year PMSI tables are named with ``aa``
for the year (``T_MCOaaB``).

>>> hdh_table("IR_BEN_R").fields["BEN_SEX_COD"].type
'integer'
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

_FOLDER = ("data", "snds", "schemas")


@dataclass(frozen=True)
class HdhField:
    """One column of an SNDS table."""

    name: str
    #: Table Schema type: string, integer, number, boolean, date, datetime, year, yearmonth.
    type: str
    #: Maximum number of characters of a string or digits of an integer; None when the
    #: schema gives none, or gives a precision ("4,2") rather than a length.
    length: int | None
    #: strftime-like format of a date (``%d%m%Y``, ``%m``), None for the default.
    format: str | None
    #: Name of the SNDS nomenclature of the codes (``IR_SEX_V``), None if there is none.
    nomenclature: str | None
    description: str


@dataclass(frozen=True)
class HdhTable:
    name: str
    title: str
    fields: Mapping[str, HdhField]
    primary_key: tuple[str, ...]


def _length(value: object) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _field(data: dict) -> HdhField:
    fmt = data.get("format")
    nomenclature = data.get("nomenclature")
    return HdhField(
        name=data["name"],
        type=data.get("type", "string"),
        length=_length(data.get("length")),
        format=None if fmt in (None, "", "default") else fmt,
        nomenclature=None if nomenclature in (None, "", "-") else nomenclature.split(":")[0],
        description=(data.get("description") or "").strip(),
    )


def schema_names() -> tuple[str, ...]:
    """Names of the tables whose schema ships with entrepot."""
    folder = resources.files("entrepot.vocab").joinpath(*_FOLDER)
    return tuple(sorted(p.name.removesuffix(".json") for p in folder.iterdir() if p.is_file()))


@cache
def hdh_table(name: str) -> HdhTable:
    """The HDH schema of table ``name``; KeyError naming the known tables otherwise."""
    if name not in schema_names():
        known = ", ".join(schema_names())
        raise KeyError(f"no HDH schema for {name!r}; known: {known}")
    path = resources.files("entrepot.vocab").joinpath(*_FOLDER, f"{name}.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    key = data.get("primaryKey") or ()
    return HdhTable(
        name=data["name"],
        title=data.get("title", ""),
        fields=MappingProxyType({f["name"]: _field(f) for f in data["fields"]}),
        primary_key=(key,) if isinstance(key, str) else tuple(key),
    )
