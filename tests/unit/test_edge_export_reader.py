"""The export reader's line accounting, with blocks small enough to split every record."""

import random

import pytest

from entrepot.edge import export_reader
from entrepot.edge.export_reader import ExportReader, inspect_export_file
from entrepot.model import TABLES, Layer

TABLE = TABLES["family_history"]  # ipp, relative, cancer_site, age_at_diagnosis


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(export_reader, "_CHUNK_BYTES", 7)
    monkeypatch.setattr(export_reader, "_BLOCK_BYTES", 256)


def messy_file(path, seed):
    """A file of good rows, short and long rows, blank lines and quoted line breaks;
    returns the expected lines of good rows and of malformed ones."""
    rnd = random.Random(seed)
    lines = [",".join(TABLE.column_names(Layer.EXPORT))]
    good, bad = [], []
    for n in range(300):
        line = sum(1 + text.count("\n") for text in lines) + 1
        shape = rnd.choice(["good", "good", "good", "short", "long", "blank", "multiline"])
        if shape == "good":
            lines.append(f"P{n},mother,breast,{n % 90}")
            good.append(line)
        elif shape == "short":
            lines.append(f"P{n},mother")
            bad.append((line, 1, 2))
        elif shape == "long":
            lines.append(f'P{n},mother,"breast\nright",50,extra')
            bad.append((line, 2, 5))
        elif shape == "blank":
            lines.append("")
        else:
            lines.append(f'P{n},"sister\nhalf-sister\n",ovary,')
            good.append(line)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return good, bad


@pytest.mark.parametrize("seed", range(5))
def test_every_row_keeps_its_line(tmp_path, small_blocks, seed):
    good, bad = messy_file(tmp_path / "family_history.csv", seed)
    export = inspect_export_file(tmp_path / "family_history.csv", TABLE)
    reader = ExportReader(export, TABLE)
    lines = [line for batch in reader.batches() for line in batch.source_rows.to_pylist()]
    assert lines == good
    found = [(m.line, m.physical_lines, m.fields_found) for m in reader.account.malformed]
    assert found == bad
    assert all(m.fields_expected == 4 for m in reader.account.malformed)
    assert reader.account.total() == export.lines


def test_mixed_encoding_found_across_chunks(tmp_path, small_blocks):
    path = tmp_path / "family_history.csv"
    header = ",".join(TABLE.column_names(Layer.EXPORT)) + "\n"
    path.write_bytes(
        header.encode()
        + "P1,mère,breast,\n".encode()
        + b"P2,father,breast,\n" * 20
        + "P3,mère,breast,\n".encode("cp1252")
    )
    with pytest.raises(export_reader.EdgeError, match="line 2 is") as error:
        inspect_export_file(path, TABLE)
    assert error.value.line == 23


def test_separator_and_encoding_detected(tmp_path):
    path = tmp_path / "family_history.csv"
    header = ";".join(TABLE.column_names(Layer.EXPORT)) + "\r\n"
    path.write_bytes((header + "P1;mère;sein;\r\n").encode("cp1252"))
    export = inspect_export_file(path, TABLE)
    assert (export.encoding, export.separator, export.lines) == ("cp1252", ";", 2)
    [batch] = ExportReader(export, TABLE).batches()
    assert batch.rows["relative"].to_pylist() == ["mère"]
