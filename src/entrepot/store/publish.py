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

from entrepot import model
from entrepot.store.atomic import fsync_tree, make_dirs, remove_tree, rename_durably
from entrepot.store.catalog import load, release_dir, release_ids
from entrepot.store.concat import concatenate, count_rows
from entrepot.store.errors import NothingToPublish
from entrepot.store.home import Home
from entrepot.store.manifest import (
    MANIFEST_NAME,
    ReleaseManifest,
    ReleasePackage,
    ReleaseTable,
    release_id,
    release_number,
)
from entrepot.store.state import WorkingState
from entrepot.store.working import STAGING_PREFIX, WorkingStore

#: Told (table name, rows written so far, rows in the table) as a table is written.
Progress = Callable[[str, int, int], None]

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH


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
        known = release_ids(home)
        previous = load(home, known[-1]) if known else None
        if previous is not None and previous.centres == state.centres and not force:
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
                table.name: _write_table(store, table, staging, progress)
                for table in model.CLINICAL_TABLES
            },
            packages=_packages(state),
            centres=state.centres,
        )
        (staging / MANIFEST_NAME).write_text(
            json.dumps(manifest.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        # Read-only before the release appears, so no published release is ever writable.
        _make_read_only(staging)
        fsync_tree(staging)
        rename_durably(staging, release_dir(home, new_id))
        return manifest


def _write_table(
    store: WorkingStore, table: model.Table, staging: Path, progress: Progress | None
) -> ReleaseTable:
    sources = store.all_files(table.name)
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
    files = concatenate(sources, schema, staging, table.name, on_rows)
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
