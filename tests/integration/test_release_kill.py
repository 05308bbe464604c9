"""A publish killed at any moment leaves the previous release intact and nothing partial.

A real `python -m entrepot.cli.release publish` is SIGKILLed (no cleanup code runs, as in
a power cut or an OOM kill) while it writes a release of a few hundred thousand rows.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from entrepot import model
from entrepot.store import Home, WorkingStore, release

pytestmark = pytest.mark.slow

CENTRES = ("750000001", "690000002")
PATIENTS_PER_CENTRE = 40_000
KILLS = 8
SEED = int(os.environ.get("ENTREPOT_KILL_SEED", "20240611"))


def warehouse_table(name: str, rows: int, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    """A warehouse-layer table with the given columns, the others null."""
    schema = model.arrow_schema(model.TABLES[name], model.Layer.WAREHOUSE)
    return pa.table(
        [
            pa.array(columns[f.name], f.type) if f.name in columns else pa.nulls(rows, f.type)
            for f in schema
        ],
        schema=schema,
    )


def dates(rng: np.random.Generator, n: int, first: str, last: str) -> np.ndarray:
    start, end = np.datetime64(first, "D"), np.datetime64(last, "D")
    return start + rng.integers(0, (end - start).astype(int), n).astype("timedelta64[D]")


def choose(rng: np.random.Generator, value_set: str, n: int) -> np.ndarray:
    return rng.choice(sorted(model.VALUE_SETS[value_set].codes()), n)


def synthetic_centre(finess: str, package_id: str, n: int, seed: int) -> dict[str, pa.Table]:
    """Warehouse-layer patients with a tumour, three treatments and five measurements each."""
    rng = np.random.default_rng(seed)
    ids = np.char.add(f"{finess}-", np.arange(n).astype(str))
    patient = warehouse_table(
        "patient",
        n,
        {
            "centre_code": np.char.add("code-", ids),
            "patient_id": ids,
            "centre_finess": np.full(n, finess),
            "sex": choose(rng, "sex", n),
            "birth_year": rng.integers(1930, 2000, n),
            "birth_month": rng.integers(1, 13, n),
            "vital_status": choose(rng, "vital_status", n),
            "last_news_date": dates(rng, n, "2020-01-01", "2024-12-31"),
            "source_row": np.arange(2, n + 2),
            "package_id": np.full(n, package_id),
        },
    )
    tumour = warehouse_table(
        "tumour",
        n,
        {
            "patient_id": ids,
            "tumour_number": np.ones(n, dtype=np.int64),
            "cancer_type": choose(rng, "cancer_type", n),
            "diagnosis_date": dates(rng, n, "2015-01-01", "2023-12-31"),
            "metastatic_at_diagnosis": rng.random(n) < 0.2,
            "package_id": np.full(n, package_id),
        },
    )
    t = 3 * n
    drug_counts = rng.integers(0, 4, t)
    drugs = pa.ListArray.from_arrays(
        np.concatenate([[0], np.cumsum(drug_counts)]).astype(np.int32),
        pa.array(rng.choice(["L01XC03", "L01CD01", "L02BG04", "L01XE07"], drug_counts.sum())),
    )
    treatment = warehouse_table(
        "treatment",
        t,
        {
            "patient_id": np.repeat(ids, 3),
            "tumour_number": np.ones(t, dtype=np.int64),
            "treatment_number": np.tile([1, 2, 3], n),
            "kind": choose(rng, "treatment_kind", t),
            "setting": choose(rng, "treatment_setting", t),
            "drugs": drugs,
            "start_date": dates(rng, t, "2015-01-01", "2024-06-30"),
            "package_id": np.full(t, package_id),
        },
    )
    m = 5 * n
    measurement = warehouse_table(
        "measurement",
        m,
        {
            "patient_id": np.repeat(ids, 5),
            "measurement_date": dates(rng, m, "2015-01-01", "2024-06-30"),
            "kind": choose(rng, "measurement_kind", m),
            "value": rng.normal(60, 15, m),
            "unit": np.full(m, "kg"),
            "package_id": np.full(m, package_id),
        },
    )
    return {
        "patient": patient,
        "tumour": tumour,
        "treatment": treatment,
        "measurement": measurement,
    }


def commit(home: Home, finess: str, package_id: str, seed: int) -> None:
    store = WorkingStore(home)
    with store.lock():
        staging = store.new_centre_version(finess)
        for name, table in synthetic_centre(finess, package_id, PATIENTS_PER_CENTRE, seed).items():
            pq.write_table(table, staging / f"{name}.parquet")
        store.commit(finess, staging, package_id, {"loaded": PATIENTS_PER_CENTRE})


def publish_command(home: Home) -> list[str]:
    """The operator's command, forced so that every attempt rebuilds a whole release."""
    return [
        sys.executable,
        "-m",
        "entrepot.cli.release",
        "publish",
        "--force",
        "--home",
        str(home.root),
    ]


def wait_for_staging(home: Home, process: subprocess.Popen) -> bool:
    """Wait until the publish has started building its release (False if it ended first)."""
    while process.poll() is None:
        if any(home.releases_dir.glob(".staging-*")):
            return True
        time.sleep(0.005)
    return False


def snapshot(home: Home) -> dict[str, bytes]:
    """Every file of the working store, with its content."""
    return {
        path.relative_to(home.root).as_posix(): path.read_bytes()
        for path in sorted(home.working_dir.rglob("*"))
        if path.is_file()
    }


def test_a_publish_killed_at_random_moments_never_damages_releases(tmp_path: Path) -> None:
    home = Home(tmp_path / "home")
    for seed, finess in enumerate(CENTRES):
        commit(home, finess, f"{finess}-1", seed)
    started = time.monotonic()
    first = release.publish(home)
    publish_seconds = time.monotonic() - started
    first_manifest = (release.release_dir(home, "R0001") / "manifest.json").read_bytes()
    commit(home, CENTRES[0], f"{CENTRES[0]}-2", seed=99)
    working_before = snapshot(home)
    rng = random.Random(SEED)

    killed_while_building = 0
    for attempt in range(KILLS):
        process = subprocess.Popen(
            publish_command(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # Most kills land while the release is being built; the others anywhere from
        # interpreter start-up on (imports, lock, sweep of the previous attempt's staging).
        if attempt % 4 == 0:
            time.sleep(rng.uniform(0, 1.5))
            building = any(home.releases_dir.glob(".staging-*"))
        else:
            building = wait_for_staging(home, process)
            time.sleep(rng.uniform(0, publish_seconds))
        process.send_signal(signal.SIGKILL)
        returncode = process.wait()
        stderr = process.stderr.read().decode()
        process.stderr.close()
        context = f"seed {SEED}, attempt {attempt}, rc {returncode}: {stderr[-2000:]}"
        assert returncode in (-signal.SIGKILL, 0), context
        killed_while_building += returncode == -signal.SIGKILL and building

        published = release.list_releases(home)
        assert published[0] == first, context
        assert (release.release_dir(home, "R0001") / "manifest.json").read_bytes() == first_manifest
        for manifest in published:
            assert release.verify(home, manifest.release_id).ok, context
        assert snapshot(home) == working_before, context

    assert killed_while_building >= KILLS // 2, f"seed {SEED}: too few kills hit the build"
    with WorkingStore(home).lock():  # the next writer sweeps the leftovers
        assert not list(home.releases_dir.glob(".staging-*"))

    finished = subprocess.run(publish_command(home), capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    latest = release.load(home)
    assert latest.previous_release_id == release.list_releases(home)[-2].release_id
    assert release.verify(home, latest.release_id).ok
    assert latest.tables["patient"].rows == len(CENTRES) * PATIENTS_PER_CENTRE
    assert latest.tables["treatment"].rows == 3 * len(CENTRES) * PATIENTS_PER_CENTRE
    assert latest.packages.keys() == {f"{CENTRES[0]}-1", f"{CENTRES[0]}-2", f"{CENTRES[1]}-1"}
    assert snapshot(home) == working_before
