"""A cast of organisations and people for governance tests, built through the services
(so every one of them is audited and validated like a real account)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.governance import auth, people
from entrepot.governance.clock import today
from entrepot.governance.roles import CentreCategory, OrganisationKind
from entrepot.governance.tables import Organisation, Person

#: Every test account's password (long enough for the policy).
PASSWORD = "correct horse battery staple"
OPERATOR = "Opérateur de l'entrepôt"


def make_organisation(
    session: Session,
    name: str,
    kind: OrganisationKind = OrganisationKind.ACADEMIC_SPONSOR,
    **fields,
) -> Organisation:
    """An organisation of `kind` (an academic sponsor by default)."""
    return people.create_organisation(session, actor="system", name=name, kind=kind, **fields)


def make_centre(
    session: Session,
    name: str = "Centre Léon Bérard",
    finess: str = "690000880",
    category: CentreCategory = CentreCategory.CLCC,
) -> Organisation:
    """A care centre; give each centre of a test its own name and FINESS."""
    return make_organisation(
        session, name, OrganisationKind.CENTRE, finess=finess, centre_category=category
    )


def operator(session: Session) -> Organisation:
    """The operator's organisation, created on first use."""
    existing = session.scalar(select(Organisation).where(Organisation.name == OPERATOR))
    return existing or make_organisation(session, OPERATOR, OrganisationKind.OPERATOR)


def make_person(
    session: Session,
    username: str,
    roles: Iterable[people.RoleSpec] = (),
    organisation: Organisation | None = None,
    *,
    password: str = PASSWORD,
    active_until: dt.date | None = None,
) -> Person:
    """An account at `organisation` (the operator by default) ending in 300 days, so that
    it raises no access-review flag of its own."""
    return people.create_person(
        session,
        actor="system",
        username=username,
        full_name=username.replace(".", " ").title(),
        email=f"{username}@example.org",
        organisation=organisation or operator(session),
        password=password,
        active_until=active_until or today() + dt.timedelta(days=300),
        roles=roles,
    )


def log_in(session: Session, person: Person, *, at: dt.datetime | None = None) -> auth.IssuedToken:
    """Log `person` in with the test password and, if enrolled, the current code."""
    code = auth.current_code(person, at) if person.totp_secret else None
    return auth.login(session, person.username, PASSWORD, code, at=at)
