"""The whole path on synthetic hospitals and SNDS, checked against what only the
generators know.

One demo run (small) is shared by the module: no identity anywhere in the warehouse,
every injected fault quarantined for its reason and nothing else quarantined, every count
adding up, centre codes that only their own centre can turn back, links that are right,
and a release that carries the claims of linked patients only.
"""

from __future__ import annotations

import csv
from collections import Counter

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from entrepot.access import open_project
from entrepot.cli.main import app
from entrepot.demo import DemoFolders, demo_database, run_demo
from entrepot.edge import UnknownCode, reidentify
from entrepot.governance import audit, auth, totp
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.people import find_person
from entrepot.governance.roles import Role
from entrepot.linkage.warehouse import LinkageRefused, link_warehouse
from entrepot.model import CLAIMS_TABLES, CLINICAL_TABLES
from entrepot.store import Home, StaleLinkage, WorkingStore, engine, release
from tests.support.identities import read_identities, scan_for_identities

#: What the ingestion must say for each fault the generator injects.
EXPECTED_REASON = {
    "invalid_code": "invalid_code",
    "unparseable_date": "invalid_date",
    "missing_required": "missing_required",
    "truncated_line": "truncated_line",
    "duplicate_row": "duplicate_row",
    "date_after_death": "date_after_death",
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    summary = run_demo(root, patients=1_500, centres=4, seed=7)
    return DemoFolders(root), summary


def _quarantine(folders: DemoFolders) -> dict[tuple[str, str, int], str]:
    store = WorkingStore(folders.home)
    found = {}
    for package_id, record in store.state().packages.items():
        with (store.package_dir(package_id) / "quarantine.csv").open(encoding="utf-8") as rows:
            for row in csv.DictReader(rows):
                table = row["file"].removesuffix(".csv")
                found[(record["finess"], table, int(row["line"]))] = row["reason"]
    return found


def test_no_synthetic_identity_is_stored_anywhere_in_the_warehouse(demo):
    folders, _ = demo
    identities = read_identities(folders.exports)
    assert len(identities.full_names) > 1_000 and identities.nirs and identities.addresses

    assert scan_for_identities(folders.home.root, identities) == []
    assert scan_for_identities(folders.packages, identities) == []


def test_the_scan_would_see_an_identity_if_one_were_stored(demo, tmp_path):
    folders, _ = demo
    identities = read_identities(folders.exports)
    leaked = tmp_path / "leak"
    leaked.mkdir()
    (leaked / "notes.md").write_text(f"patient {sorted(identities.nirs)[0]}", encoding="utf-8")

    assert scan_for_identities(leaked, identities) == [
        f"{leaked / 'notes.md'}: 1 identity value(s)"
    ]


def test_every_injected_fault_is_quarantined_for_its_reason_and_nothing_else_is(demo):
    folders, _ = demo
    with (folders.exports / "ground_truth" / "faults.csv").open(encoding="utf-8") as rows:
        faults = {
            (row["finess"], row["table"], int(row["line"])): EXPECTED_REASON[row["fault"]]
            for row in csv.DictReader(rows)
        }
    assert len(faults) > 100

    assert _quarantine(folders) == faults


def test_every_row_is_accounted_for(demo):
    folders, summary = demo
    store = WorkingStore(folders.home)
    loaded: Counter[str] = Counter()
    for record in store.state().packages.values():
        for count in record["files"].values():
            assert count["rows_in"] == count["rows_loaded"] + count["rows_quarantined"]
            loaded[count["table"]] += count["rows_loaded"]
    manifest = release.load(folders.home, summary.release_id)
    clinical = {t.name for t in CLINICAL_TABLES}
    assert {n: t.rows for n, t in manifest.tables.items() if n in clinical} == dict(loaded)
    assert summary.rows_in == summary.rows_loaded + sum(summary.quarantined_by_reason.values())


def test_only_the_patient_s_own_centre_can_turn_a_centre_code_back(demo):
    folders, summary = demo
    manifest = release.load(folders.home, summary.release_id)
    patients = pq.read_table(
        release.release_dir(folders.home, summary.release_id)
        / manifest.tables["patient"].files[0].path
    ).to_pylist()
    first = patients[0]
    own_keys = folders.secrets / first["centre_finess"]
    other = next(p for p in patients if p["centre_finess"] != first["centre_finess"])

    ipp = reidentify(first["centre_code"], own_keys)

    identity = (folders.exports / first["centre_finess"] / "identity.csv").read_bytes()
    assert ipp.encode() in identity
    with pytest.raises(UnknownCode):
        reidentify(first["centre_code"], folders.secrets / other["centre_finess"])


def test_the_linkage_finds_the_right_beneficiaries(demo):
    _, summary = demo
    evaluation = summary.linkage["evaluation"]
    assert evaluation["linkage"]["precision"] >= 0.99
    assert evaluation["linkage"]["recall"] >= 0.98
    assert evaluation["linkage"]["recall"] > evaluation["deterministic_baseline"]["recall"]
    assert summary.linkage["by_method"]["token"] > 0
    assert summary.linkage["linked"] + summary.linkage["unlinked"] == summary.linkage["patients"]


def test_the_release_carries_the_links_and_the_claims_of_linked_patients_only(demo):
    folders, summary = demo
    tables = engine.open_release(folders.home, summary.release_id)
    links = tables["snds_link"].to_pyarrow()
    assert links.num_rows == summary.linkage["linked"]
    linked = set(links["beneficiary_id"].to_pylist())
    for table in CLAIMS_TABLES:
        beneficiaries = set(tables[table.name].beneficiary_id.to_pyarrow().to_pylist())
        assert beneficiaries <= linked, table.name
    stays = tables["hospital_stay"].count().to_pyarrow().as_py()
    assert 0 < stays < summary.snds_import["tables"]["hospital_stay"]


def test_the_link_command_reports_by_centre_and_against_the_truth(demo):
    folders, summary = demo
    result = CliRunner().invoke(
        app,
        [
            "link",
            "--home",
            str(folders.home.root),
            "--truth",
            str(folders.snds_extract / "ground_truth" / "linkage.csv"),
            "--centre-keys",
            str(folders.secrets),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Linkage: {summary.linkage['linked']:,} of" in result.output
    assert "linkage vs ground truth: precision" in result.output
    assert "deterministic baseline vs ground truth" in result.output


def test_links_older_than_the_data_are_not_published(demo, tmp_path):
    folders, _ = demo
    store = WorkingStore(folders.home)
    state = store.state()
    # A new SNDS version (as a re-import would make) leaves the links behind.
    with store.lock():
        staging = store.new_dataset_version("snds")
        for name, path in store.dataset_files("snds").items():
            (staging / f"{name}.parquet").write_bytes(path.read_bytes())
        store.commit_dataset("snds", staging, state.datasets["snds"].record)
    with pytest.raises(StaleLinkage, match="entrepot link"):
        release.publish(folders.home)


def test_linking_an_empty_warehouse_says_what_to_run_first(tmp_path):
    with pytest.raises(LinkageRefused, match="ingest a package first"):
        link_warehouse(Home(tmp_path / "empty"))


def test_the_demo_seeds_working_logins_and_an_active_project(demo, tmp_path):
    folders, summary = demo
    governance = summary.governance
    assert governance.project_code == "P0001"
    assert {r for login in governance.logins for r in login.roles} == set(Role)
    database = demo_database(folders.home)
    researcher = next(g for g in governance.logins if Role.RESEARCHER in g.roles)
    with database.session() as session:
        person = find_person(session, researcher.username)
        code = totp.code_at(researcher.totp_secret)
        assert auth.login(session, researcher.username, researcher.password, code).token
    gated = open_project(
        database, folders.home, person, "P0001", ProjectKeys(folders.home.project_keys_dir)
    )
    assert gated.patients > 0 and gated.scope.release_id == summary.release_id
    with database.session() as session:
        assert audit.verify(session).intact
    # The logins file is for the demo's user only.
    assert governance.logins_file.stat().st_mode & 0o077 == 0


def test_the_demo_command_prints_the_logins_and_stops_before_serving(tmp_path):
    result = CliRunner().invoke(
        app,
        ["demo", "--dir", str(tmp_path / "d"), "--patients", "300", "--centres", "2", "--no-serve"],
    )
    assert result.exit_code == 0, result.output
    assert "Demo logins" in result.output and "TOTP secret" in result.output
    assert "API on http" not in result.output
