"""Organisations, people and their roles, and the annual access-rights review (operator)."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from entrepot.governance import people
from entrepot.governance.clock import today
from entrepot.governance.errors import NotFound
from entrepot.governance.roles import CentreCategory, OrganisationKind, Role
from entrepot.governance.tables import Organisation, Person
from entrepot.web.fields import Id
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(tags=["organisations and people"])

Name = Field(min_length=1, max_length=200)


class NewOrganisation(BaseModel):
    name: str = Name
    kind: OrganisationKind
    finess: str | None = Field(default=None, max_length=9)
    centre_category: CentreCategory | None = None
    country: str = Field(default="FR", max_length=2)


class OrganisationOut(BaseModel):
    id: int
    name: str
    kind: str
    finess: str | None
    centre_category: str | None
    country: str


class RoleIn(BaseModel):
    role: Role
    #: For a centre data manager: the centre's organisation id.
    organisation_id: Id | None = None
    ends_on: dt.date | None = None


class NewPerson(BaseModel):
    username: str = Field(min_length=2, max_length=80)
    full_name: str = Name
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=200)
    organisation_id: Id
    password: str = Field(min_length=1, max_length=1000)
    active_until: dt.date
    roles: list[RoleIn] = Field(default_factory=list, max_length=len(Role))


class PersonOut(BaseModel):
    username: str
    full_name: str
    organisation: str
    active_until: dt.date
    roles: list[str]
    second_factor: bool


class CreatedPerson(PersonOut):
    #: Shown once, to the operator who hands it over out of band.
    totp_secret: str | None


class Interest(BaseModel):
    organisation_id: Id
    description: str = Field(min_length=1, max_length=2000)


class ReviewLineOut(BaseModel):
    username: str
    full_name: str
    organisation: str
    roles: list[str]
    active_until: dt.date
    projects: list[str]
    flags: list[str]


def _organisation(session, organisation_id: int | None) -> Organisation | None:
    if organisation_id is None:
        return None
    found = session.get(Organisation, organisation_id)
    if found is None:
        raise NotFound(f"no organisation {organisation_id}")
    return found


def _person_out(person: Person) -> PersonOut:
    return PersonOut(
        username=person.username,
        full_name=person.full_name,
        organisation=person.organisation.name,
        active_until=person.active_until,
        roles=sorted(people.active_roles(person)),
        second_factor=person.totp_secret is not None,
    )


@router.get("/organisations")
def list_organisations(
    _who: Caller = Depends(permit("organisations.read")), config: Settings = Depends(settings)
) -> list[OrganisationOut]:
    with config.database.session() as session:
        found = session.scalars(select(Organisation).order_by(Organisation.name))
        return [OrganisationOut.model_validate(o, from_attributes=True) for o in found]


@router.post("/organisations", status_code=201)
def create_organisation(
    new: NewOrganisation,
    who: Caller = Depends(permit("organisations.write")),
    config: Settings = Depends(settings),
) -> OrganisationOut:
    with config.database.session() as session:
        created = people.create_organisation(session, actor=who.username, **new.model_dump())
        return OrganisationOut.model_validate(created, from_attributes=True)


@router.get("/people")
def list_people(
    _who: Caller = Depends(permit("people.read")), config: Settings = Depends(settings)
) -> list[PersonOut]:
    with config.database.session() as session:
        return [_person_out(p) for p in session.scalars(select(Person).order_by(Person.username))]


@router.post("/people", status_code=201)
def create_person(
    new: NewPerson,
    who: Caller = Depends(permit("people.write")),
    config: Settings = Depends(settings),
) -> CreatedPerson:
    """Open an account; a data role enrols a second factor, whose secret is shown once."""
    with config.database.session() as session:
        organisation = _organisation(session, new.organisation_id)
        roles = [
            (r.role, _organisation(session, r.organisation_id)) if r.organisation_id else r.role
            for r in new.roles
        ]
        person = people.create_person(
            session,
            actor=who.username,
            username=new.username,
            full_name=new.full_name,
            email=new.email,
            organisation=organisation,
            password=new.password,
            active_until=new.active_until,
            roles=roles,
        )
        return CreatedPerson(**_person_out(person).model_dump(), totp_secret=person.totp_secret)


@router.post("/people/{username}/roles", status_code=201)
def assign_role(
    username: str,
    role: RoleIn,
    who: Caller = Depends(permit("people.write")),
    config: Settings = Depends(settings),
) -> PersonOut:
    with config.database.session() as session:
        person = people.find_person(session, username)
        people.assign_role(
            session,
            actor=who.username,
            person=person,
            role=role.role,
            organisation=_organisation(session, role.organisation_id),
            ends_on=role.ends_on,
        )
        session.refresh(person)
        return _person_out(person)


@router.delete("/people/{username}/roles/{role}")
def remove_role(
    username: str,
    role: Role,
    organisation_id: Id | None = None,
    who: Caller = Depends(permit("people.write")),
    config: Settings = Depends(settings),
) -> PersonOut:
    with config.database.session() as session:
        person = people.find_person(session, username)
        people.remove_role(
            session,
            actor=who.username,
            person=person,
            role=role,
            organisation=_organisation(session, organisation_id),
        )
        session.refresh(person)
        return _person_out(person)


@router.post("/people/{username}/deactivate")
def deactivate(
    username: str,
    who: Caller = Depends(permit("people.write")),
    config: Settings = Depends(settings),
) -> PersonOut:
    """End an account now: its sessions and API tokens stop working at once."""
    with config.database.session() as session:
        person = people.find_person(session, username)
        people.deactivate(session, actor=who.username, person=person)
        return _person_out(person)


@router.post("/people/{username}/interests", status_code=201)
def declare_interest(
    username: str,
    interest: Interest,
    who: Caller = Depends(permit("people.write")),
    config: Settings = Depends(settings),
) -> PersonOut:
    """Record a tie (employment, funding…): the person may not review that sponsor's projects."""
    with config.database.session() as session:
        person = people.find_person(session, username)
        organisation = _organisation(session, interest.organisation_id)
        people.declare_interest(
            session,
            actor=who.username,
            person=person,
            organisation=organisation,
            description=interest.description,
        )
        return _person_out(person)


@router.get("/access-review")
def access_review(
    on: dt.date | None = Query(None, description="Review date (default: today)"),
    _who: Caller = Depends(permit("access_review")),
    config: Settings = Depends(settings),
) -> list[ReviewLineOut]:
    """The annual access-rights review: who can reach what, and what to act on."""
    with config.database.session() as session:
        lines = people.access_review(session, on or today())
    return [
        ReviewLineOut(
            username=line.username,
            full_name=line.full_name,
            organisation=line.organisation,
            roles=list(line.roles),
            active_until=line.active_until,
            projects=[f"{p.code} ({p.state}): {', '.join(p.tables)}" for p in line.projects],
            flags=[str(f) for f in line.flags],
        )
        for line in lines
    ]


@router.get("/access-review.csv", response_class=PlainTextResponse)
def access_review_csv(
    on: dt.date | None = Query(None),
    _who: Caller = Depends(permit("access_review")),
    config: Settings = Depends(settings),
) -> str:
    with config.database.session() as session:
        return people.access_review_csv(people.access_review(session, on or today()))
