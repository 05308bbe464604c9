"""The second factor: time-based one-time codes (RFC 6238, 30 s, six digits).

Times here are the metadata database's naive UTC. pyotp reads a naive datetime as *local*
time, so each one is made explicitly UTC first: otherwise, on a server whose clock is not
set to UTC, the codes would be hours away from the ones the person's authenticator shows.
"""

from __future__ import annotations

import datetime as dt

import pyotp

from entrepot.governance.clock import now

#: Codes from one step before or after are accepted, for clocks that drift a little.
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh random base32 secret, to be handed to the person out of band."""
    return pyotp.random_base32()


def code_at(secret: str, at: dt.datetime | None = None) -> str:
    """The code an authenticator holding `secret` shows at `at` (naive UTC; default now)."""
    return pyotp.TOTP(secret).at(_utc(at or now()))


def code_is_valid(secret: str, code: str | None, at: dt.datetime | None = None) -> bool:
    """Whether `code` is the code for `at`, give or take `VALID_WINDOW` steps."""
    if not code:
        return False
    return pyotp.TOTP(secret).verify(
        code.strip(), for_time=_utc(at or now()), valid_window=VALID_WINDOW
    )


def _utc(at: dt.datetime) -> dt.datetime:
    return at.replace(tzinfo=dt.UTC)
