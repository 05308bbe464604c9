"""The working store: commits replace a centre's data whole, or not at all."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from entrepot import model
from entrepot.store import CentreState, Home, StoreBusy, StoreError, WorkingState, WorkingStore
from entrepot.store import working as working_module

CENTRE = "750000001"


def patients(*patient_ids: str) -> pa.Table:
    """A warehouse-layer patient table with only `patient_id` filled in."""
    schema = model.arrow_schema(model.TABLES["patient"], model.Layer.WAREHOUSE)
    return pa.table(
        {
            field.name: pa.array(
                list(patient_ids) if field.name == "patient_id" else [None] * len(patient_ids),
                field.type,
            )
            for field in schema
        },
        schema=schema,
    )


def stage(store: WorkingStore, finess: str, *patient_ids: str) -> Path:
    """A staging directory holding a centre's patients and a package report."""
    staging = store.new_centre_version(finess)
    pq.write_table(patients(*patient_ids), staging / "patient.parquet")
    (staging / "_package").mkdir()
    (staging / "_package" / "report.json").write_text(json.dumps({"loaded": len(patient_ids)}))
    return staging


def commit(store: WorkingStore, finess: str, package_id: str, *patient_ids: str) -> None:
    with store.lock():
        staging = stage(store, finess, *patient_ids)
        store.commit(finess, staging, package_id, {"loaded": len(patient_ids)})


def current_patients(store: WorkingStore, finess: str) -> list[str]:
    path = store.centre_files(finess)["patient"]
    return pq.read_table(path).column("patient_id").to_pylist()


def tree(root: Path) -> set[str]:
    """Every path under `root`, relative, except the lock file."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*")} - {".lock"}


@pytest.fixture
def store(tmp_path: Path) -> WorkingStore:
    return WorkingStore(Home(tmp_path / "home"))


def test_home_comes_from_the_option_then_the_environment_then_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENTREPOT_HOME", str(tmp_path / "from-env"))
    assert Home.resolve(Path("opt")).root == tmp_path / "opt"
    assert Home.resolve(None).root == tmp_path / "from-env"
    monkeypatch.delenv("ENTREPOT_HOME")
    home = Home.resolve(None)
    assert home.root == tmp_path / "entrepot-data"
    assert home.working_dir == home.root / "working"
    assert home.releases_dir == home.root / "releases"
    assert home.registry_dir == home.root / "registry"
    assert home.reports_dir == home.root / "reports"


def test_a_new_working_store_is_empty(store: WorkingStore) -> None:
    assert store.state() == WorkingState()
    assert store.centre_files(CENTRE) == {}
    assert store.all_files("patient") == []
    assert store.package_record("P1") is None


def test_commit_makes_the_staged_data_current(store: WorkingStore) -> None:
    commit(store, CENTRE, "P1", "a", "b")

    state = store.state()
    assert state.centres == {CENTRE: CentreState("v0001", ("P1",))}
    assert state.packages == {"P1": {"loaded": 2}}
    assert store.package_record("P1") == {"loaded": 2}
    assert current_patients(store, CENTRE) == ["a", "b"]
    assert list(store.centre_files(CENTRE)) == ["patient"]
    assert store.all_files("patient") == [store.centre_files(CENTRE)["patient"]]
    assert (store.package_dir("P1") / "report.json").read_text() == '{"loaded": 2}'


def test_a_resubmission_replaces_the_centre_data_and_deletes_the_old_version(
    store: WorkingStore,
) -> None:
    commit(store, CENTRE, "P1", "a", "b")
    commit(store, "750000002", "Q1", "x")
    commit(store, CENTRE, "P2", "c")

    assert store.state().centres[CENTRE] == CentreState("v0002", ("P1", "P2"))
    assert current_patients(store, CENTRE) == ["c"]
    assert set(store.state().packages) == {"P1", "Q1", "P2"}
    assert [p.parent.parent.name for p in store.all_files("patient")] == [CENTRE, "750000002"]
    assert not (store.centres_dir / CENTRE / "v0001").exists()
    assert (store.package_dir("P1") / "report.json").exists()


def test_state_survives_a_round_trip_through_json(store: WorkingStore) -> None:
    state = WorkingState(
        centres={CENTRE: CentreState("v0003", ("P1", "P2"))},
        packages={"P1": {"loaded": 3, "tables": {"patient": [1, 2]}}, "P2": {}},
    )
    assert WorkingState.from_json(json.loads(json.dumps(state.to_json()))) == state


def test_writing_needs_the_lock(store: WorkingStore) -> None:
    with pytest.raises(StoreError, match="lock"):
        store.new_centre_version(CENTRE)
    with store.lock():
        staging = stage(store, CENTRE, "a")
    with pytest.raises(StoreError, match="lock"):
        store.commit(CENTRE, staging, "P1", {})


def test_a_package_is_committed_once(store: WorkingStore) -> None:
    commit(store, CENTRE, "P1", "a")
    with pytest.raises(StoreError, match="P1 is already committed"):
        commit(store, CENTRE, "P1", "b")
    assert current_patients(store, CENTRE) == ["a"]


def test_commit_takes_only_its_own_staging_directories(store: WorkingStore, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with store.lock():
        with pytest.raises(ValueError, match="not a staging directory"):
            store.commit(CENTRE, elsewhere, "P1", {})
        staging = stage(store, CENTRE, "a")
        (staging / "notes.txt").write_text("?")
        with pytest.raises(ValueError, match=r"unexpected entries .*notes\.txt"):
            store.commit(CENTRE, staging, "P1", {})
        (staging / "notes.txt").unlink()
        with pytest.raises(ValueError, match="invalid package id"):
            store.commit(CENTRE, staging, "../P1", {})
        with pytest.raises(ValueError, match="not JSON-serialisable"):
            store.commit(CENTRE, staging, "P1", {"when": object()})
    assert store.state() == WorkingState()


class SimulatedCrash(BaseException):
    """Raised where the process would have died (BaseException: nothing may catch it)."""


def crash_at_step(monkeypatch: pytest.MonkeyPatch, steps: tuple[str, ...], crash_before: int):
    """Make the working store's file-system `steps` raise `SimulatedCrash` once
    `crash_before` of them (counted in call order) have run."""
    steps_done = 0

    def step(name: str):
        real = getattr(working_module, name)

        def run(*args, **kwargs):
            nonlocal steps_done
            if steps_done == crash_before:
                raise SimulatedCrash(name)
            steps_done += 1
            return real(*args, **kwargs)

        return run

    for name in set(steps):
        monkeypatch.setattr(working_module, name, step(name))


#: The file-system steps of a commit that replaces a version, in order.
COMMIT_STEPS = (
    "fsync_tree",  # the staged files
    "rename_durably",  # _package/ -> packages/<id>
    "rename_durably",  # staging -> centres/<finess>/<version>
    "write_json_atomically",  # state.json: the commit point
    "remove_tree",  # the superseded version
)
STATE_WRITE = COMMIT_STEPS.index("write_json_atomically")


@pytest.mark.parametrize("crash_before", range(len(COMMIT_STEPS) + 1))
def test_a_crash_at_any_step_leaves_the_old_state_or_the_new_one_whole(
    store: WorkingStore, monkeypatch: pytest.MonkeyPatch, crash_before: int
) -> None:
    commit(store, CENTRE, "P1", "a", "b")
    old_state = store.state()
    crash_at_step(monkeypatch, COMMIT_STEPS, crash_before)
    crashed = crash_before < len(COMMIT_STEPS)
    try:
        commit(store, CENTRE, "P2", "c")
    except SimulatedCrash:
        assert crashed
    monkeypatch.undo()

    with store.lock():  # sweeps what the crash left behind
        state = store.state()
    if crash_before <= STATE_WRITE:
        assert state == old_state
        assert current_patients(store, CENTRE) == ["a", "b"]
        expected_version, expected_packages = "v0001", {"P1"}
    else:
        assert state.centres[CENTRE] == CentreState("v0002", ("P1", "P2"))
        assert current_patients(store, CENTRE) == ["c"]
        expected_version, expected_packages = "v0002", {"P1", "P2"}
    assert tree(store.home.working_dir) == {
        "state.json",
        "centres",
        f"centres/{CENTRE}",
        f"centres/{CENTRE}/{expected_version}",
        f"centres/{CENTRE}/{expected_version}/patient.parquet",
        "packages",
        *(f"packages/{p}" for p in expected_packages),
        *(f"packages/{p}/report.json" for p in expected_packages),
    }


def test_a_crash_while_writing_the_state_file_keeps_the_old_state(
    store: WorkingStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit(store, CENTRE, "P1", "a")

    def crash(*args: object) -> None:
        raise SimulatedCrash("os.replace")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(SimulatedCrash):
        commit(store, CENTRE, "P2", "b")
    monkeypatch.undo()

    assert (store.home.working_dir / ".state.json.tmp").exists()
    assert current_patients(store, CENTRE) == ["a"]
    with store.lock():
        pass
    assert not (store.home.working_dir / ".state.json.tmp").exists()
    assert store.state().centres[CENTRE] == CentreState("v0001", ("P1",))


def test_the_lock_sweeps_leftovers_of_a_crash(store: WorkingStore) -> None:
    commit(store, CENTRE, "P1", "a")
    before = tree(store.home.working_dir)
    with store.lock():
        stage(store, CENTRE, "half-written")
    orphans = [
        store.centres_dir / CENTRE / "v0007",
        store.centres_dir / "750000009" / "v0001",
        store.packages_dir / "P-lost",
        store.home.working_dir / ".scratch-0123456789ab",
        store.home.releases_dir / ".staging-R0001",
    ]
    for orphan in orphans:
        orphan.mkdir(parents=True)
        (orphan / "patient.parquet").write_bytes(b"partial")

    with store.lock():
        assert tree(store.home.working_dir) == before
        assert not (store.home.releases_dir / ".staging-R0001").exists()
    assert current_patients(store, CENTRE) == ["a"]


def test_a_lost_state_file_beside_centre_data_stops_everything(store: WorkingStore) -> None:
    commit(store, CENTRE, "P1", "a")
    store.state_path.unlink()
    with pytest.raises(StoreError, match=r"state\.json is missing"), store.lock():
        pass
    assert (store.centres_dir / CENTRE / "v0001" / "patient.parquet").exists()


def test_the_lock_is_refused_while_another_process_holds_it_and_freed_when_it_dies(
    store: WorkingStore,
) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys\n"
            "from entrepot.store import Home, WorkingStore\n"
            f"with WorkingStore(Home({str(store.home.root)!r})).lock():\n"
            "    print('locked', flush=True)\n"
            "    sys.stdin.readline()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        busy = f"busy: process {holder.pid} holds its lock"
        with pytest.raises(StoreBusy, match=busy), store.lock():
            pass
    finally:
        holder.kill()  # SIGKILL: no clean-up code runs, the kernel drops the lock
        holder.wait(timeout=30)
    with store.lock():
        pass


def test_the_lock_is_reentrant_in_a_thread_and_exclusive_between_threads(
    store: WorkingStore,
) -> None:
    refused: list[BaseException] = []

    def other_thread() -> None:
        try:
            with store.lock():
                pass
        except StoreBusy as error:
            refused.append(error)

    with store.lock():
        with store.lock():
            pass
        store.new_centre_version(CENTRE)  # the inner exit did not release the outer hold
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
    assert len(refused) == 1
    assert "busy" in str(refused[0])
