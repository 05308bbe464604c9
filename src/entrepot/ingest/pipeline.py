"""`ingest_package`: verify, prepare every row, commit in one step.

A package goes through two stages:

1. *prepare*, which needs no lock (it reads only the package): check every row, write the
   rows to load (in the warehouse layout) and the quarantined rows into a scratch folder,
   and count them;
2. *commit*, under the lock: the centre's next version (its earlier rows, bar those of
   the patients the package brings, plus the package's rows), the reports, and the
   working store's single commit.

Everything is prepared beside the current data; a crash at any point leaves the store as
it was. The stages are public for `batch.ingest_packages`, which prepares the next
packages while it commits one.
"""

from __future__ import annotations

import datetime as dt
import itertools
import operator
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from entrepot.ingest.checks import CHECK_ORDER, check_tables, check_unloaded, referenced
from entrepot.ingest.errors import PackageRefused
from entrepot.ingest.facts import FACTS, facts_table
from entrepot.ingest.load import (
    count_superseded,
    register_package_rows,
    table_outputs,
    write_next_version,
)
from entrepot.ingest.package import VerifiedPackage, open_package
from entrepot.ingest.report import FileCount, QuarantinedRow, ValidationReport
from entrepot.model import TABLES
from entrepot.store import Home, WorkingStore, engine, prepared
from entrepot.store.atomic import make_dirs, remove_tree, rename_durably
from entrepot.store.working import PACKAGE_SUBDIR

#: Steps reported to a progress callback: verification, each table's checks, loading.
STEPS = ("verify", *CHECK_ORDER, "load")
#: In a prepared package's folder: the rows to load, and the quarantined rows as sent.
ROWS_DIR, QUARANTINE_DIR = "rows", "quarantine"


@dataclass(frozen=True)
class IngestResult:
    package_id: str
    finess: str
    already_ingested: bool
    report: ValidationReport | None
    report_dir: Path | None


@dataclass(frozen=True)
class PreparedPackage:
    """A package whose rows are checked and written to scratch, ready to commit."""

    package: VerifiedPackage
    #: Scratch folder: `rows/<table>.parquet` and `quarantine/<table>.parquet`.
    folder: Path
    #: Rows in, loaded and quarantined, by file sent.
    files: dict[str, FileCount]
    #: Every quarantined row, by file and line.
    rows: list[QuarantinedRow]


def ingest_package(
    home: Home, folder: Path, on_step: Callable[[str], None] | None = None
) -> IngestResult:
    """Ingest one package into the working store. Raises `PackageRefused` on a bad package."""
    step = on_step or (lambda _: None)
    package = open_package(home, folder)
    step("verify")
    store = WorkingStore(home)
    with store.lock():
        known = known_result(store, package)
        if known is not None:
            return known
        with engine.scratch(home) as (con, scratch_dir):
            ready = prepare(con, package, scratch_dir / "package", step)
            return commit(con, store, ready)


def known_result(store: WorkingStore, package: VerifiedPackage) -> IngestResult | None:
    """Under the lock: the result of a package already ingested, None for a new one.

    Raises `PackageRefused` if the package is older than the centre's latest one."""
    # Package ids are derived from the content, so a known id means the same data.
    if store.package_record(package.package_id) is not None:
        return IngestResult(package.package_id, package.finess, True, None, None)
    _refuse_if_older(store, package)
    return None


def _refuse_if_older(store: WorkingStore, package: VerifiedPackage) -> None:
    state = store.state()
    centre = state.centres.get(package.finess)
    if centre is None or not centre.packages:
        return
    latest = state.packages[centre.packages[-1]]
    if dt.datetime.fromisoformat(latest["created_at"]) > package.created_at:
        raise PackageRefused(
            f"{package.folder}: this package was created {package.created_at.isoformat()}, "
            f"before package {centre.packages[-1]} already ingested for centre "
            f"{package.finess}; an older export would undo a newer one: send a new export"
        )


def prepare(
    con: BaseBackend, package: VerifiedPackage, folder: Path, step: Callable[[str], None]
) -> PreparedPackage:
    """Check every row of the package and write the rows to load and the quarantined rows
    into `folder`, inside the scratch folder of `con` (needs no lock: reads only the
    package). The checked rows stay in `con`'s session until it closes.

    Tables no other check reads are checked as their rows to load are written; the rows
    not written are then checked again for the quarantine (`checks.check_unloaded`)."""
    package_facts = facts_table(package.finess, package.created_on, package.package_id)
    prepared.register_arrow(con, FACTS.get_name(), package_facts)
    sent = check_tables(con, package.folder, step)
    make_dirs(folder / ROWS_DIR)
    make_dirs(folder / QUARANTINE_DIR)
    files: dict[str, FileCount] = {}
    rows: list[QuarantinedRow] = []
    for name in CHECK_ORDER:
        outputs = table_outputs(name)
        rows_file = folder / ROWS_DIR / f"{name}.parquet"
        loaded = prepared.write_parquet(con, outputs.new_rows, rows_file)
        if name not in referenced():
            with pq.ParquetFile(rows_file) as written:
                lines = written.read(["source_row"]).column(0).combine_chunks()
            check_unloaded(con, name, sent[name], lines)
        quarantine = folder / QUARANTINE_DIR / f"{name}.parquet"
        prepared.write_parquet(con, outputs.quarantined, quarantine)
        files[f"{name}.csv"], table_rows = _account(package, name, loaded, quarantine)
        rows += table_rows
    step("load")
    rows.sort(key=operator.itemgetter(0, 1))  # file, line
    return PreparedPackage(package, folder, files, rows)


def commit(con: BaseBackend, store: WorkingStore, ready: PreparedPackage) -> IngestResult:
    """Under the lock, after `prepare`: write the centre's next version and the reports
    beside the current data, then commit them. `con` may be any session of the engine."""
    package = ready.package
    staging = store.new_centre_version(package.finess)
    previous_files = store.centre_files(package.finess)
    package_rows = ready.folder / ROWS_DIR
    register_package_rows(con, package_rows)
    report = ValidationReport(
        package_id=package.package_id,
        centre=package.finess,
        created_at=package.created_at.isoformat(),
        ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        schema_version=package.schema_version,
        files=ready.files,
        patients_loaded=ready.files["patient.csv"].rows_loaded,
        patients_superseded=count_superseded(con, previous_files.get("patient")),
        rows=ready.rows,
    )
    for name in CHECK_ORDER:
        write_next_version(
            con,
            TABLES[name],
            package_rows / f"{name}.parquet",
            previous_files.get(name),
            staging / f"{name}.parquet",
        )
    make_dirs(staging / PACKAGE_SUBDIR)
    rename_durably(ready.folder / QUARANTINE_DIR, staging / PACKAGE_SUBDIR / QUARANTINE_DIR)
    report.write(staging / PACKAGE_SUBDIR)
    store.commit(package.finess, staging, package.package_id, _record(package, report))
    remove_tree(ready.folder)
    return IngestResult(
        package.package_id, package.finess, False, report, store.package_dir(package.package_id)
    )


def _account(
    package: VerifiedPackage, name: str, loaded: int, quarantine: Path
) -> tuple[FileCount, list[QuarantinedRow]]:
    """Count the rows of one file written as loaded (`loaded`) and as quarantined (in the
    file `quarantine`), and prove that none went missing."""
    file = f"{name}.csv"
    with pq.ParquetFile(quarantine) as quarantined:
        reasons = quarantined.read(["source_row", "column", "reason"])
    # By column rather than by row: no dictionary per row for a million rows.
    lines, columns, causes = (part.to_pylist() for part in reasons.columns)
    rows = list(map(QuarantinedRow, itertools.repeat(file), lines, columns, causes))
    rows += [
        QuarantinedRow(file, line, None, "truncated_line")
        for line in package.malformed_lines.get(name, [])
    ]
    rows_in = package.rows[name] + len(package.malformed_lines.get(name, []))
    if rows_in != loaded + len(rows):
        raise RuntimeError(
            f"accounting error in {file}: {rows_in} rows in, {loaded} loaded, "
            f"{len(rows)} quarantined; nothing was stored"
        )
    return FileCount(name, rows_in, loaded, len(rows)), rows


def _record(package: VerifiedPackage, report: ValidationReport) -> dict:
    """What the working store keeps about the package (counts only, never rows)."""
    return {
        "package_id": package.package_id,
        "finess": package.finess,
        "created_at": package.created_at.isoformat(),
        "ingested_at": report.ingested_at,
        "manifest_sha256": package.manifest_sha256,
        "schema_version": package.schema_version,
        "files": {name: asdict(count) for name, count in report.files.items()},
        "rows_quarantined_by_reason": dict(report.reasons),
        "patients_loaded": report.patients_loaded,
        "patients_superseded": report.patients_superseded,
    }
