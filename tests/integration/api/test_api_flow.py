"""The whole governed path over HTTP, as its users would walk it: a researcher's project
through the committee to an active grant, counts and an extract through the gate, an
output through two checkers, an opposition taking effect at once, and an auditor finding
the trail intact. While it runs, every release opened is opened by the gate."""

import base64
import inspect

import pandas as pd
import pytest

from entrepot.disclosure.control import suppress_counts
from entrepot.governance.roles import OrganisationKind, Role
from entrepot.store import engine
from tests.support.api import build_api
from tests.support.people import log_in, make_organisation, make_person
from tests.support.projects import CANCER_TYPES, DIAGNOSIS_YEARS, GRANTED, centre_organisation

pytestmark = pytest.mark.slow

CAST = {
    "admin": [Role.OPERATOR_ADMIN],
    "ada": [Role.RESEARCHER],
    "comite.a": [Role.COMMITTEE_MEMBER],
    "comite.b": [Role.COMMITTEE_MEMBER],
    "verif.a": [Role.OUTPUT_CHECKER],
    "verif.b": [Role.OUTPUT_CHECKER],
    "dpo": [Role.DPO],
    "audit": [Role.AUDITOR],
}


@pytest.fixture
def api(database, warehouse, tmp_path):
    api = build_api(database, warehouse, tmp_path / "keys")
    patients = warehouse.release_table("patient")
    api.centres = sorted(patients.centre_finess.unique())
    with database.session() as session:
        for finess in api.centres:
            centre_organisation(session, finess)
        api.sponsor = make_organisation(
            session, "Université A", OrganisationKind.ACADEMIC_SPONSOR
        ).id
        for username, roles in CAST.items():
            api.tokens[username] = log_in(session, make_person(session, username, roles)).token
    return api


@pytest.fixture
def opened_releases(monkeypatch):
    """Who opened a release during the test: the module of each caller up the stack."""
    callers = []
    original = engine.ReleaseTables.__init__

    def spy(self, *args, **kwargs):
        callers.append({frame.frame.f_globals.get("__name__", "") for frame in inspect.stack()})
        original(self, *args, **kwargs)

    monkeypatch.setattr(engine.ReleaseTables, "__init__", spy)
    return callers


def _project_body(api):
    return {
        "title": "Survie selon le parcours",
        "public_summary": "Comparer la survie selon le parcours de soins.",
        "sponsor_id": api.sponsor,
        "sponsor_category": "academic",
        "purpose": "Survival by pathway.",
        "public_interest": "Better pathways.",
        "protocol_filename": "protocol.pdf",
        "protocol_base64": base64.b64encode(b"%PDF-1.4 protocol").decode(),
        "requested_variables": {t: list(c) for t, c in GRANTED.items()},
        "population": {
            "cancer_types": list(CANCER_TYPES),
            "diagnosis_years": list(DIAGNOSIS_YEARS),
            "centres": api.centres,
        },
        "requested_release": "latest",
        "duration_months": 12,
        "regulatory_basis": "reference_methodology",
        "regulatory_reference": "MR-004",
        "recipients": [{"name": "Université A", "country": "FR"}],
    }


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def test_the_governed_path_over_http(api, warehouse, opened_releases):
    client, h = api.client, api.headers

    # A researcher drafts and submits; the committee reviews blind, then decides.
    code = _ok(client.post("/projects", json=_project_body(api), headers=h("ada")), 201)["code"]
    _ok(client.post(f"/projects/{code}/submit", headers=h("ada")))
    _ok(client.post(f"/projects/{code}/start-review", headers=h("comite.a")))
    _ok(
        client.post(f"/projects/{code}/reviews", json={"vote": "approve"}, headers=h("comite.a")),
        201,
    )
    assert _ok(client.get(f"/projects/{code}/reviews", headers=h("comite.b"))) == []  # blind
    _ok(
        client.post(f"/projects/{code}/reviews", json={"vote": "approve"}, headers=h("comite.b")),
        201,
    )
    assert len(_ok(client.get(f"/projects/{code}/reviews", headers=h("comite.b")))) == 2
    decision = {"outcome": "approved_with_conditions", "conditions": "no count under 11"}
    _ok(client.post(f"/projects/{code}/decision", json=decision, headers=h("comite.a")))
    activated = _ok(
        client.post(
            f"/projects/{code}/activate",
            json={"release_id": warehouse.release_id},
            headers=h("admin"),
        )
    )
    assert (activated["state"], activated["release_id"]) == ("active", warehouse.release_id)
    assert code in [p["code"] for p in _ok(client.get("/public/projects"))]

    # Through the gate: what the grant holds, protected counts, an extract in the workspace.
    holdings = _ok(client.get(f"/projects/{code}/data", headers=h("ada")))
    assert {t["name"] for t in holdings["tables"]} == set(GRANTED)
    total = {"table": "patient", "by": []}
    before = _ok(client.post(f"/projects/{code}/data/counts", json=total, headers=h("ada")))
    by_sex = {"table": "patient", "by": ["sex"]}
    counts = _ok(client.post(f"/projects/{code}/data/counts", json=by_sex, headers=h("ada")))
    assert all(r["patients"] is None or r["patients"] > 10 for r in counts["rows"])
    extract = _ok(client.post(f"/projects/{code}/extracts", headers=h("ada")), 201)
    assert extract["patients"] == before["rows"][0]["patients"]

    # An output: an unsafe table is refused, a protected one passes two checkers.
    unsafe = pd.DataFrame({"stage": ["I", "IV"], "patients": [250, 4]}).to_csv(index=False)
    refused = client.post(
        f"/projects/{code}/outputs",
        json=_output(unsafe, "stage"),
        headers=h("ada"),
    )
    assert refused.status_code == 422 and "patients" in refused.json()["detail"]
    protected = suppress_counts(pd.read_csv(pd.io.common.StringIO(unsafe)), ["patients"])
    request = _ok(
        client.post(
            f"/projects/{code}/outputs",
            json=_output(protected.to_csv(), "stage"),
            headers=h("ada"),
        ),
        201,
    )
    url = f"/outputs/{request['id']}"
    _ok(client.post(f"{url}/checks", json={"decision": "approve"}, headers=h("verif.a")), 201)
    assert client.get(f"{url}/files/stage.csv", headers=h("ada")).status_code == 403
    _ok(client.post(f"{url}/checks", json={"decision": "approve"}, headers=h("verif.b")), 201)
    downloaded = client.get(f"{url}/files/stage.csv", headers=h("ada"))
    assert downloaded.status_code == 200 and downloaded.content == protected.to_csv().encode()

    # An opposition recorded by the DPO: the very next count is one patient fewer.
    patients = warehouse.release_table("patient")
    tumours = warehouse.release_table("tumour")
    someone = patients[
        patients.patient_id.isin(tumours[tumours.cancer_type == CANCER_TYPES[0]].patient_id)
        & patients.patient_id.isin(
            tumours[
                tumours.diagnosis_date.map(
                    lambda d: DIAGNOSIS_YEARS[0] <= d.year <= DIAGNOSIS_YEARS[1]
                )
            ].patient_id
        )
    ].iloc[0]
    entry = {
        "centre_finess": someone.centre_finess,
        "centre_code": someone.centre_code,
        "kind": "opposition",
        "source": "courrier",
    }
    _ok(client.post("/registry", json=entry, headers=h("dpo")), 201)
    after = _ok(client.post(f"/projects/{code}/data/counts", json=total, headers=h("ada")))
    assert after["rows"][0]["patients"] == before["rows"][0]["patients"] - 1

    # The auditor finds every step in an intact trail.
    assert _ok(client.get("/audit/verify", headers=h("audit")))["intact"]
    actions = {e["action"] for e in _ok(client.get("/audit/events?limit=1000", headers=h("audit")))}
    assert {
        "login",
        "project_transition",
        "data_access",
        "query",
        "extraction",
        "output_submitted",
        "output_reviewed",
        "output_download",
        "registry_recorded",
    } <= actions
    # The download refused before the second approval is in the trail too, by name.
    events = _ok(client.get("/audit/events?limit=1000", headers=h("audit")))
    refused_reads = [
        (e["actor"], e["project"], e["details"])
        for e in events
        if e["action"] == "output_download" and e["outcome"] == "denied"
    ]
    assert refused_reads == [("ada", code, {"file": "stage.csv", "reason": "Refused"})]

    # Every release opened while serving was opened by the gate.
    assert opened_releases
    assert all(any(m.startswith("entrepot.access") for m in stack) for stack in opened_releases)


def _output(csv_text: str, name: str) -> dict:
    return {
        "title": "Patients by stage",
        "context": "Stage at diagnosis of the study population",
        "files": [
            {
                "filename": f"{name}.csv",
                "content_base64": base64.b64encode(csv_text.encode()).decode(),
                "description": "Counts of patients by stage",
            }
        ],
    }


def test_a_project_is_opened_only_on_a_published_release(api, warehouse):
    client, h = api.client, api.headers
    code = _ok(client.post("/projects", json=_project_body(api), headers=h("ada")), 201)["code"]
    _ok(client.post(f"/projects/{code}/submit", headers=h("ada")))
    _ok(client.post(f"/projects/{code}/start-review", headers=h("comite.a")))
    for member in ("comite.a", "comite.b"):
        vote = {"vote": "approve"}
        _ok(client.post(f"/projects/{code}/reviews", json=vote, headers=h(member)), 201)
    decision = {"outcome": "approved_with_conditions", "conditions": "no count under 11"}
    _ok(client.post(f"/projects/{code}/decision", json=decision, headers=h("comite.a")))

    unpublished = client.post(
        f"/projects/{code}/activate", json={"release_id": "R0099"}, headers=h("admin")
    )

    assert unpublished.status_code == 422
    assert "no release R0099 is published" in unpublished.json()["detail"]
    assert warehouse.release_id in unpublished.json()["detail"]
    assert (
        _ok(client.get(f"/projects/{code}", headers=h("ada")))["state"]
        == "approved_with_conditions"
    )
    activation = {"release_id": warehouse.release_id}
    opened = _ok(client.post(f"/projects/{code}/activate", json=activation, headers=h("admin")))
    assert opened["state"] == "active"
