"""The audit trail is append-only and hash-chained: `verify` finds any edit, deletion,
insertion or reordering, on SQLite and on PostgreSQL."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from entrepot.governance import audit
from tests.support.metadata import drop_audit_guards


def _trail(database, events=5):
    with database.session() as session:
        for n in range(events):
            audit.record(
                session,
                "data_access",
                actor=f"user{n}",
                project="P0001",
                details={"rows": n * 10, "tables": ["patient"]},
            )


def _tamper(database, statement):
    drop_audit_guards(database)
    with database.engine.begin() as connection:
        connection.execute(text(statement))


def _verify(database):
    with database.session() as session:
        return audit.verify(session)


def test_an_untouched_trail_verifies(database):
    _trail(database)
    result = _verify(database)
    assert result.intact, result.problems
    assert result.records == 5


def test_the_database_refuses_updates_and_deletes(database):
    _trail(database, 2)
    for statement in (
        "UPDATE audit_event SET actor = 'someone' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 2",
    ):
        with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as c:
            c.execute(text(statement))
    assert _verify(database).intact


@pytest.mark.parametrize(
    ("statement", "finding"),
    [
        ("UPDATE audit_event SET actor = 'someone else' WHERE seq = 3", "content changed"),
        ("UPDATE audit_event SET outcome = 'denied' WHERE seq = 1", "content changed"),
        ("DELETE FROM audit_event WHERE seq = 2", "record(s) missing"),
        ("DELETE FROM audit_event WHERE seq = 5", "removed from the end"),
        # Reordering: swap two records' places (through a free number, the key is unique).
        (
            "UPDATE audit_event SET seq = 99 WHERE seq = 2;"
            "UPDATE audit_event SET seq = 2 WHERE seq = 3;"
            "UPDATE audit_event SET seq = 3 WHERE seq = 99",
            "does not chain",
        ),
    ],
)
def test_verify_finds_tampering(database, statement, finding):
    _trail(database)
    drop_audit_guards(database)
    with database.engine.begin() as connection:
        for part in statement.split(";"):
            connection.execute(text(part))
    result = _verify(database)
    assert not result.intact
    assert any(finding in problem for problem in result.problems), result.problems


def test_an_edit_that_recomputes_its_own_hash_still_breaks_the_next_link(database):
    _trail(database)
    with database.session() as session:
        event = session.get(audit.AuditEvent, 2)
        session.expunge(event)
        event.actor = "forger"
        forged = audit.event_hash(event)
    _tamper(database, f"UPDATE audit_event SET actor = 'forger', hash = '{forged}' WHERE seq = 2")
    problems = _verify(database).problems
    assert problems == [
        "record 3: does not chain to the record before it (a record was deleted, inserted or moved)"
    ]


def test_details_never_hold_rows(database):
    with database.session() as session, pytest.raises(ValueError, match="never holds rows"):
        audit.record(session, "data_access", actor="x", details={"rows": "x" * 500})
