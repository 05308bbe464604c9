"""`entrepot snds import`: the specification, one behaviour at a time, on a hand-written extract.

The valid extract (tests/support/snds_extract.py) loads whole; each test changes what it is
about and reads the claims tables, the accounting and the quarantine.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from entrepot import model
from entrepot.cli.main import app
from entrepot.snds import ImportResult, import_extract
from entrepot.store import Home, WorkingStore
from entrepot.vocab.hdh import hdh_table
from tests.support.snds_extract import (
    ANNE,
    ANNE_PSA,
    ANNE_TOKEN,
    APHP,
    BRUNO,
    BRUNO_PSA,
    CECILE,
    CLAIRE,
    DENISE,
    PITIE,
    TWINS_PSA,
    _key,
    _prs,
    _stay_b,
    _stay_c,
    valid_extract,
    write_extract,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> tuple[Path, ImportResult]:
    """The valid extract, imported once for the tests that only read its result."""
    tmp_path = tmp_path_factory.mktemp("valid")
    return tmp_path, run(tmp_path)


def run(tmp_path: Path, tables=None, name: str = "extract") -> ImportResult:
    folder = write_extract(tmp_path / name, tables)
    return import_extract(Home(tmp_path / "home"), folder)


def rows(tmp_path: Path, table: str) -> list[dict]:
    path = WorkingStore(Home(tmp_path / "home")).dataset_files("snds")[table]
    return pq.read_table(path).to_pylist()


def by(rows_: list[dict], key: str) -> dict:
    return {row[key]: row for row in rows_}


def quarantined(result: ImportResult) -> set[tuple[str, int, str | None, str]]:
    with (result.report_dir / "quarantine.csv").open(encoding="utf-8") as handle:
        return {
            (r["file"], int(r["line"]), r["column"] or None, r["reason"])
            for r in csv.DictReader(handle)
        }


def test_a_valid_extract_loads_whole_and_every_file_adds_up(valid):
    tmp_path, result = valid
    report = result.report
    assert report.rows_quarantined == 0
    assert all(f.adds_up for f in report.files.values())
    assert report.tables == {
        "beneficiary": 5,
        "hospital_stay": 2,
        "stay_diagnosis": 3,
        "stay_procedure": 1,
        "stay_expensive_drug": 1,
        "dispensing": 2,
        "outpatient_care": 5,
        "long_term_condition": 1,
        "cause_of_death": 2,
    }
    for table in model.CLAIMS_TABLES:
        path = WorkingStore(Home(tmp_path / "home")).dataset_files("snds")[table.name]
        assert pq.read_schema(path).equals(model.arrow_schema(table, model.Layer.WAREHOUSE))


def test_each_cleaning_rule_counts_what_it_removed(valid):
    tmp_path, result = valid
    report = result.report
    assert dict(report.excluded_by_rule) == {
        "legal_entity_duplicate": 3,  # the 2016 AP-HP copy: its T_MCO16B, C and A rows
        "pmsi_return_code": 2,  # a stay whose NIR_RET is 1: its B and C rows
        "pmsi_error_ghm": 2,  # a stay in CMD 90
        "dcir_for_information": 1,  # DPN_QLF 71
        "repeated_diagnosis": 1,  # C773 twice for one stay
        "not_a_long_term_condition": 1,  # a work-accident exemption
    }
    stays = by(rows(tmp_path, "hospital_stay"), "stay_id")
    assert set(stays) == {f"2016-{PITIE}-0000000101", f"2019-{PITIE}-0000000001"}


def test_a_person_has_the_attributes_of_the_latest_row_and_the_ttp_token(valid):
    tmp_path, _ = valid
    people = by(rows(tmp_path, "beneficiary"), "beneficiary_id")
    assert people[ANNE] == {
        "beneficiary_id": ANNE,
        "snds_token": ANNE_TOKEN,
        "sex": "F",
        "birth_year": 1960,
        "birth_month": 5,
        "departement": "75",  # 075 of the row updated in 2020, not 092 of 2012
        "death_date": None,
    }
    assert str(people[BRUNO]["death_date"]) == "2021-03-04"
    assert people[DENISE]["departement"] is None  # 999: unknown
    assert people[DENISE]["death_date"] is None  # 01JAN1600: no date
    assert (people[CLAIRE]["departement"], people[CECILE]["departement"]) == ("2A", "971")


def test_stays_of_an_old_pseudonym_belong_to_the_same_person(valid):
    tmp_path, _ = valid
    assert {s["beneficiary_id"] for s in rows(tmp_path, "hospital_stay")} == {ANNE}


def test_twins_are_told_apart_in_the_dcir_by_their_rank(valid):
    tmp_path, _ = valid
    care = rows(tmp_path, "outpatient_care")
    assert {(c["beneficiary_id"], c["prestation"]) for c in care if c["care_date"].month == 5} == {
        (CLAIRE, "1111"),
        (CECILE, "1112"),
    }


def test_twins_sharing_a_pmsi_pseudonym_make_their_stays_ambiguous(tmp_path):
    tables = valid_extract()
    tables["T_MCO19B.csv"].append(_stay_b(PITIE, "0000000077", "09C051", "C509"))
    tables["T_MCO19C.csv"].append(_stay_c(PITIE, "0000000077", TWINS_PSA, "01072019", "04072019"))
    tables["T_MCO19D.csv"].append({"ETA_NUM": PITIE, "RSA_NUM": "0000000077", "ASS_DGN": "C773"})
    result = run(tmp_path, tables)
    assert {
        ("T_MCO19B.csv", 5, None, "ambiguous_pseudonym"),
        ("T_MCO19C.csv", 5, "NIR_ANO_17", "ambiguous_pseudonym"),
        ("T_MCO19D.csv", 5, None, "stay_quarantined"),
    } == quarantined(result)
    assert len(rows(tmp_path, "hospital_stay")) == 2


def test_claims_of_an_unknown_pseudonym_are_quarantined_with_their_details(tmp_path):
    tables = valid_extract()
    tables["ER_PRS_F.csv"][1]["BEN_NIR_PSA"] = "PSA99999999999999"
    result = run(tmp_path, tables)
    assert quarantined(result) == {
        ("ER_PRS_F.csv", 3, "BEN_NIR_PSA", "unknown_pseudonym"),
        ("ER_PHA_F.csv", 2, None, "claim_quarantined"),
    }
    assert [d["kind"] for d in rows(tmp_path, "dispensing")] == ["retrocession"]


def test_keys_that_do_not_join_are_orphans(tmp_path):
    tables = valid_extract()
    tables["ER_PHA_F.csv"].append({**_key(99), "PHA_PRS_C13": "3595583", "PHA_ACT_QSN": "1"})
    tables["T_MCO19A.csv"].append({**tables["T_MCO19A.csv"][0], "RSA_NUM": "0000000404"})
    tables["T_MCO19C.csv"].append(_stay_c(PITIE, "0000000405", ANNE_PSA, "01012019", "02012019"))
    result = run(tmp_path, tables)
    assert quarantined(result) == {
        ("ER_PHA_F.csv", 3, None, "orphan_line"),
        ("T_MCO19A.csv", 3, None, "orphan_line"),
        ("T_MCO19C.csv", 5, None, "orphan_line"),
    }


def test_from_2018_a_legal_entity_stay_is_dropped_only_when_the_site_has_it_too(tmp_path):
    tables = valid_extract()
    tables["T_MCO19B.csv"] += [
        _stay_b(APHP, "0000000501", "28Z07Z", "Z511"),  # same stay as the Pitié's 0000000001
        _stay_b(APHP, "0000000502", "09C051", "C509"),  # reported once, under AP-HP
    ]
    tables["T_MCO19C.csv"] += [
        _stay_c(APHP, "0000000501", ANNE_PSA, "15042019", "15042019"),
        _stay_c(APHP, "0000000502", ANNE_PSA, "01092019", "05092019"),
    ]
    report = run(tmp_path, tables).report
    assert report.files["T_MCO19B.csv"].excluded["legal_entity_duplicate"] == 1
    assert f"2019-{APHP}-0000000502" in by(rows(tmp_path, "hospital_stay"), "stay_id")


def test_dates_are_read_in_every_snds_format_and_details_dated_from_admission(tmp_path):
    tables = valid_extract()
    tables["T_MCO19C.csv"][0].update(ENT_DAT="", SOR_DAT="", EXE_SOI_DTD="15APR2019:00:00:00")
    tables["T_MCO19C.csv"][0]["EXE_SOI_DTF"] = "16/04/2019"
    tables["T_MCO19A.csv"][0]["ENT_DAT_DEL"] = "1"
    headers = {"T_MCO19C.csv": [*tables["T_MCO19C.csv"][0]]}
    folder = write_extract(tmp_path / "extract", tables, headers=headers)
    import_extract(Home(tmp_path / "home"), folder)
    stay = by(rows(tmp_path, "hospital_stay"), "stay_id")[f"2019-{PITIE}-0000000001"]
    assert (str(stay["admission_date"]), str(stay["discharge_date"])) == (
        "2019-04-15",
        "2019-04-16",
    )
    assert str(rows(tmp_path, "stay_procedure")[0]["procedure_date"]) == "2019-04-16"


def test_amounts_are_exact_decimals_in_euros_and_drugs_get_their_atc(valid):
    tmp_path, _ = valid
    dispensing = by(rows(tmp_path, "dispensing"), "kind")
    assert str(dispensing["pharmacy"]["paid_amount"]) == "112.40"  # written 112,40
    assert dispensing["pharmacy"]["atc"] == "L02"
    assert dispensing["retrocession"]["atc"] == "L01XA02"
    care = by(rows(tmp_path, "outpatient_care"), "claim_id")
    assert care[dispensing["pharmacy"]["claim_id"]]["prestation_label"] == "PHARMACIE 100%"
    drug = rows(tmp_path, "stay_expensive_drug")[0]
    assert (drug["atc"], drug["quantity"], str(drug["purchase_cost"])) == ("L01XA02", 1.5, "45.10")


def test_causes_of_death_and_long_term_conditions(valid):
    tmp_path, _ = valid
    causes = {(c["role"], c["icd10"], c["rank"]) for c in rows(tmp_path, "cause_of_death")}
    assert causes == {("underlying", "C349", None), ("associated", "J189", 2)}
    (ald,) = rows(tmp_path, "long_term_condition")
    assert (ald["beneficiary_id"], ald["ald_number"], ald["icd10"], ald["end_date"]) == (
        ANNE,
        "30",
        "C509",
        None,
    )


def test_importing_the_same_extract_again_changes_nothing(tmp_path):
    first = run(tmp_path)
    state = (tmp_path / "home" / "working" / "state.json").read_bytes()
    assert not first.already_imported
    again = run(tmp_path, name="copy")  # same content, another folder
    assert again.already_imported and again.extract_sha256 == first.extract_sha256
    assert (tmp_path / "home" / "working" / "state.json").read_bytes() == state


def test_a_new_extract_replaces_the_previous_one_whole(tmp_path):
    run(tmp_path)
    tables = valid_extract()
    del tables["ER_PRS_F.csv"][0]
    result = run(tmp_path, tables, name="next")
    assert result.version == "v0002"
    assert len(rows(tmp_path, "outpatient_care")) == 4
    assert [p.name for p in (tmp_path / "home" / "working" / "datasets" / "snds").iterdir()] == [
        "v0002"
    ]
    record = WorkingStore(Home(tmp_path / "home")).dataset_record("snds")
    assert record["extract_sha256"] == result.extract_sha256
    assert record["tables"]["outpatient_care"] == 4


def test_without_the_ttp_correspondence_nobody_has_a_token(tmp_path):
    tables = valid_extract()
    del tables["TTP_CORRESPONDANCE.csv"]
    result = run(tmp_path, tables)
    assert {p["snds_token"] for p in rows(tmp_path, "beneficiary")} == {None}
    assert any("TTP_CORRESPONDANCE" in note for note in result.report.notes)


def test_a_token_given_to_two_persons_is_refused_for_both(tmp_path):
    tables = valid_extract()
    tables["TTP_CORRESPONDANCE.csv"][1]["SNDS_TOKEN"] = ANNE_TOKEN
    result = run(tmp_path, tables)
    assert quarantined(result) == {
        ("TTP_CORRESPONDANCE.csv", 2, "SNDS_TOKEN", "conflicting_token"),
        ("TTP_CORRESPONDANCE.csv", 3, "SNDS_TOKEN", "conflicting_token"),
    }
    assert {p["snds_token"] for p in rows(tmp_path, "beneficiary")} == {None}


def test_the_report_and_quarantine_name_file_line_column_never_values(tmp_path):
    tables = valid_extract()
    tables["ER_PRS_F.csv"][0]["EXE_SOI_DTD"] = "2019-04-02"
    tables["IR_BEN_R.csv"][2]["BEN_SEX_COD"] = "9"
    result = run(tmp_path, tables)
    assert quarantined(result) >= {
        ("ER_PRS_F.csv", 2, "EXE_SOI_DTD", "invalid_date"),
        ("IR_BEN_R.csv", 4, "BEN_SEX_COD", "invalid_code"),
    }
    text = "".join(p.read_text() for p in result.report_dir.iterdir())
    for value in ("2019-04-02", BRUNO_PSA, ANNE_PSA, BRUNO):
        assert value not in text
    data = json.loads((result.report_dir / "report.json").read_text())
    assert data["status"] == "loaded_with_quarantine"
    assert data["quarantined_by_reason"]["beneficiary_quarantined"]["count"] >= 1


def test_the_command_prints_the_counts_and_exits_0_or_3(tmp_path):
    folder = write_extract(tmp_path / "extract")
    done = runner.invoke(app, ["snds", "import", str(folder), "--home", str(tmp_path / "home")])
    assert done.exit_code == 0, done.output
    assert "ER_PRS_F.csv" in done.output and "legal_entity_duplicate" in done.output
    tables = valid_extract()
    tables["T_MCO19D.csv"][0]["ASS_DGN"] = "NOPE"
    folder = write_extract(tmp_path / "bad", tables)
    done = runner.invoke(app, ["snds", "import", str(folder), "--home", str(tmp_path / "home")])
    assert done.exit_code == 3
    assert "T_MCO19D.csv line 2, column ASS_DGN: invalid_code" in " ".join(done.output.split())


# --- files following the HDH schema but not written by us: load or quarantine, never crash ---

_USED = {
    "IR_BEN_R.csv": "IR_BEN_R",
    "ER_PRS_F.csv": "ER_PRS_F",
    "T_MCO19B.csv": "T_MCOaaB",
    "T_MCO19C.csv": "T_MCOaaC",
    "T_MCO19A.csv": "T_MCOaaA",
    "T_MCO19MED.csv": "T_MCOaaMED",
    "IR_IMB_R.csv": "IR_IMB_R",
}
_ANY_CELL = st.one_of(
    st.sampled_from(["", "0", "1", "71", "9", "01JAN1600:00:00:00", "31/02/2019", "1e3", "-1"]),
    st.text(max_size=12).filter(lambda s: not any(c in s for c in ';\r\n"')),
)


@st.composite
def damaged_extracts(draw):
    """The valid extract plus rows whose cells are replaced by anything, and columns of the
    HDH schema the import does not use, holding anything."""
    tables = valid_extract()
    for _ in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(sorted(_USED)))
        row = dict(draw(st.sampled_from(tables[name])))
        schema = hdh_table(_USED[name])
        for column in draw(st.lists(st.sampled_from(sorted(row)), min_size=1, max_size=4)):
            assert column in schema.fields
            row[column] = draw(_ANY_CELL)
        tables[name].append(row)
    name = draw(st.sampled_from(sorted(_USED)))
    unused = sorted(set(hdh_table(_USED[name]).fields) - set(tables[name][0]))
    for column in draw(st.lists(st.sampled_from(unused), max_size=3, unique=True)):
        for row in tables[name]:
            row[column] = draw(_ANY_CELL)
    return tables


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tables=damaged_extracts())
@pytest.mark.slow
def test_random_values_in_hdh_columns_load_or_are_quarantined_never_crash(tmp_path_factory, tables):
    tmp_path = tmp_path_factory.mktemp("random")
    result = run(tmp_path, tables)
    assert all(f.adds_up for f in result.report.files.values())
    for name, rows_ in tables.items():
        assert result.report.files[name].rows_read == len(rows_)


def test_prs_extra_line_of_a_known_person_loads(tmp_path):
    tables = valid_extract()
    tables["ER_PRS_F.csv"].append(_prs(7, BRUNO_PSA, "1", "1111", "07JUN2019:00:00:00", "25"))
    assert run(tmp_path, tables).report.files["ER_PRS_F.csv"].loaded == 6
