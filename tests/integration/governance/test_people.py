"""People, organisations and roles, as the committee and the DPO expect them to behave, on
SQLite and on PostgreSQL: who holds which role, for which centre, until when; who is tied
to whom; and what the annual access-rights review shows a reviewer."""

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from entrepot.governance import audit, errors, people
from entrepot.governance.clock import now, today
from entrepot.governance.people import ReviewFlag
from entrepot.governance.roles import CentreCategory, OrganisationKind, Role
from entrepot.governance.tables import (
    AuditEvent,
    DataGrant,
    Project,
    ProjectMember,
)
from tests.support.people import log_in, make_centre, make_organisation, make_person

TODAY = today()


# --- Organisations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"centre_category": CentreCategory.CLCC}, "needs a FINESS number"),
        ({"finess": "690000880"}, "needs a FINESS number and a centre category"),
        ({"finess": "69000088", "centre_category": "CLCC"}, "not a département code"),
        ({"finess": "6900008800", "centre_category": "CLCC"}, "not a département code"),
        ({"finess": "69000088X", "centre_category": "CLCC"}, "not a département code"),
        ({"finess": "690000880", "centre_category": "clinic"}, "not a centre category"),
        ({"finess": "690000880", "centre_category": "CLCC", "country": "fr"}, "ISO 3166"),
    ],
)
def test_a_centre_needs_a_well_formed_finess_and_a_category(database, fields, message):
    with database.session() as session, pytest.raises(errors.Invalid, match=message):
        people.create_organisation(
            session, actor="system", name="Centre X", kind=OrganisationKind.CENTRE, **fields
        )


def test_only_a_centre_has_a_centre_category(database):
    with database.session() as session, pytest.raises(errors.Invalid, match="not a centre"):
        make_organisation(session, "Université X", centre_category=CentreCategory.CHU)


def test_a_corsican_finess_is_well_formed(database):
    with database.session() as session:
        centre = make_centre(session, "CH Ajaccio", "2A0000014", CentreCategory.CHG)
    assert centre.finess == "2A0000014"


def test_organisation_names_and_finess_are_unique(database):
    with database.session() as session:
        make_centre(session, "Centre A", "690000880")
        with pytest.raises(errors.Conflict, match="already exists"):
            make_organisation(session, "Centre A")
        with pytest.raises(errors.Conflict, match="690000880 is already registered"):
            make_centre(session, "Centre B", "690000880")


def test_creating_an_organisation_is_audited(database):
    with database.session() as session:
        centre = make_centre(session)
    with database.session() as session:
        event = session.scalars(select(AuditEvent)).one()
    assert (event.action, event.actor, event.object_type) == (
        "organisation_created",
        "system",
        "organisation",
    )
    assert event.object_id == str(centre.id)
    assert event.details == {"kind": "centre", "finess": "690000880"}


# --- Accounts and roles ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("alice", "short-pass1", "at least 12 characters"),
        ("system", "long enough password", "not 'system'"),
        ("Alice Martin", "long enough password", "must be 2-80 characters"),
    ],
)
def test_an_account_needs_a_plain_username_and_a_long_password(
    database, username, password, message
):
    with database.session() as session, pytest.raises(errors.Invalid, match=message):
        make_person(session, username, password=password)


def test_usernames_are_unique(database):
    with database.session() as session:
        make_person(session, "alice")
        with pytest.raises(errors.Conflict, match="'alice' is taken"):
            make_person(session, "alice")


def test_a_data_role_enrols_a_second_factor_at_once(database):
    with database.session() as session:
        researcher = make_person(session, "rachel", [Role.RESEARCHER])
        member = make_person(session, "colin", [Role.COMMITTEE_MEMBER])
        auditor = make_person(session, "audrey", [Role.AUDITOR])
        assert len(researcher.totp_secret) >= 32
        assert member.totp_secret is None
        assert auditor.totp_secret is None

        people.assign_role(session, actor="system", person=member, role=Role.OUTPUT_CHECKER)
        assert member.totp_secret is not None
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == "colin")
        ).all()
    assert actions == [
        "person_created",
        "role_assigned",
        "second_factor_enrolled",
        "role_assigned",
    ]


def test_a_centre_data_manager_acts_for_their_own_centre_by_default(database):
    with database.session() as session:
        lyon = make_centre(session, "Centre Léon Bérard", "690000880")
        paris = make_centre(session, "Institut Curie", "750000010")
        manager = make_person(session, "maud", [Role.CENTRE_DATA_MANAGER], lyon)
        assert people.centres_managed(manager) == {"690000880"}
        assert people.holds(manager, Role.CENTRE_DATA_MANAGER, organisation_id=lyon.id)
        assert not people.holds(manager, Role.CENTRE_DATA_MANAGER, organisation_id=paris.id)

        people.assign_role(
            session,
            actor="system",
            person=manager,
            role=Role.CENTRE_DATA_MANAGER,
            organisation=paris,
        )
        assert people.centres_managed(manager) == {"690000880", "750000010"}


def test_a_centre_data_manager_is_always_scoped_to_a_centre(database):
    with database.session() as session:
        sponsor = make_organisation(session, "Université Lyon 1")
        with pytest.raises(errors.Invalid, match="acts for one centre"):
            make_person(session, "oscar", [Role.CENTRE_DATA_MANAGER])  # at the operator
        with pytest.raises(errors.Invalid, match="'Université Lyon 1' is not a centre"):
            make_person(session, "sam", [(Role.CENTRE_DATA_MANAGER, sponsor)])


def test_a_role_ends_at_the_end_of_its_last_day(database):
    yesterday, tomorrow = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)
    with database.session() as session:
        person = make_person(session, "rachel", [Role.COMMITTEE_MEMBER])
        people.assign_role(
            session, actor="system", person=person, role=Role.RESEARCHER, ends_on=TODAY
        )
        assert people.active_roles(person) == {Role.COMMITTEE_MEMBER, Role.RESEARCHER}
        assert people.active_roles(person, on=tomorrow) == {Role.COMMITTEE_MEMBER}
        assert people.holds(person, Role.RESEARCHER, on=yesterday)
        assert not people.holds(person, Role.RESEARCHER, on=tomorrow)


def test_an_ended_or_deactivated_account_holds_no_role(database):
    with database.session() as session:
        ended = make_person(
            session, "edith", [Role.AUDITOR], active_until=TODAY - dt.timedelta(days=1)
        )
        closed = make_person(session, "dan", [Role.AUDITOR])
        people.deactivate(session, actor="system", person=closed)
        for person in (ended, closed):
            assert not people.is_active(person)
            assert people.active_roles(person) == set()
            assert not people.holds(person, Role.AUDITOR)
        assert people.is_active(ended, on=TODAY - dt.timedelta(days=1))


def test_assigning_a_role_again_changes_its_end_instead_of_doubling_it(database):
    with database.session() as session:
        person = make_person(session, "colin", [Role.COMMITTEE_MEMBER])
        people.assign_role(
            session,
            actor="system",
            person=person,
            role=Role.COMMITTEE_MEMBER,
            ends_on=TODAY + dt.timedelta(days=30),
        )
        assert [(a.role, a.ends_on) for a in person.roles] == [
            ("committee_member", TODAY + dt.timedelta(days=30))
        ]


def test_removing_a_role(database):
    with database.session() as session:
        person = make_person(session, "colin", [Role.COMMITTEE_MEMBER, Role.AUDITOR])
        people.remove_role(session, actor="system", person=person, role=Role.AUDITOR)
        assert people.active_roles(person) == {Role.COMMITTEE_MEMBER}
        with pytest.raises(errors.NotFound, match="colin does not hold the role auditor"):
            people.remove_role(session, actor="system", person=person, role=Role.AUDITOR)
    with database.session() as session:
        assert people.active_roles(people.find_person(session, "colin")) == {Role.COMMITTEE_MEMBER}
        removed = session.scalars(select(AuditEvent).where(AuditEvent.action == "role_removed"))
        assert [event.details for event in removed] == [{"role": "auditor", "organisation": None}]


def test_require_names_the_roles_needed(database):
    with database.session() as session:
        person = make_person(session, "colin", [Role.COMMITTEE_MEMBER])
        people.require(person, Role.RESEARCHER, Role.COMMITTEE_MEMBER)
        with pytest.raises(errors.Refused, match="colin needs the role dpo or operator_admin"):
            people.require(person, Role.DPO, Role.OPERATOR_ADMIN)


def test_find_person(database):
    with database.session() as session:
        make_person(session, "colin")
        assert people.find_person(session, "colin").email == "colin@example.org"
        with pytest.raises(errors.NotFound, match="'nobody'"):
            people.find_person(session, "nobody")


# --- Conflicts of interest ------------------------------------------------------------------


def test_a_person_is_tied_to_their_employer_and_to_declared_interests(database):
    with database.session() as session:
        university = make_organisation(session, "Université Lyon 1")
        pharma = make_organisation(session, "Laboratoire X", OrganisationKind.INDUSTRIAL_SPONSOR)
        other = make_organisation(session, "Laboratoire Y", OrganisationKind.INDUSTRIAL_SPONSOR)
        member = make_person(session, "colin", [Role.COMMITTEE_MEMBER], university)
        assert people.tied_to(session, member, university.id)
        assert not people.tied_to(session, member, pharma.id)

        people.declare_interest(
            session,
            actor="colin",
            person=member,
            organisation=pharma,
            description="consultancy fees, 2024",
        )
        assert people.tied_to(session, member, pharma.id)
        assert not people.tied_to(session, member, other.id)
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "interest_declared")
        ).one()
    assert event.details == {"organisation": pharma.id}  # the free text stays out


# --- The annual access-rights review --------------------------------------------------------


def _project(session, code, lead, state, tables=None):
    """A project row with its members and, when `tables` is given, a grant on them."""
    project = Project(
        code=code,
        kind="research",
        title=f"Study {code}",
        public_summary="",
        sponsor_id=lead.organisation_id,
        sponsor_category="academic",
        purpose="",
        public_interest="",
        protocol_filename="protocol.pdf",
        protocol_sha256="0" * 64,
        protocol=b"%PDF",
        requested_variables={},
        population={},
        requested_release="R1",
        duration_months=12,
        regulatory_basis="reference_methodology",
        regulatory_reference="MR-004",
        recipients=[],
        state=state,
        lead_id=lead.id,
    )
    session.add(project)
    session.flush()
    session.add(ProjectMember(project_id=project.id, person_id=lead.id))
    if tables:
        session.add(
            DataGrant(
                project_id=project.id,
                release_id="R1",
                variables={table: ["patient_id"] for table in tables},
                population={},
                valid_from=TODAY,
                valid_until=TODAY + dt.timedelta(days=365),
            )
        )
    session.flush()


@pytest.fixture
def reviewed(database):
    """A cast covering each flag, and accounts that should raise none."""
    two_years_ago = now() - dt.timedelta(days=730)
    with database.session() as session:
        lyon = make_centre(session)
        make_person(session, "clean", [Role.COMMITTEE_MEMBER])
        make_person(session, "ended", [Role.RESEARCHER], active_until=TODAY - dt.timedelta(days=1))
        make_person(session, "ended.noroles", active_until=TODAY - dt.timedelta(days=1))
        make_person(session, "toolong", active_until=TODAY + dt.timedelta(days=366 + 365))
        make_person(session, "maud", [Role.CENTRE_DATA_MANAGER], lyon).totp_secret = None
        for username in ("dormant", "stale", "regular"):
            make_person(session, username, [Role.AUDITOR]).created_at = two_years_ago
        researcher = make_person(session, "rachel", [Role.RESEARCHER])
        _project(session, "P0002", researcher, "active", ["tumour", "patient"])
        _project(session, "P0001", researcher, "draft")
    with database.session() as session:
        log_in(session, people.find_person(session, "stale"), at=now() - dt.timedelta(days=400))
    with database.session() as session:
        log_in(session, people.find_person(session, "regular"), at=now() - dt.timedelta(days=90))
    with database.session() as session:
        return {line.username: line for line in people.access_review(session, TODAY)}


def test_the_review_has_one_line_per_person_in_username_order(reviewed):
    assert list(reviewed) == [
        "clean",
        "dormant",
        "ended",
        "ended.noroles",
        "maud",
        "rachel",
        "regular",
        "stale",
        "toolong",
    ]


def test_the_review_flags_what_a_reviewer_must_act_on(reviewed):
    flags = {username: set(line.flags) for username, line in reviewed.items() if line.flags}
    assert flags == {
        "ended": {ReviewFlag.ENDED_WITH_ROLES},
        "toolong": {ReviewFlag.ENDS_AFTER_A_YEAR},
        "maud": {ReviewFlag.DATA_ROLE_WITHOUT_TOTP},
        "dormant": {ReviewFlag.NO_RECENT_LOGIN},
        "stale": {ReviewFlag.NO_RECENT_LOGIN},
    }


def test_the_review_shows_roles_with_their_scope_and_the_projects_with_their_tables(reviewed):
    assert reviewed["maud"].roles == ("centre_data_manager @ Centre Léon Bérard",)
    assert reviewed["maud"].organisation == "Centre Léon Bérard"
    assert reviewed["ended"].roles == ("researcher",)  # still assigned: that is the point
    rachel = reviewed["rachel"]
    assert [(p.code, p.state, p.tables) for p in rachel.projects] == [
        ("P0001", "draft", ()),
        ("P0002", "active", ("patient", "tumour")),
    ]
    assert rachel.active_until == TODAY + dt.timedelta(days=300)
    assert rachel.organisation == "Opérateur de l'entrepôt"


def test_the_review_exports_as_csv(reviewed):
    rows = {
        row["username"]: row
        for row in csv.DictReader(io.StringIO(people.access_review_csv(reviewed.values())))
    }
    assert rows["rachel"] == {
        "username": "rachel",
        "full_name": "Rachel",
        "organisation": "Opérateur de l'entrepôt",
        "roles": "researcher",
        "active_until": (TODAY + dt.timedelta(days=300)).isoformat(),
        "projects": "P0001 (draft: ) | P0002 (active: patient, tumour)",
        "flags": "",
    }
    assert rows["ended"]["flags"] == "account ended but roles still assigned"


def test_the_cast_leaves_the_audit_trail_intact(database, reviewed):
    with database.session() as session:
        assert audit.verify(session).intact
