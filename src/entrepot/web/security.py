"""Authentication and authorisation for each request.

A request carries `Authorization: Bearer <token>` (a login session `ses_…` or an API token
`tok_…`). `permit(permission)` is the only way a route lets a caller in: it authenticates,
then checks the caller's current roles — read from the database at every request, so a
role removed or an account ended takes effect at once — and the token's scopes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from entrepot.governance import auth, people
from entrepot.governance.errors import NotAuthenticated, Refused
from entrepot.governance.roles import Role
from entrepot.web.authorization import roles_for, scope_for
from entrepot.web.settings import Settings

bearer = HTTPBearer(
    auto_error=False, description="A session token from /auth/login, or an API token"
)


@dataclass(frozen=True)
class Caller:
    """Who is calling, as of this request."""

    person_id: int
    username: str
    roles: frozenset[Role]
    token: str


def settings(request: Request) -> Settings:
    return request.app.state.settings


def caller(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)
) -> tuple[Caller, frozenset[str] | None]:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("log in first: send 'Authorization: Bearer <token>'")
    with settings(request).database.session() as session:
        principal = auth.authenticate(session, credentials.credentials)
        person = principal.person
        found = Caller(
            person_id=person.id,
            username=person.username,
            roles=frozenset(people.active_roles(person)),
            token=credentials.credentials,
        )
        return found, principal.scopes


def permit(permission: str) -> Callable[..., Caller]:
    """A dependency letting in only callers holding one of the permission's roles."""
    allowed = roles_for(permission)
    scope = scope_for(permission)

    def check(found: tuple[Caller, frozenset[str] | None] = Depends(caller)) -> Caller:
        who, scopes = found
        if not who.roles & allowed:
            raise Refused(f"{permission} needs one of the roles: {', '.join(sorted(allowed))}")
        if scopes is not None and scope is not None and scope not in scopes:
            raise Refused(f"this API token lacks the {scope!r} scope")
        return who

    check.permission = permission  # type: ignore[attr-defined]  # read by the route audit
    return check
