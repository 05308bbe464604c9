"""An ingest killed at any moment leaves the store as it was, or wholly committed.

A real ingest process is SIGKILLed (no cleanup code runs, as in a power cut or an OOM
kill) while it loads a yearly refresh of tens of thousands of patients into a home that
already holds the centre's first package:

- at chosen steps: the process is paused (SIGSTOP) right after one step of the ingest, then
  killed, so that the short last steps (each rename of the commit, the commit point) are
  hit on every run, whatever the speed of the disk;
- at random moments: the operator's `entrepot ingest` command, killed after seeded random
  delays spread over the whole duration of an ingest, start-up included.

After each kill, the next writer's lock sweeps the leftovers, and the store is either byte
for byte as it was, or (the kill came after the commit point) holds the complete new
state; in that case the home is put back as it was for the next attempt.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from entrepot.cli.ingest import EXIT_QUARANTINED
from entrepot.ingest import ingest_package
from entrepot.model import CLINICAL_TABLES
from entrepot.store import Home, WorkingStore
from entrepot.store.working import PACKAGE_SUBDIR, SCRATCH_PREFIX, STAGING_PREFIX
from tests.support.bulk_export import DEFECTS, bulk_export
from tests.support.exports import CENTRE
from tests.support.pipeline import Pipeline

pytestmark = pytest.mark.slow

PATIENTS = 20_000
KILLS = 8
SEED = int(os.environ.get("ENTREPOT_KILL_SEED", "20240612"))
#: Seconds after which a run is taken as hung (an ingest takes a few seconds).
TIMEOUT = 120
TABLE_NAMES = frozenset(table.name for table in CLINICAL_TABLES)
#: What the ingest has on disk, in the order it appears (see `phase`).
PHASES = ("start", "checks", "writing", "reports", "commit", "committed")

#: The `entrepot ingest` command, made to stop itself (SIGSTOP) right after one step so
#: that the test kills it exactly there. argv: step, marker file, package, home.
PAUSED_INGEST = """
import os, signal, sys
from pathlib import Path

import entrepot.ingest.pipeline as pipeline
import entrepot.store.working as working
from entrepot.cli.main import app

step, marker, package, home = sys.argv[1:5]

def after(module, name, is_the_step):
    original = getattr(module, name)
    def patched(*args, **kwargs):
        result = original(*args, **kwargs)
        if is_the_step(*args):
            Path(marker).write_text(str(os.getpid()))
            os.kill(os.getpid(), signal.SIGSTOP)
        return result
    setattr(module, name, patched)

if step.startswith("write:"):  # a table's new version written, its quarantine not yet
    written = []  # one entry per table version written so far
    after(pipeline, "write_next_version", lambda *_: (
        written.append(True) or len(written) == int(step[len("write:"):])))
elif step == "package renamed":  # commit: packages/<id> in place
    after(working, "rename_durably", lambda source, target: target.parent.name == "packages")
elif step == "version renamed":  # commit: centres/<finess>/<version> in place too
    after(working, "rename_durably", lambda source, target: target.parent.parent.name == "centres")
elif step == "state replaced":  # the commit point passed; superseded version still there
    after(working, "write_json_atomically", lambda path, data: path.name == "state.json")
else:
    raise SystemExit(f"unknown step {step}")
sys.argv = ["entrepot", "ingest", package, "--home", home]
app()
"""
#: The phase each paused step is in, and the orphans it leaves (as `orphans` names them).
PAUSED_STEPS = {
    "write": ("writing", {"scratch", "staging"}),
    "package renamed": ("commit", {"scratch", "staging", "package"}),
    "version renamed": ("commit", {"scratch", "package", "version"}),
    "state replaced": ("committed", {"scratch", "version"}),
}


def ingest_command(home: Home, package: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "entrepot.cli.main",
        "ingest",
        str(package),
        "--home",
        str(home.root),
    ]


def paused_command(home: Home, package: Path, step: str, marker: Path) -> list[str]:
    return [sys.executable, "-c", PAUSED_INGEST, step, str(marker), str(package), str(home.root)]


def phase(home: Home, package_id: str, state_before: bytes) -> str:
    """How far the ingest has gone, by what it has on disk.

    Polled every millisecond beside the ingest on few cores: plain os calls, no globbing.
    """
    working = str(home.working_dir)
    with open(os.path.join(working, "state.json"), "rb") as state:
        if state.read() != state_before:
            return "committed"
    if os.path.exists(os.path.join(working, "packages", package_id)):
        return "commit"  # the package folder is in place, state.json not yet replaced
    names = os.listdir(working)
    staging = [name for name in names if name.startswith(STAGING_PREFIX)]
    for name in staging:
        if os.path.exists(os.path.join(working, name, PACKAGE_SUBDIR, "report.json")):
            return "reports"
    if staging:
        return "writing"  # checks done; new version and quarantine being written
    if any(name.startswith(SCRATCH_PREFIX) for name in names):
        return "checks"
    return "start"  # interpreter start-up, imports, signature and checksums, lock


@dataclass
class Run:
    returncode: int
    #: The last phase seen before the kill (or the end).
    phase: str
    stderr: str
    #: Seconds from start to the kill (or the end).
    seconds: float


def run_killed(
    command: list[str],
    home: Home,
    package_id: str,
    state_before: bytes,
    kill_when: Callable[[float], bool],
) -> Run:
    """Start `command`, SIGKILL it as soon as `kill_when(seconds since start)`."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    latest = "start"
    try:
        while process.poll() is None:
            now = phase(home, package_id, state_before)
            latest = max(latest, now, key=PHASES.index)
            seconds = time.monotonic() - started
            assert seconds < TIMEOUT, f"the ingest still runs after {seconds:.0f} s"
            if kill_when(seconds):
                break
            time.sleep(0.001)
    finally:
        seconds = time.monotonic() - started
        process.send_signal(signal.SIGKILL)  # a no-op if it has already ended
        _, stderr = process.communicate()
    # Dead now: what is on disk is exactly how far it went.
    latest = max(latest, phase(home, package_id, state_before), key=PHASES.index)
    return Run(process.returncode, latest, stderr.decode(), seconds)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(home: Home) -> dict[str, str]:
    """Every file of the working store, with the sha256 of its content."""
    return {
        path.relative_to(home.working_dir).as_posix(): sha256(path)
        for path in sorted(home.working_dir.rglob("*"))
        if path.is_file()
    }


def centre_rows(home: Home) -> dict[str, list[dict]]:
    files = WorkingStore(home).centre_files(CENTRE)
    return {name: pq.read_table(path).to_pylist() for name, path in sorted(files.items())}


def table_sizes(home: Home) -> dict[str, int]:
    files = WorkingStore(home).centre_files(CENTRE)
    return {name: pq.ParquetFile(path).metadata.num_rows for name, path in files.items()}


def orphans(home: Home) -> set[str]:
    """Kinds of what `state.json` does not name: what a killed ingest left for the sweep."""
    state = WorkingStore(home).state()
    working = home.working_dir
    found = set()
    for entry in working.iterdir():
        if entry.name.startswith(STAGING_PREFIX):
            found.add("staging")
        elif entry.name.startswith(SCRATCH_PREFIX):
            found.add("scratch")
    for centre in (working / "centres").iterdir():
        current = state.centres.get(centre.name)
        if any(current is None or v.name != current.version for v in centre.iterdir()):
            found.add("version")
    if any(p.name not in state.packages for p in (working / "packages").iterdir()):
        found.add("package")
    return found


def restore(home: Home, pristine: Path) -> None:
    shutil.rmtree(home.root)
    shutil.copytree(pristine, home.root)


def without_time(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "ingested_at"}


def check_unchanged(home: Home, package_id: str, before: dict, context: str) -> None:
    """The store is exactly as before the killed ingest, and holds nothing of it."""
    store = WorkingStore(home)
    assert store.state_path.read_bytes() == before["state"], context
    files = snapshot(home)
    centre_files = {path: digest for path, digest in files.items() if path.startswith("centres/")}
    assert centre_files == before["centre_files"], context
    assert centre_rows(home) == before["rows"], context
    leftovers = [
        e.name
        for e in home.working_dir.iterdir()
        if e.name.startswith((STAGING_PREFIX, SCRATCH_PREFIX))
    ]
    assert leftovers == [], context
    assert not store.package_dir(package_id).exists(), context
    assert sorted(p.name for p in store.packages_dir.iterdir()) == before["packages"], context
    assert files == before["snapshot"], context


def check_committed(
    home: Home, package: Path, package_id: str, first_id: str, reference: dict, context: str
) -> None:
    """The store holds the complete new state, and nothing else.

    `reference` holds the record of the first complete commit seen: every later one must
    commit the same (bar the time of ingestion).
    """
    store = WorkingStore(home)
    state = store.state()
    centre = state.centres[CENTRE]
    assert centre.packages == (first_id, package_id), context
    record = state.packages[package_id]
    for count in record["files"].values():
        assert count["rows_in"] == count["rows_loaded"] + count["rows_quarantined"], context
    quarantined = sum(count["rows_quarantined"] for count in record["files"].values())
    assert sum(record["rows_quarantined_by_reason"].values()) == quarantined, context
    assert quarantined > 0, context
    assert record["files"]["patient.csv"]["rows_in"] == PATIENTS, context
    assert without_time(record) == without_time(reference.setdefault("record", record)), context
    # The package refreshes every patient of the first one: each table now holds exactly
    # the rows it loaded, in a version holding every table and alone in the centre folder.
    assert record["patients_superseded"] == reference["first_patients"], context
    version_dir = store.centres_dir / CENTRE / centre.version
    assert {p.name for p in version_dir.iterdir()} == {f"{n}.parquet" for n in TABLE_NAMES}
    assert [p.name for p in (store.centres_dir / CENTRE).iterdir()] == [centre.version], context
    loaded = {name: count["rows_loaded"] for name, count in record["files"].items()}
    assert {f"{name}.csv": n for name, n in table_sizes(home).items()} == loaded, context
    package_dir = store.package_dir(package_id)
    assert {p.name for p in package_dir.iterdir()} == {
        "quarantine",
        "quarantine.csv",
        "report.json",
        "report.md",
    }, context
    report = json.loads((package_dir / "report.json").read_text(encoding="utf-8"))
    assert report["files"] == record["files"], context
    for name in TABLE_NAMES:
        pq.read_table(version_dir / f"{name}.parquet")  # whole: readable to the end
        in_quarantine = pq.read_table(package_dir / "quarantine" / f"{name}.parquet").num_rows
        assert in_quarantine == record["files"][f"{name}.csv"]["rows_quarantined"], context
    assert sorted(p.name for p in store.packages_dir.iterdir()) == sorted(state.packages)
    assert orphans(home) == set(), context
    # Ingesting the package again is a no-op.
    state_bytes = store.state_path.read_bytes()
    assert ingest_package(home, package).already_ingested, context
    assert store.state_path.read_bytes() == state_bytes, context


def test_an_ingest_killed_at_any_moment_leaves_the_store_as_it_was(tmp_path: Path) -> None:
    pipeline = Pipeline(tmp_path)
    home = pipeline.home
    first_id = pipeline.ingest().package_id
    package = pipeline.package(bulk_export(PATIENTS))
    manifest = json.loads((package / "manifest.json").read_text(encoding="utf-8"))
    package_id = manifest["package_id"]
    # Created in the same second as the first package, it would be refused as older.
    assert manifest["created_at"] > WorkingStore(home).package_record(first_id)["created_at"]

    with WorkingStore(home).lock():
        pass
    before = {
        "state": WorkingStore(home).state_path.read_bytes(),
        "centre_files": {p: d for p, d in snapshot(home).items() if p.startswith("centres/")},
        "rows": centre_rows(home),
        "packages": [first_id],
        "snapshot": snapshot(home),
    }
    assert sorted(before["rows"]) == sorted(TABLE_NAMES)
    reference = {"first_patients": len(before["rows"]["patient"])}
    pristine = tmp_path / "pristine"
    shutil.copytree(home.root, pristine)
    marker = tmp_path / "paused"
    rng = random.Random(SEED)

    # The steps first: the last one also measures how long an ingest takes to commit.
    steps = [f"write:{rng.randint(1, len(TABLE_NAMES))}", *list(PAUSED_STEPS)[1:]]
    attempts: list[tuple[str, list[str], Callable[[float], bool]]] = [
        (
            f"paused after {step}",
            paused_command(home, package, step, marker),
            lambda seconds: marker.exists(),
        )
        for step in steps
    ]
    # Then random moments: each kill in its own slice of the time the ingest takes to end.
    slots = list(range(KILLS))
    rng.shuffle(slots)
    delays = [(slot + rng.random()) / KILLS for slot in slots]  # of the duration, measured
    duration = 0.0
    attempts += [
        (
            f"at {fraction:.3f} of the duration",
            ingest_command(home, package),
            lambda seconds, fraction=fraction: seconds >= fraction * duration,
        )
        for fraction in delays
    ]

    outcomes: Counter[str] = Counter()
    killed_in: Counter[str] = Counter()
    for attempt, (when, command, kill_when) in enumerate(attempts):
        marker.unlink(missing_ok=True)
        run = run_killed(command, home, package_id, before["state"], kill_when)
        context = f"seed {SEED}, attempt {attempt} ({when}): phase {run.phase}, rc {run.returncode}"
        assert run.returncode in (-signal.SIGKILL, EXIT_QUARANTINED), f"{context}\n{run.stderr}"
        if run.returncode == -signal.SIGKILL:
            killed_in[run.phase] += 1

        left = orphans(home)
        if when.startswith("paused"):
            step_phase, step_orphans = PAUSED_STEPS[
                when.removeprefix("paused after ").split(":")[0]
            ]
            assert run.returncode == -signal.SIGKILL, f"{context}\n{run.stderr}"
            assert (run.phase, left) == (step_phase, step_orphans), context
        if when == "paused after state replaced":
            # The commit lands this long after start; killing up to 10% later also hits the
            # removal of the superseded version and the interpreter's exit.
            duration = 1.1 * run.seconds
        with WorkingStore(home).lock():  # the next writer sweeps what the kill left
            pass
        committed = WorkingStore(home).state_path.read_bytes() != before["state"]
        if when.startswith("paused"):  # only the commit point's replacement commits
            assert committed == (when == "paused after state replaced"), context
        if not committed:
            outcomes["before"] += 1
            check_unchanged(home, package_id, before, context)
        else:
            outcomes["after"] += 1
            check_committed(home, package, package_id, first_id, reference, context)
            restore(home, pristine)  # so that the next attempts kill an ingest again
    print(f"seed {SEED}: ingest ~{duration:.2f} s; {dict(outcomes)}; kills by phase {killed_in}")
    assert outcomes["before"] >= 1 and outcomes["after"] >= 1, outcomes  # by the paused steps

    # Uninterrupted, the ingest commits the package with every row accounted for.
    finished = subprocess.run(
        ingest_command(home, package), capture_output=True, text=True, timeout=TIMEOUT
    )
    assert finished.returncode == EXIT_QUARANTINED, finished.stderr
    check_committed(home, package, package_id, first_id, reference, f"seed {SEED}, last run")
    record = WorkingStore(home).package_record(package_id)
    assert {reason for *_, reason in DEFECTS} <= set(record["rows_quarantined_by_reason"])
    assert f"{PATIENTS:,}" in finished.stdout, finished.stdout  # the accounting is shown
