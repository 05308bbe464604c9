"""Reading the hospital's CSV exports: encoding, separator, header, and where each row was.

The hospital's systems write the exports, often through a spreadsheet, so the reader
expects the usual accidents and handles each explicitly:

- encoding: UTF-8 (with or without BOM), otherwise Windows-1252 (Latin-1 if the file
  has bytes Windows-1252 leaves undefined). A file mixing UTF-8 and another encoding,
  or holding NUL bytes (UTF-16 "Unicode" text, binary), is refused with its first bad
  line: guessing would silently corrupt accented names and values.
- separator: `,` or `;`, read from the header line.
- header: exactly the export-layer columns of the table, in any order, names compared
  without case or surrounding spaces. An unknown column is refused rather than dropped
  or passed on, because it could be holding identifiers.
- rows with too few or too many fields are not fatal: each is recorded as a
  `MalformedLine` (where and how many fields, never its content) so the warehouse can
  quarantine it and account for it.
- values are kept as the exported text, an empty cell becoming null; typing happens at
  ingestion, where errors are reported back to the centre.

Every kept row carries the physical line it started on (the header is line 1), and the
reader checks at the end that header, rows, malformed and empty lines account for every
line of the file, so that nothing is lost silently.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from entrepot.edge.errors import EdgeError, lines_excerpt
from entrepot.model import Layer, Table

SEPARATORS = (",", ";")
_CHUNK_BYTES = 8 << 20
_BLOCK_BYTES = 16 << 20
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# A well-formed multi-byte UTF-8 sequence: evidence that some of a file is UTF-8. In real
# Windows-1252 text such a pair is an upper-case accented letter followed by a symbol
# ("É»"), rare enough to accept the risk of calling such a file mixed.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@dataclass(frozen=True)
class ExportFile:
    """One export file, inspected: how to read it and how many physical lines it has."""

    name: str
    path: Path
    encoding: str
    separator: str
    #: Column names in the order of the file's header (lower-cased, stripped).
    columns: tuple[str, ...]
    lines: int
    size: int


@dataclass(frozen=True)
class MalformedLine:
    """A record whose number of fields differs from the header's. Content never kept."""

    table: str
    line: int
    #: Physical lines the record spans (more than one if a quoted value holds line breaks).
    physical_lines: int
    fields_found: int
    fields_expected: int


@dataclass
class LineAccount:
    """What became of every physical line of a file; adds up to the file's line count."""

    rows: int = 0
    malformed: list[MalformedLine] = field(default_factory=list)
    #: Blank lines and lines of separators only: nothing to send, nothing lost.
    empty_lines: int = 0
    #: Extra physical lines taken by quoted values holding line breaks.
    continuation_lines: int = 0

    def total(self) -> int:
        malformed_lines = sum(m.physical_lines for m in self.malformed)
        return 1 + self.rows + self.empty_lines + self.continuation_lines + malformed_lines


def inspect_export_file(
    path: Path, table: Table, on_bytes: Callable[[int], None] | None = None
) -> ExportFile:
    """Detect encoding and separator, count lines and check the header of one export file.

    `on_bytes` is called with the number of bytes read so far, for progress display.
    """
    name = path.name
    if not path.is_file():
        raise EdgeError(
            f"file not found: the export must have one file per table; if the centre has no "
            f"{table.name} data, export a file holding only the header line",
            file=name,
        )
    facts = _ByteScan(name)
    facts.run(path, on_bytes)
    header_text = (facts.header or b"").decode(facts.encoding).strip()
    if not header_text:
        raise EdgeError(
            "the file is empty, or its first line is blank: the first line must be the "
            "header naming the columns",
            file=name,
            line=1,
        )
    separator = _separator(header_text, name)
    columns = tuple(
        column.strip().lower() for column in next(csv.reader([header_text], delimiter=separator))
    )
    _check_header(columns, table, name)
    return ExportFile(name, path, facts.encoding, separator, columns, facts.lines, facts.size)


class _ByteScan:
    """One pass over the raw bytes: line count, NUL bytes, and which encoding fits."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.size = 0
        self.lines = 0
        self.header: bytes | None = None
        self.first_non_utf8_line: int | None = None
        self.first_utf8_line: int | None = None
        self.cp1252 = True

    @property
    def encoding(self) -> str:
        if self.first_non_utf8_line is None:
            return "utf-8"
        return "cp1252" if self.cp1252 else "latin-1"

    def run(self, path: Path, on_bytes: Callable[[int], None] | None) -> None:
        with path.open("rb") as handle:
            if handle.read(2) in _UTF16_BOMS:
                raise EdgeError(
                    'the file is UTF-16 ("Unicode" text): save it as UTF-8, or Windows-1252',
                    file=self.name,
                    line=1,
                )
            handle.seek(0)
            carry = b""
            while chunk := handle.read(_CHUNK_BYTES):
                self.size += len(chunk)
                data = carry + chunk
                # Cut after a line feed: no character of UTF-8 or Windows-1252 spans it.
                cut = data.rfind(b"\n") + 1
                if cut:
                    self._part(data[:cut])
                carry = data[cut:]
                if on_bytes:
                    on_bytes(self.size)
            if carry:
                self._part(carry)
                self.lines += 1
        if self.first_non_utf8_line is not None and self.first_utf8_line is not None:
            raise EdgeError(
                f"the file mixes two encodings: this line is not UTF-8 while line "
                f"{self.first_utf8_line} is. Re-export the whole file in one encoding "
                "(UTF-8 preferably)",
                file=self.name,
                line=self.first_non_utf8_line,
            )

    def _line_at(self, part: bytes, offset: int) -> int:
        return self.lines + part.count(b"\n", 0, offset) + 1

    def _part(self, part: bytes) -> None:
        """Check complete lines; `self.lines` counts the lines before `part`."""
        if self.header is None:
            self.header = part.split(b"\n", 1)[0].removeprefix(_UTF8_BOM)
        nul = part.find(b"\x00")
        if nul >= 0:
            raise EdgeError(
                'the file holds NUL bytes: it looks like UTF-16 ("Unicode" text) or a binary '
                "file. Save it as UTF-8 (or Windows-1252) CSV text",
                file=self.name,
                line=self._line_at(part, nul),
            )
        if not part.isascii():
            self._check_encoding(part)
        self.lines += part.count(b"\n")

    def _check_encoding(self, part: bytes) -> None:
        try:
            part.decode("utf-8")
        except UnicodeDecodeError as error:
            if self.first_non_utf8_line is None:
                self.first_non_utf8_line = self._line_at(part, error.start)
            evidence = _UTF8_SEQUENCE.search(part)
            if self.cp1252:
                try:
                    part.decode("cp1252")
                except UnicodeDecodeError:
                    self.cp1252 = False
        else:
            evidence = _NON_ASCII.search(part)
        # A UTF-8 BOM counts as evidence too: it declares the file UTF-8.
        if evidence and self.first_utf8_line is None:
            self.first_utf8_line = self._line_at(part, evidence.start())


def _separator(header: str, file: str) -> str:
    counts = {separator: header.count(separator) for separator in SEPARATORS}
    best = max(SEPARATORS, key=counts.__getitem__)
    if counts[best] == 0:
        raise EdgeError(
            "cannot find the separator: the header must name the columns separated by ',' or ';'",
            file=file,
            line=1,
        )
    return best


def _check_header(columns: tuple[str, ...], table: Table, file: str) -> None:
    expected = table.column_names(Layer.EXPORT)
    # Only model names are ever quoted: a file without header has its first row read as
    # the header, and that row's values (a surname twice, say) must not reach a message.
    duplicated = sorted({c for c in columns if c in expected and columns.count(c) > 1})
    missing = [c for c in expected if c not in columns]
    extra = [c for c in columns if c not in expected]
    if duplicated:
        raise EdgeError(
            "the column appears more than once in the header: keep one",
            file=file,
            line=1,
            column=duplicated[0],
        )
    if missing:
        raise EdgeError(
            f"the header lacks column(s) {', '.join(missing)}: add them (an empty column is "
            f"fine when the centre does not record them). Expected: {', '.join(expected)}",
            file=file,
            line=1,
            column=missing[0],
        )
    if extra:
        raise EdgeError(
            f"column(s) {', '.join(extra)} are not part of the {table.name} export: remove them "
            "from the export. Unknown columns are never passed on, since they could hold "
            f"identifiers. Expected: {', '.join(expected)}",
            file=file,
            line=1,
            column=extra[0],
        )


@dataclass(frozen=True)
class ExportBatch:
    """Rows of an export file, columns in the model's export order, with their lines."""

    rows: pa.RecordBatch
    source_rows: pa.Array


class ExportReader:
    """Streams an inspected export file as batches of string columns.

    pyarrow numbers records, not physical lines, and reports line-count mismatches only
    through its invalid-row handler; this class walks records in order, adding up the
    line breaks inside quoted values, to give every row and malformed record its line.
    """

    def __init__(self, export: ExportFile, table: Table) -> None:
        self.export = export
        self.table = table
        self.account = LineAccount()
        # Malformed records reported by pyarrow, by record number (header = 1), not yet
        # placed on a line: {record: (fields found, line breaks inside the record)}.
        self._pending: dict[int, tuple[int, int]] = {}
        self._next_record = 2
        self._next_line = 2

    def batches(self, on_lines: Callable[[int], None] | None = None) -> Iterator[ExportBatch]:
        """Yield the rows; `on_lines` gets the number of lines read so far."""
        names = self.export.columns
        reader = pacsv.open_csv(
            self.export.path,
            read_options=pacsv.ReadOptions(
                # Single-threaded: pyarrow gives record numbers to malformed rows only then.
                use_threads=False,
                block_size=_BLOCK_BYTES,
                encoding=self.export.encoding,
                column_names=list(names),
                skip_rows=1,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=self.export.separator,
                newlines_in_values=True,
                # Blank lines come through as all-null rows, so that they are counted.
                ignore_empty_lines=False,
                invalid_row_handler=self._on_invalid_row,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
        order = self.table.column_names(Layer.EXPORT)
        for raw in reader:
            if raw.num_rows == 0:
                continue
            source_rows = self._place(raw)
            rows = pa.RecordBatch.from_arrays([raw.column(name) for name in order], names=order)
            kept = _not_empty(rows)
            if kept is not None:
                self.account.empty_lines += len(rows) - pc.sum(kept.cast(pa.int64())).as_py()
                rows, source_rows = rows.filter(kept), source_rows.filter(kept)
            self.account.rows += len(rows)
            if on_lines:
                on_lines(self._next_line - 1)
            if len(rows):
                yield ExportBatch(rows, source_rows)
        self._place_records(np.empty(0, np.int64), np.empty(0, np.int64))
        if on_lines:
            on_lines(self._next_line - 1)
        self._check_account()

    def _on_invalid_row(self, row: pacsv.InvalidRow) -> str:
        if row.number is None:
            raise EdgeError("cannot locate a malformed line", file=self.export.name)
        self._pending[row.number] = (row.actual_columns, row.text.count("\n"))
        return "skip"

    def _place(self, raw: pa.RecordBatch) -> pa.Array:
        """Lines of the rows of `raw`, placing the malformed records that precede them."""
        n = raw.num_rows
        breaks = np.zeros(n, np.int64)
        for column in raw.columns:
            breaks += pc.fill_null(pc.count_substring(column, "\n"), 0).to_numpy()
        # Valid records fill the record numbers that malformed ones leave free.
        skipped = np.array(sorted(r for r in self._pending if r >= self._next_record), np.int64)
        shifted = skipped - np.arange(len(skipped)) - self._next_record
        index = np.arange(n)
        records = self._next_record + index + np.searchsorted(shifted, index, side="right")
        return pa.array(self._place_records(records, breaks), pa.int64())

    def _place_records(self, records: np.ndarray, breaks: np.ndarray) -> np.ndarray:
        """Assign lines to `records` (valid, in order) and to the malformed records before
        the last of them (all remaining ones when `records` is empty); return the lines of
        `records`."""
        last = records[-1] if len(records) else None
        bad = sorted(r for r in self._pending if last is None or r < last)
        all_records = np.concatenate([records, np.array(bad, np.int64)])
        all_breaks = np.concatenate([breaks, [self._pending[r][1] for r in bad]]).astype(np.int64)
        order = np.argsort(all_records, kind="stable")
        expected = np.arange(self._next_record, self._next_record + len(all_records))
        if not np.array_equal(all_records[order], expected):
            raise EdgeError(
                "the rows of this file could not be matched to its lines: check that the "
                "file is plain CSV text with LF or CRLF line ends",
                file=self.export.name,
            )
        spans = 1 + all_breaks[order]
        starts = self._next_line + np.concatenate([[0], np.cumsum(spans)[:-1]]).astype(np.int64)
        lines = np.empty(len(all_records), np.int64)
        lines[order] = starts
        for record, line in zip(bad, lines[len(records) :], strict=True):
            found, record_breaks = self._pending.pop(record)
            self.account.malformed.append(
                MalformedLine(
                    self.table.name,
                    int(line),
                    1 + record_breaks,
                    found,
                    len(self.export.columns),
                )
            )
        self.account.continuation_lines += int(breaks.sum())
        if len(all_records):
            self._next_record += len(all_records)
            self._next_line = int(starts[-1] + spans[-1])
        return lines[: len(records)]

    def _check_account(self) -> None:
        if self.account.total() != self.export.lines:
            raise EdgeError(
                f"{self.export.lines} lines in the file but {self.account.total()} accounted "
                "for: check that the file is plain CSV text with LF or CRLF line ends",
                file=self.export.name,
            )


def _not_empty(rows: pa.RecordBatch) -> pa.Array | None:
    """Mask of rows with at least one value, or None when every row has one."""
    mask = None
    for column in rows.columns:
        valid = pc.is_valid(column)
        mask = valid if mask is None else pc.or_(mask, valid)
    if mask is None or pc.all(mask).as_py():
        return None
    return mask


def read_whole_table(export: ExportFile, table: Table) -> tuple[pa.Table, pa.Array]:
    """Read a file that must be well formed (the identity file): rows and their lines.

    A malformed line here is an error, not a quarantine: identity rows are never sent, so
    the warehouse could not account for it, and the patient behind it would lose birth
    year, month and département.
    """
    reader = ExportReader(export, table)
    batches = list(reader.batches())
    if reader.account.malformed:
        lines = [m.line for m in reader.account.malformed]
        raise EdgeError(
            f"wrong number of fields on line(s) {lines_excerpt(lines)}: this file must be "
            "complete; re-export it (values holding the separator must be quoted)",
            file=export.name,
            line=lines[0],
        )
    schema = pa.schema([pa.field(name, pa.string()) for name in table.column_names(Layer.EXPORT)])
    rows = pa.Table.from_batches([b.rows for b in batches], schema=schema)
    source_rows = pa.concat_arrays([b.source_rows for b in batches] or [pa.array([], pa.int64())])
    return rows, source_rows
