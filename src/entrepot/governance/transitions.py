"""The one place a project changes state, and the two moves that need nothing more.

`move` checks `lifecycle.ALLOWED`, writes the `ProjectTransition` row and the audit record
in the caller's transaction; every other service (`reviews.decide`, `grants.activate`,
`grants.close`, `grants.expire_due`) checks who may act, then calls it. Nothing else
assigns `Project.state`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from entrepot.governance import audit, people
from entrepot.governance.clock import now
from entrepot.governance.errors import Conflict, Refused
from entrepot.governance.lifecycle import ALLOWED, ProjectState
from entrepot.governance.roles import Role
from entrepot.governance.tables import Person, Project, ProjectTransition

#: The audit trail's name for the warehouse acting on its own (expiry).
SYSTEM = "system"

S = ProjectState
#: The moment each state is reached, kept on the project for lists and the public register.
_STAMPS = {
    S.SUBMITTED: "submitted_at",
    S.CHANGES_REQUESTED: "decided_at",
    S.APPROVED: "decided_at",
    S.REJECTED: "decided_at",
    S.ACTIVE: "activated_at",
    S.CLOSED: "closed_at",
}


def move(
    session: Session,
    project: Project,
    to: ProjectState,
    *,
    actor: Person | None,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> ProjectTransition:
    """Move `project` to state `to`, or raise `Conflict` if the state machine forbids it.

    `actor` is None when the warehouse acts by itself. The caller has checked that the
    actor may make this move; `details` (counts and names only) join the audit record.
    """
    current = ProjectState(project.state)
    if to not in ALLOWED[current]:
        allowed = ", ".join(sorted(ALLOWED[current])) or "none, it is final"
        raise Conflict(
            f"project {project.code} is {current.value} and cannot become {to.value} "
            f"(next states allowed: {allowed})"
        )
    at = now()
    transition = ProjectTransition(
        project_id=project.id,
        from_state=current.value,
        to_state=to.value,
        person_id=None if actor is None else actor.id,
        at=at,
        reason=reason,
    )
    session.add(transition)
    project.state = to.value
    if to in _STAMPS:
        setattr(project, _STAMPS[to], at)
    session.flush()
    audit.record(
        session,
        "project_transition",
        actor=SYSTEM if actor is None else actor.username,
        project=project.code,
        object_type="project",
        object_id=project.code,
        details={"from": current.value, "to": to.value, **(details or {})},
        at=at,
    )
    return transition


def current_round(session: Session, project: Project) -> int:
    """The project's submission round: 1 after its first submission, +1 at each
    resubmission (0 while it is a first draft). Reviews belong to one round."""
    submissions = select(func.count(ProjectTransition.id)).where(
        ProjectTransition.project_id == project.id,
        ProjectTransition.to_state == S.SUBMITTED.value,
    )
    return session.scalar(submissions) or 0


def submit(session: Session, actor: Person, project: Project) -> ProjectTransition:
    """The lead sends the draft (or the revised project) to the committee: a new round."""
    require_lead(actor, project)
    round_ = current_round(session, project) + 1
    return move(session, project, S.SUBMITTED, actor=actor, details={"round": round_})


def start_review(session: Session, actor: Person, project: Project) -> ProjectTransition:
    """A committee member or the operator opens the round's review: votes may be cast."""
    people.require(actor, Role.COMMITTEE_MEMBER, Role.OPERATOR_ADMIN)
    return move(
        session,
        project,
        S.UNDER_REVIEW,
        actor=actor,
        details={"round": current_round(session, project)},
    )


def require_lead(actor: Person, project: Project) -> None:
    """Raise `Refused` unless `actor` leads `project` and their account is open."""
    if actor.id != project.lead_id or not people.is_active(actor):
        raise Refused(f"only the lead of project {project.code}, with an open account, may do this")
