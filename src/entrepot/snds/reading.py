"""Reading the native CSV files: one pass to know them, one pass to convert them.

The first pass reads the raw bytes once, in large chunks, with vector operations: it hashes
the file (the extract's digest makes re-imports idempotent), checks whether it is UTF-8
(else it is read as Latin-1, decision 0004), and counts the fields of every line, which
gives the number of each line that is blank or does not have the header's fields. The
second pass parses the file with Arrow's CSV reader, which is given only the lines that
parse, types the columns the import uses (`values`), and gives every row its line number,
so that a quarantined row can be named by file and line. A value that cannot be read sends
its row to quarantine; it never fails the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from entrepot.snds.coding import Coder
from entrepot.snds.errors import ExtractRefused
from entrepot.snds.extract import ExtractFile
from entrepot.snds.values import FIELD_VERDICT, Field, batch_fields, typed_batch

_CHUNK_BYTES = 32 << 20
_NEWLINE, _CARRIAGE_RETURN, _SEPARATOR, _QUOTE = 10, 13, 59, 34
_BOM = b"\xef\xbb\xbf"
#: Columns added to every converted file.
LINE, FILE, YEAR = "_line", "_file", "_year"


@dataclass(frozen=True)
class ScannedFile:
    """What the first pass learnt of a file."""

    file: ExtractFile
    header: tuple[str, ...]
    encoding: str
    sha256: str
    #: Physical lines, the header included.
    lines: int
    blank_lines: int
    #: Numbers of the lines whose fields do not match the header (sorted).
    malformed_lines: np.ndarray = field(repr=False)
    #: Numbers of the blank and malformed lines together (sorted): the lines Arrow skips.
    skipped_lines: np.ndarray = field(repr=False)

    @property
    def rows_read(self) -> int:
        """Data lines of the file: every one ends loaded, excluded or quarantined."""
        return self.lines - 1 - self.blank_lines

    @property
    def rows_parsed(self) -> int:
        return self.rows_read - len(self.malformed_lines)


@dataclass(frozen=True)
class _Lines:
    """The complete lines of a block of bytes."""

    #: Offset of each line's first byte, and one past its terminator.
    starts: np.ndarray
    stops: np.ndarray
    blank: np.ndarray
    malformed: np.ndarray


def _fields(text: str) -> int:
    """Fields of one line as a CSV reader counts them; -1 when its quoting is broken."""
    try:
        return len(next(csv.reader([text], delimiter=";", strict=True)))
    except csv.Error:
        return -1


def _counts(positions: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """How many of the sorted `positions` fall in each interval between `boundaries`."""
    return np.diff(np.searchsorted(positions, boundaries))


def _lines(block: bytes, fields: int) -> _Lines:
    """Split `block`, which ends with a line terminator, into lines and classify them.

    Terminators are those of Arrow's reader: a line feed, a carriage return and line feed,
    or a carriage return alone. Only positions of the few special bytes are computed
    (separators, quotes, carriage returns), then counted per line."""
    a = np.frombuffer(block, dtype=np.uint8)
    terminators = np.flatnonzero(a == _NEWLINE)
    returns = np.flatnonzero(a == _CARRIAGE_RETURN)
    if len(returns):
        after = np.minimum(returns + 1, len(a) - 1)
        alone = returns[(returns + 1 >= len(a)) | (a[after] != _NEWLINE)]
        terminators = np.union1d(terminators, alone)
    boundaries = np.concatenate(([0], terminators + 1)).astype(np.int64)
    starts = boundaries[:-1]
    # A carriage return just before a line feed belongs to the terminator.
    paired = np.isin(terminators - 1, returns) & (terminators > starts)
    lengths = terminators - starts - paired
    separators = _counts(np.flatnonzero(a == _SEPARATOR), boundaries)
    quoted = _counts(np.flatnonzero(a == _QUOTE), boundaries) > 0
    blank = lengths == 0
    malformed = (separators + 1 != fields) & ~blank & ~quoted
    for index in np.flatnonzero(quoted & ~blank):
        # A separator inside quotes is part of a value: count as a CSV reader does.
        text = bytes(a[starts[index] : starts[index] + lengths[index]]).decode("latin-1")
        malformed[index] = _fields(text) != fields
    return _Lines(starts, terminators + 1, blank, malformed)


def _blocks(stream: BinaryIO, seen: Callable[[bytes], None] = lambda _: None) -> Iterator[bytes]:
    """The rest of a file in large blocks of complete lines (the last one completed);
    `seen` is shown every chunk read, as read."""
    carry = b""
    while chunk := stream.read(_CHUNK_BYTES):
        seen(chunk)
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        if cut:
            yield data[:cut]
        carry = data[cut:]
    if carry:
        yield carry + b"\n"


def _header(file: ExtractFile, first: bytes) -> tuple[str, ...]:
    if b"\x00" in first or first.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractRefused(
            f"{file.name}, line 1: the file is not text in UTF-8 or Latin-1 (UTF-16?); "
            "deliver it in UTF-8"
        )
    text = first.removeprefix(_BOM).rstrip(b"\r\n").decode("latin-1")
    if not text.strip():
        raise ExtractRefused(
            f"{file.name}: the file is empty or its first line is blank; it must start with "
            "the header line of the table's column names"
        )
    names = tuple(name.strip().strip('"').strip().upper() for name in text.split(";"))
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ExtractRefused(
            f"{file.name}, line 1: column {', '.join(repeated)} appears more than once; "
            "each column must appear once in the header"
        )
    return names


def check_header(file: ExtractFile, header: tuple[str, ...]) -> None:
    """Refuse a header with a column the HDH schema does not know, or without a column the
    import needs."""
    source = file.source
    schema = source.schema()
    unknown = [name for name in header if name not in schema.fields]
    if unknown:
        raise ExtractRefused(
            f"{file.name}, line 1: column {', '.join(unknown)} is not a column of "
            f"{schema.name} in the HDH schema; check the file is {schema.name} and remove "
            "or rename the column (names are those of the HDH schema)"
        )
    missing = [name for name in source.required if name not in header]
    missing += [
        " or ".join(group)
        for group in source.required_one_of
        if not any(name in header for name in group)
    ]
    if missing:
        raise ExtractRefused(
            f"{file.name}, line 1: column {', '.join(missing)} is missing; the import needs "
            f"it to read {schema.name}: ask the data provider to include it in the extract"
        )


def scan(file: ExtractFile) -> ScannedFile:
    """First pass over one file: header, digest, encoding, and the lines Arrow will skip."""
    blank, malformed = [], []
    next_line = 2  # the header is line 1
    with file.path.open("rb") as stream:
        first = stream.readline()
        header = _header(file, first)
        check_header(file, header)
        sha256 = hashlib.sha256(first)
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8 = [_decodes(decoder, first)]

        def seen(chunk: bytes) -> None:
            sha256.update(chunk)
            utf8[0] = utf8[0] and _decodes(decoder, chunk)

        for block in _blocks(stream, seen):
            lines = _lines(block, len(header))
            numbers = np.arange(next_line, next_line + len(lines.starts), dtype=np.int64)
            blank.append(numbers[lines.blank])
            malformed.append(numbers[lines.malformed])
            next_line += len(lines.starts)
    blank_lines, malformed_lines = _joined(blank), _joined(malformed)
    return ScannedFile(
        file=file,
        header=header,
        encoding="utf-8" if utf8[0] and _decodes(decoder, b"", final=True) else "latin-1",
        sha256=sha256.hexdigest(),
        lines=next_line - 1,
        blank_lines=len(blank_lines),
        malformed_lines=malformed_lines,
        skipped_lines=np.union1d(blank_lines, malformed_lines),
    )


def _well_formed_copy(scanned: ScannedFile, out: Path) -> Path:
    """A copy of the file without its malformed lines, for Arrow to read.

    Arrow's reader does not recover from every malformed line as a line-by-line reader
    would (an unclosed quote runs on into the next lines): it is given only lines that
    parse. Line numbers are unaffected (they come from `skipped_lines`)."""
    with scanned.file.path.open("rb") as stream, out.open("wb") as copy:
        copy.write(stream.readline())
        for block in _blocks(stream):
            lines = _lines(block, len(scanned.header))
            keep = np.repeat(~lines.malformed, lines.stops - lines.starts)
            copy.write(np.frombuffer(block, dtype=np.uint8)[keep].tobytes())
    return out


def _decodes(decoder: codecs.IncrementalDecoder, data: bytes, final: bool = False) -> bool:
    try:
        decoder.decode(data, final)
    except UnicodeDecodeError:
        return False
    return True


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def convert(scanned: ScannedFile, fields: list[Field], coders: dict[str, Coder], out: Path) -> None:
    """Second pass: write `out`, a Parquet file of the file's rows with `_line`, `_file`,
    `_year`, each field's cleaned text and typed value (see `values`; a column the file lacks
    is empty) and the verdict of the field checks."""
    present = [f.name for f in fields if f.name in scanned.header]
    schema = pa.schema(
        [
            pa.field(LINE, pa.int64()),
            pa.field(FILE, pa.string()),
            pa.field(YEAR, pa.int32()),
            *batch_fields(fields, coders),
            pa.field(FIELD_VERDICT, pa.string()),
        ]
    )
    source = scanned.file.path
    if len(scanned.malformed_lines):
        source = _well_formed_copy(scanned, out.with_suffix(".csv"))
    # Line number of the k-th kept row: k + 2 plus the skipped lines before it.
    skipped = scanned.skipped_lines - np.arange(len(scanned.skipped_lines)) - 2
    kept = 0
    # A file with no row to read may not even end its header line: Arrow is not asked.
    batches = _reader(scanned, source, present) if scanned.rows_parsed else []
    # Snappy: a scratch file is written once and read once or twice.
    with pq.ParquetWriter(out, schema, compression="snappy") as writer:
        for batch in batches:
            n = batch.num_rows
            index = np.arange(kept, kept + n, dtype=np.int64)
            kept += n
            text = {
                f.name: batch.column(f.name) if f.name in present else pa.nulls(n, pa.string())
                for f in fields
            }
            typed, verdict = typed_batch(text, fields, coders)
            arrays = [
                pa.array(index + 2 + np.searchsorted(skipped, index, side="right")),
                pa.repeat(pa.scalar(scanned.file.name, pa.string()), n),
                pa.repeat(pa.scalar(scanned.file.year, pa.int32()), n),
                *typed,
                verdict,
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
    if kept != scanned.rows_parsed:
        raise ExtractRefused(
            f"{scanned.file.name}: {kept} rows read where {scanned.rows_parsed} were expected; "
            "check the quoting of the file"
        )


def _reader(scanned: ScannedFile, source: Path, present: list[str]) -> pa_csv.CSVStreamingReader:
    return pa_csv.open_csv(
        source,
        read_options=pa_csv.ReadOptions(
            column_names=list(scanned.header),
            skip_rows=1,
            block_size=16 << 20,
            encoding=scanned.encoding,
        ),
        parse_options=pa_csv.ParseOptions(
            delimiter=";",
            newlines_in_values=False,
            ignore_empty_lines=True,
            invalid_row_handler=lambda _: "skip",
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(scanned.header, pa.string()),
            include_columns=present or [scanned.header[0]],
            strings_can_be_null=False,
        ),
    )
