"""Reading the native files: every kept row knows its line, every other line is counted."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrepot.snds.errors import ExtractRefused
from entrepot.snds.extract import ExtractFile
from entrepot.snds.reading import convert, scan
from entrepot.snds.sources import DEATH_CERTIFICATES
from entrepot.snds.values import AMOUNT, DATE, INTEGER, TEXT, Field, read_date, typed_batch

HEADER = "BEN_IDT_ANO;BEN_DCD_DTE;DCD_CIM_COD"
COLUMNS = ("BEN_IDT_ANO", "BEN_DCD_DTE", "DCD_CIM_COD")
FIELDS = [Field(name, TEXT) for name in COLUMNS]


def write(tmp_path: Path, body: bytes, name: str = "KI_CCI_R.csv") -> ExtractFile:
    path = tmp_path / name
    path.write_bytes(body)
    return ExtractFile(DEATH_CERTIFICATES, path, None)


def rows(tmp_path: Path, file: ExtractFile) -> list[dict]:
    out = tmp_path / "out.parquet"
    convert(scan(file), FIELDS, {}, out)
    return pq.read_table(out).to_pylist()


def test_blank_and_malformed_lines_are_counted_and_kept_rows_know_their_line(tmp_path):
    body = (
        f"{HEADER}\r\n"  # line 1
        "a;01JAN2020:00:00:00;C509\r\n"  # 2
        "b;02JAN2020:00:00:00\r\n"  # 3: a field short
        "\r\n"  # 4: blank
        'c;"03JAN2020;x";C509\n'  # 5: a separator inside quotes
        "d;1;2;3\n"  # 6: a field too many
        "   \n"  # 7: spaces are no blank line, and one field
        "e;04JAN2020:00:00:00;C349"  # 8: no final line feed
    ).encode()
    scanned = scan(write(tmp_path, body))
    assert scanned.lines == 8
    assert scanned.blank_lines == 1
    assert scanned.malformed_lines.tolist() == [3, 6, 7]
    assert scanned.rows_read == 6
    got = rows(tmp_path, scanned.file)
    assert [(r["_line"], r["BEN_IDT_ANO"]) for r in got] == [(2, "a"), (5, "c"), (8, "e")]
    assert got[1]["BEN_DCD_DTE"] == "03JAN2020;x"


def test_a_file_that_is_not_utf8_is_read_as_latin1(tmp_path):
    body = f"{HEADER}\nJosé;01JAN2020:00:00:00;C509\n".encode("latin-1")
    scanned = scan(write(tmp_path, body))
    assert scanned.encoding == "latin-1"
    assert rows(tmp_path, scanned.file)[0]["BEN_IDT_ANO"] == "José"


def test_utf8_with_a_byte_order_mark(tmp_path):
    body = b"\xef\xbb\xbf" + f"{HEADER}\nZoé;01JAN2020:00:00:00;C509\n".encode()
    scanned = scan(write(tmp_path, body))
    assert scanned.header == COLUMNS
    assert scanned.encoding == "utf-8"
    assert rows(tmp_path, scanned.file)[0]["BEN_IDT_ANO"] == "Zoé"


def test_a_column_the_file_lacks_is_written_empty(tmp_path):
    file = write(tmp_path, b"BEN_IDT_ANO;BEN_DCD_DTE;DCD_CIM_COD\nx;;C509\n")
    out = tmp_path / "out.parquet"
    convert(scan(file), [*FIELDS, Field("BEN_NAI_ANN", TEXT)], {}, out)
    assert pq.read_table(out).to_pylist()[0]["BEN_NAI_ANN"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty or its first line is blank"),
        (b"\n\n", "empty or its first line is blank"),
        (
            b"BEN_IDT_ANO;BEN_DCD_DTE;DCD_CIM_COD;COLOUR\n",
            "column COLOUR is not a column of KI_CCI_R",
        ),
        (b"BEN_IDT_ANO;DCD_CIM_COD\n", "column BEN_DCD_DTE is missing"),
        (
            b"BEN_IDT_ANO;BEN_DCD_DTE;DCD_CIM_COD;BEN_IDT_ANO\n",
            "BEN_IDT_ANO appears more than once",
        ),
    ],
)
def test_a_header_that_does_not_fit_the_schema_refuses_the_file(tmp_path, body, message):
    with pytest.raises(ExtractRefused, match=message) as refused:
        scan(write(tmp_path, body))
    assert "KI_CCI_R.csv" in str(refused.value)


def test_header_names_are_read_whatever_their_case_and_quotes(tmp_path):
    scanned = scan(write(tmp_path, b'"ben_idt_ano"; BEN_DCD_DTE ;Dcd_Cim_Cod\n'))
    assert scanned.header == COLUMNS


_CELL = st.text(alphabet=st.sampled_from('ab;"é\r 01'), max_size=6)
_LINE = st.lists(_CELL, min_size=0, max_size=5).map(";".join)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lines=st.lists(_LINE, max_size=12))
def test_every_line_is_kept_counted_blank_or_malformed_never_lost(tmp_path, lines):
    body = "\n".join([HEADER, *lines]).encode()
    file = write(tmp_path, body)
    try:
        scanned = scan(file)
        kept = rows(tmp_path, file)
    except ExtractRefused as refused:
        # Only an unclosed quote may keep Arrow from agreeing on the lines; it is said so.
        assert "quot" in str(refused)
        return
    assert scanned.rows_read == len(kept) + len(scanned.malformed_lines)
    lines_of_rows = {r["_line"] for r in kept}
    assert not lines_of_rows & set(scanned.malformed_lines.tolist())
    assert all(2 <= line <= scanned.lines for line in lines_of_rows)


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "day_month_year", "expected"),
    [
        ("01JAN2019:00:00:00", False, dt.date(2019, 1, 1)),
        ("29feb2020", False, dt.date(2020, 2, 29)),
        ("31/12/2020", False, dt.date(2020, 12, 31)),
        ("15042019", True, dt.date(2019, 4, 15)),
        ("15042019", False, None),  # DDMMYYYY only where the schema says so
        ("01JAN1600:00:00:00", False, dt.date(1600, 1, 1)),  # kept for the caller to tell
        ("2019-04-15", False, None),
        ("29FEB2019:00:00:00", False, None),
        ("1/1/2019", False, None),
        ("01/01/0019", False, None),
        (" 1/01/2019", False, None),
    ],
)
def test_dates_in_the_snds_formats(text, day_month_year, expected):
    assert read_date(text, day_month_year) == expected


def _verdicts(values: list[str | None], f: Field) -> list[str | None]:
    _, verdicts = typed_batch({f.name: pa.array(values, pa.string())}, [f], {})
    return [v and v.split("\x1f")[0] for v in verdicts.to_pylist()]


def test_numbers_dates_and_lengths_are_checked():
    integer = Field("n", INTEGER, required=True, length=3)
    assert _verdicts(["12", "+7", "1234", "1.5", "0x1", None, " 9 "], integer) == [
        None,
        None,
        "too_long",
        "invalid_number",
        "invalid_number",
        "missing_required",
        None,
    ]
    amount = Field("a", AMOUNT)
    assert _verdicts(["12,50", "+3.1", "nan", "1e3", "", "1234567890123"], amount) == [
        None,
        None,
        "invalid_number",
        "invalid_number",
        None,
        "invalid_number",
    ]
    date = Field("d", DATE, required=True)
    assert _verdicts(["01JAN2019", "01/01/1600", "x", "01/01/2019"], date) == [
        None,
        "missing_required",
        "invalid_date",
        None,
    ]


def test_typed_values_of_a_batch():
    fields = [Field("a", AMOUNT), Field("d", DATE, day_month_year=True), Field("n", INTEGER)]
    arrays, _ = typed_batch(
        {
            "a": pa.array([" 112,405", "3"]),
            "d": pa.array(["15042019", "01JAN1600:00:00:00"]),
            "n": pa.array(["007", None]),
        },
        fields,
        {},
    )
    # A field that is not text gives its typed value only.
    amount, date, number = (array.to_pylist() for array in arrays)
    assert [str(x) for x in amount] == ["112.41", "3.00"]  # rounded half away from zero
    assert date == [dt.date(2019, 4, 15), None]  # 1600: no date
    assert number == [7, None]


_KINDS = [
    Field("t", TEXT, length=3),
    Field("i", INTEGER, required=True, length=4),
    Field("a", AMOUNT),
    Field("f", "decimal"),
    Field("d", DATE, day_month_year=True),
    Field("m", "month"),
    Field("y", "year"),
]
_DIGITISH = st.text(alphabet="0123456789+-.,eE /:JANFEBDCjanfebdc ", max_size=22)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(st.one_of(st.none(), _DIGITISH, st.text(max_size=8)), min_size=1, max_size=20)
)
def test_typing_never_fails_a_batch_whatever_the_cells(cells):
    text = {f.name: pa.array(cells, pa.string()) for f in _KINDS}
    arrays, verdicts = typed_batch(text, _KINDS, {})
    assert all(len(array) == len(cells) for array in arrays)
    assert len(verdicts) == len(cells)
    # A row either has a verdict or every value it has was read.
    for row, verdict in enumerate(verdicts.to_pylist()):
        if verdict is None:
            for f, typed in zip(_KINDS[1:], arrays[1:], strict=True):
                present = cells[row] is not None and cells[row].strip(" \t\n\r\v\f") != ""
                if present and f.kind != "date":
                    assert typed[row].is_valid, (f.name, cells[row])
