"""The metadata database: who may use the warehouse, for which project, and what they did.

One declarative model, migrated by Alembic (`governance/migrations`). Times are naive UTC
(`clock.now()`): SQLite has no time zones, and one convention on both engines keeps the
audit hashes identical wherever the database lives.

No row here holds patient-level data: the registry keeps warehouse patient ids (already a
pseudonym) and the audit trail keeps counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from entrepot.governance.clock import now

Json = dict[str, Any]


class Base(DeclarativeBase):
    type_annotation_map = {Json: JSON, list[Any]: JSON}  # noqa: RUF012


class Organisation(Base):
    """A centre, the operator, an authority, the Health Data Hub, a sponsor or a journal."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    finess: Mapped[str | None] = mapped_column(String(9), unique=True)
    centre_category: Mapped[str | None] = mapped_column(String(40))
    country: Mapped[str] = mapped_column(String(2), default="FR")


class Person(Base):
    """A person's account. An account ends on `active_until`, always set."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    password_hash: Mapped[str] = mapped_column(String(200))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    active_until: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    deactivated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    organisation: Mapped[Organisation] = relationship()
    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="person", foreign_keys="RoleAssignment.person_id"
    )


class RoleAssignment(Base):
    """A role a person holds, possibly for one organisation (a centre's data manager)."""

    __tablename__ = "role_assignment"
    __table_args__ = (UniqueConstraint("person_id", "role", "organisation_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    role: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    ends_on: Mapped[dt.date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship(back_populates="roles", foreign_keys=[person_id])


class DeclaredInterest(Base):
    """A tie between a person and an organisation (employment, funding, consultancy).

    A committee member tied to a project's sponsor may not review it.
    """

    __tablename__ = "declared_interest"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class LoginSession(Base):
    """A logged-in session; only the token's hash is kept."""

    __tablename__ = "login_session"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ApiToken(Base):
    """A scoped, expiring token for scripts; only the token's hash is kept."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Project(Base):
    """A request to use the warehouse, from submission to closure (`lifecycle`)."""

    __tablename__ = "project"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    public_summary: Mapped[str] = mapped_column(Text)
    sponsor_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    sponsor_category: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    public_interest: Mapped[str] = mapped_column(Text)
    protocol_filename: Mapped[str] = mapped_column(String(200))
    protocol_sha256: Mapped[str] = mapped_column(String(64))
    protocol: Mapped[bytes] = mapped_column(LargeBinary)
    #: {table: [column, …]} of the warehouse tables (`entrepot.model`).
    requested_variables: Mapped[Json] = mapped_column(JSON)
    #: {"cancer_types": […], "diagnosis_years": [first, last], "centres": [FINESS, …]}.
    population: Mapped[Json] = mapped_column(JSON)
    requested_release: Mapped[str] = mapped_column(String(20))
    duration_months: Mapped[int] = mapped_column(Integer)
    regulatory_basis: Mapped[str] = mapped_column(String(40))
    regulatory_reference: Mapped[str] = mapped_column(String(100))
    #: [{"name": …, "country": "FR"}, …]
    recipients: Mapped[list[Any]] = mapped_column(JSON)
    outside_eu: Mapped[bool] = mapped_column(Boolean, default=False)
    standard_contractual_clauses: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(40))
    lead_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    conditions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    activated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    expires_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    sponsor: Mapped[Organisation] = relationship()
    lead: Mapped[Person] = relationship()
    members: Mapped[list[ProjectMember]] = relationship(back_populates="project")
    grant: Mapped[DataGrant | None] = relationship(back_populates="project")


class ProjectMember(Base):
    """A person working on a project; only members use its grant."""

    __tablename__ = "project_member"
    __table_args__ = (UniqueConstraint("project_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)

    project: Mapped[Project] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class ProjectTransition(Base):
    """One move of the state machine: who, when, why."""

    __tablename__ = "project_transition"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    from_state: Mapped[str] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    reason: Mapped[str] = mapped_column(Text, default="")


class Review(Base):
    """One committee member's independent review of one submission round."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("project_id", "reviewer_id", "round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    #: Submission round (1 for the first submission, +1 each resubmission).
    round: Mapped[int] = mapped_column(Integer, default=1)
    vote: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)


class DataGrant(Base):
    """What an approved project may read: pinned release, variables, population, dates."""

    __tablename__ = "data_grant"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), unique=True)
    release_id: Mapped[str] = mapped_column(String(20))
    variables: Mapped[Json] = mapped_column(JSON)
    population: Mapped[Json] = mapped_column(JSON)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    #: When the project's pseudonym key was destroyed (the project closed).
    key_destroyed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    project: Mapped[Project] = relationship(back_populates="grant")


class RegistryEntry(Base):
    """An opposition or a restriction on one patient, from `recorded_at` until lifted."""

    __tablename__ = "registry_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(40), index=True)
    centre_finess: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(20))  # opposition | restriction
    source: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    lifted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    lift_source: Mapped[str | None] = mapped_column(String(200))


class OutputRequest(Base):
    """Files a researcher asks to take out of the workspace (OpenSAFELY's Airlock)."""

    __tablename__ = "output_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    title: Mapped[str] = mapped_column(String(300))
    context: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    files: Mapped[list[OutputFile]] = relationship(back_populates="request")
    reviews: Mapped[list[OutputReview]] = relationship(back_populates="request")


class OutputFile(Base):
    """One file of an output request, with what disclosure control found in it."""

    __tablename__ = "output_file"
    __table_args__ = (UniqueConstraint("request_id", "filename"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("output_request.id"))
    filename: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    disclosure_report: Mapped[Json] = mapped_column(JSON)

    request: Mapped[OutputRequest] = relationship(back_populates="files")


class OutputReview(Base):
    """One output checker's decision on one request."""

    __tablename__ = "output_review"
    __table_args__ = (UniqueConstraint("request_id", "checker_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("output_request.id"))
    checker_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    decision: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=now)

    request: Mapped[OutputRequest] = relationship(back_populates="reviews")


class AuditEvent(Base):
    """One record of the append-only, hash-chained audit trail (`governance.audit`)."""

    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(20))
    project: Mapped[str | None] = mapped_column(String(20))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[Json] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The last record of the trail: one row, locked while appending so the chain is a line.

    It also lets `verify` notice records cut off the end of the trail.
    """

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
