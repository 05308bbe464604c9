"""Publishing a release: the working store's current data, frozen under a new id.

The release is built in `releases/.staging-<id>/`, its files made read-only and flushed,
then it appears under `releases/<id>/` in a single rename. Killed at any moment, publishing
leaves either no new release (the staging directory, ignored by readers, is swept at the
next lock) or a complete one; earlier releases are never touched.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from entrepot import model
from entrepot.store.atomic import fsync_tree, make_dirs, remove_tree, rename_durably
from entrepot.store.catalog import load, release_dir, release_ids
from entrepot.store.concat import concatenate, count_rows
from entrepot.store.errors import NothingToPublish, StaleLinkage
from entrepot.store.home import Home
from entrepot.store.manifest import (
    MANIFEST_NAME,
    ReleaseManifest,
    ReleasePackage,
    ReleaseTable,
    release_id,
    release_number,
)
from entrepot.store.state import DatasetState, WorkingState
from entrepot.store.working import STAGING_PREFIX, WorkingStore

#: Told (table name, rows written so far, rows in the table) as a table is written.
Progress = Callable[[str, int, int], None]

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
#: The working-store datasets of the SNDS linkage, and the link table's file.
SNDS_DATASET, LINKAGE_DATASET, LINK_TABLE = "snds", "linkage", "snds_link"


def publish(
    home: Home, progress: Progress | None = None, *, force: bool = False
) -> ReleaseManifest:
    """Publish the working store's current data as the next release.

    Holds the working-store lock throughout, so the data cannot change while it is
    copied. Refuses an empty working store, and a working store unchanged since the last
    release unless `force` is set.
    """
    store = WorkingStore(home)
    with store.lock():
        state = store.state()
        if not state.centres:
            raise NothingToPublish(
                f"the working store of {home.root} is empty: ingest a package first"
            )
        datasets = _linked_datasets(state)
        known = release_ids(home)
        previous = load(home, known[-1]) if known else None
        unchanged = previous is not None and (previous.centres, previous.datasets) == (
            state.centres,
            datasets,
        )
        if unchanged and not force:
            raise NothingToPublish(f"nothing changed since {previous.release_id}")
        new_id = release_id(release_number(known[-1]) + 1 if known else 1)
        make_dirs(home.releases_dir)
        staging = home.releases_dir / f"{STAGING_PREFIX}{new_id}"
        if staging.exists():  # left by a failed publish under this same lock
            remove_tree(staging)
        staging.mkdir()
        manifest = ReleaseManifest(
            release_id=new_id,
            revision=0,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            schema_version=model.SCHEMA_VERSION,
            previous_release_id=previous.release_id if previous else None,
            tables={
                **{
                    table.name: _write_table(store.all_files(table.name), table, staging, progress)
                    for table in model.CLINICAL_TABLES
                },
                **_write_linked_claims(store, datasets, staging, progress),
            },
            packages=_packages(state),
            centres=state.centres,
            datasets=datasets,
        )
        (staging / MANIFEST_NAME).write_text(
            json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        # Read-only before the release appears, so no published release is ever writable.
        _make_read_only(staging)
        fsync_tree(staging)
        rename_durably(staging, release_dir(home, new_id))
        return manifest


def link_sources(state: WorkingState) -> dict:
    """What a link table is computed from: each centre's version and the SNDS version.

    Linkage records it; publishing compares it with the current state, so that a release
    never pairs links with data they were not computed on.
    """
    snds = state.datasets.get(SNDS_DATASET)
    return {
        "centres": {finess: centre.version for finess, centre in sorted(state.centres.items())},
        "snds_version": snds.version if snds else None,
    }


def _linked_datasets(state: WorkingState) -> dict[str, DatasetState]:
    """The datasets the release carries: the SNDS and the links, once linkage has run."""
    linkage = state.datasets.get(LINKAGE_DATASET)
    if linkage is None:
        return {}
    if linkage.record.get("inputs") != link_sources(state):
        raise StaleLinkage(
            "the SNDS links were computed before the latest ingestion or SNDS import: "
            "run `entrepot link` again, then publish"
        )
    return {SNDS_DATASET: state.datasets[SNDS_DATASET], LINKAGE_DATASET: linkage}


def _write_linked_claims(
    store: WorkingStore,
    datasets: dict[str, DatasetState],
    staging: Path,
    progress: Progress | None,
) -> dict[str, ReleaseTable]:
    """The link table, and the SNDS claims of the linked beneficiaries only: the release
    carries no claim of a person who is not one of the warehouse's patients."""
    if not datasets:
        return {}
    links = store.dataset_files(LINKAGE_DATASET)[LINK_TABLE]
    linked = pq.read_table(links, columns=["beneficiary_id"])["beneficiary_id"].combine_chunks()

    def of_linked(batch: pa.RecordBatch) -> pa.RecordBatch:
        return batch.filter(pc.is_in(batch["beneficiary_id"], value_set=linked))

    claims = store.dataset_files(SNDS_DATASET)
    tables = {LINK_TABLE: _write_table([links], model.SNDS_LINK, staging, progress)}
    for table in model.CLAIMS_TABLES:
        if table.name in claims:
            tables[table.name] = _write_table(
                [claims[table.name]], table, staging, progress, of_linked
            )
    return tables


def _write_table(
    sources: list[Path],
    table: model.Table,
    staging: Path,
    progress: Progress | None,
    keep: Callable[[pa.RecordBatch], pa.RecordBatch] | None = None,
) -> ReleaseTable:
    total = count_rows(sources)
    written = 0

    def on_rows(rows: int) -> None:
        nonlocal written
        written += rows
        if progress is not None:
            progress(table.name, written, total)

    if progress is not None:
        progress(table.name, 0, total)
    schema = model.arrow_schema(table, model.Layer.WAREHOUSE)
    files = concatenate(sources, schema, staging, table.name, on_rows, keep)
    if progress is not None:  # filtered tables write fewer rows than their sources hold
        progress(table.name, total, total)
    return ReleaseTable(rows=sum(file.rows for file in files), files=files)


def _packages(state: WorkingState) -> dict[str, ReleasePackage]:
    return {
        package_id: ReleasePackage(centre=finess, record=state.packages[package_id])
        for finess, centre in sorted(state.centres.items())
        for package_id in centre.packages
    }


def _make_read_only(root: Path) -> None:
    for directory, _, files in os.walk(root):
        for name in files:
            os.chmod(Path(directory, name), _READ_ONLY)
