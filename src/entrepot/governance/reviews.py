"""Committee review: independent, blind votes, then a decision.

Independence: a committee member tied to the sponsor (they work there or declared an
interest) or belonging to the project reviews nothing of it, sees none of its reviews, and
cannot decide it. The ties are checked again at the decision, so an interest declared after
a vote takes that vote out of the count.

Blindness: while a round is open, a committee member sees its votes only once they have
cast their own; nobody else sees them before the decision. The votes are not in the audit
trail either (only that a review was cast): the trail is readable by auditors while the
round is still open. The project's members never learn who reviewed: they get the votes
and comments of decided rounds without names (`feedback_for`), so that a reviewer can be
frank with a colleague's protocol.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.governance import audit, people
from entrepot.governance.errors import Conflict, Invalid, Refused
from entrepot.governance.lifecycle import ProjectState, ReviewVote
from entrepot.governance.projects import is_member
from entrepot.governance.roles import Role
from entrepot.governance.tables import Person, Project, ProjectTransition, Review
from entrepot.governance.transitions import current_round, move

S = ProjectState
#: Independent reviews a round needs before the committee may decide.
MIN_REVIEWS = 2
DECISIONS = frozenset({S.CHANGES_REQUESTED, S.APPROVED, S.REJECTED})
#: Roles that may read decided rounds' reviews, names included, to check the process.
OVERSIGHT = (Role.OPERATOR_ADMIN, Role.AUDITOR)


@dataclass(frozen=True)
class Feedback:
    """One review as the project's members see it: without the reviewer's name."""

    round: int
    vote: str
    comment: str
    conditions: str


def conflict_of_interest(session: Session, person: Person, project: Project) -> str | None:
    """Why `person` may not review `project`, or None if nothing ties them to it."""
    if is_member(session, person, project):
        return f"{person.username} is a member of project {project.code}"
    if people.tied_to(session, person, project.sponsor_id):
        return (
            f"{person.username} is tied to the sponsor of project {project.code} "
            "(works there or declared an interest)"
        )
    return None


def cast_review(
    session: Session,
    reviewer: Person,
    project: Project,
    vote: ReviewVote,
    comment: str = "",
    conditions: str = "",
) -> Review:
    """`reviewer`'s one vote on the open round of `project`; it cannot be changed."""
    _require_independent(session, reviewer, project)
    if vote not in set(ReviewVote):
        raise Invalid(f"vote: {vote!r} is not a vote; choose one of {', '.join(ReviewVote)}")
    if project.state != S.UNDER_REVIEW:
        raise Conflict(
            f"project {project.code} is {project.state}: votes are cast only while it is "
            "under review"
        )
    round_ = current_round(session, project)
    if _vote_of(session, reviewer, project, round_) is not None:
        raise Conflict(
            f"{reviewer.username} has already reviewed round {round_} of project "
            f"{project.code}; a vote is not changed"
        )
    review = Review(
        project_id=project.id,
        reviewer_id=reviewer.id,
        round=round_,
        vote=str(vote),
        comment=comment,
        conditions=conditions,
    )
    session.add(review)
    session.flush()
    audit.record(
        session,
        "review_cast",
        actor=reviewer.username,
        project=project.code,
        object_type="review",
        object_id=review.id,
        details={"round": round_},
    )
    return review


def reviews_visible_to(session: Session, person: Person, project: Project) -> list[Review]:
    """The reviews of `project` that `person` may read, names included, by round.

    An independent committee member: every decided round, and the open round once they
    have voted in it. The operator and the auditor: decided rounds. Anyone else, the
    project's own members and tied committee members included: none.
    """
    independent = (
        people.holds(person, Role.COMMITTEE_MEMBER)
        and conflict_of_interest(session, person, project) is None
    )
    if not independent and not any(people.holds(person, role) for role in OVERSIGHT):
        return []
    open_round = _open_round(session, project)
    if (
        independent
        and open_round is not None
        and _vote_of(session, person, project, open_round) is not None
    ):
        open_round = None
    return [r for r in _reviews(session, project) if r.round != open_round]


def feedback_for(session: Session, person: Person, project: Project) -> list[Feedback]:
    """What the committee said in decided rounds, without names, for a project member."""
    if not is_member(session, person, project) or not people.is_active(person):
        raise Refused(f"{person.username} is not a member of project {project.code}")
    open_round = _open_round(session, project)
    return [
        Feedback(r.round, r.vote, r.comment, r.conditions)
        for r in _reviews(session, project)
        if r.round != open_round
    ]


def decide(
    session: Session,
    actor: Person,
    project: Project,
    outcome: ProjectState,
    conditions: str = "",
) -> ProjectTransition:
    """The committee's decision on the open round: changes requested, approved with
    `conditions`, or rejected. Needs `MIN_REVIEWS` independent reviews of the round; a
    request for changes or a rejection must say why, in `conditions`."""
    _require_independent(session, actor, project)
    if outcome not in DECISIONS:
        raise Invalid(
            f"outcome: {str(outcome)!r} is not a decision; choose one of "
            f"{', '.join(sorted(DECISIONS))}"
        )
    outcome = ProjectState(outcome)
    if outcome != S.APPROVED and not conditions.strip():
        raise Invalid(f"conditions: a decision of {outcome.value} must say why; fill it in")
    if project.state != S.UNDER_REVIEW:
        raise Conflict(f"project {project.code} is {project.state}: there is no round to decide")
    round_ = current_round(session, project)
    counted = [r for r in _reviews(session, project, round_) if _independent(session, r, project)]
    if len(counted) < MIN_REVIEWS:
        raise Conflict(
            f"round {round_} of project {project.code} has {len(counted)} independent "
            f"review(s); a decision needs at least {MIN_REVIEWS}"
        )
    project.conditions = conditions
    votes = Counter(r.vote for r in counted)
    return move(
        session,
        project,
        outcome,
        actor=actor,
        reason=conditions,
        details={
            "round": round_,
            "reviews": len(counted),
            **{v.value: votes[v] for v in ReviewVote},
        },
    )


def _require_independent(session: Session, person: Person, project: Project) -> None:
    people.require(person, Role.COMMITTEE_MEMBER)
    reason = conflict_of_interest(session, person, project)
    if reason is not None:
        raise Refused(f"{reason}, and may not review or decide it")


def _independent(session: Session, review: Review, project: Project) -> bool:
    """Whether a review still counts: its author is on the committee and not tied."""
    reviewer = session.get_one(Person, review.reviewer_id)
    return (
        people.holds(reviewer, Role.COMMITTEE_MEMBER)
        and conflict_of_interest(session, reviewer, project) is None
    )


def _open_round(session: Session, project: Project) -> int | None:
    """The round being voted on, if any: votes of that round are still blind."""
    return current_round(session, project) if project.state == S.UNDER_REVIEW else None


def _vote_of(session: Session, person: Person, project: Project, round_: int) -> Review | None:
    return session.scalar(
        select(Review).where(
            Review.project_id == project.id,
            Review.reviewer_id == person.id,
            Review.round == round_,
        )
    )


def _reviews(session: Session, project: Project, round_: int | None = None) -> list[Review]:
    query = select(Review).where(Review.project_id == project.id)
    if round_ is not None:
        query = query.where(Review.round == round_)
    return list(session.scalars(query.order_by(Review.round, Review.id)))
