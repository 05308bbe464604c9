"""The corpus of bad SNDS extracts: each gets a message naming the file (and the line and
column when there is one) and saying what to do, a non-zero exit, and loses nothing already
stored.

A warehouse holding a first import is set up for each case; every case then runs
`entrepot snds import` as an operator would, through the real command line.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entrepot.cli.main import app
from entrepot.snds import import_extract
from entrepot.store import Home, WorkingStore
from tests.support.snds_extract import header, valid_extract, write_extract

runner = CliRunner()


class Stored:
    """A home whose current SNDS data is the valid extract."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = Home(root / "home")
        import_extract(self.home, write_extract(root / "first"))
        self.state = self._state()
        self.files = self._files()

    def _state(self) -> bytes:
        return (self.home.working_dir / "state.json").read_bytes()

    def _files(self) -> dict[str, str]:
        store = WorkingStore(self.home)
        return {
            path.relative_to(store.datasets_dir).as_posix(): hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
            for path in sorted(store.datasets_dir.rglob("*"))
            if path.is_file()
        }

    def run(self, folder: Path) -> tuple[int, str]:
        done = runner.invoke(app, ["snds", "import", str(folder), "--home", str(self.home.root)])
        return done.exit_code, " ".join(done.output.split())

    def assert_unchanged(self) -> None:
        assert self._state() == self.state
        assert self._files() == self.files

    def extract(self, tables=None, name: str = "bad", **kwargs) -> Path:
        return write_extract(self.root / name, tables, **kwargs)


@pytest.fixture
def stored(tmp_path) -> Stored:
    return Stored(tmp_path)


def _names(message: str, *parts: str) -> None:
    for part in parts:
        assert part in message, message


# --- refused: nothing is read, nothing changes ------------------------------------------------


def test_a_missing_table_refuses_the_extract(stored):
    tables = valid_extract()
    del tables["ER_PRS_F.csv"]
    code, message = stored.run(stored.extract(tables))
    assert code == 1
    _names(message, "tables missing", "ER_PRS_F.csv", "decision 0004")
    stored.assert_unchanged()


def test_a_pmsi_year_must_come_whole(stored):
    tables = valid_extract()
    del tables["T_MCO19MED.csv"]
    code, message = stored.run(stored.extract(tables))
    assert code == 1
    _names(message, "T_MCO19MED.csv")
    stored.assert_unchanged()


def test_an_extract_without_pmsi_is_refused(stored):
    tables = {k: v for k, v in valid_extract().items() if not k.startswith("T_MCO")}
    code, message = stored.run(stored.extract(tables))
    assert code == 1
    _names(message, "PMSI MCO files of at least one year")
    stored.assert_unchanged()


def test_an_empty_extract_folder_is_refused(stored):
    empty = stored.root / "empty"
    empty.mkdir()
    code, message = stored.run(empty)
    assert code == 1
    _names(message, "the folder is empty", "IR_BEN_R.csv")
    code, message = stored.run(stored.root / "nowhere")
    assert code == 1
    _names(message, "not a folder")
    stored.assert_unchanged()


def test_an_unknown_column_refuses_its_file(stored):
    tables = valid_extract()
    for row in tables["IR_BEN_R.csv"]:
        row["BEN_NOM"] = "x"
    code, message = stored.run(stored.extract(tables))
    assert code == 1
    _names(message, "IR_BEN_R.csv, line 1", "column BEN_NOM", "not a column of IR_BEN_R")
    _names(message, "remove or rename")
    assert "x;" not in message
    stored.assert_unchanged()


def test_a_missing_column_refuses_its_file(stored):
    tables = valid_extract()
    columns = [c for c in header("ER_PRS_F.csv", tables["ER_PRS_F.csv"]) if c != "PRS_NAT_REF"]
    code, message = stored.run(stored.extract(tables, headers={"ER_PRS_F.csv": columns}))
    assert code == 1
    _names(
        message, "ER_PRS_F.csv, line 1", "column PRS_NAT_REF is missing", "ask the data provider"
    )
    stored.assert_unchanged()


def test_an_empty_file_is_refused(stored):
    folder = stored.extract()
    (folder / "KI_ECD_R.csv").write_bytes(b"")
    code, message = stored.run(folder)
    assert code == 1
    _names(message, "KI_ECD_R.csv", "header line")
    stored.assert_unchanged()


def test_a_file_in_utf16_is_refused(stored):
    folder = stored.extract(encoding="utf-16")
    code, message = stored.run(folder)
    assert code == 1
    _names(message, "ER_PHA_F.csv, line 1", "not text in UTF-8 or Latin-1", "deliver it in UTF-8")
    stored.assert_unchanged()


def test_a_busy_store_refuses_and_changes_nothing(stored):
    folder = stored.extract()
    (folder / "ER_PRS_F.csv").write_text(
        (folder / "ER_PRS_F.csv").read_text().replace("112,40", "112,41")
    )
    with WorkingStore(stored.home).lock():
        # The lock is per thread; the CLI runs in this thread, so take it from another.
        import threading

        outcome = {}

        def other() -> None:
            outcome["result"] = stored.run(folder)

        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    code, message = outcome["result"]
    assert code == 1
    _names(message, "busy")
    stored.assert_unchanged()


# --- loaded with a quarantine: every bad row named by file, line and column, exit 3 ------------


def _quarantine_line(message: str, file: str, line: int, column: str | None, reason: str) -> None:
    where = f", column {column}" if column else ""
    assert f"{file} line {line}{where}: {reason}" in message, message


def test_wrong_date_formats_are_quarantined_row_by_row(stored):
    tables = valid_extract()
    tables["ER_PRS_F.csv"][0]["EXE_SOI_DTD"] = "2019-04-02"
    tables["T_MCO19C.csv"][0]["ENT_DAT"] = "15/04/19"
    tables["IR_IMB_R.csv"][0]["IMB_ALD_DTD"] = "31FEB2019:00:00:00"
    code, message = stored.run(stored.extract(tables))
    assert code == 3
    _quarantine_line(message, "ER_PRS_F.csv", 2, "EXE_SOI_DTD", "invalid_date")
    _quarantine_line(message, "T_MCO19C.csv", 2, "ENT_DAT", "invalid_date")
    _quarantine_line(message, "IR_IMB_R.csv", 2, "IMB_ALD_DTD", "invalid_date")
    _quarantine_line(message, "T_MCO19B.csv", 2, None, "stay_quarantined")
    for value in ("2019-04-02", "15/04/19", "31FEB2019"):
        assert value not in message


def test_wrong_types_and_codes_are_quarantined_row_by_row(stored):
    tables = valid_extract()
    tables["IR_BEN_R.csv"][3]["BEN_RNG_GEM"] = "un"  # Claire's row
    tables["IR_BEN_R.csv"][4]["BEN_NAI_MOI"] = "13"  # Cécile's row
    tables["ER_PRS_F.csv"][0]["PRS_PAI_MNT"] = "25 €"
    tables["T_MCO19B.csv"][0]["DGN_PAL"] = "C5O9"
    tables["ER_UCD_F.csv"][0]["UCD_UCD_COD"] = "923914X"
    tables["T_MCO19A.csv"][0]["NBR_EXE_ACT"] = "1.0"
    code, message = stored.run(stored.extract(tables))
    assert code == 3
    _quarantine_line(message, "IR_BEN_R.csv", 5, "BEN_RNG_GEM", "invalid_number")
    _quarantine_line(message, "IR_BEN_R.csv", 6, "BEN_NAI_MOI", "invalid_date")
    _quarantine_line(message, "ER_PRS_F.csv", 2, "PRS_PAI_MNT", "invalid_number")
    # Claire's claim: her rank cannot be read, so no row has her (pseudonym, rank).
    _quarantine_line(message, "ER_PRS_F.csv", 5, "BEN_NIR_PSA", "unknown_pseudonym")
    _quarantine_line(message, "ER_PRS_F.csv", 6, "BEN_NIR_PSA", "beneficiary_quarantined")
    _quarantine_line(message, "ER_UCD_F.csv", 2, "UCD_UCD_COD", "invalid_code")
    _quarantine_line(message, "T_MCO19B.csv", 2, "DGN_PAL", "invalid_code")
    _quarantine_line(message, "T_MCO19A.csv", 2, "NBR_EXE_ACT", "invalid_number")


def test_keys_that_do_not_join_are_quarantined(stored):
    tables = valid_extract()
    tables["ER_PHA_F.csv"][0]["DCT_ORD_NUM"] = "9999"
    tables["T_MCO19D.csv"][2]["RSA_NUM"] = "0000000999"
    tables["KI_ECD_R.csv"][0]["BEN_IDT_ANO"] = "IDT99999999999999"
    code, message = stored.run(stored.extract(tables))
    assert code == 3
    _quarantine_line(message, "ER_PHA_F.csv", 2, None, "orphan_line")
    _quarantine_line(message, "T_MCO19D.csv", 4, None, "orphan_line")
    _quarantine_line(message, "KI_ECD_R.csv", 2, "BEN_IDT_ANO", "unknown_pseudonym")


def test_a_truncated_line_is_quarantined_and_the_next_lines_still_load(stored):
    folder = stored.extract()
    path = folder / "ER_PRS_F.csv"
    lines = path.read_text().splitlines()
    lines[2] = lines[2].rsplit(";", 3)[0]  # line 3 lost its last fields
    path.write_text("\n".join(lines) + "\n")
    code, message = stored.run(folder)
    assert code == 3
    _quarantine_line(message, "ER_PRS_F.csv", 3, None, "truncated_line")
    _quarantine_line(message, "ER_PHA_F.csv", 2, None, "orphan_line")
    assert re.search(r"ER_PRS_F\.csv │ 6 │ 4 │ 1 │ 1", message), message


def test_a_file_that_is_not_utf8_is_read_as_latin1(stored):
    tables = valid_extract()
    for row in tables["IR_IMB_R.csv"]:
        row["IMB_SDR_LOP"] = "é"  # a column of the HDH schema the import does not use
    code, message = stored.run(stored.extract(tables, encoding="latin-1"))
    assert code == 0, message
    report = (WorkingStore(stored.home).dataset_dir("snds") / "_report" / "report.md").read_text()
    assert "| IR_IMB_R.csv | IR_IMB_R | latin-1 |" in report
