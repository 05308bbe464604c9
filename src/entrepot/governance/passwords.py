"""Passwords: the policy a new password must meet, and its Argon2id hash.

Only the hash is stored. argon2-cffi's defaults are the RFC 9106 low-memory profile
(Argon2id, 64 MiB, 3 passes), which it raises as the recommendations move.

A test suite creates and logs in hundreds of accounts: `ENTREPOT_ARGON2=test` makes each
hash cheap (still Argon2id, 1 MiB, one pass). Hashes carry their parameters, so such a
hash still verifies anywhere — and `needs_rehash` flags it as weak in production.
"""

from __future__ import annotations

import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from entrepot.governance import errors

MIN_LENGTH = 12

PROFILE_VARIABLE = "ENTREPOT_ARGON2"

_PRODUCTION = PasswordHasher()
_TESTS = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _TESTS if os.environ.get(PROFILE_VARIABLE) == "test" else _PRODUCTION


def check_policy(password: str) -> None:
    """Raise `errors.Invalid` unless `password` is at least `MIN_LENGTH` characters long.

    Length is the one rule that measurably helps (NIST SP 800-63B); composition rules do not.
    """
    if len(password) < MIN_LENGTH:
        raise errors.Invalid(f"a password needs at least {MIN_LENGTH} characters")


def hash_password(password: str) -> str:
    """The Argon2id hash of `password`, salt and parameters included."""
    return _hasher().hash(password)


def check_password(stored_hash: str, password: str) -> bool:
    """Whether `password` matches `stored_hash`; a malformed hash matches nothing."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether `stored_hash` was made with weaker parameters than today's (then rehash at
    the next successful login, the only moment the password is known)."""
    return _hasher().check_needs_rehash(stored_hash)
