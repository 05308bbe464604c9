"""How packages combine in the warehouse: replay, yearly refresh, other centres, refusals."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil

import pyarrow.parquet as pq
import pytest

from entrepot.edge import signing
from entrepot.edge.keys import init_centre
from entrepot.edge.pseudonymise import pseudonymise_export
from entrepot.ingest import PackageRefused, ingest_package, register_centre
from entrepot.ingest.registry import registered_centres
from entrepot.store import WorkingStore
from tests.support.exports import CENTRE, OTHER_CENTRE, valid_export


def _state_bytes(pipeline) -> bytes:
    return (pipeline.home.working_dir / "state.json").read_bytes()


def _rows(pipeline, finess: str, table: str) -> list[dict]:
    path = WorkingStore(pipeline.home).centre_files(finess)[table]
    return pq.read_table(path).to_pylist()


def test_ingesting_the_same_package_twice_changes_nothing(pipeline):
    package = pipeline.package()
    first = ingest_package(pipeline.home, package)
    before = _state_bytes(pipeline)

    again = ingest_package(pipeline.home, package)

    assert not first.already_ingested
    assert again.already_ingested and again.package_id == first.package_id
    assert _state_bytes(pipeline) == before


def test_pseudonymising_the_same_export_again_gives_the_same_package(pipeline):
    export = pipeline.export()
    keys = pipeline.keys()
    one = pseudonymise_export(export, keys, pipeline.root / "p1", pipeline.ttp_key)
    two = pseudonymise_export(export, keys, pipeline.root / "p2", pipeline.ttp_key)
    ingest_package(pipeline.home, one.package_dir)

    assert ingest_package(pipeline.home, two.package_dir).already_ingested


def test_a_newer_package_replaces_only_the_patients_it_contains(pipeline):
    pipeline.ingest()
    pipeline.ingest(valid_export(OTHER_CENTRE), finess=OTHER_CENTRE)
    other_centre_file = WorkingStore(pipeline.home).centre_files(OTHER_CENTRE)["patient"]
    other_before = other_centre_file.read_bytes()

    refresh = copy.deepcopy(valid_export())
    refresh["patient"][0]["last_news_date"] = "2025-06-01"  # patient 100001, news updated
    for name, rows in refresh.items():  # patient 100003 is not in this year's export
        if name != "identity":
            refresh[name] = [row for row in rows if row["ipp"] != "100003"]
    result = pipeline.ingest(refresh)

    patients = _rows(pipeline, CENTRE, "patient")
    assert len(patients) == 3  # 100001 and 100002 replaced, 100003 kept from last year
    news = sorted(str(p["last_news_date"]) for p in patients)
    assert news == ["2021-03-04", "2025-01-15", "2025-06-01"]
    assert len(_rows(pipeline, CENTRE, "family_history")) == 1  # 100003's, kept
    assert len(_rows(pipeline, CENTRE, "treatment")) == 4
    assert result.report.patients_superseded == 2
    current_other = WorkingStore(pipeline.home).centre_files(OTHER_CENTRE)["patient"]
    assert current_other.read_bytes() == other_before


def test_an_older_package_than_the_last_one_is_refused(pipeline):
    older = pipeline.package()
    newer_tables = copy.deepcopy(valid_export())
    newer_tables["patient"][0]["last_news_date"] = "2025-02-01"
    pipeline.ingest(newer_tables)
    before = _state_bytes(pipeline)

    with pytest.raises(PackageRefused, match="older export would undo a newer one"):
        ingest_package(pipeline.home, older)
    assert _state_bytes(pipeline) == before


def test_a_tampered_file_is_refused_naming_it(pipeline):
    package = pipeline.package()
    target = package / "treatment.parquet"
    target.write_bytes(target.read_bytes()[:-20] + b"\0" * 20)

    with pytest.raises(PackageRefused, match=r"treatment\.parquet"):
        ingest_package(pipeline.home, package)
    assert (
        not (pipeline.home.working_dir / "state.json").exists()
        or json.loads(_state_bytes(pipeline))["packages"] == {}
    )


def test_a_package_signed_with_another_key_is_refused(pipeline):
    package = pipeline.package()
    impostor = init_centre(pipeline.root / "impostor-keys", CENTRE)
    forged = signing.sign((package / "manifest.json").read_bytes(), impostor.signing_key)
    (package / "manifest.sig").write_bytes(forged)

    with pytest.raises(PackageRefused, match="signature"):
        ingest_package(pipeline.home, package)


def test_a_package_from_an_unregistered_centre_is_refused(pipeline):
    package = pipeline.package()
    shutil.rmtree(pipeline.home.registry_dir)

    with pytest.raises(PackageRefused, match=f"unknown centre {CENTRE}"):
        ingest_package(pipeline.home, package)


def test_the_package_record_keeps_counts_and_never_rows(pipeline):
    result = pipeline.ingest()
    record = WorkingStore(pipeline.home).package_record(result.package_id)

    assert record["files"]["treatment.csv"] == {
        "table": "treatment",
        "rows_in": 4,
        "rows_loaded": 4,
        "rows_quarantined": 0,
    }
    assert dt.datetime.fromisoformat(record["ingested_at"])
    assert "100001" not in json.dumps(record)


def test_the_report_names_file_line_and_column_and_never_shows_a_value(pipeline):
    tables = copy.deepcopy(valid_export())
    tables["treatment"][1]["regimen"] = "letrozole"
    tables["treatment"][1]["start_date"] = "1999-99-99"
    result = pipeline.ingest(tables)

    markdown = (result.report_dir / "report.md").read_text(encoding="utf-8")
    data = json.loads((result.report_dir / "report.json").read_text(encoding="utf-8"))

    assert "| treatment.csv | 3 | start_date | invalid_date |" in markdown
    assert data["reasons"]["invalid_date"]["count"] == 1
    assert data["quarantined_rows"][0]["file"] == "treatment.csv"
    for text in (markdown, json.dumps(data)):
        assert "1999-99-99" not in text and "letrozole" not in text


def test_registering_a_centre_refuses_a_bad_finess_or_key(pipeline, tmp_path):
    keys = pipeline.keys()
    not_a_key = tmp_path / "not-a-key.pub"
    not_a_key.write_text("hello", encoding="utf-8")

    with pytest.raises(PackageRefused, match="not a valid FINESS"):
        register_centre(pipeline.home, "750000011", keys / "signing.pub")
    with pytest.raises(PackageRefused, match="not a PEM public key"):
        register_centre(pipeline.home, OTHER_CENTRE, not_a_key)
    assert OTHER_CENTRE not in registered_centres(pipeline.home)
