"""Projects: drafting, submission, committee review, activation and closure."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from entrepot.access import published_release_ids
from entrepot.governance import grants, people, projects, reviews, transitions
from entrepot.governance.errors import Invalid, NotFound
from entrepot.governance.lifecycle import (
    ProjectKind,
    ProjectState,
    RegulatoryBasis,
    ReviewVote,
    Sponsor,
)
from entrepot.governance.submission import Population, ProjectRequest, Recipient
from entrepot.governance.tables import Person, Project
from entrepot.store import Home
from entrepot.web.fields import Id, decode_base64
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(prefix="/projects", tags=["projects"])

Text = Field(min_length=1, max_length=20_000)
Year = Annotated[int, Field(ge=1000, le=9999)]


class PopulationIn(BaseModel):
    cancer_types: list[str] = Field(max_length=20)
    diagnosis_years: tuple[Year, Year]
    centres: list[str] = Field(max_length=500)


class RecipientIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(min_length=2, max_length=2)


class ProjectIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    public_summary: str = Text
    sponsor_id: Id
    sponsor_category: Sponsor
    purpose: str = Text
    public_interest: str = Text
    protocol_filename: str = Field(min_length=1, max_length=200)
    protocol_base64: str = Field(min_length=1, max_length=10_000_000)
    requested_variables: dict[str, list[str]] = Field(max_length=50)
    population: PopulationIn
    requested_release: str = Field(min_length=1, max_length=20)
    duration_months: int = Field(ge=1, le=600)
    regulatory_basis: RegulatoryBasis
    regulatory_reference: str = Field(min_length=1, max_length=100)
    recipients: list[RecipientIn] = Field(min_length=1, max_length=50)
    standard_contractual_clauses: bool = False
    kind: ProjectKind = ProjectKind.RESEARCH

    def to_request(self) -> ProjectRequest:
        protocol = decode_base64(self.protocol_base64, "protocol_base64")
        return ProjectRequest(
            title=self.title,
            public_summary=self.public_summary,
            sponsor_id=self.sponsor_id,
            sponsor_category=self.sponsor_category,
            purpose=self.purpose,
            public_interest=self.public_interest,
            protocol_filename=self.protocol_filename,
            protocol=protocol,
            requested_variables=self.requested_variables,
            population=Population(
                tuple(self.population.cancer_types),
                self.population.diagnosis_years,
                tuple(self.population.centres),
            ),
            requested_release=self.requested_release,
            duration_months=self.duration_months,
            regulatory_basis=self.regulatory_basis,
            regulatory_reference=self.regulatory_reference,
            recipients=tuple(Recipient(r.name, r.country) for r in self.recipients),
            standard_contractual_clauses=self.standard_contractual_clauses,
            kind=self.kind,
        )


class ProjectOut(BaseModel):
    code: str
    kind: str
    title: str
    public_summary: str
    sponsor: str
    sponsor_category: str
    state: str
    lead: str
    requested_variables: dict[str, list[str]]
    population: dict
    requested_release: str
    duration_months: int
    regulatory_basis: str
    regulatory_reference: str
    outside_eu: bool
    standard_contractual_clauses: bool
    protocol_sha256: str
    conditions: str
    expires_on: dt.date | None
    release_id: str | None

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        return cls(
            code=project.code,
            kind=project.kind,
            title=project.title,
            public_summary=project.public_summary,
            sponsor=project.sponsor.name,
            sponsor_category=project.sponsor_category,
            state=project.state,
            lead=project.lead.username,
            requested_variables=project.requested_variables,
            population=project.population,
            requested_release=project.requested_release,
            duration_months=project.duration_months,
            regulatory_basis=project.regulatory_basis,
            regulatory_reference=project.regulatory_reference,
            outside_eu=project.outside_eu,
            standard_contractual_clauses=project.standard_contractual_clauses,
            protocol_sha256=project.protocol_sha256,
            conditions=project.conditions,
            expires_on=project.expires_on,
            release_id=project.grant.release_id if project.grant else None,
        )


class Member(BaseModel):
    username: str = Field(min_length=1, max_length=80)


class VoteIn(BaseModel):
    vote: ReviewVote
    comment: str = Field(default="", max_length=20_000)
    conditions: str = Field(default="", max_length=20_000)


class ReviewOut(BaseModel):
    round: int
    vote: str
    comment: str
    conditions: str
    #: Absent for the project's own members: reviewers stay anonymous to them.
    reviewer: str | None = None


class Decision(BaseModel):
    outcome: ProjectState
    conditions: str = Field(default="", max_length=20_000)


class Activation(BaseModel):
    release_id: str = Field(min_length=1, max_length=20)


class Closure(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


def actor(session: Session, who: Caller) -> Person:
    return session.get(Person, who.person_id)


def visible_project(session: Session, person: Person, code: str) -> Project:
    """The project, if `person` may see it; otherwise "not found" (not even its existence)."""
    for project in projects.list_projects(session, person):
        if project.code == code:
            return project
    raise NotFound(f"no project {code} that you may see")


@router.get("")
def list_projects(
    who: Caller = Depends(permit("projects.read")), config: Settings = Depends(settings)
) -> list[ProjectOut]:
    with config.database.session() as session:
        return [ProjectOut.of(p) for p in projects.list_projects(session, actor(session, who))]


@router.post("", status_code=201)
def create_project(
    new: ProjectIn,
    who: Caller = Depends(permit("projects.write")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    """A new draft, led by the caller."""
    with config.database.session() as session:
        project = projects.create_draft(session, actor(session, who), new.to_request())
        session.refresh(project)
        return ProjectOut.of(project)


@router.get("/{code}")
def get_project(
    code: str, who: Caller = Depends(permit("projects.read")), config: Settings = Depends(settings)
) -> ProjectOut:
    with config.database.session() as session:
        return ProjectOut.of(visible_project(session, actor(session, who), code))


@router.put("/{code}")
def update_project(
    code: str,
    new: ProjectIn,
    who: Caller = Depends(permit("projects.write")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    with config.database.session() as session:
        person = actor(session, who)
        project = projects.update_draft(
            session, person, visible_project(session, person, code), new.to_request()
        )
        return ProjectOut.of(project)


@router.post("/{code}/members", status_code=201)
def add_member(
    code: str,
    member: Member,
    who: Caller = Depends(permit("projects.write")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        projects.add_member(session, person, project, people.find_person(session, member.username))
        return ProjectOut.of(project)


@router.post("/{code}/submit")
def submit(
    code: str, who: Caller = Depends(permit("projects.write")), config: Settings = Depends(settings)
) -> ProjectOut:
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        transitions.submit(session, person, project)
        return ProjectOut.of(project)


@router.post("/{code}/start-review")
def start_review(
    code: str,
    who: Caller = Depends(permit("projects.start_review")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        transitions.start_review(session, person, project)
        return ProjectOut.of(project)


@router.post("/{code}/reviews", status_code=201)
def cast_review(
    code: str,
    vote: VoteIn,
    who: Caller = Depends(permit("projects.review")),
    config: Settings = Depends(settings),
) -> ReviewOut:
    """One independent vote on the open round; it cannot be changed."""
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        review = reviews.cast_review(
            session, person, project, vote.vote, vote.comment, vote.conditions
        )
        return ReviewOut(
            round=review.round,
            vote=review.vote,
            comment=review.comment,
            conditions=review.conditions,
            reviewer=person.username,
        )


@router.get("/{code}/reviews")
def list_reviews(
    code: str, who: Caller = Depends(permit("projects.read")), config: Settings = Depends(settings)
) -> list[ReviewOut]:
    """Committee members: the reviews they may see (blind until they vote). Members of the
    project: the committee's feedback on decided rounds, without names."""
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        if projects.is_member(session, person, project):
            return [
                ReviewOut(round=f.round, vote=f.vote, comment=f.comment, conditions=f.conditions)
                for f in reviews.feedback_for(session, person, project)
            ]
        return [
            ReviewOut(
                round=r.round,
                vote=r.vote,
                comment=r.comment,
                conditions=r.conditions,
                reviewer=session.get(Person, r.reviewer_id).username,
            )
            for r in reviews.reviews_visible_to(session, person, project)
        ]


@router.post("/{code}/decision")
def decide(
    code: str,
    decision: Decision,
    who: Caller = Depends(permit("projects.review")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        reviews.decide(session, person, project, decision.outcome, decision.conditions)
        return ProjectOut.of(project)


@router.post("/{code}/activate")
def activate(
    code: str,
    activation: Activation,
    who: Caller = Depends(permit("projects.activate")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    """Open an approved project: grant pinned to the release, pseudonym key created.

    The release must be published in this warehouse: a grant pinned to a release that
    does not exist would open nothing, and its researchers would learn it only then."""
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        _require_published(config.home, activation.release_id)
        grants.activate(session, person, project, config.keys, release_id=activation.release_id)
        session.refresh(project)
        return ProjectOut.of(project)


def _require_published(home: Home, release_id: str) -> None:
    published = published_release_ids(home)
    if release_id not in published:
        span = f"{published[0]} to {published[-1]}" if published else "none yet"
        raise Invalid(
            f"release_id: no release {release_id} is published in this warehouse "
            f"(published: {span}); publish it first, or pin a published one"
        )


@router.post("/{code}/close")
def close(
    code: str,
    closure: Closure,
    who: Caller = Depends(permit("projects.close")),
    config: Settings = Depends(settings),
) -> ProjectOut:
    """End a project for good; its pseudonym key is destroyed."""
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        grants.close(session, person, project, config.keys, closure.reason)
        return ProjectOut.of(project)


@router.post("/expire")
def expire(
    who: Caller = Depends(permit("projects.activate")), config: Settings = Depends(settings)
) -> list[str]:
    """Move every active project past its end date to expired (run daily by the operator)."""
    with config.database.session() as session:
        return [p.code for p in grants.expire_due(session)]
