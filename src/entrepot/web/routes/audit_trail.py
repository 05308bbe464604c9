"""The audit trail, for auditors: read it, and check it has not been tampered with."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select

from entrepot.governance import audit
from entrepot.governance.tables import AuditEvent
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(prefix="/audit", tags=["audit"])


class Event(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    action: str
    outcome: str
    project: str | None
    object_type: str | None
    object_id: str | None
    details: dict[str, Any]
    hash: str


class VerificationReport(BaseModel):
    intact: bool
    records: int
    head_hash: str
    problems: list[str]


@router.get("/events")
def events(
    after: int = Query(0, ge=0, le=2**31 - 1, description="Only records after this number"),
    limit: int = Query(100, ge=1, le=1000),
    action: str | None = Query(None, max_length=60),
    project: str | None = Query(None, max_length=20),
    _who: Caller = Depends(permit("audit.read")),
    config: Settings = Depends(settings),
) -> list[Event]:
    query = select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)
    if action:
        query = query.where(AuditEvent.action == action)
    if project:
        query = query.where(AuditEvent.project == project)
    with config.database.session() as session:
        found = session.scalars(query.limit(limit))
        return [
            Event(
                seq=e.seq,
                at=e.at,
                actor=e.actor,
                action=e.action,
                outcome=e.outcome,
                project=e.project,
                object_type=e.object_type,
                object_id=e.object_id,
                details=e.details,
                hash=e.hash,
            )
            for e in found
        ]


@router.get("/verify")
def verify(
    _who: Caller = Depends(permit("audit.read")), config: Settings = Depends(settings)
) -> VerificationReport:
    with config.database.session() as session:
        result = audit.verify(session)
    return VerificationReport(
        intact=result.intact,
        records=result.records,
        head_hash=result.head_hash,
        problems=result.problems,
    )
