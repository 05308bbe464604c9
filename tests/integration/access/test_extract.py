"""A project's extract: the gated tables written as Parquet and CSV into the project's
workspace, a manifest that checks every file, a k-anonymity report beside them, and an
audit record; by `extraction.extract_project` and by `entrepot extract`.

What the extract should hold is worked out here independently, from the release files
(DuckDB) and from the extracted files themselves (pandas), not from the gate's code.
"""

import hashlib
import json
import re
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from entrepot.cli.main import app
from entrepot.extraction import REPORT, extract_project
from entrepot.governance import audit, auth
from entrepot.governance.errors import Refused
from entrepot.governance.roles import Role
from entrepot.governance.tables import AuditEvent, DataGrant
from entrepot.model.identifiers import NEVER_RELEASED
from tests.support.people import log_in, make_person
from tests.support.projects import CANCER_TYPES, DIAGNOSIS_YEARS, GRANTED, active_project

pytestmark = pytest.mark.slow

STAMP = re.compile(r"\d{8}T\d{12}")
runner = CliRunner()


@pytest.fixture
def project(database, warehouse, tmp_path):
    """An active project over two of the warehouse's three centres, led by a researcher."""
    patients = warehouse.release_table("patient")
    centres = tuple(sorted(patients.centre_finess.unique())[:2])
    with database.session() as session:
        researcher = make_person(session, "ada.researcher", [Role.RESEARCHER])
        project, keys = active_project(
            session, researcher, warehouse.release_id, tmp_path / "keys", centres
        )
        grant = session.scalar(select(DataGrant).where(DataGrant.project_id == project.id))
    return SimpleNamespace(
        researcher=researcher,
        code=project.code,
        keys=keys,
        centres=centres,
        release_id=grant.release_id,
        variables=grant.variables,
    )


@pytest.fixture
def extracted(database, warehouse, project):
    return extract_project(database, warehouse.home, project.researcher, project.code, project.keys)


def _workspace(warehouse, project) -> Path:
    return warehouse.home.workspaces_dir / project.code


def _everything_under(folder: Path) -> set[Path]:
    """Every file and folder under `folder`, hidden staging folders included."""
    return set(folder.rglob("*")) if folder.exists() else set()


def _population(warehouse, centres) -> set[str]:
    """Warehouse ids of the granted population, straight from the release files."""
    patients = warehouse.release_table("patient")
    tumours = warehouse.release_table("tumour")
    first, last = DIAGNOSIS_YEARS
    wanted = tumours[
        tumours.cancer_type.isin(CANCER_TYPES)
        & tumours.diagnosis_date.map(lambda d: first <= d.year <= last)
    ]
    chosen = patients.centre_finess.isin(centres) & patients.patient_id.isin(wanted.patient_id)
    return set(patients.patient_id[chosen])


def _identifiers(warehouse) -> set[str]:
    """Every value that names a patient in the release: none may appear in an extract."""
    patients = warehouse.release_table("patient")
    link = warehouse.release_table("snds_link")
    found = set(patients.patient_id) | set(patients.centre_code) | set(link.beneficiary_id)
    if "snds_token" in patients.columns:
        found |= set(patients.snds_token.dropna())
    return {str(value) for value in found}


def _trail(database):
    with database.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


# --- The files ------------------------------------------------------------------------------


def test_each_granted_table_is_written_as_parquet_and_csv_in_a_new_dated_folder(
    extracted, warehouse, project
):
    folder = extracted.extract.folder
    assert folder.parent == _workspace(warehouse, project) / "extracts"
    assert STAMP.fullmatch(folder.name)
    assert {path.name for path in folder.iterdir()} == {
        *(f"{table}.{fmt}" for table in GRANTED for fmt in ("parquet", "csv")),
        "manifest.json",
        f"{REPORT}.json",
        f"{REPORT}.md",
    }
    # Published by a rename: no staging folder is left behind.
    assert not [p.name for p in folder.parent.iterdir() if not STAMP.fullmatch(p.name)]
    for table in GRANTED:
        parquet = pq.read_table(folder / f"{table}.parquet")
        csv = pacsv.read_csv(folder / f"{table}.csv")
        assert parquet.num_rows > 0
        assert csv.column_names == parquet.column_names
        assert csv.num_rows == parquet.num_rows
        assert Counter(csv.column("pseudonym").to_pylist()) == Counter(
            parquet.column("pseudonym").to_pylist()
        )


def test_the_manifest_names_the_grant_and_checks_every_file(extracted, project):
    folder = extracted.extract.folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == json.loads(json.dumps(extracted.extract.manifest))
    assert manifest["project"] == project.code
    assert manifest["release"] == project.release_id
    assert manifest["grant"]["variables"] == project.variables
    assert {t: set(c) for t, c in project.variables.items()} == {
        t: set(c) for t, c in GRANTED.items()
    }
    assert manifest["grant"]["population"] == {
        "centres": list(project.centres),
        "cancer_types": list(CANCER_TYPES),
        "diagnosis_years": list(DIAGNOSIS_YEARS),
    }
    listed = {(f["table"], f["format"]) for f in manifest["files"]}
    assert listed == {(t, fmt) for t in GRANTED for fmt in ("parquet", "csv")}
    for entry in manifest["files"]:
        path = folder / entry["path"]
        assert entry["path"] == f"{entry['table']}.{entry['format']}"
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        read = pq.read_table if entry["format"] == "parquet" else pacsv.read_csv
        assert entry["rows"] == read(path).num_rows
    patients = pq.read_table(folder / "patient.parquet").column("pseudonym").to_pylist()
    assert manifest["patients"] == len(patients) == len(set(patients))


def test_the_extract_holds_the_granted_population(extracted, warehouse, project):
    population = _population(warehouse, project.centres)
    assert extracted.extract.manifest["patients"] == len(population) > 0
    folder = extracted.extract.folder
    patients = set(pq.read_table(folder / "patient.parquet").column("pseudonym").to_pylist())
    for table in GRANTED:
        names = set(pq.read_table(folder / f"{table}.parquet").column("pseudonym").to_pylist())
        assert names <= patients


def test_no_column_outside_the_grant_and_no_identifier_leaves(extracted, warehouse):
    folder = extracted.extract.folder
    identifiers = _identifiers(warehouse)
    for table, columns in GRANTED.items():
        parquet = pq.read_table(folder / f"{table}.parquet")
        assert parquet.column_names == ["pseudonym", *columns]
        assert not NEVER_RELEASED & set(parquet.column_names)
        text = (folder / f"{table}.csv").read_text()
        assert text.splitlines()[0].replace('"', "").split(",") == ["pseudonym", *columns]
        cells = set(text.replace('"', "").replace("\n", ",").split(","))
        assert not cells & identifiers, f"{table}.csv names a patient"
    for name in ("manifest.json", f"{REPORT}.json", f"{REPORT}.md"):
        text = (folder / name).read_text()
        assert not any(identifier in text for identifier in identifiers)


# --- The k-anonymity report -----------------------------------------------------------------


def _recount(folder: Path) -> list[int]:
    """Sizes of the equivalence classes, counted from the extracted files: on age band at
    diagnosis, sex, département and month of first diagnosis when the extract has the
    tumours, else on the five-year band of the birth year, sex and département."""
    patients = pd.read_parquet(folder / "patient.parquet")
    first = None
    if (folder / "tumour.parquet").exists():
        tumours = pd.read_parquet(folder / "tumour.parquet")
        first = tumours.groupby("pseudonym")["diagnosis_date"].min()

    def missing_as_none(value):
        return None if pd.isna(value) else value

    def band(born, diagnosed):
        if pd.isna(born):
            return None
        if diagnosed is None:
            start = int(born) // 5 * 5
            return f"born {start}-{start + 4}"
        age = diagnosed.year - int(born)
        return "90+" if age >= 90 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"

    classes = Counter()
    for row in patients.itertuples():
        diagnosed = None if first is None else pd.Timestamp(first[row.pseudonym])
        month = () if diagnosed is None else (diagnosed.strftime("%Y-%m"),)
        key = (band(row.birth_year, diagnosed), missing_as_none(row.sex))
        classes[(*key, missing_as_none(row.departement), *month)] += 1
    return list(classes.values())


def _agrees_with_the_recount(folder: Path) -> dict:
    report = json.loads((folder / f"{REPORT}.json").read_text())
    sizes = _recount(folder)
    assert report["records"] == sum(sizes)
    assert report["classes"] == len(sizes)
    assert report["smallest_k"] == min(sizes)
    assert report["records_in_classes_below_5"] == sum(s for s in sizes if s < 5)
    assert report["records_in_classes_below_11"] == sum(s for s in sizes if s < 11)
    bands = {"1": (1, 1), "2": (2, 2), "3-4": (3, 4), "5-10": (5, 10), "11-20": (11, 20)}
    bands |= {"21-50": (21, 50), "51-100": (51, 100), "101+": (101, 10**9)}
    histogram = {band["size"]: (band["classes"], band["records"]) for band in report["histogram"]}
    assert histogram == {
        label: (
            sum(1 for s in sizes if low <= s <= high),
            sum(s for s in sizes if low <= s <= high),
        )
        for label, (low, high) in bands.items()
    }
    markdown = (folder / f"{REPORT}.md").read_text()
    assert f"- smallest class (k): {min(sizes)}" in markdown
    assert f"- records: {sum(sizes)}" in markdown
    assert f"- equivalence classes: {len(sizes)}" in markdown
    return report


def test_the_k_anonymity_report_agrees_with_a_recount(extracted):
    report = _agrees_with_the_recount(extracted.extract.folder)
    assert set(report["quasi_identifiers"]) == {"age_band", "sex", "departement", "diagnosis_month"}
    assert report["records"] == extracted.extract.manifest["patients"]
    assert extracted.k_anonymity.smallest_k == report["smallest_k"]


def test_without_the_tumours_the_report_bands_the_birth_year(database, warehouse, project):
    # With the month of diagnosis nearly every patient is alone in their class; without
    # it the classes are large enough that a wrong band or a lost patient would show.
    with database.session() as session:
        lead = make_person(session, "bea.researcher", [Role.RESEARCHER])
        other, keys = active_project(
            session,
            lead,
            warehouse.release_id,
            project.keys.folder.parent / "other-keys",
            project.centres,
            requested_variables={"patient": ("sex", "birth_year", "departement")},
        )
    done = extract_project(database, warehouse.home, lead, other.code, keys)
    folder = done.extract.folder
    assert sorted(p.name for p in folder.glob("*.parquet")) == ["patient.parquet"]
    report = _agrees_with_the_recount(folder)
    assert report["quasi_identifiers"] == ["birth_band", "sex", "departement"]
    assert report["records"] == done.extract.manifest["patients"]
    assert max(band["records"] for band in report["histogram"][1:]) > 0


# --- The audit trail and refusals -----------------------------------------------------------


def test_the_extraction_is_audited_with_its_row_counts(extracted, database, warehouse, project):
    trail = _trail(database)
    (event,) = [e for e in trail if e.action == "extraction"]
    assert (event.actor, event.project, event.outcome) == (
        "ada.researcher",
        project.code,
        audit.Outcome.OK,
    )
    assert event.details == {
        "extract": extracted.extract.folder.name,
        "rows": {t: r for t, r in extracted.extract.rows.items()},
    }
    assert set(event.details["rows"]) == set(GRANTED)
    identifiers = _identifiers(warehouse)
    assert not any(i in repr(e.details) for e in trail for i in identifiers)
    with database.session() as session:
        assert audit.verify(session).intact


def test_a_non_member_is_refused_and_nothing_is_written(database, warehouse, project):
    with database.session() as session:
        outsider = make_person(session, "eve.researcher", [Role.RESEARCHER])
    before = _everything_under(_workspace(warehouse, project))
    with pytest.raises(Refused, match="not a member"):
        extract_project(database, warehouse.home, outsider, project.code, project.keys)
    assert _everything_under(_workspace(warehouse, project)) == before
    trail = _trail(database)
    assert not [e for e in trail if e.action == "extraction"]
    (refusal,) = [e for e in trail if e.actor == "eve.researcher" and e.action == "grant_check"]
    assert (refusal.outcome, refusal.details) == (audit.Outcome.DENIED, {"reason": "not_member"})


# --- The command line -----------------------------------------------------------------------


def _extract_command(database, warehouse, project, token, monkeypatch):
    # The command finds the project keys under the warehouse folder unless told otherwise;
    # the session warehouse is shared, so this project's keys stay in the test's folder.
    monkeypatch.setenv("ENTREPOT_PROJECT_KEYS", str(project.keys.folder))
    args = ["extract", project.code, "--token", token, "--home", str(warehouse.home.root)]
    result = runner.invoke(app, [*args, "--database-url", database.url])
    return result.exit_code, " ".join(result.output.split())


def _api_token(database, person, scopes):
    with database.session() as session:
        return auth.issue_api_token(
            session, session.merge(person), name="script", scopes=scopes, days=7
        ).token


def _session_token(database, person):
    with database.session() as session:
        return log_in(session, session.merge(person)).token


@pytest.mark.parametrize("kind", ["api token with the data scope", "login session"])
def test_the_command_line_extracts_for_a_member(database, warehouse, project, monkeypatch, kind):
    if kind == "login session":
        token = _session_token(database, project.researcher)
    else:
        token = _api_token(database, project.researcher, ["data", "outputs"])
    before = _everything_under(_workspace(warehouse, project) / "extracts")
    code, output = _extract_command(database, warehouse, project, token, monkeypatch)
    assert code == 0, output
    (folder,) = [
        path
        for path in _everything_under(_workspace(warehouse, project) / "extracts") - before
        if path.parent.name == "extracts"
    ]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert f"Extract of {project.code} from release {project.release_id}" in output
    assert f"{manifest['patients']:,} patients" in output
    assert "k-anonymity on" in output
    assert (folder / f"{REPORT}.md").exists()
    (event,) = [e for e in _trail(database) if e.action == "extraction"]
    assert event.actor == "ada.researcher"


def test_the_command_line_refuses_a_token_without_the_data_scope_or_a_bad_one(
    database, warehouse, project, monkeypatch
):
    no_data = _api_token(database, project.researcher, ["projects", "outputs"])
    revoked = _api_token(database, project.researcher, ["data"])
    with database.session() as session:
        researcher = session.merge(project.researcher)
        last = auth.list_api_tokens(session, researcher)[-1]
        auth.revoke_api_token(session, actor=researcher, token_id=last.id)
    refusals = {
        no_data: "this API token lacks the 'data' scope",
        revoked: "no such API token, or it was revoked or has expired",
        "tok_" + "x" * 43: "no such API token",
        "ses_" + "x" * 43: "no such session, or it has ended",
        "hunter2": "not a session or API token",
    }
    before = _everything_under(_workspace(warehouse, project))
    for token, message in refusals.items():
        code, output = _extract_command(database, warehouse, project, token, monkeypatch)
        assert code == 1, (token, output)
        assert f"error: {message}" in output
        assert "Traceback" not in output
    assert _everything_under(_workspace(warehouse, project)) == before
    assert not [e for e in _trail(database) if e.action in ("extraction", "data_access")]
