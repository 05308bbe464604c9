"""Logging in and staying logged in, on SQLite and on PostgreSQL: Argon2id passwords, a
second factor for every data role, lockout after five failures, 8-hour sessions, scoped API
tokens, and an audit record for every attempt.

Each attempt runs in its own unit of work, as the API runs it: a refused login raises out of
the transaction, and what it recorded (the failure count, the audit record) must survive."""

import datetime as dt
import hashlib
import time

import pyotp
import pytest
from sqlalchemy import select, text

from entrepot.governance import audit, auth, people
from entrepot.governance.clock import now
from entrepot.governance.errors import Invalid, NotAuthenticated, NotFound, Refused
from entrepot.governance.roles import Role
from entrepot.governance.tables import ApiToken, AuditEvent, LoginSession, Person
from tests.support.people import PASSWORD, make_person

T0 = now().replace(microsecond=0)
GENERIC = "^wrong username, password or code$"


@pytest.fixture
def cast(database):
    """A researcher (data role), a committee member and an auditor (no data role), and an
    operator admin."""
    with database.session() as session:
        make_person(session, "rachel", [Role.RESEARCHER])
        make_person(session, "colin", [Role.COMMITTEE_MEMBER])
        make_person(session, "audrey", [Role.AUDITOR])
        make_person(session, "oscar", [Role.OPERATOR_ADMIN])
    return database


def _person(database, username):
    with database.session() as session:
        return people.find_person(session, username)


def _code(database, username, at=T0, steps=0):
    person = _person(database, username)
    return auth.current_code(person, at + dt.timedelta(seconds=30 * steps))


def _wrong_code(database, username, at=T0):
    """A six-digit code that none of the accepted steps around `at` shows."""
    accepted = {_code(database, username, at, steps) for steps in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in accepted)


def _login(database, username, password=PASSWORD, code=None, at=T0):
    with database.session() as session:
        return auth.login(session, username, password, code, at=at)


def _authenticate(database, token, at=T0):
    with database.session() as session:
        return auth.authenticate(session, token, at=at)


def _failures(database, username):
    with database.session() as session:
        return session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.action == "login_failed", AuditEvent.actor == username
            )
        ).all()


# --- Passwords ------------------------------------------------------------------------------


def test_only_an_argon2id_hash_of_the_password_is_stored(cast):
    with cast.session() as session:
        stored = session.scalar(select(Person.password_hash).where(Person.username == "colin"))
        assert stored.startswith("$argon2id$")
        assert auth.check_password(stored, PASSWORD)
        assert not auth.check_password(stored, PASSWORD + "!")
        assert not auth.check_password("not a hash", PASSWORD)
    _login(cast, "colin")
    with pytest.raises(NotAuthenticated):
        _login(cast, "colin", "a wrong password guess")
    with cast.engine.connect() as connection:
        for table in ("person", "audit_event", "login_session"):
            rows = connection.execute(text(f"SELECT * FROM {table}")).all()
            assert rows
            assert PASSWORD not in repr(rows)
            assert "a wrong password guess" not in repr(rows)


def test_the_same_password_hashes_differently_each_time():
    assert auth.hash_password(PASSWORD) != auth.hash_password(PASSWORD)


# --- The second factor ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["colin", "audrey"])
def test_committee_members_and_auditors_log_in_with_a_password_alone(cast, username):
    issued = _login(cast, username)
    assert issued.person.username == username
    assert issued.token.startswith("ses_")


@pytest.mark.parametrize("username", ["rachel", "oscar"])
def test_a_data_role_needs_the_current_code(cast, username):
    with pytest.raises(NotAuthenticated, match=GENERIC):
        _login(cast, username)
    with pytest.raises(NotAuthenticated, match=GENERIC):
        _login(cast, username, code=_wrong_code(cast, username))
    assert _login(cast, username, code=_code(cast, username)).person.username == username
    assert [details["reason"] for details in _failures(cast, username)] == ["code", "code"]


def test_a_code_one_step_old_or_early_is_accepted_two_steps_is_not(cast):
    for steps in (-1, 1):
        _login(cast, "rachel", code=_code(cast, "rachel", steps=steps))
    for steps in (-2, 2):
        with pytest.raises(NotAuthenticated, match=GENERIC):
            _login(cast, "rachel", code=_code(cast, "rachel", steps=steps))


def test_the_code_follows_utc_whatever_the_servers_time_zone(cast, monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Auckland")
    time.tzset()
    try:
        person = _person(cast, "rachel")
        # What an authenticator computes: the code of the Unix time, which is UTC.
        phone = pyotp.TOTP(person.totp_secret).at(T0.replace(tzinfo=dt.UTC))
        assert auth.current_code(person, T0) == phone
        _login(cast, "rachel", code=phone)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_data_role_without_an_enrolled_second_factor_cannot_log_in(cast):
    with cast.session() as session:
        people.find_person(session, "rachel").totp_secret = None
    with pytest.raises(NotAuthenticated, match="ask the operator to enrol your second factor"):
        _login(cast, "rachel", code="123456")


# --- Failures, lockout and ended accounts ---------------------------------------------------


def test_one_message_for_an_unknown_user_a_wrong_password_and_a_wrong_code(cast):
    attempts = [
        ("nobody", PASSWORD, None),
        ("colin", "a wrong password", None),
        ("rachel", PASSWORD, _wrong_code(cast, "rachel")),
    ]
    messages = set()
    for username, password, code in attempts:
        with pytest.raises(NotAuthenticated) as refused:
            _login(cast, username, password, code)
        messages.add(str(refused.value))
    assert messages == {"wrong username, password or code"}


def test_five_failures_in_a_row_lock_the_account_for_fifteen_minutes(cast):
    for n in range(4):
        with pytest.raises(NotAuthenticated, match=GENERIC):
            _login(cast, "colin", "wrong password", at=T0 + dt.timedelta(seconds=n))
    until = (T0 + dt.timedelta(seconds=4) + auth.LOCK_LENGTH).isoformat(sep=" ", timespec="minutes")
    with pytest.raises(NotAuthenticated, match=f"colin is locked .* until {until} UTC"):
        _login(cast, "colin", "wrong password", at=T0 + dt.timedelta(seconds=4))
    # Locked: even the right password is refused, and the lock is not extended.
    with pytest.raises(NotAuthenticated, match="locked"):
        _login(cast, "colin", at=T0 + dt.timedelta(minutes=14))
    assert _login(cast, "colin", at=T0 + dt.timedelta(minutes=15, seconds=5))
    assert [(d["reason"], d.get("failures")) for d in _failures(cast, "colin")] == [
        ("password", 1),
        ("password", 2),
        ("password", 3),
        ("password", 4),
        ("password", 5),
        ("locked", None),
    ]


def test_wrong_codes_count_towards_the_lockout(cast):
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            _login(cast, "rachel", code=_wrong_code(cast, "rachel"))
    with pytest.raises(NotAuthenticated, match="locked"):
        _login(cast, "rachel", code=_code(cast, "rachel"))


def test_a_successful_login_resets_the_count(cast):
    for _ in range(4):
        with pytest.raises(NotAuthenticated, match=GENERIC):
            _login(cast, "colin", "wrong password")
    _login(cast, "colin")
    for _ in range(4):
        with pytest.raises(NotAuthenticated, match=GENERIC):
            _login(cast, "colin", "wrong password")
    assert _login(cast, "colin")
    assert _person(cast, "colin").failed_logins == 0


def test_an_ended_account_cannot_log_in(cast):
    with cast.session() as session:
        make_person(session, "edith", [Role.AUDITOR], active_until=T0.date())
    _login(cast, "edith", at=T0)
    with pytest.raises(NotAuthenticated, match="account edith has ended"):
        _login(cast, "edith", at=T0 + dt.timedelta(days=1))


def test_a_deactivated_account_cannot_log_in_and_its_sessions_and_tokens_end(cast):
    with cast.session() as session:
        colin = people.find_person(session, "colin")
        api_token = auth.issue_api_token(session, colin, name="script", scopes=["reviews"], days=30)
    issued = _login(cast, "colin", at=now())
    with cast.session() as session:
        people.deactivate(session, actor="oscar", person=people.find_person(session, "colin"))
    for token in (issued.token, api_token.token):
        with pytest.raises(NotAuthenticated):
            _authenticate(cast, token, at=now())
    with pytest.raises(NotAuthenticated, match="has ended"):
        _login(cast, "colin", at=now())
    with cast.session() as session:
        assert session.scalar(select(LoginSession.ended_at)) is not None
        assert session.scalar(select(ApiToken.revoked_at)) is not None
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person_deactivated")
        ).one()
    assert event.details == {"sessions_ended": 1, "tokens_revoked": 1}


# --- Sessions -------------------------------------------------------------------------------


def test_a_session_lasts_eight_hours(cast):
    issued = _login(cast, "colin")
    assert issued.expires_at == T0 + dt.timedelta(hours=8)
    principal = _authenticate(cast, issued.token, at=T0 + dt.timedelta(hours=7, minutes=59))
    assert (principal.person.username, principal.via, principal.scopes) == (
        "colin",
        "session",
        None,
    )
    assert principal.allows("admin")  # a session narrows nothing; roles still apply
    with pytest.raises(NotAuthenticated, match="log in again"):
        _authenticate(cast, issued.token, at=T0 + dt.timedelta(hours=8))


def test_only_the_sha256_of_a_token_is_stored(cast):
    issued = _login(cast, "colin")
    assert len(issued.token) > 40
    with cast.session() as session:
        stored = session.scalars(select(LoginSession.token_hash)).one()
    assert stored == hashlib.sha256(issued.token.encode()).hexdigest()
    with cast.engine.connect() as connection:
        assert issued.token not in repr(
            connection.execute(text("SELECT * FROM login_session")).all()
        )


@pytest.mark.parametrize("token", ["", "ses_", "ses_forged", "tok_forged", "Bearer x"])
def test_an_unknown_token_is_refused(cast, token):
    with pytest.raises(NotAuthenticated):
        _authenticate(cast, token)


def test_logout_ends_the_session(cast):
    issued = _login(cast, "colin")
    with cast.session() as session:
        auth.logout(session, issued.token)
    with pytest.raises(NotAuthenticated):
        _authenticate(cast, issued.token)
    with cast.session() as session, pytest.raises(NotAuthenticated):
        auth.logout(session, issued.token)
    with cast.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "logout")).one()
    assert event.actor == "colin"


def test_a_locked_account_cannot_use_its_open_session(cast):
    issued = _login(cast, "colin")
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            _login(cast, "colin", "wrong password")
    with pytest.raises(NotAuthenticated, match="locked"):
        _authenticate(cast, issued.token)


# --- API tokens -----------------------------------------------------------------------------


def _issue(database, username, scopes=("projects", "outputs"), days=30, name="nightly"):
    with database.session() as session:
        person = people.find_person(session, username)
        return auth.issue_api_token(session, person, name=name, scopes=scopes, days=days, at=T0)


def test_an_api_token_carries_its_scopes_and_expires(cast):
    issued = _issue(cast, "rachel", days=30)
    assert issued.token.startswith("tok_")
    assert issued.expires_at == T0 + dt.timedelta(days=30)
    principal = _authenticate(cast, issued.token, at=T0 + dt.timedelta(days=29))
    assert principal.via == "api_token"
    assert principal.scopes == frozenset({"projects", "outputs"})
    assert principal.allows("outputs")
    assert not principal.allows("data")
    with pytest.raises(NotAuthenticated, match="expired"):
        _authenticate(cast, issued.token, at=T0 + dt.timedelta(days=30))


@pytest.mark.parametrize(
    ("scopes", "days", "message"),
    [
        (["projects", "everything"], 30, r"\['everything'\] not allowed"),
        ([], 30, "none not allowed"),
        (["data"], 0, "1 to 90 days, not 0"),
        (["data"], 91, "1 to 90 days, not 91"),
    ],
)
def test_an_api_token_has_known_scopes_and_lasts_at_most_90_days(cast, scopes, days, message):
    with pytest.raises(Invalid, match=message):
        _issue(cast, "rachel", scopes=scopes, days=days)


def test_an_api_token_is_revoked_by_its_holder_or_an_operator_admin(cast):
    first, second = _issue(cast, "rachel", name="first"), _issue(cast, "rachel", name="second")
    with cast.session() as session:
        rachel = people.find_person(session, "rachel")
        first_id, second_id = (t.id for t in auth.list_api_tokens(session, rachel))
        with pytest.raises(Refused, match="colin may revoke only their own"):
            auth.revoke_api_token(
                session, actor=people.find_person(session, "colin"), token_id=first_id
            )
        auth.revoke_api_token(session, actor=rachel, token_id=first_id)
        auth.revoke_api_token(
            session, actor=people.find_person(session, "oscar"), token_id=second_id
        )
        with pytest.raises(NotFound):
            auth.revoke_api_token(session, actor=rachel, token_id=second_id + 100)
        assert [t.name for t in auth.list_api_tokens(session, rachel) if t.revoked_at] == [
            "first",
            "second",
        ]
    for issued in (first, second):
        with pytest.raises(NotAuthenticated, match="revoked"):
            _authenticate(cast, issued.token)


def test_an_ended_account_gets_no_api_token(cast):
    with cast.session() as session:
        make_person(session, "edith", [Role.AUDITOR], active_until=T0.date() - dt.timedelta(1))
    with pytest.raises(Refused, match="edith has ended"):
        _issue(cast, "edith", scopes=["audit"])


# --- The audit trail ------------------------------------------------------------------------


def test_every_attempt_is_audited_and_the_trail_holds(cast):
    with pytest.raises(NotAuthenticated):
        _login(cast, "x" * 200, "guess guess guess")
    with pytest.raises(NotAuthenticated):
        _login(cast, "colin", "wrong password")
    with pytest.raises(NotAuthenticated):
        _login(cast, "rachel")
    _login(cast, "colin")
    _login(cast, "rachel", code=_code(cast, "rachel"))
    with cast.session() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action.in_(["login", "login_failed"]))
            .order_by(AuditEvent.seq)
        ).all()
        assert [(e.actor, e.action, e.outcome, e.details.get("reason")) for e in events] == [
            ("x" * 80, "login_failed", "failed", "unknown_user"),
            ("colin", "login_failed", "failed", "password"),
            ("rachel", "login_failed", "failed", "code"),
            ("colin", "login", "ok", None),
            ("rachel", "login", "ok", None),
        ]
        assert all(e.at == T0 for e in events)
        assert audit.verify(session).intact


def test_outside_the_test_suite_hashes_use_the_rfc_9106_low_memory_profile(monkeypatch):
    from entrepot.governance import passwords

    cheap = passwords.hash_password("correct horse battery staple")  # the suite's profile
    monkeypatch.delenv(passwords.PROFILE_VARIABLE)
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.needs_rehash(stored) is False
    # A test-profile hash still verifies, and production flags it for rehashing.
    assert passwords.check_password(cheap, "correct horse battery staple")
    assert passwords.needs_rehash(cheap) is True
