"""The opposition and restriction registry.

A patient who objects (opposition) or asks that their data be frozen while a dispute is
settled (restriction) tells their centre; the centre's DPO records it here with the centre
code the centre's edge kit gives for that patient. From that moment the gate leaves the
patient out of every project, at the very next query: no new release is needed, because
the gate reads the registry each time it opens.

Entries are never deleted: lifting one keeps when, why and by whom, so the registry can
say who was excluded on any past date.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from entrepot.governance import audit, people
from entrepot.governance.clock import now
from entrepot.governance.errors import Conflict, Invalid, NotFound
from entrepot.governance.roles import Role
from entrepot.governance.tables import Person, RegistryEntry
from entrepot.model.identifiers import warehouse_patient_id


class RegistryKind(StrEnum):
    OPPOSITION = "opposition"
    RESTRICTION = "restriction"


def record(
    session: Session,
    actor: Person,
    *,
    centre_finess: str,
    centre_code: str,
    kind: RegistryKind,
    source: str,
    at: dt.datetime | None = None,
) -> RegistryEntry:
    """Record an opposition or restriction, effective at once; DPO only.

    `source` says where the request came from (a letter's reference, the portal…).
    """
    people.require(actor, Role.DPO)
    # The same rule as the centre's organisation: ASCII only, since `str.isdigit` takes
    # full-width or Arabic-Indic digits whose id would match no patient; Corsica is 2A/2B.
    if not people.FINESS.fullmatch(centre_finess):
        raise Invalid(
            f"centre FINESS {centre_finess!r} is not a département code followed by 7 digits"
        )
    if not centre_code.strip():
        raise Invalid("the centre code is empty; the centre's edge kit gives it for the patient")
    if not source.strip():
        raise Invalid("say where the request came from (source), e.g. a letter's reference")
    patient_id = warehouse_patient_id(centre_finess, centre_code.strip())
    if _active(session, patient_id, kind):
        raise Conflict(f"this patient already has an active {kind.value} at {centre_finess}")
    entry = RegistryEntry(
        patient_id=patient_id,
        centre_finess=centre_finess,
        kind=RegistryKind(kind).value,
        source=source.strip(),
        recorded_at=at or now(),
        recorded_by_id=actor.id,
    )
    session.add(entry)
    session.flush()
    audit.record(
        session,
        "registry_recorded",
        actor=actor.username,
        object_type="registry_entry",
        object_id=entry.id,
        details={"kind": entry.kind, "centre": centre_finess},
    )
    return entry


def lift(
    session: Session, actor: Person, entry_id: int, *, source: str, at: dt.datetime | None = None
) -> RegistryEntry:
    """Lift an entry (the patient withdrew their opposition…); DPO only. The entry stays."""
    people.require(actor, Role.DPO)
    entry = session.get(RegistryEntry, entry_id)
    if entry is None:
        raise NotFound(f"no registry entry {entry_id}")
    if entry.lifted_at is not None:
        raise Conflict(
            f"registry entry {entry_id} was already lifted on {entry.lifted_at:%Y-%m-%d}"
        )
    if not source.strip():
        raise Invalid("say where the request to lift came from (source)")
    lifted_at = at or now()
    if lifted_at < entry.recorded_at:
        raise Invalid(f"registry entry {entry_id} cannot be lifted before it was recorded")
    entry.lifted_at, entry.lifted_by_id, entry.lift_source = lifted_at, actor.id, source.strip()
    audit.record(
        session,
        "registry_lifted",
        actor=actor.username,
        object_type="registry_entry",
        object_id=entry.id,
        details={"kind": entry.kind, "centre": entry.centre_finess},
    )
    return entry


def excluded_patient_ids(session: Session, at: dt.datetime | None = None) -> frozenset[str]:
    """Warehouse ids of every patient under opposition or restriction at `at` (now)."""
    moment = at or now()
    rows = session.scalars(
        select(RegistryEntry.patient_id).where(
            RegistryEntry.recorded_at <= moment,
            or_(RegistryEntry.lifted_at.is_(None), RegistryEntry.lifted_at > moment),
        )
    )
    return frozenset(rows)


def entries(
    session: Session, *, centre_finess: str | None = None, active_only: bool = False
) -> list[RegistryEntry]:
    """The registry's entries, oldest first, optionally one centre's or active ones only."""
    query = select(RegistryEntry).order_by(RegistryEntry.id)
    if centre_finess is not None:
        query = query.where(RegistryEntry.centre_finess == centre_finess)
    if active_only:
        query = query.where(RegistryEntry.lifted_at.is_(None))
    return list(session.scalars(query))


def _active(session: Session, patient_id: str, kind: RegistryKind) -> bool:
    # Any entry not lifted counts, whatever its date: a backdated entry recorded after a
    # newer one would otherwise give the patient two oppositions, one left after a lifting.
    return (
        session.scalars(
            select(RegistryEntry.id).where(
                RegistryEntry.patient_id == patient_id,
                RegistryEntry.kind == RegistryKind(kind).value,
                RegistryEntry.lifted_at.is_(None),
            )
        ).first()
        is not None
    )
