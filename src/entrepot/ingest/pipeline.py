"""`ingest_package`: verify, check, load or quarantine every row, commit in one step.

Everything is prepared beside the current data and made current by the working store's
single commit; a crash at any point leaves the store as it was. The steps are public for
`batch.ingest_packages`, which checks several packages at once and commits them in turn.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ibis.backends import BaseBackend

from entrepot.ingest.checks import CHECK_ORDER, check_tables
from entrepot.ingest.errors import PackageRefused
from entrepot.ingest.facts import FACTS, facts_table
from entrepot.ingest.load import (
    TableOutputs,
    count_superseded,
    superseded_patients,
    table_outputs,
    write_next_version,
)
from entrepot.ingest.package import VerifiedPackage, open_package
from entrepot.ingest.report import FileCount, QuarantinedRow, ValidationReport
from entrepot.model import TABLES
from entrepot.store import Home, WorkingStore, engine, prepared
from entrepot.store.working import PACKAGE_SUBDIR

#: Steps reported to a progress callback: verification, each table's checks, loading.
STEPS = ("verify", *CHECK_ORDER, "load")


@dataclass(frozen=True)
class IngestResult:
    package_id: str
    finess: str
    already_ingested: bool
    report: ValidationReport | None
    report_dir: Path | None


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
        with engine.scratch(home) as (con, _):
            check(con, package, step)
            return load_and_commit(con, store, package, step)


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


def check(con: BaseBackend, package: VerifiedPackage, step: Callable[[str], None]) -> None:
    """Check every row of the package into `con` (needs no lock: reads only the package)."""
    package_facts = facts_table(package.finess, package.created_on, package.package_id)
    prepared.register_arrow(con, FACTS.get_name(), package_facts)
    check_tables(con, package.folder, step)


def load_and_commit(
    con: BaseBackend,
    store: WorkingStore,
    package: VerifiedPackage,
    step: Callable[[str], None],
) -> IngestResult:
    """Under the lock, after `check`: write the centre's next version, the quarantine and
    the reports beside the current data, then commit them."""
    staging = store.new_centre_version(package.finess)
    previous_files = store.centre_files(package.finess)
    superseded = superseded_patients()
    quarantine_dir = staging / PACKAGE_SUBDIR / "quarantine"
    quarantine_dir.mkdir(parents=True)
    files: dict[str, FileCount] = {}
    rows: list[QuarantinedRow] = []
    for name in CHECK_ORDER:
        table, outputs = TABLES[name], table_outputs(name)
        write_next_version(
            con,
            table,
            outputs.new_rows,
            superseded,
            previous_files.get(name),
            staging / f"{name}.parquet",
        )
        prepared.write_parquet(con, outputs.quarantined, quarantine_dir / f"{name}.parquet")
        files[f"{name}.csv"], table_rows = _account(con, package, name, outputs)
        rows += table_rows
    step("load")
    report = ValidationReport(
        package_id=package.package_id,
        centre=package.finess,
        created_at=package.created_at.isoformat(),
        ingested_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        schema_version=package.schema_version,
        files=files,
        patients_loaded=files["patient.csv"].rows_loaded,
        patients_superseded=count_superseded(
            con, TABLES["patient"], superseded, previous_files.get("patient")
        ),
        rows=sorted(rows, key=lambda r: (r.file, r.line)),
    )
    report.write(staging / PACKAGE_SUBDIR)
    store.commit(package.finess, staging, package.package_id, _record(package, report))
    return IngestResult(
        package.package_id, package.finess, False, report, store.package_dir(package.package_id)
    )


def _account(
    con: BaseBackend, package: VerifiedPackage, name: str, outputs: TableOutputs
) -> tuple[FileCount, list[QuarantinedRow]]:
    """Count loaded and quarantined rows of one file and prove that none went missing."""
    file = f"{name}.csv"
    rows = [
        QuarantinedRow(file, r["source_row"], r["column"], r["reason"])
        for r in prepared.to_arrow(con, outputs.reasons).to_pylist()
    ]
    rows += [
        QuarantinedRow(file, line, None, "truncated_line")
        for line in package.malformed_lines.get(name, [])
    ]
    loaded = int(prepared.scalar(con, outputs.loaded))
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
