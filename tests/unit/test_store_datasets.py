"""National datasets in the working store: replaced whole at each import, or not at all."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from entrepot.store import DatasetState, Home, StoreError, WorkingState, WorkingStore
from tests.unit.test_store_working import (
    CENTRE,
    SimulatedCrash,
    commit,
    crash_at_step,
    current_patients,
    tree,
)


@pytest.fixture
def store(tmp_path: Path) -> WorkingStore:
    return WorkingStore(Home(tmp_path / "home"))


def stage(store: WorkingStore, name: str, *ids: str) -> Path:
    staging = store.new_dataset_version(name)
    pq.write_table(pa.table({"beneficiary_id": list(ids)}), staging / "beneficiary.parquet")
    (staging / "_report").mkdir()
    (staging / "_report" / "report.md").write_text("# report\n")
    return staging


def commit_dataset(store: WorkingStore, name: str, digest: str, *ids: str) -> str:
    with store.lock():
        return store.commit_dataset(name, stage(store, name, *ids), {"digest": digest})


def current_ids(store: WorkingStore, name: str = "snds") -> list[str]:
    return pq.read_table(store.dataset_files(name)["beneficiary"]).column(0).to_pylist()


def test_a_new_store_has_no_dataset(store):
    assert store.dataset_files("snds") == {}
    assert store.dataset_record("snds") is None
    assert store.dataset_dir("linkage") is None


def test_commit_makes_the_dataset_current_with_its_record(store):
    assert commit_dataset(store, "snds", "d1", "a", "b") == "v0001"
    assert current_ids(store) == ["a", "b"]
    assert store.dataset_record("snds") == {"digest": "d1"}
    assert store.state().datasets == {"snds": DatasetState("v0001", {"digest": "d1"})}
    assert (store.dataset_dir("snds") / "_report" / "report.md").exists()
    assert list(store.dataset_files("snds")) == ["beneficiary"]


def test_a_new_version_replaces_the_old_one_which_is_deleted(store):
    commit_dataset(store, "snds", "d1", "a")
    commit_dataset(store, "snds", "d2", "b")
    assert current_ids(store) == ["b"]
    assert store.dataset_record("snds") == {"digest": "d2"}
    assert [p.name for p in (store.datasets_dir / "snds").iterdir()] == ["v0002"]


def test_datasets_and_centres_live_side_by_side(store):
    commit(store, CENTRE, "P1", "p")
    commit_dataset(store, "snds", "d1", "a")
    commit_dataset(store, "linkage", "l1", "x")
    commit(store, CENTRE, "P2", "q")
    assert current_patients(store, CENTRE) == ["q"]
    assert current_ids(store, "snds") == ["a"]
    assert current_ids(store, "linkage") == ["x"]


def test_only_known_datasets_and_their_own_staging_directories(store, tmp_path):
    with store.lock():
        with pytest.raises(ValueError, match="unknown dataset 'claims'"):
            store.new_dataset_version("claims")
        with pytest.raises(ValueError, match="not a staging directory"):
            store.commit_dataset("snds", tmp_path, {})
        linkage = stage(store, "linkage", "x")
        with pytest.raises(ValueError, match="not a staging directory"):
            store.commit_dataset("snds", linkage, {})
        staging = stage(store, "snds", "a")
        (staging / "notes.txt").write_text("?")
        with pytest.raises(ValueError, match=r"unexpected entries .*notes\.txt"):
            store.commit_dataset("snds", staging, {})
        (staging / "notes.txt").unlink()
        with pytest.raises(ValueError, match="not JSON-serialisable"):
            store.commit_dataset("snds", staging, {"when": object()})
    assert store.state() == WorkingState()


def test_writing_a_dataset_needs_the_lock(store):
    with pytest.raises(StoreError, match="lock"):
        store.new_dataset_version("snds")
    with store.lock():
        staging = stage(store, "snds", "a")
    with pytest.raises(StoreError, match="lock"):
        store.commit_dataset("snds", staging, {})


#: The file-system steps of a dataset commit that replaces a version, in order.
COMMIT_STEPS = ("fsync_tree", "rename_durably", "write_json_atomically", "remove_tree")
STATE_WRITE = COMMIT_STEPS.index("write_json_atomically")


@pytest.mark.parametrize("crash_before", range(len(COMMIT_STEPS) + 1))
def test_a_crash_at_any_step_leaves_the_old_dataset_or_the_new_one(
    store, monkeypatch, crash_before
):
    commit_dataset(store, "snds", "d1", "a")
    crash_at_step(monkeypatch, COMMIT_STEPS, crash_before)
    try:
        commit_dataset(store, "snds", "d2", "b")
    except SimulatedCrash:
        assert crash_before < len(COMMIT_STEPS)
    monkeypatch.undo()

    with store.lock():  # sweeps what the crash left behind
        pass
    version, ids = ("v0001", ["a"]) if crash_before <= STATE_WRITE else ("v0002", ["b"])
    assert current_ids(store) == ids
    assert tree(store.home.working_dir) == {
        "state.json",
        "datasets",
        "datasets/snds",
        f"datasets/snds/{version}",
        f"datasets/snds/{version}/beneficiary.parquet",
        f"datasets/snds/{version}/_report",
        f"datasets/snds/{version}/_report/report.md",
    }


def test_the_lock_sweeps_dataset_leftovers(store):
    commit_dataset(store, "snds", "d1", "a")
    before = tree(store.home.working_dir)
    with store.lock():
        stage(store, "snds", "half-written")
    for orphan in (store.datasets_dir / "snds" / "v0009", store.datasets_dir / "linkage" / "v0001"):
        orphan.mkdir(parents=True)
        (orphan / "beneficiary.parquet").write_bytes(b"partial")
    with store.lock():
        assert tree(store.home.working_dir) == before


def test_a_lost_state_file_beside_dataset_data_stops_everything(store):
    commit_dataset(store, "snds", "d1", "a")
    store.state_path.unlink()
    with pytest.raises(StoreError, match=r"state\.json is missing"), store.lock():
        pass
    assert current_ids_on_disk(store) == ["a"]


def current_ids_on_disk(store: WorkingStore) -> list[str]:
    path = store.datasets_dir / "snds" / "v0001" / "beneficiary.parquet"
    return pq.read_table(path).column(0).to_pylist()


def test_a_state_file_of_format_1_is_read_as_a_state_without_datasets(store):
    commit(store, CENTRE, "P1", "p")
    data = json.loads(store.state_path.read_text())
    del data["datasets"]
    data["format"] = 1
    store.state_path.write_text(json.dumps(data))
    assert store.state().datasets == {}
    assert current_patients(store, CENTRE) == ["p"]
    commit_dataset(store, "snds", "d1", "a")
    assert json.loads(store.state_path.read_text())["format"] == 2
    assert current_patients(store, CENTRE) == ["p"]


def test_state_with_datasets_survives_a_round_trip_through_json():
    state = WorkingState(datasets={"snds": DatasetState("v0002", {"tables": {"beneficiary": 3}})})
    assert WorkingState.from_json(json.loads(json.dumps(state.to_json()))) == state
