"""Linkage run on the warehouse itself: the working store's patients and their stays at
the centre against its imported SNDS data; the links and the report become the store's
"linkage" dataset, which the next release carries.

The working-store lock is held from reading the inputs to the commit: the link table then
always describes the exact centre versions and SNDS version it was computed from (both are
recorded), and no ingestion can replace a centre's data half-way through.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from entrepot import model
from entrepot.linkage.baseline import deterministic_baseline
from entrepot.linkage.evaluation import evaluate
from entrepot.linkage.pipeline import LinkageResult, link
from entrepot.linkage.summary import markdown_report
from entrepot.store import Home, WorkingStore
from entrepot.store.atomic import remove_tree
from entrepot.store.publish import LINK_TABLE, LINKAGE_DATASET, SNDS_DATASET, link_sources

#: Where the report goes inside the dataset version.
REPORT_SUBDIR = "_report"

_PEOPLE = ["patient_id", "centre_finess", "snds_token", "sex", "birth_year", "birth_month"]
_PEOPLE += ["departement", "death_date"]
_HOSPITAL_STAYS = ["patient_id", "stay_finess", "admission_date", "discharge_date"]
_BENEFICIARIES = ["beneficiary_id", "snds_token", "sex", "birth_year", "birth_month"]
_BENEFICIARIES += ["departement", "death_date"]
_SNDS_STAYS = ["beneficiary_id", "finess", "admission_date", "discharge_date"]


class LinkageRefused(Exception):
    """The warehouse has nothing to link yet; the message says what to run first."""


@dataclass(frozen=True)
class WarehouseLinkage:
    version: str
    result: LinkageResult
    #: Precision, recall and F1 of the linkage and of the baseline (synthetic data only).
    evaluation: dict[str, Any] | None
    report_dir: Path


def link_warehouse(
    home: Home,
    *,
    backend: str = "duckdb",
    use_tokens: bool = True,
    threshold: float = 0.9,
    seed: int = 42,
    truth: pa.Table | None = None,
    progress: Callable[[str], None] | None = None,
) -> WarehouseLinkage:
    """Link every patient of the working store with the imported SNDS, and commit the
    links as the current "linkage" dataset.

    `truth` (`patient_id, beneficiary_id`), known only for synthetic data, adds the true
    precision, recall and F1 of the linkage and of the deterministic baseline to the report.
    """
    store = WorkingStore(home)
    with store.lock():
        state = store.state()
        inputs = warehouse_inputs(store)
        result = link(
            *inputs,
            backend=backend,
            use_tokens=use_tokens,
            threshold=threshold,
            seed=seed,
            progress=progress,
        )
        evaluation = None
        if truth is not None:
            if progress:
                progress("evaluation")
            evaluation = {
                "linkage": evaluate(result.links, truth),
                "deterministic_baseline": evaluate(deterministic_baseline(*inputs), truth),
            }
        report = {
            **result.report,
            "inputs": link_sources(state),
            "evaluation": evaluation,
        }
        staging = store.new_dataset_version(LINKAGE_DATASET)
        try:
            _write(staging, result, report)
            version = store.commit_dataset(LINKAGE_DATASET, staging, _record(report))
        finally:
            if staging.exists():
                remove_tree(staging)
    return WarehouseLinkage(
        version, result, evaluation, store.dataset_dir(LINKAGE_DATASET) / REPORT_SUBDIR
    )


def warehouse_inputs(store: WorkingStore) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    """Patients, their stays at the centre, beneficiaries and their PMSI stays, read from
    the store's current files (hold the lock: the files must not be superseded meanwhile)."""
    patients = store.all_files("patient")
    snds = store.dataset_files(SNDS_DATASET)
    if not patients:
        raise LinkageRefused("the working store holds no patient: ingest a package first")
    if not snds:
        raise LinkageRefused(
            "no SNDS extract has been imported: run `entrepot snds import EXTRACT_DIR` first"
        )
    return (
        _read(patients, _PEOPLE),
        _read(store.all_files("centre_stay"), _HOSPITAL_STAYS),
        _read([snds["beneficiary"]], _BENEFICIARIES),
        _read([snds["hospital_stay"]], _SNDS_STAYS),
    )


def _read(files: list[Path], columns: list[str]) -> pa.Table:
    tables = [pq.read_table(f, columns=columns) for f in files]
    # Centres' files may differ in what they declare NOT NULL; the values are the same kind.
    nullable = pa.schema([field.with_nullable(True) for field in tables[0].schema])
    return pa.concat_tables([table.cast(nullable) for table in tables])


def _write(staging: Path, result: LinkageResult, report: dict[str, Any]) -> None:
    schema = model.arrow_schema(model.SNDS_LINK, model.Layer.WAREHOUSE)
    pq.write_table(
        result.links.select(schema.names).cast(schema), staging / f"{LINK_TABLE}.parquet"
    )
    report_dir = staging / REPORT_SUBDIR
    report_dir.mkdir()
    (report_dir / "report.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (report_dir / "report.md").write_text(markdown_report(report), encoding="utf-8")
    pacsv.write_csv(result.unlinked, report_dir / "unlinked.csv")
    if result.model_json:
        (report_dir / "model.json").write_text(result.model_json, encoding="utf-8")


def _record(report: dict[str, Any]) -> dict[str, Any]:
    """What `state.json` keeps of the run: counts only."""
    return {
        "inputs": report["inputs"],
        "patients": report["patients"],
        "linked": report["linked"],
        "unlinked": report["unlinked"],
        "by_method": report["by_method"],
    }
