"""The opposition and restriction registry, for the DPO."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from entrepot import rights
from entrepot.governance.tables import Person, RegistryEntry
from entrepot.web.fields import PathId
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(prefix="/registry", tags=["registry"])


class NewEntry(BaseModel):
    centre_finess: str = Field(pattern=r"^(?:[0-9]{2}|2A|2B)[0-9]{7}$")
    centre_code: str = Field(min_length=1, max_length=200)
    kind: rights.RegistryKind
    source: str = Field(min_length=1, max_length=200)


class Lift(BaseModel):
    source: str = Field(min_length=1, max_length=200)


class Entry(BaseModel):
    """An entry as the DPO sees it: no patient id, the centre keeps the link."""

    id: int
    centre_finess: str
    kind: str
    source: str
    recorded_at: dt.datetime
    lifted_at: dt.datetime | None
    lift_source: str | None

    @classmethod
    def of(cls, entry: RegistryEntry) -> Entry:
        return cls(
            id=entry.id,
            centre_finess=entry.centre_finess,
            kind=entry.kind,
            source=entry.source,
            recorded_at=entry.recorded_at,
            lifted_at=entry.lifted_at,
            lift_source=entry.lift_source,
        )


@router.get("")
def list_entries(
    centre: str | None = None,
    active_only: bool = False,
    _who: Caller = Depends(permit("registry.read")),
    config: Settings = Depends(settings),
) -> list[Entry]:
    with config.database.session() as session:
        found = rights.entries(session, centre_finess=centre, active_only=active_only)
        return [Entry.of(e) for e in found]


@router.post("", status_code=201)
def record_entry(
    new: NewEntry,
    who: Caller = Depends(permit("registry.write")),
    config: Settings = Depends(settings),
) -> Entry:
    """Record an opposition or restriction: effective at the next query of every project."""
    with config.database.session() as session:
        entry = rights.record(
            session,
            session.get(Person, who.person_id),
            centre_finess=new.centre_finess,
            centre_code=new.centre_code,
            kind=new.kind,
            source=new.source,
        )
        return Entry.of(entry)


@router.post("/{entry_id}/lift")
def lift_entry(
    entry_id: PathId,
    lift: Lift,
    who: Caller = Depends(permit("registry.write")),
    config: Settings = Depends(settings),
) -> Entry:
    with config.database.session() as session:
        entry = rights.lift(
            session, session.get(Person, who.person_id), entry_id, source=lift.source
        )
        return Entry.of(entry)
