"""Files of a synthetic network: each centre's exports, and the ground truth kept aside.

Each centre's CSV files stay open for the whole run and grow chunk by chunk. The writer
counts physical lines per file (header = line 1; values never hold a line break), so the
ground truth of every fault names the exact line a reader will find it on.
"""

from __future__ import annotations

import csv
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from entrepot.model import CLINICAL_TABLES, IDENTITY, TABLES, Layer
from entrepot.synth.centres import Centre
from entrepot.synth.chunk import Chunk
from entrepot.synth.faults import Faults, inject
from entrepot.synth.formatting import format_table
from entrepot.synth.sampling import NEVER

#: Written in this order; a centre's folder holds one CSV per table.
TABLE_NAMES: tuple[str, ...] = (IDENTITY.name, *(t.name for t in CLINICAL_TABLES))
CENTRE_COLUMNS = (
    "finess",
    "name",
    "category",
    "city",
    "departement",
    "encoding",
    "separator",
    "date_style",
)
FAULT_COLUMNS = ("finess", "table", "line", "fault", "column")
_BUFFER = 1 << 20


class NetworkWriter:
    """Writes chunks into `out`; use as a context manager so that every file is closed."""

    def __init__(self, out: Path, centres: list[Centre]) -> None:
        self.out = out
        self.centres = centres
        self._stack = ExitStack()
        self._writers: dict[tuple[int, str], Any] = {}
        self._lines = np.ones((len(centres), len(TABLE_NAMES)), dtype=np.int64)
        self.rows_written: dict[str, int] = dict.fromkeys(TABLE_NAMES, 0)
        self.faults_written: dict[str, int] = {}
        self._truth: pq.ParquetWriter | None = None

    def __enter__(self) -> NetworkWriter:
        self.out.mkdir(parents=True, exist_ok=True)
        (self.out / "ground_truth").mkdir(exist_ok=True)
        self._write_centres()
        for k, centre in enumerate(self.centres):
            folder = self.out / centre.finess
            folder.mkdir(exist_ok=True)
            for table in TABLE_NAMES:
                handle = self._open(folder / f"{table}.csv", centre.style.encoding)
                writer = csv.writer(handle, delimiter=centre.style.separator, lineterminator="\n")
                writer.writerow(_header(table))
                self._writers[(k, table)] = writer
        handle = self._open(self.out / "ground_truth" / "faults.csv", "utf-8")
        self._faults = csv.writer(handle, lineterminator="\n")
        self._faults.writerow(FAULT_COLUMNS)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._truth is not None:
            self._truth.close()
        self._stack.close()

    def _open(self, path: Path, encoding: str) -> IO[str]:
        # errors="strict": a character the centre's encoding cannot hold is a generator bug.
        return self._stack.enter_context(
            path.open("w", encoding=encoding, errors="strict", newline="", buffering=_BUFFER)
        )

    def _write_centres(self) -> None:
        with (self.out / "centres.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CENTRE_COLUMNS)
            for c in self.centres:
                writer.writerow(
                    (
                        c.finess,
                        c.name,
                        c.category,
                        c.city,
                        c.departement,
                        c.style.encoding,
                        c.style.separator,
                        c.style.date_style,
                    )
                )
        with (self.out / "ground_truth" / "centre_sites.csv").open(
            "w", encoding="utf-8", newline=""
        ) as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(("finess", "site_finess"))
            for c in self.centres:
                writer.writerows((c.finess, site) for site in (c.finess, *c.sites))

    def write(self, chunk: Chunk, fault_rate: float, rng: np.random.Generator) -> None:
        """Append a chunk: format each centre's slice in its style, fault it, write it."""
        for t, table in enumerate(TABLE_NAMES):
            typed = chunk.tables[table]
            bounds = np.searchsorted(typed["_centre"], np.arange(len(self.centres) + 1))
            for k, centre in enumerate(self.centres):
                a, b = bounds[k], bounds[k + 1]
                if a == b:
                    continue
                part = {name: values[a:b] for name, values in typed.items()}
                cells = format_table(table, part, centre.style, rng)
                faults = inject(table, cells, part, centre.style, fault_rate, rng)
                self._write_rows(k, t, table, cells, faults)
        self._write_truth(chunk.truth)

    def _write_rows(
        self, k: int, t: int, table: str, cells: list[np.ndarray], faults: Faults
    ) -> None:
        rows = list(zip(*(column.tolist() for column in cells), strict=True))
        first_line = self._lines[k, t] + 1
        out: list[tuple[str, ...]] = []
        done = 0
        finess = self.centres[k].finess
        for i in np.flatnonzero(faults.kind != "").tolist():
            out.extend(rows[done:i])
            line = first_line + len(out)
            kind = faults.kind[i]
            if kind == "truncated_line":
                out.append(rows[i][: faults.keep_fields[i]])
            elif kind == "duplicate_row":
                out.extend((rows[i], rows[i]))
                line += 1
            else:
                out.append(rows[i])
            self._faults.writerow((finess, table, line, kind, faults.column[i]))
            self.faults_written[kind] = self.faults_written.get(kind, 0) + 1
            done = i + 1
        out.extend(rows[done:])
        self._writers[(k, table)].writerows(out)
        self._lines[k, t] += len(out)
        self.rows_written[table] += len(out)

    def _write_truth(self, truth: dict[str, np.ndarray]) -> None:
        table = pa.table({name: _arrow(name, values) for name, values in truth.items()})
        if self._truth is None:
            self._truth = pq.ParquetWriter(
                self.out / "ground_truth" / "patients.parquet", table.schema
            )
        self._truth.write_table(table)


def _header(table: str) -> tuple[str, ...]:
    return TABLES[table].column_names(Layer.EXPORT)


def _arrow(name: str, values: np.ndarray) -> pa.Array:
    if name.endswith("_date"):
        days = np.asarray(values, dtype=np.int64)
        return pa.array(days.astype("int32"), type=pa.int32(), mask=days >= NEVER).cast(pa.date32())
    if values.dtype == object:
        return pa.array(values.tolist(), type=pa.string())
    return pa.array(values)
