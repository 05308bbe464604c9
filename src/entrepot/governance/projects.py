"""Projects before and around the committee: drafting, membership, and who sees which.

A researcher writes a draft (`create_draft`, `update_draft`) and adds colleagues; the moves
of the state machine live in `transitions`, `reviews` and `grants`.
"""

from __future__ import annotations

from sqlalchemy import func, inspect, or_, select
from sqlalchemy.orm import Session

from entrepot.governance import audit, people
from entrepot.governance.errors import Conflict, Invalid, NotFound, Refused
from entrepot.governance.lifecycle import ProjectKind, ProjectState, Sponsor
from entrepot.governance.roles import OrganisationKind, Role
from entrepot.governance.submission import ProjectRequest, validate
from entrepot.governance.tables import Organisation, Person, Project, ProjectMember
from entrepot.governance.transitions import require_lead

S = ProjectState
#: States in which the researcher may still change what is asked.
EDITABLE = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
#: States after which nobody joins a project any more.
FINISHED = frozenset({S.REJECTED, S.EXPIRED, S.CLOSED})
#: Roles that oversee every project; everyone else sees the projects they belong to.
OVERSIGHT = (Role.COMMITTEE_MEMBER, Role.OPERATOR_ADMIN, Role.AUDITOR, Role.DPO)


def create_draft(session: Session, actor: Person, request: ProjectRequest) -> Project:
    """A new project in draft, led by `actor` (a researcher), who becomes its first member.

    Codes are `P` and a number (`P0001`); projects are never deleted, so the count of
    projects gives the next number.
    """
    people.require(actor, Role.RESEARCHER)
    _check(session, request)
    number = (session.scalar(select(func.count(Project.id))) or 0) + 1
    project = Project(code=f"P{number:04d}", state=S.DRAFT.value, lead_id=actor.id)
    _fill(project, request)
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, person_id=actor.id))
    session.flush()
    audit.record(
        session,
        "project_created",
        actor=actor.username,
        project=project.code,
        object_type="project",
        object_id=project.code,
        details={"tables": sorted(project.requested_variables)},
    )
    return project


def update_draft(
    session: Session, actor: Person, project: Project, request: ProjectRequest
) -> Project:
    """Replace what `project` asks for; only its lead, only before review or when the
    committee asked for changes."""
    require_lead(actor, project)
    if project.state not in EDITABLE:
        raise Conflict(
            f"project {project.code} is {project.state}: it can be changed only as a draft "
            "or when the committee asks for changes"
        )
    _check(session, request)
    _fill(project, request)
    # Named from the session's own change tracking, which compares old and new values.
    changed = sorted(a.key for a in inspect(project).attrs if a.history.has_changes())
    session.flush()
    audit.record(
        session,
        "project_updated",
        actor=actor.username,
        project=project.code,
        object_type="project",
        object_id=project.code,
        details={"fields": changed},
    )
    return project


def add_member(session: Session, actor: Person, project: Project, person: Person) -> ProjectMember:
    """Let `person`, a researcher, work on `project`; the lead or the operator adds them."""
    if not people.holds(actor, Role.OPERATOR_ADMIN):
        require_lead(actor, project)
    if project.state in FINISHED:
        raise Conflict(f"project {project.code} is {project.state}: nobody joins it any more")
    if not people.holds(person, Role.RESEARCHER):
        raise Invalid(f"{person.username} is not an active researcher; only researchers join")
    if is_member(session, person, project):
        raise Conflict(f"{person.username} is already a member of project {project.code}")
    member = ProjectMember(project_id=project.id, person_id=person.id)
    session.add(member)
    session.flush()
    audit.record(
        session,
        "project_member_added",
        actor=actor.username,
        project=project.code,
        object_type="person",
        object_id=person.username,
    )
    return member


def is_member(session: Session, person: Person, project: Project) -> bool:
    """Whether `person` belongs to `project` (the lead always does)."""
    membership = select(ProjectMember.id).where(
        ProjectMember.project_id == project.id, ProjectMember.person_id == person.id
    )
    return session.scalar(membership) is not None


def get_project(session: Session, code: str) -> Project:
    """The project with this code; `NotFound` if there is none."""
    project = session.scalar(select(Project).where(Project.code == code))
    if project is None:
        raise NotFound(f"no project {code!r}")
    return project


def list_projects(session: Session, person: Person) -> list[Project]:
    """The projects `person` may see, by code: all of them for the committee, the operator,
    the auditor and the DPO; otherwise those they lead or belong to."""
    if not people.is_active(person):
        raise Refused(f"account {person.username} has ended")
    query = select(Project).order_by(Project.code)
    if not any(people.holds(person, role) for role in OVERSIGHT):
        member_of = select(ProjectMember.project_id).where(ProjectMember.person_id == person.id)
        query = query.where(or_(Project.lead_id == person.id, Project.id.in_(member_of)))
    return list(session.scalars(query))


def _check(session: Session, request: ProjectRequest) -> None:
    """The request's own checks, then those that need the database: the sponsor and the
    centres must be registered organisations."""
    validate(request)
    problems = []
    sponsor = session.get(Organisation, request.sponsor_id)
    if sponsor is None:
        problems.append(
            f"sponsor_id: no organisation {request.sponsor_id}; register the sponsor first"
        )
    elif request.kind == ProjectKind.AUTHORITY_ANALYSIS and (
        sponsor.kind != OrganisationKind.AUTHORITY or request.sponsor_category != Sponsor.AUTHORITY
    ):
        # An analysis commissioned by HAS or ANSM: the authority itself is the sponsor.
        problems.append(
            "kind: an authority's commissioned analysis is sponsored by the authority "
            "(an organisation of kind 'authority', sponsor_category 'authority')"
        )
    known = set(
        session.scalars(
            select(Organisation.finess).where(
                Organisation.kind == OrganisationKind.CENTRE.value,
                Organisation.finess.in_(request.population.centres),
            )
        )
    )
    for finess in sorted(set(request.population.centres) - known):
        problems.append(
            f"population.centres: {finess} is not a centre of the warehouse; choose among "
            "the registered centres"
        )
    if problems:
        raise Invalid("; ".join(problems))


def _fill(project: Project, request: ProjectRequest) -> None:
    project.kind = str(request.kind)
    project.title = request.title.strip()
    project.public_summary = request.public_summary
    project.sponsor_id = request.sponsor_id
    project.sponsor_category = str(request.sponsor_category)
    project.purpose = request.purpose
    project.public_interest = request.public_interest
    project.protocol_filename = request.protocol_filename
    project.protocol = request.protocol
    project.protocol_sha256 = request.protocol_sha256
    project.requested_variables = request.variables_json()
    project.population = request.population.as_json()
    project.requested_release = request.requested_release
    project.duration_months = request.duration_months
    project.regulatory_basis = str(request.regulatory_basis)
    project.regulatory_reference = request.regulatory_reference.strip()
    project.recipients = [
        {"name": r.name, "country": r.country.upper()} for r in request.recipients
    ]
    project.outside_eu = request.outside_eu
    project.standard_contractual_clauses = request.standard_contractual_clauses
