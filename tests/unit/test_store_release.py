"""Releases: published whole or not at all, immutable, comparable, verifiable."""

from __future__ import annotations

import json
import stat
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from entrepot import model
from entrepot.cli.release import app
from entrepot.store import (
    BadSetting,
    Home,
    NothingToPublish,
    StoreBusy,
    StoreError,
    UnknownRelease,
    WorkingStore,
    concat,
    engine,
    release,
)
from entrepot.store.working import SCRATCH_PREFIX

CENTRE_A, CENTRE_B, CENTRE_C = "750000001", "690000002", "130000003"


def warehouse_table(name: str, **columns: list) -> pa.Table:
    """A warehouse-layer table with the given columns filled in, the others null."""
    schema = model.arrow_schema(model.TABLES[name], model.Layer.WAREHOUSE)
    rows = len(next(iter(columns.values())))
    return pa.table(
        {f.name: pa.array(columns.get(f.name, [None] * rows), f.type) for f in schema},
        schema=schema,
    )


def commit(home: Home, finess: str, package_id: str, patient_ids: list[str]) -> None:
    """Commit a centre's data: its patients, one tumour each, two treatments each."""
    store = WorkingStore(home)
    n = len(patient_ids)
    tables = {
        "patient": warehouse_table(
            "patient",
            patient_id=patient_ids,
            centre_finess=[finess] * n,
            package_id=[package_id] * n,
        ),
        "tumour": warehouse_table("tumour", patient_id=patient_ids, tumour_number=[1] * n),
        "treatment": warehouse_table(
            "treatment",
            patient_id=patient_ids * 2,
            treatment_number=[1] * n + [2] * n,
            drugs=[["L01XC03"]] * n + [["L01CD01", "L01XC03"]] * n,
        ),
    }
    with store.lock():
        staging = store.new_centre_version(finess)
        for name, table in tables.items():
            pq.write_table(table, staging / f"{name}.parquet")
        store.commit(finess, staging, package_id, {"loaded": n, "quarantined": 0})


@pytest.fixture
def home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "home")
    commit(home, CENTRE_A, "PA1", ["a1", "a2", "a3"])
    commit(home, CENTRE_B, "PB1", ["b1", "b2"])
    return home


def release_rows(home: Home, release_id: str, table: str) -> pa.Table:
    manifest = release.load(home, release_id)
    directory = release.release_dir(home, release_id)
    return pa.concat_tables(
        pq.read_table(directory / file.path) for file in manifest.tables[table].files
    )


def test_publish_freezes_the_current_data_of_every_centre(home: Home) -> None:
    manifest = release.publish(home)

    assert manifest.release_id == "R0001"
    assert manifest.revision == 0
    assert manifest.previous_release_id is None
    assert manifest.schema_version == model.SCHEMA_VERSION
    assert list(manifest.tables) == [table.name for table in model.CLINICAL_TABLES]
    rows = {name: table.rows for name, table in manifest.tables.items()}
    assert rows == {
        "patient": 5,
        "tumour": 5,
        "treatment": 10,
        "tumour_event": 0,
        "measurement": 0,
        "family_history": 0,
        "centre_stay": 0,
    }
    assert {p: (r.centre, r.record["loaded"]) for p, r in manifest.packages.items()} == {
        "PA1": (CENTRE_A, 3),
        "PB1": (CENTRE_B, 2),
    }
    assert set(manifest.centres) == {CENTRE_A, CENTRE_B}
    patient_ids = release_rows(home, "R0001", "patient").column("patient_id").to_pylist()
    assert sorted(patient_ids) == ["a1", "a2", "a3", "b1", "b2"]
    assert release.load(home) == manifest
    written = json.loads((release.release_dir(home, "R0001") / "manifest.json").read_text())
    assert written == manifest.to_json()


def test_every_table_has_the_warehouse_schema_even_when_empty(home: Home) -> None:
    release.publish(home)
    for table in model.CLINICAL_TABLES:
        expected = model.arrow_schema(table, model.Layer.WAREHOUSE)
        assert release_rows(home, "R0001", table.name).schema.equals(expected), table.name


def test_publish_reports_its_progress_per_table(home: Home) -> None:
    calls: list[tuple[str, int, int]] = []
    release.publish(home, lambda *call: calls.append(call))
    assert calls[0] == ("patient", 0, 5)
    assert ("patient", 5, 5) in calls
    assert ("treatment", 10, 10) in calls
    assert {table for table, _, _ in calls} == {t.name for t in model.CLINICAL_TABLES}


def test_large_tables_are_split_into_several_files(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(concat, "ROWS_PER_FILE", 3)
    manifest = release.publish(home)
    files = manifest.tables["treatment"].files
    assert [file.path for file in files] == [
        "treatment/part-00000.parquet",
        "treatment/part-00001.parquet",
    ]
    assert [file.rows for file in files] == [4, 6]  # centre B (690…) then A (750…)
    assert release.verify(home, "R0001").ok


def test_publishing_nothing_new_is_refused_unless_forced(home: Home) -> None:
    release.publish(home)
    with pytest.raises(NothingToPublish, match="nothing changed since R0001"):
        release.publish(home)
    forced = release.publish(home, force=True)
    assert (forced.release_id, forced.previous_release_id) == ("R0002", "R0001")

    commit(home, CENTRE_A, "PA2", ["a1"])
    assert release.publish(home).release_id == "R0003"


def test_publishing_an_empty_working_store_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NothingToPublish, match="is empty"):
        release.publish(Home(tmp_path / "empty"))
    assert release.list_releases(Home(tmp_path / "empty")) == []


def test_publishing_waits_for_no_one_while_the_store_is_locked(home: Home) -> None:
    raised: list[BaseException] = []

    def publish_from_another_thread() -> None:
        try:
            release.publish(home)
        except StoreBusy as error:
            raised.append(error)

    with WorkingStore(home).lock():
        thread = threading.Thread(target=publish_from_another_thread)
        thread.start()
        thread.join()
    assert len(raised) == 1
    assert release.list_releases(home) == []


def test_a_centre_file_off_the_schema_stops_publishing_and_leaves_no_release(home: Home) -> None:
    release.publish(home)
    store = WorkingStore(home)
    with store.lock():
        staging = store.new_centre_version(CENTRE_C)
        pq.write_table(
            pa.table({"patient_id": ["c1"], "surname": ["X"]}), staging / "patient.parquet"
        )
        store.commit(CENTRE_C, staging, "PC1", {})
    with pytest.raises(StoreError, match=r"missing \[.*'centre_code'.*unexpected \['surname'\]"):
        release.publish(home)
    assert [m.release_id for m in release.list_releases(home)] == ["R0001"]
    assert (home.releases_dir / ".staging-R0002").exists()
    with store.lock():
        assert not (home.releases_dir / ".staging-R0002").exists()


def test_listing_and_loading_see_only_published_releases(home: Home) -> None:
    release.publish(home)
    commit(home, CENTRE_C, "PC1", ["c1"])
    release.publish(home)
    (home.releases_dir / ".staging-R0003" / "patient").mkdir(parents=True)
    (home.releases_dir / "R0004").mkdir()  # no manifest: not a release
    (home.releases_dir / "notes.txt").write_text("?")

    assert [m.release_id for m in release.list_releases(home)] == ["R0001", "R0002"]
    assert release.load(home).release_id == "R0002"
    assert release.load(home, "R0001").release_id == "R0001"
    with pytest.raises(UnknownRelease, match=r"no release 'R0009'.*R0001 to R0002"):
        release.load(home, "R0009")
    with pytest.raises(UnknownRelease, match="no release has been published"):
        release.load(Home(home.root / "elsewhere"))


def test_diff_counts_what_changed_between_two_releases(home: Home) -> None:
    release.publish(home)
    commit(home, CENTRE_A, "PA2", ["a1", "a2", "a4"])  # a3 gone, a4 new
    commit(home, CENTRE_C, "PC1", ["c1"])
    release.publish(home)

    changes = release.diff(home, "R0001", "R0002")
    assert changes.rows["patient"] == (5, 6)
    assert changes.rows["treatment"] == (10, 12)
    assert changes.rows["centre_stay"] == (0, 0)
    assert changes.packages_added == ("PA2", "PC1")
    assert changes.packages_removed == ()
    assert changes.centres_added == (CENTRE_C,)
    assert changes.centres_removed == ()
    assert (changes.patients_added, changes.patients_removed, changes.patients_kept) == (2, 1, 4)

    back = release.diff(home, "R0002", "R0001")
    assert back.packages_removed == ("PA2", "PC1")
    assert back.centres_removed == (CENTRE_C,)
    assert (back.patients_added, back.patients_removed, back.patients_kept) == (1, 2, 4)


def test_release_files_are_read_only_and_an_edit_is_detected(home: Home) -> None:
    manifest = release.publish(home)
    directory = release.release_dir(home, "R0001")
    for path in directory.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o222 == 0, path
    verification = release.verify(home, "R0001")
    assert verification.ok
    assert verification.files_checked == sum(len(t.files) for t in manifest.tables.values())

    edited = directory / "patient" / "part-00000.parquet"
    edited.chmod(0o644)
    pq.write_table(warehouse_table("patient", patient_id=["intruder"]), edited)
    edited.chmod(0o444)
    (directory / "tumour" / "part-00000.parquet").unlink()
    (directory / "patient" / "extra.parquet").write_bytes(b"")

    assert release.verify(home, "R0001").problems == (
        "patient/part-00000.parquet: content differs from the manifest",
        "tumour/part-00000.parquet: missing",
        "patient/extra.parquet: not in the manifest",
    )
    edited.chmod(0o644)
    assert "patient/part-00000.parquet: writable, releases are read-only" in (
        release.verify(home, "R0001").problems
    )


def test_open_release_reads_each_release_separately(home: Home, tmp_path: Path) -> None:
    release.publish(home)
    other = Home(tmp_path / "other")
    commit(other, CENTRE_C, "PC1", ["c1"])
    release.publish(other)

    tables = engine.open_release(home, "R0001")
    other_tables = engine.open_release(other)
    assert tables.manifest.release_id == other_tables.manifest.release_id == "R0001"
    assert tables.backend == "duckdb"
    assert list(tables) == [table.name for table in model.CLINICAL_TABLES]
    assert tables["patient"].count().execute() == 5
    assert other_tables["patient"].count().execute() == 1
    drugs = tables["treatment"].select(drug=tables["treatment"].drugs.unnest())
    assert drugs.drug.nunique().execute() == 2
    with pytest.raises(ValueError, match="unknown backend"):
        engine.connect("oracle")


def test_scratch_work_stays_inside_the_home_and_is_removed(home: Home) -> None:
    store = WorkingStore(home)
    with store.lock(), engine.scratch(home) as (connection, folder):
        spill = Path(connection.raw_sql("SELECT current_setting('temp_directory')").fetchone()[0])
        assert folder.parent == home.working_dir
        assert spill.is_relative_to(folder)
    assert not folder.exists()


def test_a_scratch_engine_keeps_the_memory_it_takes_within_its_cap(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTREPOT_DUCKDB_MEMORY", "1GB")
    with WorkingStore(home).lock(), engine.scratch(home, threads=1) as (connection, _):
        settings = dict(
            connection.raw_sql(
                "SELECT name, value FROM duckdb_settings() WHERE name IN "
                "('memory_limit', 'block_allocator_memory', 'allocator_flush_threshold', "
                "'threads')"
            ).fetchall()
        )
    # One size for the cap and for what the engine keeps (DuckDB shows both in MiB).
    assert settings["memory_limit"] == settings["block_allocator_memory"] == "953.6 MiB"
    assert settings["allocator_flush_threshold"] == "1GB"
    assert settings["threads"] == "1"


def test_a_share_of_the_machine_is_a_memory_cap_too(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTREPOT_DUCKDB_MEMORY", "50%")
    with WorkingStore(home).lock(), engine.scratch(home) as (connection, _):
        cap, kept = connection.raw_sql(
            "SELECT current_setting('memory_limit'), current_setting('block_allocator_memory')"
        ).fetchone()
    assert cap == kept


def test_a_memory_cap_that_is_not_a_size_is_refused_by_name(
    home: Home, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENTREPOT_DUCKDB_MEMORY", "lots")
    with WorkingStore(home).lock(), pytest.raises(BadSetting) as refused, engine.scratch(home):
        pass
    assert "ENTREPOT_DUCKDB_MEMORY='lots'" in str(refused.value)
    assert "such as 4GB" in str(refused.value)
    assert not [p for p in home.working_dir.iterdir() if p.name.startswith(SCRATCH_PREFIX)]


def test_a_crashed_job_s_scratch_folder_is_swept_at_the_next_lock(home: Home) -> None:
    store = WorkingStore(home)
    with store.lock():
        pass
    left_by_a_crash = home.working_dir / f"{SCRATCH_PREFIX}0123456789ab"
    (left_by_a_crash / "spill").mkdir(parents=True)
    (left_by_a_crash / "coded_patient.parquet").write_bytes(b"rows")
    with store.lock():
        assert not left_by_a_crash.exists()


def test_the_command_line_publishes_lists_shows_compares_and_verifies(home: Home) -> None:
    runner = CliRunner()
    at = ["--home", str(home.root)]

    published = runner.invoke(app, ["publish", *at])
    assert published.exit_code == 0, published.output
    assert "Published R0001" in published.output
    again = runner.invoke(app, ["publish", *at])
    assert again.exit_code == 1
    assert "nothing changed since R0001" in again.output
    assert runner.invoke(app, ["publish", "--force", *at]).exit_code == 0

    listed = runner.invoke(app, ["list", *at])
    assert "R0001" in listed.output and "R0002" in listed.output
    shown = runner.invoke(app, ["show", "R0001", *at])
    assert shown.exit_code == 0
    assert "treatment" in shown.output and "PA1" in shown.output
    compared = runner.invoke(app, ["diff", "R0001", "R0002", *at])
    assert "0 added, 0 removed, 5 kept" in compared.output
    assert runner.invoke(app, ["verify", "R0002", *at]).exit_code == 0
    unknown = runner.invoke(app, ["show", "R0042", *at])
    assert unknown.exit_code == 1 and "no release 'R0042'" in unknown.output

    (release.release_dir(home, "R0002") / "patient" / "part-00000.parquet").chmod(0o644)
    altered = runner.invoke(app, ["verify", "R0002", *at])
    assert altered.exit_code == 1
    assert "writable" in altered.output


def test_releases_published_before_the_linkage_still_load(home: Home) -> None:
    manifest = release.publish(home)
    path = release.release_dir(home, manifest.release_id) / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["datasets"] == {}  # nothing linked yet: the release carries no SNDS data
    del data["datasets"]  # how manifests were written before the SNDS linkage

    assert type(manifest).from_json(data) == manifest
