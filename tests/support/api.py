"""The API over the test warehouse: a client, and one logged-in person per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi.testclient import TestClient

from entrepot.governance.database import Database
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.people import find_person
from entrepot.governance.roles import Role
from entrepot.web import Settings, create_app
from tests.support.people import log_in, make_person
from tests.support.projects import centre_organisation
from tests.support.warehouse import Warehouse


@dataclass
class Api:
    client: TestClient
    settings: Settings
    #: username → session token
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def login(self, username: str) -> dict[str, str]:
        """A fresh session for `username` (for calls that end it)."""
        with self.settings.database.session() as session:
            token = log_in(session, find_person(session, username)).token
        return {"Authorization": f"Bearer {token}"}


def build_api(database: Database, warehouse: Warehouse, keys_folder: Path) -> Api:
    settings = Settings(home=warehouse.home, database=database, keys=ProjectKeys(keys_folder))
    return Api(TestClient(create_app(settings), raise_server_exceptions=False), settings)


def one_person_per_role(api: Api, centre_finess: str) -> dict[Role, str]:
    """`role.<name>` holding that role alone (a data manager of `centre_finess`), logged in."""
    usernames = {}
    with api.settings.database.session() as session:
        centre = centre_organisation(session, centre_finess)
        for role in Role:
            username = f"role.{role.value.replace('_', '-')}"
            spec = (role, centre) if role is Role.CENTRE_DATA_MANAGER else role
            person = make_person(session, username, [spec], centre if spec != role else None)
            api.tokens[username] = log_in(session, person).token
            usernames[role] = username
    return usernames
