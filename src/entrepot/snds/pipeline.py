"""`import_extract`: an SNDS extract folder becomes the working store's current claims.

Everything is prepared in a dataset staging directory and made current by the working
store's single commit; a refused or crashed import leaves the previous SNDS data as it was.
Importing the same extract again changes nothing (its content digest is recorded).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from entrepot import model
from entrepot.snds import conditions, dcir, people, stay_details, stays, tokens
from entrepot.snds.accounting import accounts, quarantine, write_quarantine
from entrepot.snds.coding import Coder
from entrepot.snds.conditions import causes_of_death, certificate_deaths, long_term_conditions
from entrepot.snds.dcir import Claims
from entrepot.snds.extract import Extract, find_files
from entrepot.snds.people import People
from entrepot.snds.reading import ScannedFile, convert, scan
from entrepot.snds.report import ImportReport
from entrepot.snds.sources import (
    BENEFICIARIES,
    CONDITIONS,
    DEATH_CAUSES,
    DEATH_CERTIFICATES,
    PHARMACY,
    PRESTATIONS,
    RETROCESSION,
    STAY_CHAINING,
    STAY_DIAGNOSES,
    STAY_DRUGS,
    STAY_PROCEDURES,
    STAYS,
    TOKENS,
)
from entrepot.snds.stay_details import StayDetails
from entrepot.snds.stays import Stays
from entrepot.snds.values import Field
from entrepot.snds.work import Work
from entrepot.store import Home, WorkingStore, engine
from entrepot.store.atomic import remove_tree
from entrepot.store.working import REPORT_SUBDIR

DATASET = "snds"
#: Raised when the import's output changes for the same extract, so that re-importing an
#: extract after an upgrade is not mistaken for a repeat.
IMPORT_VERSION = 1
#: Steps reported to a progress callback, in order.
STEPS = (
    "scan",
    "convert",
    "beneficiaries",
    "hospital stays",
    "stay details",
    "outpatient care",
    "conditions and deaths",
    "write",
    "commit",
)
_TABLES = {table.name: table for table in model.CLAIMS_TABLES}


@dataclass(frozen=True)
class ImportResult:
    extract_sha256: str
    already_imported: bool
    #: The dataset version this import committed (None when it was already imported).
    version: str | None
    report: ImportReport | None
    report_dir: Path | None


def import_extract(
    home: Home, folder: Path, on_step: Callable[[str], None] | None = None
) -> ImportResult:
    """Import the SNDS extract in `folder` as the working store's current SNDS data.

    Raises `ExtractRefused` (nothing stored) for a folder that is not a complete extract or a
    file whose header does not fit its HDH schema; rows that cannot be used are excluded or
    quarantined, and counted.
    """
    step = on_step or (lambda _: None)
    extract = find_files(folder)
    scans = [scan(f) for f in extract.files]
    step("scan")
    digest = _digest(scans)
    store = WorkingStore(home)
    with store.lock():
        record = store.dataset_record(DATASET)
        if record and (record.get("extract_sha256"), record.get("import_version")) == (
            digest,
            IMPORT_VERSION,
        ):
            return ImportResult(digest, True, None, None, None)
        staging = store.new_dataset_version(DATASET)
        try:
            with engine.scratch(home) as (con, scratch_dir):
                work = Work(con, scratch_dir)
                report = _import(work, extract, scans, digest, staging, step)
            version = store.commit_dataset(DATASET, staging, _record(report))
        finally:
            if staging.exists():
                remove_tree(staging)
        step("commit")
    return ImportResult(digest, False, version, report, store.dataset_dir(DATASET) / REPORT_SUBDIR)


def _digest(scans: list[ScannedFile]) -> str:
    """The extract's content: each file's name and SHA-256, in name order."""
    listing = "".join(
        f"{s.file.name}\t{s.sha256}\n" for s in sorted(scans, key=lambda s: s.file.name)
    )
    return hashlib.sha256(listing.encode()).hexdigest()


def readers() -> dict[str, tuple[tuple[Field, ...], dict[str, Coder]]]:
    """For each native table: the fields the import reads, and the coders of its codes."""
    return {
        BENEFICIARIES.table: (people.FIELDS, people.coders()),
        TOKENS.table: (tokens.FIELDS, {}),
        STAYS.table: (stays.STAY_FIELDS, stays.stay_coders()),
        STAY_CHAINING.table: (stays.CHAINING_FIELDS, stays.chaining_coders()),
        STAY_DIAGNOSES.table: (stay_details.DIAGNOSIS_FIELDS, stay_details.diagnosis_coders()),
        STAY_PROCEDURES.table: (stay_details.PROCEDURE_FIELDS, stay_details.procedure_coders()),
        STAY_DRUGS.table: (stay_details.DRUG_FIELDS, stay_details.drug_coders()),
        PRESTATIONS.table: (dcir.PRESTATION_FIELDS, dcir.prestation_coders()),
        PHARMACY.table: (dcir.PHARMACY_FIELDS, dcir.pharmacy_coders()),
        RETROCESSION.table: (dcir.RETROCESSION_FIELDS, dcir.retrocession_coders()),
        CONDITIONS.table: (conditions.CONDITION_FIELDS, conditions.condition_coders()),
        DEATH_CERTIFICATES.table: (
            conditions.CERTIFICATE_FIELDS,
            conditions.icd10_coders("DCD_CIM_COD"),
        ),
        DEATH_CAUSES.table: (conditions.CAUSE_FIELDS, conditions.icd10_coders("ECD_CIM_COD")),
    }


def _convert(work: Work, scans: list[ScannedFile]) -> None:
    """Convert every file, one after the other: Arrow's reader already keeps the cores
    busy (two files at a time measured slower on two cores)."""
    folder = work.folder / "converted"
    folder.mkdir()
    reading = readers()
    for index, scanned in enumerate(scans):
        table = scanned.file.source.table
        fields, coders = reading[table]
        out = folder / f"{index:03d}-{table}.parquet"
        convert(scanned, list(fields), coders, out)
        work.converted.setdefault(table, []).append(out)


def _import(
    work: Work,
    extract: Extract,
    scans: list[ScannedFile],
    digest: str,
    staging: Path,
    step: Callable[[str], None],
) -> ImportReport:
    _convert(work, scans)
    step("convert")
    persons = People(work)
    step("beneficiaries")
    pmsi = Stays(work, persons)
    step("hospital stays")
    details = StayDetails(work, pmsi)
    rows: dict[str, ir.Table] = {
        "hospital_stay": pmsi.hospital_stays(),
        "stay_diagnosis": details.diagnoses(),
        "stay_procedure": details.procedures(),
        "stay_expensive_drug": details.expensive_drugs(),
    }
    step("stay details")
    claims = Claims(work, persons)
    rows["dispensing"] = claims.pharmacy().union(claims.retrocession())
    rows["outpatient_care"] = claims.outpatient_care()
    step("outpatient care")
    rows["long_term_condition"] = long_term_conditions(work, persons)
    rows["cause_of_death"] = causes_of_death(work, persons)
    token_rows = tokens.tokens(work, persons) if TOKENS.table in work.converted else None
    rows["beneficiary"] = _beneficiaries(work, persons, token_rows)
    step("conditions and deaths")
    written = {
        name: work.write(_TABLES[name], rows[name], staging / f"{name}.parquet") for name in _TABLES
    }
    report_dir = staging / REPORT_SUBDIR
    report_dir.mkdir()
    report = ImportReport(
        extract=str(extract.folder),
        extract_sha256=digest,
        imported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        files=accounts(work, scans),
        tables=written,
        listed=write_quarantine(work, quarantine(work, scans), report_dir),
        notes=_notes(extract, token_rows is not None),
    )
    report.write(report_dir)
    step("write")
    return report


def _beneficiaries(work: Work, persons: People, token_rows: ir.Table | None) -> ir.Table:
    t = persons.persons()
    deaths = certificate_deaths(work)
    t = t.left_join(deaths, t.beneficiary_id == deaths.c_person)
    t = t.mutate(death_date=t.death_date.coalesce(t.c_death))
    if token_rows is None:
        return t.mutate(snds_token=ibis.null("string"))
    t = t.left_join(token_rows, t.beneficiary_id == token_rows.t_person)
    return t.mutate(snds_token=t.t_token)


def _notes(extract: Extract, has_tokens: bool) -> list[str]:
    notes = [f"PMSI years: {', '.join(str(y) for y in extract.years)}."]
    if not has_tokens:
        notes.append(
            "No TTP_CORRESPONDANCE.csv: no beneficiary has an SNDS token, so linkage can "
            "only be probabilistic."
        )
    if extract.ignored:
        notes.append(f"Files not read (not tables of the import): {', '.join(extract.ignored)}.")
    return notes


def _record(report: ImportReport) -> dict:
    """What the working store keeps about the import (counts only, never rows)."""
    return {
        "extract": report.extract,
        "extract_sha256": report.extract_sha256,
        "import_version": IMPORT_VERSION,
        "imported_at": report.imported_at,
        "tables": report.tables,
        "files": {
            name: {
                "rows_read": f.rows_read,
                "loaded": f.loaded,
                "excluded": f.excluded,
                "quarantined": f.quarantined,
            }
            for name, f in report.files.items()
        },
        "excluded_by_rule": dict(report.excluded_by_rule),
        "quarantined_by_reason": dict(report.quarantined_by_reason),
    }
