"""Find synthetic identities (names, NIR, exact birth dates, addresses) in stored files.

Reads the identity tables of the synthetic hospital exports, then looks for their values in
every file under a folder: cell by cell in Parquet files, token by token elsewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

_DATE_TOKEN = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}")
_NUMBER_TOKEN = re.compile(r"\d{13,15}")


@dataclass
class Identities:
    full_names: set[str] = field(default_factory=set)
    nirs: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)

    def all_values(self) -> set[str]:
        return self.full_names | self.nirs | self.birth_dates | self.addresses


def _iso(text: str) -> str:
    if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        day, month, year = text.split("/")
        return f"{year}-{month}-{day}"
    return text


def read_identities(exports: Path) -> Identities:
    """Every identity of every centre export under `exports`."""
    found = Identities()
    for path in sorted(exports.glob("*/identity.csv")):
        raw = path.read_bytes()
        text = raw.decode("utf-8") if _is_utf8(raw) else raw.decode("cp1252")
        separator = ";" if text.split("\n", 1)[0].count(";") else ","
        for row in csv.DictReader(text.splitlines(), delimiter=separator):
            found.full_names.add(f"{row['first_name']} {row['last_name']}")
            if row["nir"]:
                found.nirs.add(row["nir"].replace(" ", ""))
                found.nirs.add(row["nir"].replace(" ", "")[:13])
            birth = _iso(row["birth_date"])
            found.birth_dates |= {birth, dt.date.fromisoformat(birth).strftime("%d/%m/%Y")}
            if row["address"]:
                found.addresses.add(row["address"])
    return found


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _parquet_hits(path: Path, identities: Identities) -> list[str]:
    values = pa.array(sorted(identities.all_values()), pa.string())
    hits = []
    for batch in pq.ParquetFile(path).iter_batches():
        for name in batch.schema.names:
            column = batch.column(name)
            if pa.types.is_list(column.type):
                column = pc.list_flatten(column)
            if not (pa.types.is_string(column.type) or pa.types.is_date(column.type)):
                continue
            text = column.cast(pa.string())
            if pc.any(pc.is_in(text, value_set=values)).as_py():
                hits.append(f"{path}: column {name}")
    return hits


def _text_hits(path: Path, identities: Identities) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    tokens = set(_DATE_TOKEN.findall(text)) & identities.birth_dates
    tokens |= set(_NUMBER_TOKEN.findall(text)) & identities.nirs
    # Names and addresses are looked for as substrings: slow, but stored text files are small.
    tokens |= {v for v in identities.full_names | identities.addresses if v in text}
    return [f"{path}: {len(tokens)} identity value(s)"] if tokens else []


def scan_for_identities(folder: Path, identities: Identities) -> list[str]:
    """Where identities appear under `folder` (file and column, never the value itself)."""
    hits: list[str] = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix == ".parquet":
            hits += _parquet_hits(path, identities)
        else:
            hits += _text_hits(path, identities)
    return hits
