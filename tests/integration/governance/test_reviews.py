"""Committee review, on SQLite and on PostgreSQL: only independent committee members review
and decide, each votes once per round without seeing the others' votes, a decision needs
two independent reviews of the round, and the project's team gets the committee's feedback
without the reviewers' names."""

import dataclasses

import pytest
from sqlalchemy import select

from entrepot.governance import audit, people
from entrepot.governance.errors import Conflict, Invalid, Refused
from entrepot.governance.lifecycle import ProjectState, ReviewVote
from entrepot.governance.projects import update_draft
from entrepot.governance.reviews import (
    Feedback,
    cast_review,
    decide,
    feedback_for,
    reviews_visible_to,
)
from entrepot.governance.roles import Role
from entrepot.governance.tables import AuditEvent, Person
from entrepot.governance.transitions import current_round, start_review, submit
from tests.support.committee import a_request, make_cast, submitted, under_review

S = ProjectState
APPROVE, CHANGES, REJECT = ReviewVote.APPROVE, ReviewVote.CHANGES_REQUESTED, ReviewVote.REJECT


def _names(session, reviews):
    return sorted(session.get(Person, r.reviewer_id).username for r in reviews)


# --- Who reviews ------------------------------------------------------------------------------


def test_a_committee_member_from_the_sponsor_cannot_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        with pytest.raises(Refused, match=r"sam.sponsor is tied to the sponsor of project P0001"):
            cast_review(session, cast.sponsor_member, project, APPROVE)


def test_a_committee_member_who_declared_an_interest_in_the_sponsor_cannot_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        anna = cast.reviewers[0]
        people.declare_interest(
            session, actor="system", person=anna, organisation=cast.sponsor, description="grant"
        )
        with pytest.raises(Refused, match=r"anna.reviewer is tied to the sponsor"):
            cast_review(session, anna, project, APPROVE)


def test_a_committee_member_on_the_project_team_cannot_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = submitted(session, cast)
        people.assign_role(
            session, actor="system", person=cast.colleague, role=Role.COMMITTEE_MEMBER
        )
        start_review(session, cast.reviewers[0], project)
        with pytest.raises(Refused, match=r"colin.colleague is a member of project P0001"):
            cast_review(session, cast.colleague, project, APPROVE)


def test_only_committee_members_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        for person in (cast.outsider, cast.admin, cast.auditor):
            with pytest.raises(Refused, match="needs the role committee_member"):
                cast_review(session, person, project, APPROVE)


def test_votes_are_cast_only_while_under_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = submitted(session, cast)
        with pytest.raises(Conflict, match="P0001 is submitted: votes are cast only while"):
            cast_review(session, cast.reviewers[0], project, APPROVE)


def test_a_vote_is_cast_once_per_round(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        cast_review(session, cast.reviewers[0], project, APPROVE)
        with pytest.raises(Conflict, match="already reviewed round 1 of project P0001"):
            cast_review(session, cast.reviewers[0], project, REJECT)


def test_a_vote_is_one_of_the_three(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        with pytest.raises(Invalid, match="'abstain' is not a vote"):
            cast_review(session, cast.reviewers[0], project, "abstain")


# --- Blind voting -------------------------------------------------------------------------


def test_a_reviewer_sees_no_vote_of_the_round_before_casting_their_own(database):
    with database.session() as session:
        cast = make_cast(session)
        anna, bruno, carla = cast.reviewers
        project = under_review(session, cast)
        cast_review(session, anna, project, APPROVE, "Fine.")
        assert reviews_visible_to(session, bruno, project) == []
        assert _names(session, reviews_visible_to(session, anna, project)) == ["anna.reviewer"]
        cast_review(session, bruno, project, REJECT, "Too broad.")
        assert _names(session, reviews_visible_to(session, bruno, project)) == [
            "anna.reviewer",
            "bruno.reviewer",
        ]
        assert reviews_visible_to(session, carla, project) == []


def test_nobody_else_sees_the_votes_before_the_decision(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        for reviewer in cast.reviewers[:2]:
            cast_review(session, reviewer, project, APPROVE, "Fine.")
        for person in (cast.lead, cast.admin, cast.auditor, cast.sponsor_member):
            assert reviews_visible_to(session, person, project) == []
        assert feedback_for(session, cast.lead, project) == []
        # The trail says a review was cast, not which way: auditors read it during the round.
        cast_events = session.scalars(select(AuditEvent).where(AuditEvent.action == "review_cast"))
        assert [e.details for e in cast_events] == [{"round": 1}, {"round": 1}]


def test_after_the_decision_oversight_sees_the_reviews_and_the_team_sees_them_unnamed(database):
    with database.session() as session:
        cast = make_cast(session)
        anna, bruno, carla = cast.reviewers
        project = under_review(session, cast)
        cast_review(session, anna, project, APPROVE, "Fine.")
        cast_review(session, bruno, project, CHANGES, "Justify the sample size.", "Power")
        decide(session, anna, project, S.CHANGES_REQUESTED, "Add a power analysis.")
        for person in (carla, cast.admin, cast.auditor):
            assert _names(session, reviews_visible_to(session, person, project)) == [
                "anna.reviewer",
                "bruno.reviewer",
            ]
        # A reviewer tied to the sponsor stays out of the deliberation, even afterwards.
        assert reviews_visible_to(session, cast.sponsor_member, project) == []
        assert reviews_visible_to(session, cast.lead, project) == []
        feedback = feedback_for(session, cast.colleague, project)
        assert feedback == [
            Feedback(1, "approve", "Fine.", ""),
            Feedback(1, "changes_requested", "Justify the sample size.", "Power"),
        ]
        assert not any("reviewer" in field.name for field in dataclasses.fields(Feedback))
        with pytest.raises(Refused, match=r"oscar.outsider is not a member of project P0001"):
            feedback_for(session, cast.outsider, project)


# --- The decision -------------------------------------------------------------------------


def test_one_review_is_not_enough_to_decide(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        with pytest.raises(Conflict, match="has 0 independent review"):
            decide(session, cast.reviewers[0], project, S.APPROVED)
        cast_review(session, cast.reviewers[0], project, APPROVE)
        with pytest.raises(Conflict, match=r"has 1 independent review.*needs at least 2"):
            decide(session, cast.reviewers[0], project, S.APPROVED)
        assert project.state == S.UNDER_REVIEW


def test_a_vote_stops_counting_when_its_author_declares_an_interest(database):
    with database.session() as session:
        cast = make_cast(session)
        anna, bruno, carla = cast.reviewers
        project = under_review(session, cast)
        cast_review(session, anna, project, APPROVE)
        cast_review(session, bruno, project, APPROVE)
        people.declare_interest(
            session, actor="system", person=bruno, organisation=cast.sponsor, description="fee"
        )
        with pytest.raises(Conflict, match="has 1 independent review"):
            decide(session, anna, project, S.APPROVED)
        cast_review(session, carla, project, APPROVE)
        decide(session, anna, project, S.APPROVED, "Publish the code.")
        assert project.state == S.APPROVED
        assert project.conditions == "Publish the code."
        decision = session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "project_transition")
            .order_by(AuditEvent.seq.desc())
        )
        assert decision.details == {
            "from": "under_review",
            "to": "approved_with_conditions",
            "round": 1,
            "reviews": 2,
            "approve": 2,
            "changes_requested": 0,
            "reject": 0,
        }


def test_a_member_tied_to_the_sponsor_cannot_decide(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        for reviewer in cast.reviewers[:2]:
            cast_review(session, reviewer, project, APPROVE)
        with pytest.raises(Refused, match=r"sam.sponsor is tied to the sponsor"):
            decide(session, cast.sponsor_member, project, S.APPROVED)
        with pytest.raises(Refused, match="needs the role committee_member"):
            decide(session, cast.admin, project, S.APPROVED)


def test_a_decision_is_one_of_three_and_a_refusal_says_why(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        for reviewer in cast.reviewers[:2]:
            cast_review(session, reviewer, project, REJECT, "No.")
        with pytest.raises(Invalid, match="'active' is not a decision"):
            decide(session, cast.reviewers[0], project, S.ACTIVE)
        for outcome in (S.REJECTED, S.CHANGES_REQUESTED):
            with pytest.raises(Invalid, match=f"a decision of {outcome.value} must say why"):
                decide(session, cast.reviewers[0], project, outcome, " ")
        decide(session, cast.reviewers[0], project, S.REJECTED, "No public interest shown.")
        assert project.state == S.REJECTED


# --- Rounds -------------------------------------------------------------------------------


def test_a_resubmission_is_a_new_round_that_needs_new_reviews(database):
    with database.session() as session:
        cast = make_cast(session)
        anna, bruno, carla = cast.reviewers
        project = under_review(session, cast)
        cast_review(session, anna, project, CHANGES, "Power?")
        cast_review(session, bruno, project, CHANGES, "Power?")
        decide(session, anna, project, S.CHANGES_REQUESTED, "Add a power analysis.")
        update_draft(session, cast.lead, project, a_request(cast.sponsor.id, protocol=b"v2"))
        submit(session, cast.lead, project)
        start_review(session, carla, project)
        assert current_round(session, project) == 2

        # Round 1 is decided, so readable; round 2 is blind again, and its votes start at 0.
        assert _names(session, reviews_visible_to(session, carla, project)) == [
            "anna.reviewer",
            "bruno.reviewer",
        ]
        with pytest.raises(Conflict, match="round 2 of project P0001 has 0 independent"):
            decide(session, anna, project, S.APPROVED)
        review = cast_review(session, anna, project, APPROVE, "Now fine.")
        assert review.round == 2
        assert [r.round for r in reviews_visible_to(session, bruno, project)] == [1, 1]
        cast_review(session, bruno, project, APPROVE)
        decide(session, bruno, project, S.APPROVED)
        assert project.state == S.APPROVED
        assert audit.verify(session).intact
