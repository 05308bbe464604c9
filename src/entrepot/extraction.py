"""A project's extract and its k-anonymity report, for `entrepot extract` and the API.

The gate (`access`) writes the extract; disclosure control (`disclosure`) measures how
re-identifiable it is on the quasi-identifiers the grant lets through: age band, sex,
département, and the month of diagnosis. The report lands beside the extract, so the
researcher and the output checkers see it before anything derived from it leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from entrepot.access import open_project
from entrepot.access.extract import Extract, extract
from entrepot.disclosure.kanonymity import KAnonymityReport, age_band, k_anonymity
from entrepot.governance.database import Database
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.tables import Person
from entrepot.store import Home

#: Name of the report files (`.json` and `.md`) written into the extract's folder.
REPORT = "k-anonymity"


@dataclass(frozen=True)
class ProjectExtract:
    extract: Extract
    #: None when the grant lets no quasi-identifier through.
    k_anonymity: KAnonymityReport | None


def extract_project(
    database: Database,
    home: Home,
    person: Person,
    project_code: str,
    keys: ProjectKeys,
    *,
    backend: str = "duckdb",
) -> ProjectExtract:
    """Write the project's gated dataset into its workspace, with the k-anonymity report."""
    gated = open_project(database, home, person, project_code, keys, backend=backend)
    written = extract(gated, home)
    report = _k_anonymity(written)
    if report is not None:
        (written.folder / f"{REPORT}.json").write_text(report.to_json() + "\n", encoding="utf-8")
        (written.folder / f"{REPORT}.md").write_text(report.to_markdown(), encoding="utf-8")
    return ProjectExtract(written, report)


def _k_anonymity(written: Extract) -> KAnonymityReport | None:
    """One record per patient of the extract, on the quasi-identifiers it holds."""
    folder = written.folder
    if not (folder / "patient.parquet").exists():
        return None
    patients = pd.read_parquet(folder / "patient.parquet")
    found = pd.DataFrame(index=patients.index)
    diagnosis = None
    if (folder / "tumour.parquet").exists():
        tumours = pd.read_parquet(folder / "tumour.parquet")
        if "diagnosis_date" in tumours.columns:
            first = tumours.groupby("pseudonym")["diagnosis_date"].min()
            diagnosis = pd.to_datetime(patients["pseudonym"].map(first))
            found["diagnosis_month"] = diagnosis.dt.strftime("%Y-%m")
    if "birth_year" in patients.columns:
        # Age at diagnosis when the extract has it; otherwise the birth year's 5-year band.
        if diagnosis is not None:
            found["age_band"] = [
                age_band(born, year)
                for born, year in zip(patients["birth_year"], diagnosis.dt.year, strict=True)
            ]
        else:
            found["birth_band"] = [_birth_band(born) for born in patients["birth_year"]]
    for column in ("sex", "departement"):
        if column in patients.columns:
            found[column] = patients[column]
    if found.columns.empty:
        return None
    return k_anonymity(found, list(found.columns))


def _birth_band(birth_year) -> str | None:
    if pd.isna(birth_year):
        return None
    start = int(birth_year) // 5 * 5
    return f"born {start}-{start + 4}"
