"""Logging in and out, who am I, and my API tokens."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from entrepot.governance import auth
from entrepot.governance.tables import Person
from entrepot.web.fields import PathId
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(tags=["authentication"])


class Credentials(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    code: str | None = Field(default=None, max_length=12, description="TOTP code (data roles)")


class Token(BaseModel):
    token: str
    expires_at: dt.datetime


class Me(BaseModel):
    username: str
    full_name: str
    organisation: str
    roles: list[str]


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(max_length=len(auth.SCOPES))
    days: int = Field(ge=1, le=90)


class TokenListing(BaseModel):
    id: int
    name: str
    scopes: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked: bool


@router.post("/auth/login")
def login(credentials: Credentials, config: Settings = Depends(settings)) -> Token:
    """Log in with password (and TOTP code for data roles); returns a session token."""
    with config.database.session() as session:
        issued = auth.login(session, credentials.username, credentials.password, credentials.code)
    # The attempt is audited whether it succeeds or fails (the failure commits before raising).
    return Token(token=issued.token, expires_at=issued.expires_at)


@router.post("/auth/logout", status_code=204)
def logout(who: Caller = Depends(permit("self")), config: Settings = Depends(settings)) -> None:
    with config.database.session() as session:
        auth.logout(session, who.token)


@router.get("/me")
def me(who: Caller = Depends(permit("self")), config: Settings = Depends(settings)) -> Me:
    with config.database.session() as session:
        person = session.get(Person, who.person_id)
        return Me(
            username=person.username,
            full_name=person.full_name,
            organisation=person.organisation.name,
            roles=sorted(who.roles),
        )


@router.get("/me/tokens")
def my_tokens(
    who: Caller = Depends(permit("tokens")), config: Settings = Depends(settings)
) -> list[TokenListing]:
    with config.database.session() as session:
        person = session.get(Person, who.person_id)
        return [
            TokenListing(
                id=t.id,
                name=t.name,
                scopes=t.scopes,
                created_at=t.created_at,
                expires_at=t.expires_at,
                revoked=t.revoked_at is not None,
            )
            for t in auth.list_api_tokens(session, person)
        ]


@router.post("/me/tokens", status_code=201)
def new_token(
    request: TokenRequest,
    who: Caller = Depends(permit("tokens")),
    config: Settings = Depends(settings),
) -> Token:
    """A scoped API token for scripts; shown once, only its hash is kept."""
    with config.database.session() as session:
        person = session.get(Person, who.person_id)
        issued = auth.issue_api_token(
            session, person, name=request.name, scopes=request.scopes, days=request.days
        )
        return Token(token=issued.token, expires_at=issued.expires_at)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: PathId, who: Caller = Depends(permit("tokens")), config: Settings = Depends(settings)
) -> None:
    with config.database.session() as session:
        auth.revoke_api_token(session, actor=session.get(Person, who.person_id), token_id=token_id)
