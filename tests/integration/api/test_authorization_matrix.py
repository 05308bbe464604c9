"""Deny by default: every route × every role against the intended matrix
(`web.authorization.MATRIX`), and without credentials."""

import pytest

from entrepot.governance.roles import Role
from entrepot.web import Settings, create_app
from entrepot.web.app import PUBLIC, route_permissions
from entrepot.web.authorization import MATRIX
from tests.support.api import build_api, one_person_per_role

ADMIN, CENTRE, RESEARCHER = Role.OPERATOR_ADMIN, Role.CENTRE_DATA_MANAGER, Role.RESEARCHER
COMMITTEE, CHECKER, DPO, AUDITOR = (
    Role.COMMITTEE_MEMBER,
    Role.OUTPUT_CHECKER,
    Role.DPO,
    Role.AUDITOR,
)
ALL = frozenset(Role)
OVERSEERS = {ADMIN, RESEARCHER, COMMITTEE, CHECKER, DPO, AUDITOR}

#: The intended matrix, written out route by route: who may call what. Changing who may
#: reach a route means changing this table, in review, as well as the code.
INTENDED = {
    ("GET", "/access-review"): {ADMIN, DPO, AUDITOR},
    ("GET", "/access-review.csv"): {ADMIN, DPO, AUDITOR},
    ("GET", "/audit/events"): {AUDITOR},
    ("GET", "/audit/verify"): {AUDITOR},
    ("POST", "/auth/logout"): ALL,
    ("GET", "/centres/{finess}/data/counts"): {CENTRE},
    ("GET", "/me"): ALL,
    ("GET", "/me/tokens"): ALL,
    ("POST", "/me/tokens"): ALL,
    ("DELETE", "/me/tokens/{token_id}"): ALL,
    ("GET", "/organisations"): {ADMIN, DPO, AUDITOR},
    ("POST", "/organisations"): {ADMIN},
    ("GET", "/outputs"): {RESEARCHER, CHECKER},
    ("GET", "/outputs/{request_id}"): {RESEARCHER, CHECKER},
    ("POST", "/outputs/{request_id}/checks"): {CHECKER},
    ("GET", "/outputs/{request_id}/files/{filename}"): {RESEARCHER, CHECKER},
    ("POST", "/outputs/{request_id}/resubmit"): {RESEARCHER},
    ("POST", "/outputs/{request_id}/withdraw"): {RESEARCHER},
    ("GET", "/people"): {ADMIN, DPO, AUDITOR},
    ("POST", "/people"): {ADMIN},
    ("POST", "/people/{username}/deactivate"): {ADMIN},
    ("POST", "/people/{username}/interests"): {ADMIN},
    ("POST", "/people/{username}/roles"): {ADMIN},
    ("DELETE", "/people/{username}/roles/{role}"): {ADMIN},
    ("GET", "/projects"): OVERSEERS,
    ("POST", "/projects"): {RESEARCHER},
    ("POST", "/projects/expire"): {ADMIN},
    ("GET", "/projects/{code}"): OVERSEERS,
    ("PUT", "/projects/{code}"): {RESEARCHER},
    ("POST", "/projects/{code}/activate"): {ADMIN},
    ("POST", "/projects/{code}/close"): {ADMIN, RESEARCHER},
    ("GET", "/projects/{code}/data"): {RESEARCHER},
    ("POST", "/projects/{code}/data/counts"): {RESEARCHER},
    ("POST", "/projects/{code}/decision"): {COMMITTEE},
    ("POST", "/projects/{code}/extracts"): {RESEARCHER},
    ("POST", "/projects/{code}/members"): {RESEARCHER},
    ("POST", "/projects/{code}/outputs"): {RESEARCHER},
    ("GET", "/projects/{code}/reviews"): OVERSEERS,
    ("POST", "/projects/{code}/reviews"): {COMMITTEE},
    ("POST", "/projects/{code}/start-review"): {ADMIN, COMMITTEE},
    ("POST", "/projects/{code}/submit"): {RESEARCHER},
    ("GET", "/registry"): {DPO, AUDITOR},
    ("POST", "/registry"): {DPO},
    ("POST", "/registry/{entry_id}/lift"): {DPO},
}

#: Values for path parameters: objects that do not exist (a role allowed past the route
#: check then meets 404 or 422, never 401/403), except the data manager's own centre.
PATH_VALUES = {
    "code": "P9999",
    "request_id": "999999",
    "username": "nobody",
    "token_id": "999999",
    "entry_id": "999999",
    "role": "researcher",
    "filename": "table.csv",
}


@pytest.fixture
def api(database, warehouse, tmp_path):
    api = build_api(database, warehouse, tmp_path / "keys")
    finess = warehouse.release_table("patient").centre_finess.iloc[0]
    api.people = one_person_per_role(api, finess)
    api.finess = finess
    return api


def _url(path: str, finess: str) -> str:
    return path.format(**PATH_VALUES, finess=finess)


def _call(api, method, path, headers):
    return api.client.request(method, _url(path, api.finess), headers=headers, json={})


def test_every_route_is_guarded_or_public_and_in_the_intended_matrix():
    permissions = route_permissions()
    assert {route for route, p in permissions.items() if p == "public"} == PUBLIC
    assert all(p in MATRIX for p in permissions.values() if p != "public")
    assert set(permissions) - PUBLIC == set(INTENDED)


def test_the_app_refuses_to_start_with_an_unguarded_route(monkeypatch, database, tmp_path):
    from fastapi import APIRouter

    from entrepot.web import app as application

    loose = APIRouter()
    loose.get("/loose")(lambda: {"rows": "everything"})
    monkeypatch.setattr(application, "ROUTERS", (*application.ROUTERS, loose))
    with pytest.raises(RuntimeError, match="deny by default"):
        create_app(Settings(home=None, database=database, keys=None))


def test_no_private_route_answers_without_credentials(api):
    for (method, path), permission in route_permissions().items():
        if permission == "public":
            continue
        response = _call(api, method, path, headers={})
        assert response.status_code == 401, (method, path, response.text)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_reaches_exactly_the_routes_the_matrix_gives_it(api, role):
    username = api.people[role]
    wrong = []
    for (method, path), allowed_roles in sorted(INTENDED.items()):
        # Logging out ends the session: give that call a session of its own.
        headers = api.login(username) if path == "/auth/logout" else api.headers(username)
        status = _call(api, method, path, headers).status_code
        allowed = role in allowed_roles
        if status >= 500 or allowed == (status in (401, 403)):
            wrong.append((method, path, status))
    assert wrong == []


def test_an_api_token_reaches_only_its_scopes(api):
    researcher = api.people[Role.RESEARCHER]
    response = api.client.post(
        "/me/tokens",
        json={"name": "script", "scopes": ["projects"], "days": 7},
        headers=api.headers(researcher),
    )
    assert response.status_code == 201, response.text
    token = {"Authorization": f"Bearer {response.json()['token']}"}
    assert api.client.get("/projects", headers=token).status_code == 200
    denied = api.client.get("/projects/P9999/data", headers=token)
    assert denied.status_code == 403 and "'data' scope" in denied.json()["detail"]
    assert api.client.get("/me/tokens", headers=token).status_code == 403  # needs 'admin'
