"""A committee's world for project tests: a sponsor, a centre, a research team, three
independent committee members, the operator and an auditor; a well-formed request; and
shortcuts that take a project through the services to a given state."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from unittest import mock

from sqlalchemy.orm import Session

from entrepot.governance import people
from entrepot.governance.grants import activate
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.lifecycle import ProjectState, RegulatoryBasis, ReviewVote, Sponsor
from entrepot.governance.projects import add_member, create_draft
from entrepot.governance.reviews import cast_review, decide
from entrepot.governance.roles import OrganisationKind, Role
from entrepot.governance.submission import Population, ProjectRequest, Recipient
from entrepot.governance.tables import Organisation, Person, Project
from entrepot.governance.transitions import start_review, submit
from tests.support.people import make_centre, make_organisation, make_person

CENTRE_FINESS = "690000880"
RELEASE = "R0001"


@dataclass
class Cast:
    centre: Organisation
    sponsor: Organisation
    #: The project's lead and a colleague, researchers at the sponsor.
    lead: Person
    colleague: Person
    #: A researcher with nothing to do with the project.
    outsider: Person
    #: Committee members of the Health Data Hub, tied to nobody.
    reviewers: tuple[Person, Person, Person]
    #: A committee member employed by the sponsor.
    sponsor_member: Person
    admin: Person
    auditor: Person


def make_cast(session: Session) -> Cast:
    """Everyone a project meets. Passwords are hashed cheaply: these tests never log in,
    and Argon2 (a fifth of a second per account) would otherwise dominate them."""
    with mock.patch.object(people, "hash_password", lambda password: "not-a-real-hash"):
        centre = make_centre(session, finess=CENTRE_FINESS)
        sponsor = make_organisation(session, "Université Claude Bernard")
        hub = make_organisation(session, "Health Data Hub", OrganisationKind.HEALTH_DATA_HUB)
        return Cast(
            centre=centre,
            sponsor=sponsor,
            lead=make_person(session, "lea.lead", [Role.RESEARCHER], sponsor),
            colleague=make_person(session, "colin.colleague", [Role.RESEARCHER], sponsor),
            outsider=make_person(session, "oscar.outsider", [Role.RESEARCHER], hub),
            reviewers=tuple(
                make_person(session, name, [Role.COMMITTEE_MEMBER], hub)
                for name in ("anna.reviewer", "bruno.reviewer", "carla.reviewer")
            ),
            sponsor_member=make_person(session, "sam.sponsor", [Role.COMMITTEE_MEMBER], sponsor),
            admin=make_person(session, "olga.operator", [Role.OPERATOR_ADMIN]),
            auditor=make_person(session, "aude.auditor", [Role.AUDITOR]),
        )


def a_request(sponsor_id: int = 1, **changes) -> ProjectRequest:
    """A request a committee secretary would find complete, with `changes` applied."""
    request = ProjectRequest(
        title="Second-line treatments of metastatic breast cancer",
        public_summary="Which treatments patients receive after a first line, and for how long.",
        sponsor_id=sponsor_id,
        sponsor_category=Sponsor.ACADEMIC,
        purpose="Describe second-line treatment sequences and their duration.",
        public_interest="Informs the national guidelines on metastatic breast cancer.",
        protocol_filename="protocol-v1.pdf",
        protocol=b"%PDF-1.7 protocol version 1",
        requested_variables={
            "patient": ["sex", "birth_year", "vital_status"],
            "tumour": ["cancer_type", "diagnosis_date", "stage_group"],
            "treatment": ["kind", "line_number", "regimen", "start_date", "end_date"],
        },
        population=Population(
            cancer_types=("breast",), diagnosis_years=(2015, 2022), centres=(CENTRE_FINESS,)
        ),
        requested_release=RELEASE,
        duration_months=24,
        regulatory_basis=RegulatoryBasis.REFERENCE_METHODOLOGY,
        regulatory_reference="MR-004",
        recipients=(Recipient("Université Claude Bernard", "FR"),),
    )
    return dataclasses.replace(request, **changes)


def submitted(session: Session, cast: Cast) -> Project:
    """A project with its colleague as a member, submitted by its lead."""
    project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
    add_member(session, cast.lead, project, cast.colleague)
    submit(session, cast.lead, project)
    return project


def under_review(session: Session, cast: Cast) -> Project:
    project = submitted(session, cast)
    start_review(session, cast.reviewers[0], project)
    return project


def approved(session: Session, cast: Cast) -> Project:
    """A project two independent reviewers approved."""
    project = under_review(session, cast)
    for reviewer in cast.reviewers[:2]:
        cast_review(session, reviewer, project, ReviewVote.APPROVE, "Sound protocol.")
    decide(session, cast.reviewers[0], project, ProjectState.APPROVED, "Report yearly.")
    return project


def active(session: Session, cast: Cast, keys: ProjectKeys, today: dt.date) -> Project:
    """A project activated on `today` on release `RELEASE`."""
    project = approved(session, cast)
    activate(session, cast.admin, project, keys, release_id=RELEASE, today=today)
    return project
