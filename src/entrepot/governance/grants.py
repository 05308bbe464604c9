"""An approved project's grant: activation, the check the gate makes, expiry and closure.

Activation pins a release and copies the approved variables and population into a
`DataGrant`, valid for the project's duration, and draws the project's pseudonym key.

Expiry only stops the grant: `usable_grant` refuses an expired project (and an active one
past its date before `expire_due` has run), but the key is kept until a person closes the
project. Destroying a key cannot be undone, so it is a decision, not a tick of the clock;
and between expiry and closure the project's pseudonyms are still needed — to check outputs
requested before the end, and to find a patient's rows in what the project took out when
they oppose or ask for erasure. Keeping the key opens no data: the gate refuses the grant.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.governance import audit, people
from entrepot.governance.clock import now
from entrepot.governance.clock import today as clock_today
from entrepot.governance.errors import Invalid, NotFound, Refused
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.lifecycle import USABLE, ProjectState
from entrepot.governance.projects import is_member
from entrepot.governance.roles import Role
from entrepot.governance.submission import LATEST_RELEASE, RELEASE_ID
from entrepot.governance.tables import DataGrant, Person, Project, ProjectTransition
from entrepot.governance.transitions import move, require_lead

S = ProjectState


def activate(
    session: Session,
    actor: Person,
    project: Project,
    keys: ProjectKeys,
    *,
    release_id: str,
    today: dt.date | None = None,
) -> DataGrant:
    """Open an approved project: its grant on `release_id`, from `today` for its duration,
    and its pseudonym key. Only the operator does this."""
    people.require(actor, Role.OPERATOR_ADMIN)
    today = today or clock_today()
    requested = project.requested_release
    if not RELEASE_ID.fullmatch(release_id):
        raise Invalid(f"release_id: {release_id!r} is not a release id (e.g. R0003)")
    if requested not in (LATEST_RELEASE, release_id):
        raise Invalid(
            f"release_id: project {project.code} was approved on release {requested}; "
            f"pin that release, not {release_id}"
        )
    valid_until = add_months(today, project.duration_months)
    move(
        session,
        project,
        S.ACTIVE,
        actor=actor,
        details={"release": release_id, "valid_until": valid_until.isoformat()},
    )
    # Through the relationship, so that `project.grant` is right even if it was read before.
    grant = DataGrant(
        project=project,
        release_id=release_id,
        variables=project.requested_variables,
        population=project.population,
        valid_from=today,
        valid_until=valid_until,
    )
    session.add(grant)
    project.expires_on = valid_until
    session.flush()
    # A key already there was left by an activation whose transaction did not commit: the
    # project never became active, so no pseudonym was ever made with it.
    keys.destroy(project.code)
    keys.create(project.code)
    return grant


def close(
    session: Session, actor: Person, project: Project, keys: ProjectKeys, reason: str
) -> ProjectTransition:
    """End an active or expired project for good and destroy its pseudonym key.

    The key goes after the state has changed in this transaction: if the commit then fails,
    the project is left without a key, which the gate refuses — and closing again finishes
    the job. Never the other way round, a closed project whose key survives.
    """
    if not people.holds(actor, Role.OPERATOR_ADMIN):
        require_lead(actor, project)
    if not reason.strip():
        raise Invalid("reason: say why the project closes; fill it in")
    transition = move(session, project, S.CLOSED, actor=actor, reason=reason)
    keys.destroy(project.code)
    if project.grant is not None:
        project.grant.key_destroyed_at = now()
    session.flush()
    return transition


def expire_due(session: Session, today: dt.date | None = None) -> list[Project]:
    """Move every active project past its end date to expired (the warehouse acts, as
    "system"); their keys stay until closure (see the module's docstring)."""
    today = today or clock_today()
    due = session.scalars(
        select(Project)
        .where(Project.state == S.ACTIVE.value, Project.expires_on < today)
        .order_by(Project.code)
    ).all()
    for project in due:
        move(
            session,
            project,
            S.EXPIRED,
            actor=None,
            details={"expired_on": project.expires_on.isoformat()},
        )
    return list(due)


def usable_grant(
    session: Session, project_code: str, person: Person, today: dt.date | None = None
) -> DataGrant:
    """The grant `person` may use today for `project_code`, or `Refused` / `NotFound`.

    The project must exist, be active and not past its end date (even before `expire_due`
    has run), and `person` must be one of its members with an open account and the
    researcher role. A refusal is audited and committed before it is raised, so that the
    caller's rollback does not erase it: call this first in its unit of work.
    """
    today = today or clock_today()
    project = session.scalar(select(Project).where(Project.code == project_code))
    if project is None:
        _refuse(
            session,
            person,
            project_code,
            "unknown_project",
            NotFound(f"no project {project_code!r}"),
        )
    reason, message = _why_not(session, project, person, today)
    if reason is not None:
        _refuse(session, person, project_code, reason, Refused(message))
    return project.grant


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day if it is shorter (31 January
    + 1 month = 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _why_not(
    session: Session, project: Project, person: Person, today: dt.date
) -> tuple[str | None, str]:
    """The first reason `person` may not use `project`'s grant today, with its message."""
    code = project.code
    if not people.is_active(person, today):
        return "account_ended", f"account {person.username} has ended"
    if not is_member(session, person, project):
        return "not_member", f"{person.username} is not a member of project {code}"
    if not people.holds(person, Role.RESEARCHER, on=today):
        return "not_researcher", f"{person.username} no longer holds the role researcher"
    if project.state not in USABLE or project.grant is None:
        return "not_active", f"project {code} is {project.state}: its data cannot be used"
    if today > project.expires_on:
        return "expired", f"project {code} expired on {project.expires_on.isoformat()}"
    if today < project.grant.valid_from:
        return "not_started", f"project {code}'s grant starts on {project.grant.valid_from}"
    return None, ""


def _refuse(
    session: Session, person: Person, project_code: str, reason: str, error: Exception
) -> NoReturn:
    audit.record(
        session,
        "grant_check",
        actor=person.username,
        outcome=audit.Outcome.DENIED,
        # An unknown code is whatever was typed: kept short, and not as a project.
        project=project_code if reason != "unknown_project" else None,
        object_type="project",
        object_id=project_code[:80],
        details={"reason": reason},
    )
    session.commit()
    raise error
