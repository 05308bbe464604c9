"""Schemathesis against the published OpenAPI document: whatever the generated requests,
the API answers with a client error or a success, never a server error. Bounded for CI.

The caller holds every role and an API token with every scope, so that requests get past
the route checks and reach the services and the gate.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from entrepot.governance import auth
from entrepot.governance.roles import Role
from entrepot.web import Settings, create_app
from tests.support.api import build_api
from tests.support.metadata import metadata_database
from tests.support.people import make_person
from tests.support.projects import active_project, centre_organisation

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def api(warehouse, tmp_path_factory):
    folder = tmp_path_factory.mktemp("schemathesis")
    with metadata_database("sqlite", folder) as database:
        api = build_api(database, warehouse, folder / "keys")
        finess = warehouse.release_table("patient").centre_finess.iloc[0]
        with database.session() as session:
            centre = centre_organisation(session, finess)
            everyone = make_person(
                session,
                "every.role",
                [r if r is not Role.CENTRE_DATA_MANAGER else (r, centre) for r in Role],
                centre,
            )
            # An active project, so that project routes have something real to act on.
            active_project(session, everyone, warehouse.release_id, folder / "keys", (finess,))
            api.token = auth.issue_api_token(
                session, everyone, name="schemathesis", scopes=list(auth.SCOPES), days=1
            ).token
        APP.state.settings = api.settings
        yield api


#: The app whose OpenAPI document is read at import; `api` gives it its settings.
APP = create_app(Settings(home=None, database=None, keys=None))
# Revoking the caller's own token or logging it out would end the run early.
schema = (
    schemathesis.openapi.from_asgi("/openapi.json", APP)
    .exclude(path="/me/tokens/{token_id}", method="DELETE")
    .exclude(path="/auth/logout")
)


@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_generated_request_makes_a_server_error(case, api):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api.token}"}, checks=[not_a_server_error]
    )
