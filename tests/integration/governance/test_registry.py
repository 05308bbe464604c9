"""The opposition and restriction registry, on SQLite and on PostgreSQL: only a DPO writes
it, each entry names a patient by the warehouse id derived from the centre's FINESS and
centre code, entries are lifted but never deleted, the registry can say who was excluded
at any past moment, and every change is audited without naming the patient."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from entrepot.governance import audit
from entrepot.governance.clock import now
from entrepot.governance.errors import Conflict, Invalid, NotFound, Refused
from entrepot.governance.people import find_person
from entrepot.governance.roles import Role
from entrepot.governance.tables import AuditEvent, RegistryEntry
from entrepot.model.identifiers import warehouse_patient_id
from entrepot.rights import RegistryKind, entries, excluded_patient_ids, lift, record
from tests.support.people import make_centre, make_person

FINESS = "690000880"
CODE = "C-7Q2M-91XK"
OPPOSITION, RESTRICTION = RegistryKind.OPPOSITION, RegistryKind.RESTRICTION
DAY = dt.timedelta(days=1)


@pytest.fixture
def staff(database):
    """A DPO; the people who may not touch the registry are added by the test needing them."""
    with database.session() as session:
        make_person(session, "dora.dpo", [Role.DPO])
    return database


def _record(
    database,
    *,
    actor="dora.dpo",
    finess=FINESS,
    code=CODE,
    kind=OPPOSITION,
    source="courrier 2026-118",
    at=None,
) -> RegistryEntry:
    with database.session() as session:
        return record(
            session,
            find_person(session, actor),
            centre_finess=finess,
            centre_code=code,
            kind=kind,
            source=source,
            at=at,
        )


def _lift(database, entry_id, *, actor="dora.dpo", source="retrait par courrier", at=None):
    with database.session() as session:
        return lift(session, find_person(session, actor), entry_id, source=source, at=at)


def _excluded(database, at=None):
    with database.session() as session:
        return excluded_patient_ids(session, at)


def _entries(database, **filters):
    with database.session() as session:
        return entries(session, **filters)


def _trail(database):
    with database.session() as session:
        return list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))


# --- Who may write the registry -------------------------------------------------------------

OTHERS = ("rita.researcher", "olaf.admin", "dan.manager")


def _others(database):
    """A researcher, an operator admin and the data manager of the patient's own centre."""
    with database.session() as session:
        centre = make_centre(session, finess=FINESS)
        make_person(session, "rita.researcher", [Role.RESEARCHER])
        make_person(session, "olaf.admin", [Role.OPERATOR_ADMIN])
        make_person(session, "dan.manager", [Role.CENTRE_DATA_MANAGER], centre)


def test_only_a_dpo_records_an_entry(staff):
    _others(staff)
    for username in OTHERS:
        with pytest.raises(Refused, match="dpo"):
            _record(staff, actor=username)
    assert _entries(staff) == []
    assert _excluded(staff) == frozenset()
    assert not any(e.action.startswith("registry_") for e in _trail(staff))


def test_only_a_dpo_lifts_an_entry(staff):
    _others(staff)
    entry = _record(staff)
    for username in OTHERS:
        with pytest.raises(Refused, match="dpo"):
            _lift(staff, entry.id, actor=username)
    (kept,) = _entries(staff, active_only=True)
    assert kept.id == entry.id and kept.lifted_at is None
    assert _excluded(staff) == {entry.patient_id}


# --- What an entry must say -----------------------------------------------------------------

NOT_A_FINESS = (
    "69000088",  # eight digits
    "6900008800",  # ten
    "69000088O",  # a letter O for a zero
    " 690000880",
    "690 000 880",
    "2C0000014",  # Corsica is 2A or 2B
    "",
    # Nine characters that `str.isdigit` calls digits, but whose warehouse id would match
    # no patient: the opposition would be recorded and silently never applied.
    "６９００００８８０",  # full-width
    "٦٩٠٠٠٠٨٨٠",  # Arabic-Indic
    "69000088²",  # a superscript two
)


def test_the_finess_must_be_a_departement_code_and_seven_digits(staff):
    for finess in NOT_A_FINESS:
        with pytest.raises(Invalid, match="FINESS"):
            _record(staff, finess=finess)
    assert _entries(staff) == []


def test_a_corsican_centre_has_a_finess_too(staff):
    # Organisations accept 2A/2B FINESS (governance.people.FINESS), and ingest registers
    # such centres: their patients' oppositions must be recordable.
    entry = _record(staff, finess="2A0000014")
    assert entry.patient_id == warehouse_patient_id("2A0000014", CODE)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(finess=st.text(max_size=12).filter(lambda s: not (s.isascii() and s.isdecimal())))
def test_no_finess_but_ascii_digits_is_accepted(staff, finess):
    if finess[:2] in ("2A", "2B") and finess[2:].isascii() and finess[2:].isdecimal():
        return
    with pytest.raises(Invalid, match="FINESS"):
        _record(staff, finess=finess)


def test_an_empty_centre_code_is_invalid(staff):
    for code in ("", "   ", "\t\n"):
        with pytest.raises(Invalid, match="centre code"):
            _record(staff, code=code)
    assert _entries(staff) == []


def test_an_entry_and_its_lifting_say_where_the_request_came_from(staff):
    for source in ("", "   "):
        with pytest.raises(Invalid, match="source"):
            _record(staff, source=source)
    entry = _record(staff)
    for source in ("", "   "):
        with pytest.raises(Invalid, match="source"):
            _lift(staff, entry.id, source=source)
    assert [e.id for e in _entries(staff, active_only=True)] == [entry.id]


def test_the_entry_names_the_patient_by_the_warehouse_id_of_finess_and_centre_code(staff):
    entry = _record(staff, code=f"  {CODE} ", kind=RESTRICTION, source="  portail patient ")
    assert entry.patient_id == warehouse_patient_id(FINESS, CODE)
    (stored,) = _entries(staff)
    assert (stored.patient_id, stored.centre_finess, stored.kind, stored.source) == (
        warehouse_patient_id(FINESS, CODE),
        FINESS,
        "restriction",
        "portail patient",
    )
    assert stored.lifted_at is None
    assert _excluded(staff) == {warehouse_patient_id(FINESS, CODE)}


def test_the_same_centre_code_at_another_centre_is_another_patient(staff):
    here = _record(staff)
    there = _record(staff, finess="130001647")
    assert here.patient_id != there.patient_id
    assert _excluded(staff) == {here.patient_id, there.patient_id}
    assert [e.id for e in _entries(staff, centre_finess="130001647")] == [there.id]


# --- One active entry of each kind per patient ----------------------------------------------


def test_a_second_active_entry_of_the_same_kind_is_a_conflict(staff):
    for kind in (OPPOSITION, RESTRICTION):
        _record(staff, kind=kind)
        with pytest.raises(Conflict, match=kind.value):
            _record(staff, kind=kind, source="second courrier")
        # The same patient, whatever spaces surround the code the centre handed over.
        with pytest.raises(Conflict, match=kind.value):
            _record(staff, kind=kind, code=f" {CODE}\n")
    assert [e.kind for e in _entries(staff)] == ["opposition", "restriction"]


def test_a_backdated_second_entry_is_a_conflict_too(staff):
    # A letter dated last week, recorded after the portal's request of today: still one
    # patient with two active oppositions, and lifting one would leave the other in force.
    _record(staff)
    with pytest.raises(Conflict, match="opposition"):
        _record(staff, source="courrier de la semaine passée", at=now() - 7 * DAY)
    assert len(_entries(staff)) == 1


def test_an_opposition_and_a_restriction_may_coexist(staff):
    opposition = _record(staff, kind=OPPOSITION)
    restriction = _record(staff, kind=RESTRICTION)
    assert [e.kind for e in _entries(staff, active_only=True)] == ["opposition", "restriction"]
    assert opposition.patient_id == restriction.patient_id
    _lift(staff, opposition.id)
    # Still excluded: the restriction holds on its own.
    assert _excluded(staff) == {restriction.patient_id}


def test_once_lifted_the_same_kind_may_be_recorded_again(staff):
    first = _record(staff)
    _lift(staff, first.id)
    again = _record(staff, source="nouvelle opposition")
    assert again.id != first.id
    assert [e.id for e in _entries(staff, active_only=True)] == [again.id]
    assert _excluded(staff) == {first.patient_id}


# --- Lifting keeps the entry ----------------------------------------------------------------


def test_lifting_keeps_the_entry_with_when_why_and_by_whom(staff):
    entry = _record(staff)
    before = now()
    _lift(staff, entry.id, source="  retrait de l'opposition ")
    (kept,) = _entries(staff)
    assert kept.id == entry.id and kept.recorded_at == entry.recorded_at
    assert before <= kept.lifted_at <= now()
    assert kept.lift_source == "retrait de l'opposition"
    with staff.session() as session:
        assert kept.lifted_by_id == find_person(session, "dora.dpo").id
    assert _entries(staff, active_only=True) == []
    assert _excluded(staff) == frozenset()


def test_lifting_twice_is_a_conflict_and_changes_nothing(staff):
    entry = _record(staff)
    lifted = _lift(staff, entry.id)
    with pytest.raises(Conflict, match=f"{entry.id} was already lifted"):
        _lift(staff, entry.id, source="un autre courrier")
    (kept,) = _entries(staff)
    assert (kept.lifted_at, kept.lift_source) == (lifted.lifted_at, "retrait par courrier")


def test_lifting_an_unknown_entry_is_not_found(staff):
    with pytest.raises(NotFound):
        _lift(staff, 4242)


# --- The registry at any past moment --------------------------------------------------------


def test_the_registry_says_who_was_excluded_at_a_past_moment(staff):
    t0 = now().replace(microsecond=0) - 30 * DAY
    opposed = _record(staff, code="A-1", at=t0)
    restricted = _record(staff, code="B-2", kind=RESTRICTION, at=t0 + 5 * DAY)
    _lift(staff, opposed.id, at=t0 + 10 * DAY)
    a, b = opposed.patient_id, restricted.patient_id

    assert _excluded(staff, t0 - DAY) == frozenset()  # before anything was recorded
    assert _excluded(staff, t0) == {a}  # effective from the moment it is recorded
    assert _excluded(staff, t0 + 5 * DAY) == {a, b}
    assert _excluded(staff, t0 + 10 * DAY - dt.timedelta(microseconds=1)) == {a, b}
    assert _excluded(staff, t0 + 10 * DAY) == {b}  # lifted: no longer excluded from then on
    assert _excluded(staff) == {b}


def test_an_entry_recorded_long_ago_still_holds_until_lifted(staff):
    entry = _record(staff, at=now() - 400 * DAY)
    assert _excluded(staff) == {entry.patient_id}


# --- Every change is audited, without naming the patient ------------------------------------


def test_every_change_is_audited_without_the_centre_code_or_the_patient_id(staff):
    opposition = _record(staff)
    restriction = _record(staff, kind=RESTRICTION)
    _lift(staff, opposition.id)
    trail = _trail(staff)
    changes = [e for e in trail if e.action.startswith("registry_")]
    assert [(e.action, e.actor, e.object_type, e.object_id) for e in changes] == [
        ("registry_recorded", "dora.dpo", "registry_entry", str(opposition.id)),
        ("registry_recorded", "dora.dpo", "registry_entry", str(restriction.id)),
        ("registry_lifted", "dora.dpo", "registry_entry", str(opposition.id)),
    ]
    assert [e.details for e in changes] == [
        {"kind": "opposition", "centre": FINESS},
        {"kind": "restriction", "centre": FINESS},
        {"kind": "opposition", "centre": FINESS},
    ]
    secrets = (CODE, opposition.patient_id)
    for event in trail:
        written = repr((event.details, event.object_id, event.project))
        assert not any(secret in written for secret in secrets)
    with staff.session() as session:
        result = audit.verify(session)
    assert result.intact, result.problems
    assert result.records == len(trail)


def test_a_refused_change_writes_neither_an_entry_nor_an_audit_record(staff):
    with staff.session() as session:
        make_person(session, "rita.researcher", [Role.RESEARCHER])
    before = len(_trail(staff))
    for attempt in (
        lambda: _record(staff, actor="rita.researcher"),
        lambda: _record(staff, finess="123"),
        lambda: _record(staff, code=" "),
    ):
        with pytest.raises((Refused, Invalid)):
            attempt()
    assert len(_trail(staff)) == before
    assert _entries(staff) == []


def test_an_entry_cannot_be_lifted_before_it_was_recorded(staff):
    entry = _record(staff)
    with pytest.raises(Invalid, match="before it was recorded"):
        _lift(staff, entry.id, at=entry.recorded_at - DAY)
    assert _entries(staff, active_only=True)[0].id == entry.id
