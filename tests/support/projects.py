"""Projects taken through the real life cycle (draft → … → active) for gate and API tests."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.governance import grants, projects, reviews, transitions
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.lifecycle import ProjectState, RegulatoryBasis, ReviewVote, Sponsor
from entrepot.governance.roles import OrganisationKind, Role
from entrepot.governance.submission import Population, ProjectRequest, Recipient
from entrepot.governance.tables import Organisation, Person, Project
from tests.support.people import make_centre, make_organisation, make_person

#: What the test projects ask for: patient and tumour basics, and hospital stays (claims).
GRANTED = {
    "patient": ("sex", "birth_year", "departement", "vital_status"),
    "tumour": ("cancer_type", "diagnosis_date", "icd10"),
    "hospital_stay": ("admission_date", "discharge_date"),
}
CANCER_TYPES = ("breast", "lung")
DIAGNOSIS_YEARS = (2012, 2022)


def request(sponsor: Organisation, centres: tuple[str, ...], **changes) -> ProjectRequest:
    fields = {
        "title": "Survie des cancers du sein et du poumon",
        "public_summary": "Comparer la survie selon le parcours de soins.",
        "sponsor_id": sponsor.id,
        "sponsor_category": Sponsor.ACADEMIC,
        "purpose": "Survival by care pathway.",
        "public_interest": "Improve care pathways for patients.",
        "protocol_filename": "protocol.pdf",
        "protocol": b"%PDF-1.4 protocol",
        "requested_variables": GRANTED,
        "population": Population(CANCER_TYPES, DIAGNOSIS_YEARS, centres),
        "requested_release": "latest",
        "duration_months": 24,
        "regulatory_basis": RegulatoryBasis.REFERENCE_METHODOLOGY,
        "regulatory_reference": "MR-004",
        "recipients": (Recipient("Université de Lyon", "FR"),),
    }
    return ProjectRequest(**{**fields, **changes})


def active_project(
    session: Session,
    lead: Person,
    release_id: str,
    keys_folder: Path,
    centres: tuple[str, ...],
    sponsor: Organisation | None = None,
    **changes,
) -> tuple[Project, ProjectKeys]:
    """A project led by `lead`, reviewed by two independent members, approved and active
    (sponsored by a new university unless `sponsor` is given)."""
    tag = lead.username.split(".")[0]
    for finess in centres:
        centre_organisation(session, finess)
    if sponsor is None:
        sponsor = make_organisation(session, f"Université {tag}", OrganisationKind.ACADEMIC_SPONSOR)
    admin = make_person(session, f"admin.{tag}", [Role.OPERATOR_ADMIN])
    members = [make_person(session, f"reviewer{n}.{tag}", [Role.COMMITTEE_MEMBER]) for n in (1, 2)]
    project = projects.create_draft(session, lead, request(sponsor, centres, **changes))
    transitions.submit(session, lead, project)
    transitions.start_review(session, members[0], project)
    for member in members:
        reviews.cast_review(session, member, project, ReviewVote.APPROVE, "sound protocol")
    reviews.decide(session, members[0], project, ProjectState.APPROVED, "publish the code")
    keys = ProjectKeys(keys_folder)
    grants.activate(session, admin, project, keys, release_id=release_id)
    return project, keys


def centre_organisation(session: Session, finess: str) -> Organisation:
    """The centre registered under `finess`, registered now if it is not yet."""
    found = session.scalar(select(Organisation).where(Organisation.finess == finess))
    return found or make_centre(session, f"Centre {finess}", finess)


def close_project(session: Session, lead: Person, code: str, keys: ProjectKeys) -> None:
    project = projects.get_project(session, code)
    grants.close(session, session.merge(lead), project, keys, "study finished")
