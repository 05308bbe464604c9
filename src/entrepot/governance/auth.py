"""Authentication: logging in with a password and a second factor, sessions, API tokens.

A session token (`ses_…`) comes from `login` and lasts 8 hours; an API token (`tok_…`) is
issued for scripts, with scopes and at most 90 days. Only the SHA-256 of a token is stored,
so a copy of the database opens nothing. Five failed attempts in a row lock the account
for 15 minutes. Every attempt, good or bad, is audited.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.governance import audit, errors, totp
from entrepot.governance.clock import now
from entrepot.governance.passwords import check_password, hash_password, needs_rehash
from entrepot.governance.people import active_roles, holds, is_active
from entrepot.governance.roles import DATA_ROLES, Role
from entrepot.governance.tables import ApiToken, LoginSession, Person

__all__ = [
    "SCOPES",
    "IssuedToken",
    "Principal",
    "authenticate",
    "check_password",
    "current_code",
    "hash_password",
    "issue_api_token",
    "list_api_tokens",
    "login",
    "logout",
    "revoke_api_token",
]

#: What an API token may be limited to; a login session may do everything its roles allow.
SCOPES = ("projects", "reviews", "data", "outputs", "registry", "audit", "admin")
SESSION_PREFIX, API_TOKEN_PREFIX = "ses_", "tok_"
SESSION_LENGTH = dt.timedelta(hours=8)
MAX_FAILURES = 5
LOCK_LENGTH = dt.timedelta(minutes=15)
MAX_TOKEN_DAYS = 90
#: One message for a wrong username, password or code, so that a guesser learns nothing.
WRONG_CREDENTIALS = "wrong username, password or code"


@dataclass(frozen=True)
class IssuedToken:
    """A token as handed to its holder: the only time it exists in clear."""

    token: str
    expires_at: dt.datetime
    person: Person


@dataclass(frozen=True)
class Principal:
    """Who a request acts for. `scopes` is None for a login session (no narrowing)."""

    person: Person
    scopes: frozenset[str] | None
    via: str  # "session" or "api_token"

    def allows(self, scope: str) -> bool:
        """Whether the token was issued for `scope` (a session allows every scope)."""
        return self.scopes is None or scope in self.scopes


def current_code(person: Person, at: dt.datetime | None = None) -> str:
    """The TOTP code `person`'s authenticator shows at `at` (for tests and the demo)."""
    if person.totp_secret is None:
        raise errors.Invalid(f"{person.username} has no second factor enrolled")
    return totp.code_at(person.totp_secret, at)


def login(
    session: Session,
    username: str,
    password: str,
    code: str | None,
    *,
    at: dt.datetime | None = None,
) -> IssuedToken:
    """Open an 8-hour session, or raise `errors.NotAuthenticated`.

    A person holding a data role (or with a second factor enrolled) must give the current
    TOTP code. A failed attempt is committed before the error is raised: the caller's
    rollback must not erase the count that locks the account, nor the attempt's audit
    record. So call `login` last in its unit of work.
    """
    at = at or now()
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None:
        # Hash anyway, so that an unknown username takes as long as a wrong password.
        check_password(_decoy_hash(), password)
        _refuse(session, username, at, "unknown_user", WRONG_CREDENTIALS)
    if person.locked_until is not None and person.locked_until > at:
        _refuse(session, username, at, "locked", _locked_message(person))
    if not check_password(person.password_hash, password):
        _fail(session, person, at, "password")
    if not is_active(person, at.date()):
        _refuse(session, username, at, "expired", f"account {username} has ended")
    if person.totp_secret is not None or active_roles(person, at.date()) & DATA_ROLES:
        if person.totp_secret is None:
            _refuse(
                session,
                username,
                at,
                "no_second_factor",
                "your roles need a second factor: ask the operator to enrol your second factor",
            )
        if not totp.code_is_valid(person.totp_secret, code, at):
            _fail(session, person, at, "code")
    person.failed_logins = 0
    person.locked_until = None
    if needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    token = _new_token(SESSION_PREFIX)
    expires_at = at + SESSION_LENGTH
    session.add(
        LoginSession(
            person_id=person.id, token_hash=_digest(token), created_at=at, expires_at=expires_at
        )
    )
    audit.record(session, "login", actor=username, object_type="person", object_id=username, at=at)
    return IssuedToken(token, expires_at, person)


def authenticate(session: Session, token: str, *, at: dt.datetime | None = None) -> Principal:
    """The principal a session or API token stands for; `errors.NotAuthenticated` if the
    token is unknown, expired, ended or revoked, or its account is ended or locked."""
    at = at or now()
    if token.startswith(SESSION_PREFIX):
        login_session = session.scalar(
            select(LoginSession).where(LoginSession.token_hash == _digest(token))
        )
        if login_session is None or login_session.ended_at or login_session.expires_at <= at:
            raise errors.NotAuthenticated("no such session, or it has ended: log in again")
        person_id, scopes, via = login_session.person_id, None, "session"
    elif token.startswith(API_TOKEN_PREFIX):
        api_token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
        if api_token is None or api_token.revoked_at or api_token.expires_at <= at:
            raise errors.NotAuthenticated("no such API token, or it was revoked or has expired")
        person_id, scopes, via = api_token.person_id, frozenset(api_token.scopes), "api_token"
    else:
        raise errors.NotAuthenticated("not a session or API token")
    person = session.get_one(Person, person_id)
    locked = person.locked_until is not None and person.locked_until > at
    if locked or not is_active(person, at.date()):
        raise errors.NotAuthenticated(f"account {person.username} is locked or has ended")
    return Principal(person, scopes, via)


def logout(session: Session, token: str) -> None:
    """End the session `token` opened; `errors.NotAuthenticated` if it is not open."""
    login_session = session.scalar(
        select(LoginSession).where(
            LoginSession.token_hash == _digest(token), LoginSession.ended_at.is_(None)
        )
    )
    if login_session is None:
        raise errors.NotAuthenticated("no such open session")
    login_session.ended_at = now()
    username = session.get_one(Person, login_session.person_id).username
    audit.record(
        session, "logout", actor=username, object_type="login_session", object_id=login_session.id
    )


def issue_api_token(
    session: Session,
    person: Person,
    *,
    name: str,
    scopes: Iterable[str],
    days: int,
    at: dt.datetime | None = None,
) -> IssuedToken:
    """A token for scripts, limited to `scopes` (a subset of `SCOPES`), valid for `days`."""
    at = at or now()
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise errors.Invalid(
            f"scopes {unknown or 'none'} not allowed: choose among {', '.join(SCOPES)}"
        )
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise errors.Invalid(f"an API token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}")
    if not name.strip() or len(name) > 100:
        raise errors.Invalid("an API token needs a name of at most 100 characters")
    if not is_active(person, at.date()):
        raise errors.Refused(f"account {person.username} has ended")
    token = _new_token(API_TOKEN_PREFIX)
    api_token = ApiToken(
        person_id=person.id,
        name=name,
        token_hash=_digest(token),
        scopes=scopes,
        created_at=at,
        expires_at=at + dt.timedelta(days=days),
    )
    session.add(api_token)
    session.flush()
    audit.record(
        session,
        "api_token_issued",
        actor=person.username,
        object_type="api_token",
        object_id=api_token.id,
        details={"name": name, "scopes": scopes, "days": days},
        at=at,
    )
    return IssuedToken(token, api_token.expires_at, person)


def revoke_api_token(session: Session, *, actor: Person, token_id: int) -> ApiToken:
    """Revoke a token: its holder's own, or anyone's by an operator admin."""
    api_token = session.get(ApiToken, token_id)
    if api_token is None:
        raise errors.NotFound(f"no API token {token_id}")
    if api_token.person_id != actor.id and not holds(actor, Role.OPERATOR_ADMIN):
        raise errors.Refused(f"{actor.username} may revoke only their own API tokens")
    if api_token.revoked_at is None:
        api_token.revoked_at = now()
        audit.record(
            session,
            "api_token_revoked",
            actor=actor.username,
            object_type="api_token",
            object_id=api_token.id,
        )
    return api_token


def list_api_tokens(session: Session, person: Person) -> list[ApiToken]:
    """`person`'s API tokens, revoked and expired ones included, oldest first."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.person_id == person.id).order_by(ApiToken.id)
        )
    )


def _new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@functools.cache
def _decoy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def _locked_message(person: Person) -> str:
    until = person.locked_until.isoformat(sep=" ", timespec="minutes")
    return f"account {person.username} is locked after repeated failures until {until} UTC"


def _fail(session: Session, person: Person, at: dt.datetime, reason: str) -> NoReturn:
    """Count a wrong password or code, lock the account at the fifth in a row, and raise."""
    # Incremented in SQL, so that simultaneous guesses cannot overwrite each other's count.
    person.failed_logins = Person.failed_logins + 1
    session.flush()
    failures = person.failed_logins
    message = WRONG_CREDENTIALS
    if failures >= MAX_FAILURES:
        person.locked_until = at + LOCK_LENGTH
        # Once the lock ends, the next attempts start a new series of five.
        person.failed_logins = 0
        message = _locked_message(person)
    _refuse(session, person.username, at, reason, message, failures=failures)


def _refuse(
    session: Session,
    username: str,
    at: dt.datetime,
    reason: str,
    message: str,
    *,
    failures: int | None = None,
) -> NoReturn:
    """Audit a refused attempt, commit it with the failure count, and raise."""
    details: dict[str, str | int] = {"reason": reason}
    if failures is not None:
        details["failures"] = failures
    audit.record(
        session,
        "login_failed",
        actor=username[:80],
        outcome=audit.Outcome.FAILED,
        details=details,
        at=at,
    )
    session.commit()
    raise errors.NotAuthenticated(message)
