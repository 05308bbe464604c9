"""The files of an extract: one `;` CSV per table (per year for the PMSI), and the ground
truth kept aside in `ground_truth/`.

Every file is opened once, headed with its column names (unquoted, as HDH deliveries are),
and grows chunk by chunk through Arrow's CSV writer: no Python loop per row. No value the
generator writes holds a `;`, a quote or a line break, so nothing needs quoting.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import IO

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from entrepot.synth.snds.layout import (
    COLUMNS,
    PMSI_TABLES,
    PMSI_YEARS,
    TTP_COLUMNS,
    TTP_FILE,
    file_stem,
    schema,
)

_S, _I, _B = pa.string(), pa.int64(), pa.bool_()
#: Ground-truth CSV files (`;`, UTF-8) and their columns.
TRUTH_CSV: dict[str, tuple[tuple[str, pa.DataType], ...]] = {
    "linkage": (("finess", _S), ("ipp", _S), ("BEN_IDT_ANO", _S)),
    "discrepancies": (
        ("kind", _S),
        ("finess", _S),
        ("ipp", _S),
        ("BEN_IDT_ANO", _S),
        ("detail", _S),
    ),
    "pmsi_anomalies": (
        ("ETA_NUM", _S),
        ("RSA_NUM", _I),
        ("year", _I),
        ("anomaly", _S),
        ("detail", _S),
    ),
}
#: Ground-truth Parquet files (large ones) and their columns.
TRUTH_PARQUET: dict[str, tuple[tuple[str, pa.DataType], ...]] = {
    "stays": (
        ("finess", _S),
        ("ipp", _S),
        ("nda", _S),
        ("in_pmsi", _B),
        ("ETA_NUM", _S),
        ("RSA_NUM", _I),
        ("year", _I),
        ("shift_days", _I),
        ("anomaly", _S),
    ),
    "beneficiaries": (
        ("BEN_IDT_ANO", _S),
        ("role", _S),
        ("finess", _S),
        ("ipp", _S),
        ("sex", _S),
        ("birth_date", pa.date32()),
        ("departement", _S),
        ("death_date", pa.date32()),
        ("cause_of_death", _S),
        ("has_token", _B),
    ),
}


class _CsvFile:
    def __init__(self, handle: IO[bytes], columns: tuple[tuple[str, pa.DataType], ...]) -> None:
        self.schema = schema(columns)
        handle.write((";".join(self.schema.names) + "\n").encode())
        options = pacsv.WriteOptions(include_header=False, delimiter=";", quoting_style="none")
        self.writer = pacsv.CSVWriter(handle, self.schema, write_options=options)
        self.rows = 0

    def write(self, columns: dict[str, pa.Array]) -> None:
        table = pa.table({f.name: columns[f.name] for f in self.schema}, schema=self.schema)
        if table.num_rows:
            self.writer.write_table(table)
            self.rows += table.num_rows


class ExtractWriter:
    """Writes an extract into `out`; a context manager, so that every file gets closed."""

    def __init__(self, out: Path, with_ttp: bool) -> None:
        self.out = Path(out)
        self.with_ttp = with_ttp
        self._stack = ExitStack()
        self._files: dict[str, _CsvFile] = {}
        self._truth_csv: dict[str, _CsvFile] = {}
        self._truth_parquet: dict[str, pq.ParquetWriter] = {}

    def __enter__(self) -> ExtractWriter:
        truth = self.out / "ground_truth"
        truth.mkdir(parents=True, exist_ok=True)
        for table, columns in COLUMNS.items():
            years = PMSI_YEARS if table in PMSI_TABLES else (None,)
            for year in years:
                stem = file_stem(table, year)
                self._files[stem] = self._csv(self.out / f"{stem}.csv", columns)
        if self.with_ttp:
            self._files[TTP_FILE] = self._csv(self.out / f"{TTP_FILE}.csv", TTP_COLUMNS)
        for name, columns in TRUTH_CSV.items():
            self._truth_csv[name] = self._csv(truth / f"{name}.csv", columns)
        for name, columns in TRUTH_PARQUET.items():
            self._truth_parquet[name] = self._stack.enter_context(
                pq.ParquetWriter(truth / f"{name}.parquet", schema(columns))
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def _csv(self, path: Path, columns: tuple[tuple[str, pa.DataType], ...]) -> _CsvFile:
        handle = self._stack.enter_context(path.open("wb", buffering=1 << 20))
        file = _CsvFile(handle, columns)
        self._stack.callback(file.writer.close)
        return file

    def write(self, table: str, columns: dict[str, pa.Array], year: int | None = None) -> None:
        """Append rows to a table of the extract (a PMSI table needs its year)."""
        self._files[file_stem(table, year)].write(columns)

    def write_truth(self, name: str, columns: dict[str, pa.Array]) -> None:
        """Append rows to a ground-truth file."""
        if name in self._truth_csv:
            self._truth_csv[name].write(columns)
            return
        writer = self._truth_parquet[name]
        table = pa.table({f.name: columns[f.name] for f in writer.schema}, schema=writer.schema)
        if table.num_rows:
            writer.write_table(table)

    @property
    def rows(self) -> dict[str, int]:
        """Data rows written per extract file (file stem → rows)."""
        return {stem: file.rows for stem, file in self._files.items()}
