"""The audit trail: append-only, each record carrying the hash of the one before.

`record` appends under a lock on the single `audit_head` row, so two writers can never fork
the chain; `verify` recomputes every hash and finds an edited, deleted, inserted or
reordered record, and records cut off the end (the head no longer matches).

Records say who did what to which object and how many rows, never the rows themselves
(ARCHITECTURE rule 6): `details` accepts numbers, short strings and lists of them only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.governance.clock import now
from entrepot.governance.tables import AuditEvent, AuditHead

__all__ = ["AuditEvent", "Outcome", "Verification", "event_hash", "record", "verify"]

GENESIS = "0" * 64
#: Longest string `details` may hold: enough for a table or file name, too short for rows.
MAX_DETAIL_TEXT = 200


class Outcome:
    OK = "ok"
    DENIED = "denied"
    FAILED = "failed"


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    outcome: str = Outcome.OK,
    project: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    details: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEvent:
    """Append one event to the trail, in `session`'s transaction (so it commits with the act).

    `actor` is a username (or "system"); `details` holds counts and names, never rows.
    """
    details = dict(details or {})
    _check_details(details)
    head = session.scalars(select(AuditHead).with_for_update()).one_or_none()
    if head is None:
        head = AuditHead(id=1, seq=0, hash=GENESIS)
        session.add(head)
    event = AuditEvent(
        seq=head.seq + 1,
        at=at or now(),
        actor=actor,
        action=action,
        outcome=outcome,
        project=project,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=details,
        previous_hash=head.hash,
    )
    event.hash = event_hash(event)
    session.add(event)
    head.seq, head.hash = event.seq, event.hash
    session.flush()
    return event


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the previous hash and the record's content, in a canonical form."""
    content = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "outcome": event.outcome,
        "project": event.project,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((event.previous_hash + canonical).encode()).hexdigest()


@dataclass
class Verification:
    """What `verify` found: the number of records read and each break in the chain."""

    records: int = 0
    head_hash: str = GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify(session: Session) -> Verification:
    """Walk the whole trail in order and report every place the chain does not hold."""
    result = Verification()
    previous_seq, previous_hash = 0, GENESIS
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        result.records += 1
        if event.seq != previous_seq + 1:
            result.problems.append(
                f"record {event.seq}: follows record {previous_seq} "
                f"({_gap(previous_seq, event.seq)})"
            )
        if event.previous_hash != previous_hash:
            result.problems.append(
                f"record {event.seq}: does not chain to the record before it "
                "(a record was deleted, inserted or moved)"
            )
        if event_hash(event) != event.hash:
            result.problems.append(f"record {event.seq}: content changed after it was written")
        previous_seq, previous_hash = event.seq, event.hash
    head = session.get(AuditHead, 1)
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    if (head_seq, head_hash) != (previous_seq, previous_hash):
        result.problems.append(
            f"the trail ends at record {previous_seq} but its head says {head_seq}: "
            "records were removed from the end, or the head was altered"
        )
    result.head_hash = previous_hash
    return result


def _gap(before: int, after: int) -> str:
    if after <= before:
        return "records out of order"
    return f"{after - before - 1} record(s) missing"


def _check_details(details: dict[str, Any]) -> None:
    for key, value in details.items():
        if not _allowed(value):
            raise ValueError(
                f"audit detail {key!r} is not a count, flag or short name; the audit trail "
                "never holds rows (ARCHITECTURE rule 6)"
            )


def _allowed(value: Any, depth: int = 0) -> bool:
    if value is None or isinstance(value, bool | int | float):
        return True
    if isinstance(value, str):
        return len(value) <= MAX_DETAIL_TEXT
    if depth < 2 and isinstance(value, list | tuple):
        return len(value) <= 100 and all(_allowed(v, depth + 1) for v in value)
    if depth < 2 and isinstance(value, dict):
        return len(value) <= 100 and all(_allowed(v, depth + 1) for v in value.values())
    return False
