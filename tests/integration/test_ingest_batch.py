"""Several packages at once (`ingest_packages`, what `entrepot ingest PKG…` runs) give the
warehouse exactly what ingesting them one after the other gives (`ingest_package`).

The batch checks the next packages while it commits one; the serial path is the reference.
"""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from entrepot.ingest import PackageRefused, ingest_package, ingest_packages, register_centre
from entrepot.ingest.batch import _IdleCores
from entrepot.store import Home, WorkingStore, engine
from entrepot.store.working import SCRATCH_PREFIX, STAGING_PREFIX
from tests.support.bulk_export import bulk_export
from tests.support.exports import CENTRE, OTHER_CENTRE
from tests.support.pipeline import Pipeline


def _packages(pipeline: Pipeline) -> list[Path]:
    """Two centres, a yearly refresh of the first, and its first package sent again."""
    first = pipeline.package(bulk_export(900, CENTRE, invalid_every=40))
    other = pipeline.package(bulk_export(600, OTHER_CENTRE, invalid_every=30))
    refresh = pipeline.package(bulk_export(700, CENTRE, invalid_every=25))
    return [first, other, refresh, first]


def _fresh_home(pipeline: Pipeline, name: str) -> Home:
    home = Home(pipeline.root / name)
    for finess in (CENTRE, OTHER_CENTRE):
        register_centre(home, finess, pipeline.keys(finess) / "signing.pub")
    return home


def _rows(path: Path) -> list[str]:
    return sorted(json.dumps(row, default=str) for row in pq.read_table(path).to_pylist())


def _without_time(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "ingested_at"}


def _content(home: Home) -> dict:
    """What the working store holds, bar the times of ingestion."""
    store = WorkingStore(home)
    state = store.state()
    content: dict = {
        "centres": {finess: (c.version, c.packages) for finess, c in state.centres.items()},
        "records": {pid: _without_time(record) for pid, record in state.packages.items()},
    }
    for finess in state.centres:
        for name, path in store.centre_files(finess).items():
            content[f"{finess}/{name}"] = _rows(path)
    for package_id in state.packages:
        folder = store.package_dir(package_id)
        report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
        content[f"{package_id}/report.json"] = _without_time(report)
        csv = (folder / "quarantine.csv").read_bytes()
        content[f"{package_id}/quarantine.csv"] = hashlib.sha256(csv).hexdigest()
        for path in sorted((folder / "quarantine").iterdir()):
            content[f"{package_id}/quarantine/{path.name}"] = _rows(path)
    return content


def _leftovers(home: Home) -> list[str]:
    prefixes = (STAGING_PREFIX, SCRATCH_PREFIX)
    return [entry.name for entry in home.working_dir.iterdir() if entry.name.startswith(prefixes)]


def test_packages_ingested_together_give_what_they_give_one_after_the_other(pipeline):
    packages = _packages(pipeline)
    serial, batch = _fresh_home(pipeline, "serial"), _fresh_home(pipeline, "batch")

    one_by_one = [ingest_package(serial, folder) for folder in packages]
    steps: list[tuple[int, str]] = []
    together = list(ingest_packages(batch, packages, on_step=lambda *step: steps.append(step)))

    assert [r.already_ingested for r in together] == [False, False, False, True]
    assert [(r.package_id, r.finess) for r in together] == [
        (r.package_id, r.finess) for r in one_by_one
    ]
    assert [r.report.as_dict()["files"] for r in together if r.report] == [
        r.report.as_dict()["files"] for r in one_by_one if r.report
    ]
    content = _content(batch)
    assert content == _content(serial)
    assert sum(r["rows_quarantined_by_reason"] != {} for r in content["records"].values()) == 3
    assert ("verify" in {s for _, s in steps}) and {p for p, _ in steps} == {0, 1, 2, 3}
    assert _leftovers(batch) == []


def test_a_refused_package_stops_the_batch_after_committing_those_before_it(pipeline):
    first = pipeline.package(bulk_export(300, CENTRE))
    tampered = pipeline.package(bulk_export(200, OTHER_CENTRE))
    (tampered / "tumour.parquet").write_bytes(b"not the file that was signed")
    after = pipeline.package(bulk_export(250, CENTRE))
    home = _fresh_home(pipeline, "batch")

    results = ingest_packages(home, [first, tampered, after])
    committed = next(results)
    with pytest.raises(PackageRefused, match=r"tumour\.parquet"):
        next(results)

    assert list(WorkingStore(home).state().packages) == [committed.package_id]
    assert _leftovers(home) == []


def test_the_collector_thresholds_are_changed_only_while_the_batch_runs(pipeline):
    packages = [pipeline.package(bulk_export(200, CENTRE))]
    home = _fresh_home(pipeline, "batch")
    before = gc.get_threshold()

    results = ingest_packages(home, packages)
    next(results)
    during = gc.get_threshold()
    assert list(results) == []

    assert during != before
    assert gc.get_threshold() == before


def test_arrow_allocates_from_jemalloc_only_while_the_batch_runs(pipeline):
    if "jemalloc" not in pa.supported_memory_backends():
        pytest.skip("this platform's Arrow has no jemalloc")
    packages = [pipeline.package(bulk_export(200, CENTRE))]
    home = _fresh_home(pipeline, "batch")
    before = pa.default_memory_pool().backend_name
    seen: set[str] = set()

    results = ingest_packages(
        home, packages, on_step=lambda *_: seen.add(pa.default_memory_pool().backend_name)
    )
    assert len(list(results)) == 1

    assert seen == {"jemalloc"}
    assert pa.default_memory_pool().backend_name == before


def _engine_threads(con) -> int:
    return int(con.con.execute("SELECT current_setting('threads')").fetchone()[0])


def test_the_engine_takes_every_core_once_no_package_waits_for_a_worker(tmp_path):
    with engine.scratch(Home(tmp_path / "home"), threads=1) as (con, _):
        cores = _IdleCores(con, workers=2)
        seen = []
        for _ in range(3):
            cores.submitted()
        cores.none_left_to_submit()
        # Three packages for two workers: the first two run with a package still waiting.
        cores.run(lambda: seen.append(_engine_threads(con)))
        cores.run(lambda: seen.append(_engine_threads(con)))
        assert _engine_threads(con) == 1
        # The last one starts with no package left: the other worker's core would idle.
        cores.run(lambda: seen.append(_engine_threads(con)))
        assert seen == [1, 1, _engine_threads(ibis.duckdb.connect())]  # one per core
