"""People, their organisations and roles: who may use the warehouse, for whom, until when.

An account always ends (`active_until`); a role may end earlier (`ends_on`). A centre data
manager acts for one centre, so that role is scoped to a centre organisation. Anyone holding
a role of `roles.DATA_ROLES` gets a TOTP secret the moment the role is assigned: such an
account cannot log in without it, and the operator hands it over out of band.

These services do not check the actor's own roles: the first operator is created by
"system", and the API and CLI check `require(actor, Role.OPERATOR_ADMIN)` before calling.
Every change is audited in the caller's transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session, selectinload

from entrepot.governance import audit, errors, totp
from entrepot.governance.clock import now, today
from entrepot.governance.passwords import check_policy, hash_password
from entrepot.governance.roles import DATA_ROLES, CentreCategory, OrganisationKind, Role
from entrepot.governance.tables import (
    ApiToken,
    AuditEvent,
    DataGrant,
    DeclaredInterest,
    LoginSession,
    Organisation,
    Person,
    Project,
    ProjectMember,
    RoleAssignment,
)

#: Usernames appear as the actor of audit records, so they stay short and plain; "system"
#: is the warehouse itself in the trail and cannot be a person.
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,79}")
RESERVED_USERNAMES = frozenset({"system"})
#: Two-character département (2A/2B for Corsica) and seven digits. The check digit is
#: `vocab`'s business; governance may import `model` only.
FINESS = re.compile(r"(?:[0-9]{2}|2A|2B)[0-9]{7}")

RoleSpec = Role | tuple[Role, Organisation]
E = TypeVar("E", bound=StrEnum)


def create_organisation(
    session: Session,
    *,
    actor: str,
    name: str,
    kind: OrganisationKind,
    finess: str | None = None,
    centre_category: CentreCategory | None = None,
    country: str = "FR",
) -> Organisation:
    """Register an organisation. A centre needs its 9-character FINESS and its category."""
    kind = _member(OrganisationKind, kind, "organisation kind")
    if not name.strip():
        raise errors.Invalid("an organisation needs a name")
    if kind is OrganisationKind.CENTRE and (finess is None or centre_category is None):
        raise errors.Invalid(f"centre {name!r} needs a FINESS number and a centre category")
    if kind is not OrganisationKind.CENTRE and centre_category is not None:
        raise errors.Invalid(f"{name!r} is not a centre: it has no centre category")
    if finess is not None and not FINESS.fullmatch(finess):
        raise errors.Invalid(f"FINESS {finess!r} is not a département code followed by 7 digits")
    if not re.fullmatch(r"[A-Z]{2}", country):
        raise errors.Invalid(f"country {country!r} is not an ISO 3166 two-letter code")
    category = (
        None
        if centre_category is None
        else _member(CentreCategory, centre_category, "centre category")
    )
    if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
        raise errors.Conflict(f"organisation {name!r} already exists")
    same_finess = select(Organisation.id).where(Organisation.finess == finess)
    if finess is not None and session.scalar(same_finess) is not None:
        raise errors.Conflict(f"FINESS {finess} is already registered")
    organisation = Organisation(
        name=name,
        kind=kind.value,
        finess=finess,
        centre_category=None if category is None else category.value,
        country=country,
    )
    session.add(organisation)
    session.flush()
    audit.record(
        session,
        "organisation_created",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
        details={"kind": kind.value, "finess": finess},
    )
    return organisation


def create_person(
    session: Session,
    *,
    actor: str,
    username: str,
    full_name: str,
    email: str,
    organisation: Organisation,
    password: str,
    active_until: dt.date,
    roles: Iterable[RoleSpec] = (),
) -> Person:
    """Open an account ending on `active_until`, with its roles.

    A role is a `Role`, or `(Role, Organisation)` to scope it to one organisation; a centre
    data manager's role defaults to the person's own organisation when it is a centre. A data
    role enrols a TOTP secret at once (`person.totp_secret`), to be handed over out of band.
    """
    if not USERNAME.fullmatch(username) or username in RESERVED_USERNAMES:
        raise errors.Invalid(
            f"username {username!r} must be 2-80 characters of a-z, 0-9, '.', '_' or '-', "
            "and not 'system'"
        )
    if not full_name.strip():
        raise errors.Invalid("a person needs a full name")
    if "@" not in email:
        raise errors.Invalid(f"{email!r} is not an e-mail address")
    check_policy(password)
    if session.scalar(select(Person.id).where(Person.username == username)) is not None:
        raise errors.Conflict(f"username {username!r} is taken")
    person = Person(
        username=username,
        full_name=full_name,
        email=email,
        organisation=organisation,
        password_hash=hash_password(password),
        failed_logins=0,
        active_until=active_until,
    )
    session.add(person)
    session.flush()
    audit.record(
        session,
        "person_created",
        actor=actor,
        object_type="person",
        object_id=username,
        details={"organisation": organisation.id, "active_until": active_until.isoformat()},
    )
    for spec in roles:
        role, scope = spec if isinstance(spec, tuple) else (spec, None)
        assign_role(session, actor=actor, person=person, role=role, organisation=scope)
    return person


def assign_role(
    session: Session,
    *,
    actor: str,
    person: Person,
    role: Role,
    organisation: Organisation | None = None,
    ends_on: dt.date | None = None,
) -> RoleAssignment:
    """Give `person` a role (scoped to `organisation` if given) until `ends_on` (or the
    account's end). Assigning a role already held changes its end date."""
    role = _member(Role, role, "role")
    organisation = _scope(person, role, organisation)
    assignment = _assignment(person, role, organisation)
    if assignment is None:
        assignment = RoleAssignment(
            person=person,
            role=role.value,
            organisation_id=None if organisation is None else organisation.id,
            granted_by_id=session.scalar(select(Person.id).where(Person.username == actor)),
        )
        session.add(assignment)
    assignment.ends_on = ends_on
    if role in DATA_ROLES and person.totp_secret is None:
        person.totp_secret = totp.new_secret()
        audit.record(
            session,
            "second_factor_enrolled",
            actor=actor,
            object_type="person",
            object_id=person.username,
        )
    session.flush()
    audit.record(
        session,
        "role_assigned",
        actor=actor,
        object_type="person",
        object_id=person.username,
        details={
            "role": role.value,
            "organisation": assignment.organisation_id,
            "ends_on": None if ends_on is None else ends_on.isoformat(),
        },
    )
    return assignment


def remove_role(
    session: Session,
    *,
    actor: str,
    person: Person,
    role: Role,
    organisation: Organisation | None = None,
) -> None:
    """Take a role away (the audit trail keeps the history). `NotFound` if not held."""
    role = _member(Role, role, "role")
    organisation = _scope(person, role, organisation)
    assignment = _assignment(person, role, organisation)
    if assignment is None:
        raise errors.NotFound(f"{person.username} does not hold the role {role.value}")
    person.roles.remove(assignment)
    session.delete(assignment)
    session.flush()
    audit.record(
        session,
        "role_removed",
        actor=actor,
        object_type="person",
        object_id=person.username,
        details={"role": role.value, "organisation": assignment.organisation_id},
    )


def is_active(person: Person, on: dt.date | None = None) -> bool:
    """Whether the account is open on `on` (default today): not deactivated, not ended."""
    return person.deactivated_at is None and person.active_until >= (on or today())


def active_roles(person: Person, on: dt.date | None = None) -> set[Role]:
    """The roles `person` holds on `on`; none at all if the account is not active."""
    if not is_active(person, on):
        return set()
    return {Role(assignment.role) for assignment in _current(person, on)}


def holds(
    person: Person, role: Role, organisation_id: int | None = None, on: dt.date | None = None
) -> bool:
    """Whether `person` holds `role` on `on`; scoped to `organisation_id` when given."""
    return is_active(person, on) and any(
        assignment.role == role
        and (organisation_id is None or assignment.organisation_id == organisation_id)
        for assignment in _current(person, on)
    )


def require(person: Person, *roles: Role, on: dt.date | None = None) -> None:
    """Raise `errors.Refused` unless `person` holds at least one of `roles`."""
    if not any(holds(person, role, on=on) for role in roles):
        needed = " or ".join(Role(role).value for role in roles)
        raise errors.Refused(f"{person.username} needs the role {needed}")


def centres_managed(person: Person, on: dt.date | None = None) -> set[str]:
    """FINESS of the centres for which `person` is an active centre data manager."""
    if not is_active(person, on):
        return set()
    session = _session_of(person)
    return {
        session.get_one(Organisation, assignment.organisation_id).finess
        for assignment in _current(person, on)
        if assignment.role == Role.CENTRE_DATA_MANAGER and assignment.organisation_id
    }


def declare_interest(
    session: Session, *, actor: str, person: Person, organisation: Organisation, description: str
) -> DeclaredInterest:
    """Record a tie (employment, funding, consultancy) between `person` and `organisation`."""
    interest = DeclaredInterest(
        person_id=person.id, organisation_id=organisation.id, description=description
    )
    session.add(interest)
    session.flush()
    # The description stays out of the trail: it is free text about a person.
    audit.record(
        session,
        "interest_declared",
        actor=actor,
        object_type="person",
        object_id=person.username,
        details={"organisation": organisation.id},
    )
    return interest


def tied_to(session: Session, person: Person, organisation_id: int) -> bool:
    """Whether `person` works for the organisation or has declared an interest in it."""
    if person.organisation_id == organisation_id:
        return True
    declared = select(DeclaredInterest.id).where(
        DeclaredInterest.person_id == person.id,
        DeclaredInterest.organisation_id == organisation_id,
    )
    return session.scalar(declared.limit(1)) is not None


def deactivate(session: Session, *, actor: str, person: Person) -> None:
    """Close the account now: its login sessions end and its API tokens are revoked."""
    moment = now()
    if person.deactivated_at is None:
        person.deactivated_at = moment
    sessions = session.execute(
        update(LoginSession)
        .where(LoginSession.person_id == person.id, LoginSession.ended_at.is_(None))
        .values(ended_at=moment)
    ).rowcount
    tokens = session.execute(
        update(ApiToken)
        .where(ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=moment)
    ).rowcount
    audit.record(
        session,
        "person_deactivated",
        actor=actor,
        object_type="person",
        object_id=person.username,
        details={"sessions_ended": sessions, "tokens_revoked": tokens},
    )


def find_person(session: Session, username: str) -> Person:
    """The person with this username; `errors.NotFound` if there is none."""
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None:
        raise errors.NotFound(f"no person with username {username!r}")
    return person


# --- Annual access-rights review ----------------------------------------------------------


class ReviewFlag(StrEnum):
    """Something the reviewer must act on (close, shorten, enrol or ask)."""

    ENDED_WITH_ROLES = "account ended but roles still assigned"
    ENDS_AFTER_A_YEAR = "account ends more than 12 months after the review"
    DATA_ROLE_WITHOUT_TOTP = "data role without a second factor"
    NO_RECENT_LOGIN = "no login in the last 12 months"


@dataclass(frozen=True)
class ReviewedProject:
    """A project a person is a member of, and the tables its grant opens."""

    code: str
    state: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class AccessReviewLine:
    """One person's rights as the reviewer sees them."""

    username: str
    full_name: str
    organisation: str
    #: Roles assigned and not ended, e.g. "researcher", "centre_data_manager @ CLCC X".
    roles: tuple[str, ...]
    active_until: dt.date
    projects: tuple[ReviewedProject, ...]
    flags: tuple[ReviewFlag, ...]


def access_review(session: Session, on: dt.date) -> list[AccessReviewLine]:
    """Every account's rights on `on`, with what a reviewer must act on, by username."""
    year_before, year_after = _years_later(on, -1), _years_later(on, 1)
    organisations = {o.id: o for o in session.scalars(select(Organisation))}
    projects = _memberships(session)
    logged_in = _logged_in_between(session, year_before, on)
    people = session.scalars(
        select(Person).options(selectinload(Person.roles)).order_by(Person.username)
    )
    lines = []
    for person in people:
        assigned = _current(person, on)
        flags = []
        if assigned and not is_active(person, on):
            flags.append(ReviewFlag.ENDED_WITH_ROLES)
        if person.active_until > year_after:
            flags.append(ReviewFlag.ENDS_AFTER_A_YEAR)
        if person.totp_secret is None and any(a.role in DATA_ROLES for a in assigned):
            flags.append(ReviewFlag.DATA_ROLE_WITHOUT_TOTP)
        # An account opened within the year is not dormant yet, only new.
        if (
            is_active(person, on)
            and person.created_at.date() <= year_before
            and person.username not in logged_in
        ):
            flags.append(ReviewFlag.NO_RECENT_LOGIN)
        lines.append(
            AccessReviewLine(
                username=person.username,
                full_name=person.full_name,
                organisation=organisations[person.organisation_id].name,
                roles=tuple(sorted(_role_label(a, organisations) for a in assigned)),
                active_until=person.active_until,
                projects=tuple(projects[person.id]),
                flags=tuple(flags),
            )
        )
    return lines


def access_review_csv(lines: Iterable[AccessReviewLine]) -> str:
    """The review as CSV, one row per person, lists joined by " | "."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["username", "full_name", "organisation", "roles", "active_until", "projects", "flags"]
    )
    for line in lines:
        projects = [f"{p.code} ({p.state}: {', '.join(p.tables)})" for p in line.projects]
        writer.writerow(
            [
                line.username,
                line.full_name,
                line.organisation,
                " | ".join(line.roles),
                line.active_until.isoformat(),
                " | ".join(projects),
                " | ".join(flag.value for flag in line.flags),
            ]
        )
    return out.getvalue()


# --- Helpers ------------------------------------------------------------------------------


def _member(enum: type[E], value: str, what: str) -> E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise errors.Invalid(f"{value!r} is not a {what}: {allowed}") from None


def _scope(person: Person, role: Role, organisation: Organisation | None) -> Organisation | None:
    """The organisation a role is held for; a centre data manager's is always a centre."""
    if role is not Role.CENTRE_DATA_MANAGER:
        return organisation
    centre = organisation or person.organisation
    if centre.kind != OrganisationKind.CENTRE:
        raise errors.Invalid(
            f"a centre data manager acts for one centre, and {centre.name!r} is not a centre"
        )
    return centre


def _assignment(
    person: Person, role: Role, organisation: Organisation | None
) -> RoleAssignment | None:
    # Looked up here rather than left to the unique constraint: NULL organisations never
    # collide in SQL, so an unscoped role could otherwise be assigned twice.
    organisation_id = None if organisation is None else organisation.id
    for assignment in person.roles:
        if assignment.role == role and assignment.organisation_id == organisation_id:
            return assignment
    return None


def _current(person: Person, on: dt.date | None) -> list[RoleAssignment]:
    """Assignments not ended on `on`, whatever the state of the account."""
    on = on or today()
    return [a for a in person.roles if a.ends_on is None or a.ends_on >= on]


def _session_of(person: Person) -> Session:
    session = object_session(person)
    if session is None:
        raise RuntimeError(f"{person.username} is not attached to a session")
    return session


def _role_label(assignment: RoleAssignment, organisations: dict[int, Organisation]) -> str:
    if assignment.organisation_id is None:
        return assignment.role
    organisation = organisations[assignment.organisation_id]
    return f"{assignment.role} @ {organisation.name}"


def _memberships(session: Session) -> dict[int, list[ReviewedProject]]:
    rows = session.execute(
        select(ProjectMember.person_id, Project.code, Project.state, DataGrant.variables)
        .join(Project, Project.id == ProjectMember.project_id)
        .outerjoin(DataGrant, DataGrant.project_id == Project.id)
        .order_by(Project.code)
    )
    memberships: dict[int, list[ReviewedProject]] = defaultdict(list)
    for person_id, code, state, variables in rows:
        tables = tuple(sorted(variables or {}))
        memberships[person_id].append(ReviewedProject(code, state, tables))
    return memberships


def _logged_in_between(session: Session, first: dt.date, last: dt.date) -> set[str]:
    start = dt.datetime.combine(first, dt.time())
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time())
    return set(
        session.scalars(
            select(func.distinct(AuditEvent.actor)).where(
                AuditEvent.action == "login",
                AuditEvent.outcome == audit.Outcome.OK,
                AuditEvent.at >= start,
                AuditEvent.at < end,
            )
        )
    )


def _years_later(on: dt.date, years: int) -> dt.date:
    try:
        return on.replace(year=on.year + years)
    except ValueError:  # 29 February, in a year that has none
        return on.replace(year=on.year + years, day=28)
