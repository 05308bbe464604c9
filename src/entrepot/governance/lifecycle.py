"""The life of a project, as an explicit state machine.

draft → submitted → under review → changes requested | approved with conditions | rejected
→ active → expired | closed. A project in "changes requested" goes back to the researcher,
who resubmits it. Nothing else moves a project: `ALLOWED` is the whole machine, and every
move is audited by the code that makes it.
"""

from __future__ import annotations

from enum import StrEnum


class ProjectState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved_with_conditions"
    REJECTED = "rejected"
    ACTIVE = "active"
    EXPIRED = "expired"
    CLOSED = "closed"


S = ProjectState

#: Every allowed move, from → to.
ALLOWED: dict[ProjectState, frozenset[ProjectState]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.UNDER_REVIEW}),
    S.UNDER_REVIEW: frozenset({S.CHANGES_REQUESTED, S.APPROVED, S.REJECTED}),
    S.CHANGES_REQUESTED: frozenset({S.SUBMITTED}),
    S.APPROVED: frozenset({S.ACTIVE}),
    S.REJECTED: frozenset(),
    S.ACTIVE: frozenset({S.EXPIRED, S.CLOSED}),
    S.EXPIRED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}

#: States in which a project's grant may be used through the gate.
USABLE = frozenset({S.ACTIVE})


class ReviewVote(StrEnum):
    APPROVE = "approve"
    CHANGES_REQUESTED = "changes_requested"
    REJECT = "reject"


class Sponsor(StrEnum):
    """The sponsor's category, shown on the public portal."""

    ACADEMIC = "academic"
    INDUSTRIAL = "industrial"
    AUTHORITY = "authority"
    HEALTH_DATA_HUB = "health_data_hub"
    CENTRE = "centre"


class RegulatoryBasis(StrEnum):
    CNIL_AUTHORISATION = "cnil_authorisation"
    REFERENCE_METHODOLOGY = "reference_methodology"  # MR-004, MR-006…


class ProjectKind(StrEnum):
    RESEARCH = "research"
    #: An analysis an authority (HAS, ANSM) commissions; same gate, same grant.
    AUTHORITY_ANALYSIS = "authority_analysis"
