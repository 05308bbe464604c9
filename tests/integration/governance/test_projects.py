"""Projects from draft to closure, on SQLite and on PostgreSQL: who may write, submit and
move a project; the state machine allows exactly `lifecycle.ALLOWED`; every move leaves a
transition row and an audit record, and the trail still verifies."""

import dataclasses
import datetime as dt
import hashlib
from itertools import product

import pytest
from sqlalchemy import select

from entrepot.governance import audit
from entrepot.governance.errors import Conflict, Invalid, NotFound, Refused
from entrepot.governance.grants import activate, close, expire_due
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.lifecycle import ALLOWED, ProjectState, ReviewVote
from entrepot.governance.projects import (
    add_member,
    create_draft,
    get_project,
    is_member,
    list_projects,
    update_draft,
)
from entrepot.governance.reviews import cast_review, decide
from entrepot.governance.submission import Population, Recipient
from entrepot.governance.tables import AuditEvent, Project, ProjectTransition
from entrepot.governance.transitions import move, start_review, submit
from tests.support.committee import (
    RELEASE,
    a_request,
    approved,
    make_cast,
    submitted,
    under_review,
)

S = ProjectState
TODAY = dt.date(2025, 3, 10)


@pytest.fixture
def keys(tmp_path):
    return ProjectKeys(tmp_path / "keys" / "projects")


def _transitions(session, project):
    rows = session.scalars(
        select(ProjectTransition)
        .where(ProjectTransition.project_id == project.id)
        .order_by(ProjectTransition.id)
    )
    return [(row.from_state, row.to_state) for row in rows]


def _audited_moves(session, project):
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "project_transition", AuditEvent.project == project.code)
        .order_by(AuditEvent.seq)
    )
    return [(e.actor, e.details["from"], e.details["to"]) for e in events]


# --- Drafting -----------------------------------------------------------------------------


def test_a_researcher_drafts_a_project_and_is_its_first_member(database):
    with database.session() as session:
        cast = make_cast(session)
        first = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        second = create_draft(session, cast.outsider, a_request(cast.sponsor.id))
        assert (first.code, second.code) == ("P0001", "P0002")
        assert first.state == S.DRAFT
        assert first.lead_id == cast.lead.id
        assert is_member(session, cast.lead, first)
        assert not is_member(session, cast.lead, second)
        assert first.protocol_sha256 == hashlib.sha256(first.protocol).hexdigest()
        assert first.population == {
            "cancer_types": ["breast"],
            "diagnosis_years": [2015, 2022],
            "centres": ["690000880"],
        }
        assert first.requested_variables["tumour"] == [
            "cancer_type",
            "diagnosis_date",
            "stage_group",
        ]
        created = session.scalar(select(AuditEvent).where(AuditEvent.action == "project_created"))
        assert (created.actor, created.project) == ("lea.lead", "P0001")


def test_only_a_researcher_drafts_a_project(database):
    with database.session() as session:
        cast = make_cast(session)
        with pytest.raises(Refused, match="needs the role researcher"):
            create_draft(session, cast.reviewers[0], a_request(cast.sponsor.id))


def test_a_request_with_recipients_outside_the_eu_records_them_and_the_clauses(database):
    request_changes = {
        "recipients": (Recipient("Lab Inc.", "us"),),
        "standard_contractual_clauses": True,
    }
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id, **request_changes))
        assert project.outside_eu and project.standard_contractual_clauses
        assert project.recipients == [{"name": "Lab Inc.", "country": "US"}]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"requested_variables": {"patient": ["patient_id"]}}, "never leaves the gate"),
        ({"recipients": (Recipient("Lab Inc.", "US"),)}, "standard_contractual_clauses"),
        ({"sponsor_id": 999}, "sponsor_id: no organisation 999; register the sponsor first"),
        (
            {"population": Population(("breast",), (2015, 2022), ("750712184",))},
            "population.centres: 750712184 is not a centre of the warehouse",
        ),
    ],
)
def test_an_invalid_request_leaves_no_project(database, changes, message):
    with database.session() as session:
        cast = make_cast(session)
        with pytest.raises(Invalid, match=message):
            create_draft(
                session, cast.lead, a_request(**({"sponsor_id": cast.sponsor.id} | changes))
            )
        assert session.scalars(select(Project)).all() == []


def test_the_lead_revises_a_draft_and_the_trail_names_the_changed_fields(database):
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        revised = a_request(cast.sponsor.id, duration_months=36, protocol=b"%PDF version 2")
        update_draft(session, cast.lead, project, revised)
        assert project.duration_months == 36
        assert project.protocol_sha256 == hashlib.sha256(b"%PDF version 2").hexdigest()
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "project_updated"))
        assert event.details == {"fields": ["duration_months", "protocol", "protocol_sha256"]}


def test_only_the_lead_revises_and_only_before_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        with pytest.raises(Refused, match="only the lead of project P0001"):
            update_draft(session, cast.outsider, project, a_request(cast.sponsor.id))
        submit(session, cast.lead, project)
        with pytest.raises(Conflict, match="P0001 is submitted: it can be changed only"):
            update_draft(session, cast.lead, project, a_request(cast.sponsor.id))


def test_the_lead_or_the_operator_adds_researchers_as_members(database):
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        add_member(session, cast.lead, project, cast.colleague)
        add_member(session, cast.admin, project, cast.outsider)
        assert is_member(session, cast.colleague, project)
        assert is_member(session, cast.outsider, project)
        with pytest.raises(Conflict, match="already a member"):
            add_member(session, cast.lead, project, cast.colleague)
        with pytest.raises(Invalid, match=r"anna.reviewer is not an active researcher"):
            add_member(session, cast.lead, project, cast.reviewers[0])
        with pytest.raises(Refused, match="only the lead"):
            add_member(session, cast.colleague, project, cast.auditor)


def test_researchers_list_their_own_projects_and_oversight_lists_all(database):
    with database.session() as session:
        cast = make_cast(session)
        mine = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        theirs = create_draft(session, cast.outsider, a_request(cast.sponsor.id))
        add_member(session, cast.lead, mine, cast.colleague)
        assert list_projects(session, cast.lead) == [mine]
        assert list_projects(session, cast.colleague) == [mine]
        assert list_projects(session, cast.outsider) == [theirs]
        for overseer in (cast.reviewers[0], cast.admin, cast.auditor):
            assert list_projects(session, overseer) == [mine, theirs]
        assert get_project(session, "P0002") is theirs
        with pytest.raises(NotFound, match="no project 'P0404'"):
            get_project(session, "P0404")


# --- The state machine --------------------------------------------------------------------


def test_every_allowed_move_is_made_and_recorded(database):
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        for source, target in sorted((s, t) for s in ALLOWED for t in ALLOWED[s]):
            project.state = source.value  # set up the precondition only
            move(session, project, target, actor=cast.admin, reason="test")
            assert project.state == target
            assert _transitions(session, project)[-1] == (source, target)
            assert _audited_moves(session, project)[-1] == ("olga.operator", source, target)
        assert audit.verify(session).intact


def test_every_other_move_is_refused_and_leaves_no_trace(database):
    forbidden = [(s, t) for s, t in product(ProjectState, repeat=2) if t not in ALLOWED[s]]
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        records = audit.verify(session).records
        for source, target in forbidden:
            project.state = source.value
            with pytest.raises(Conflict, match=f"is {source.value} and cannot become {target}"):
                move(session, project, target, actor=cast.admin)
            assert project.state == source
        assert _transitions(session, project) == []
        assert audit.verify(session).records == records


def test_a_project_goes_from_draft_to_closure_and_every_move_is_audited(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = approved(session, cast)
        activate(session, cast.admin, project, keys, release_id=RELEASE, today=TODAY)
        assert expire_due(session, TODAY + dt.timedelta(days=24 * 31)) == [project]
        close(session, cast.lead, project, keys, "Results published.")
        assert _audited_moves(session, project) == [
            ("lea.lead", "draft", "submitted"),
            ("anna.reviewer", "submitted", "under_review"),
            ("anna.reviewer", "under_review", "approved_with_conditions"),
            ("olga.operator", "approved_with_conditions", "active"),
            ("system", "active", "expired"),
            ("lea.lead", "expired", "closed"),
        ]
        assert _transitions(session, project) == [
            (f, t) for _, f, t in _audited_moves(session, project)
        ]
        assert project.closed_at is not None and project.decided_at is not None
    with database.session() as session:
        assert audit.verify(session).intact


def test_only_the_lead_submits(database):
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        add_member(session, cast.lead, project, cast.colleague)
        with pytest.raises(Refused, match="only the lead"):
            submit(session, cast.colleague, project)
        assert project.state == S.DRAFT


def test_only_the_committee_or_the_operator_opens_the_review(database):
    with database.session() as session:
        cast = make_cast(session)
        project = submitted(session, cast)
        for outsider in (cast.lead, cast.auditor):
            with pytest.raises(Refused, match="committee_member or operator_admin"):
                start_review(session, outsider, project)
        start_review(session, cast.admin, project)
        assert project.state == S.UNDER_REVIEW


def test_a_draft_cannot_skip_the_committee(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = create_draft(session, cast.lead, a_request(cast.sponsor.id))
        with pytest.raises(Conflict, match="draft and cannot become under_review"):
            start_review(session, cast.reviewers[0], project)
        with pytest.raises(Conflict, match="draft and cannot become active"):
            activate(session, cast.admin, project, keys, release_id=RELEASE, today=TODAY)
        assert not keys.exists(project.code)


def test_a_rejected_project_goes_nowhere(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        for reviewer in cast.reviewers[:2]:
            cast_review(session, reviewer, project, ReviewVote.REJECT, "No public interest.")
        decide(session, cast.reviewers[1], project, S.REJECTED, "No public interest shown.")
        with pytest.raises(Conflict, match="rejected and cannot become submitted"):
            submit(session, cast.lead, project)
        with pytest.raises(Conflict, match="rejected and cannot become active"):
            activate(session, cast.admin, project, keys, release_id=RELEASE, today=TODAY)


def test_a_request_for_changes_reopens_the_draft_for_a_new_round(database):
    with database.session() as session:
        cast = make_cast(session)
        project = under_review(session, cast)
        for reviewer in cast.reviewers[:2]:
            cast_review(session, reviewer, project, ReviewVote.CHANGES_REQUESTED, "Power?")
        decide(session, cast.reviewers[0], project, S.CHANGES_REQUESTED, "Add a power analysis.")
        assert project.conditions == "Add a power analysis."
        update_draft(
            session,
            cast.lead,
            project,
            dataclasses.replace(a_request(cast.sponsor.id), protocol=b"v2"),
        )
        submit(session, cast.lead, project)
        resubmission = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "project_transition")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert resubmission.details == {"from": "changes_requested", "to": "submitted", "round": 2}
