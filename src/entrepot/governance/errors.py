"""What the governance services raise; the API turns each into one HTTP status."""

from __future__ import annotations


class GovernanceError(Exception):
    """Base of the errors below. Messages name objects by id or code, never patient data."""


class Refused(GovernanceError, PermissionError):
    """The actor may not do this (role, project membership, conflict of interest…). 403."""


class NotAuthenticated(GovernanceError):
    """No valid session or token, a wrong password or code, or a locked account. 401."""


class NotFound(GovernanceError, LookupError):
    """No such object, or none the actor may know of. 404."""


class Invalid(GovernanceError, ValueError):
    """The request itself is wrong: a missing field, an unknown variable… 422."""


class Conflict(GovernanceError):
    """The object is not in a state that allows this (a closed project, a second vote…). 409."""
