"""Grants, on SQLite and on PostgreSQL: activation pins a release and draws the project's
key; the gate's check (`usable_grant`) lets only members of an active, unexpired project
through and audits every refusal; expiry is enforced on the day; closing destroys the key."""

import datetime as dt

import pytest
from sqlalchemy import select

from entrepot.governance import audit, people
from entrepot.governance.errors import Conflict, Invalid, NotFound, Refused
from entrepot.governance.grants import activate, add_months, close, expire_due, usable_grant
from entrepot.governance.keys import KeyDestroyed, ProjectKeys
from entrepot.governance.lifecycle import ProjectState
from entrepot.governance.projects import get_project
from entrepot.governance.roles import Role
from entrepot.governance.tables import AuditEvent, DataGrant, Person
from tests.support.committee import RELEASE, active, approved, make_cast

S = ProjectState
TODAY = dt.date(2025, 3, 10)
#: 24 months after TODAY: the last day of the example project's grant.
LAST_DAY = dt.date(2027, 3, 10)


@pytest.fixture
def keys(tmp_path):
    return ProjectKeys(tmp_path / "keys" / "projects")


def _person(session, username):
    return session.scalar(select(Person).where(Person.username == username))


def _refusals(database):
    with database.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "grant_check").order_by(AuditEvent.seq)
        )
        return [(e.actor, e.outcome, e.project, e.details["reason"]) for e in events]


# --- Activation ---------------------------------------------------------------------------


def test_activation_creates_the_grant_and_the_key(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = approved(session, cast)
        assert project.grant is None
        activate(session, cast.admin, project, keys, release_id=RELEASE, today=TODAY)
        grant = session.scalar(select(DataGrant).where(DataGrant.project_id == project.id))
        assert project.grant is grant
        assert project.state == S.ACTIVE
        assert grant.release_id == RELEASE
        assert grant.variables == project.requested_variables
        assert grant.population == project.population
        assert (grant.valid_from, grant.valid_until) == (TODAY, LAST_DAY)
        assert project.expires_on == LAST_DAY
        assert grant.key_destroyed_at is None
        assert keys.exists(project.code)


def test_only_the_operator_activates(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = approved(session, cast)
        for person in (cast.lead, cast.reviewers[0]):
            with pytest.raises(Refused, match="needs the role operator_admin"):
                activate(session, person, project, keys, release_id=RELEASE, today=TODAY)
        assert project.state == S.APPROVED
        assert not keys.exists(project.code)


def test_activation_pins_the_release_the_committee_approved(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = approved(session, cast)
        with pytest.raises(Invalid, match="approved on release R0001; pin that release"):
            activate(session, cast.admin, project, keys, release_id="R0002", today=TODAY)
        with pytest.raises(Invalid, match="'latest' is not a release id"):
            activate(session, cast.admin, project, keys, release_id="latest", today=TODAY)
        assert project.state == S.APPROVED


def test_an_activation_that_did_not_commit_leaves_a_key_that_is_replaced(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = approved(session, cast)
    orphan = keys.create(project.code)
    with database.session() as session:
        project = get_project(session, "P0001")
        activate(session, _person(session, "olga.operator"), project, keys, release_id=RELEASE)
    assert keys.load("P0001") != orphan


# --- The gate's check ---------------------------------------------------------------------


def test_members_of_an_active_project_use_its_grant(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = active(session, cast, keys, TODAY)
        for member in (cast.lead, cast.colleague):
            assert usable_grant(session, "P0001", member, TODAY) is project.grant
            assert usable_grant(session, "P0001", member, LAST_DAY) is project.grant
    assert _refusals(database) == []


@pytest.mark.parametrize(
    ("username", "code", "error", "message", "reason"),
    [
        ("oscar.outsider", "P0001", Refused, "oscar.outsider is not a member", "not_member"),
        ("anna.reviewer", "P0001", Refused, "anna.reviewer is not a member", "not_member"),
        ("lea.lead", "P0404", NotFound, "no project 'P0404'", "unknown_project"),
    ],
)
def test_the_grant_is_refused_to_others_and_the_refusal_is_audited(
    database, keys, username, code, error, message, reason
):
    with database.session() as session:
        active(session, make_cast(session), keys, TODAY)
    with pytest.raises(error, match=message), database.session() as session:
        usable_grant(session, code, _person(session, username), TODAY)
    assert _refusals(database) == [(username, "denied", None if code == "P0404" else code, reason)]
    with database.session() as session:
        assert audit.verify(session).intact


def test_an_active_project_past_its_end_is_refused_before_expire_due_runs(database, keys):
    with database.session() as session:
        active(session, make_cast(session), keys, TODAY)
    with pytest.raises(Refused, match="P0001 expired on 2027-03-10"), database.session() as session:
        usable_grant(session, "P0001", _person(session, "lea.lead"), LAST_DAY + dt.timedelta(1))
    with database.session() as session:
        assert get_project(session, "P0001").state == S.ACTIVE
    assert _refusals(database) == [("lea.lead", "denied", "P0001", "expired")]


def test_a_project_not_yet_active_has_no_usable_grant(database, keys):
    with database.session() as session:
        approved(session, make_cast(session))
    with pytest.raises(Refused, match="P0001 is approved"), database.session() as session:
        usable_grant(session, "P0001", _person(session, "lea.lead"), TODAY)


def test_a_member_whose_account_or_role_ended_is_refused(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        active(session, cast, keys, TODAY)
        people.remove_role(session, actor="system", person=cast.colleague, role=Role.RESEARCHER)
        people.deactivate(session, actor="system", person=cast.lead)
    with pytest.raises(Refused, match="no longer holds the role"), database.session() as session:
        usable_grant(session, "P0001", _person(session, "colin.colleague"), TODAY)
    with pytest.raises(Refused, match=r"account lea.lead has ended"), database.session() as session:
        usable_grant(session, "P0001", _person(session, "lea.lead"), TODAY)


# --- Expiry -------------------------------------------------------------------------------


def test_expire_due_expires_active_projects_past_their_end_and_keeps_their_keys(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = active(session, cast, keys, TODAY)
        assert expire_due(session, LAST_DAY) == []
        assert expire_due(session, LAST_DAY + dt.timedelta(days=1)) == [project]
        assert project.state == S.EXPIRED
        assert expire_due(session, LAST_DAY + dt.timedelta(days=2)) == []
        moved = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "project_transition")
            .order_by(AuditEvent.seq.desc())
        ).first()
        assert (moved.actor, moved.details["to"]) == ("system", "expired")
    assert keys.exists("P0001")
    with pytest.raises(Refused, match="P0001 is expired"), database.session() as session:
        usable_grant(session, "P0001", _person(session, "lea.lead"), TODAY)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (dt.date(2025, 3, 10), 24, dt.date(2027, 3, 10)),
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2023, 12, 31), 2, dt.date(2024, 2, 29)),
        (dt.date(2025, 11, 15), 2, dt.date(2026, 1, 15)),
        (dt.date(2025, 1, 1), 60, dt.date(2030, 1, 1)),
    ],
)
def test_a_grant_lasts_its_months_to_the_same_day(start, months, end):
    assert add_months(start, months) == end


# --- Closure ------------------------------------------------------------------------------


def test_closing_destroys_the_key_for_good(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = active(session, cast, keys, TODAY)
        close(session, cast.admin, project, keys, "Study finished early.")
        assert project.state == S.CLOSED
        assert project.grant.key_destroyed_at is not None
    assert not (keys.folder / "P0001.key").exists()
    with pytest.raises(KeyDestroyed):
        keys.load("P0001")
    with pytest.raises(Refused, match="P0001 is closed"), database.session() as session:
        usable_grant(session, "P0001", _person(session, "lea.lead"), TODAY)


def test_only_the_lead_or_the_operator_closes_and_says_why(database, keys):
    with database.session() as session:
        cast = make_cast(session)
        project = active(session, cast, keys, TODAY)
        for person in (cast.colleague, cast.reviewers[0]):
            with pytest.raises(Refused, match="only the lead"):
                close(session, person, project, keys, "Done.")
        with pytest.raises(Invalid, match="reason: say why"):
            close(session, cast.lead, project, keys, "")
        close(session, cast.lead, project, keys, "Done.")
        with pytest.raises(Conflict, match="closed and cannot become closed"):
            close(session, cast.lead, project, keys, "Again.")
