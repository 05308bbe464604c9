"""Metadata databases for tests: a fresh SQLite file, or a fresh schema in the local
PostgreSQL (127.0.0.1:5432, trust auth, database `test`), migrated by Alembic."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from entrepot.governance.database import Database, open_database

POSTGRES = os.environ.get(
    "ENTREPOT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
ENGINES = ("sqlite", "postgresql")


@contextmanager
def metadata_database(engine: str, folder: Path) -> Iterator[Database]:
    """A new, migrated metadata database on `engine`, removed afterwards."""
    if engine == "sqlite":
        database = open_database(f"sqlite:///{folder / 'governance.sqlite'}")
        try:
            yield database
        finally:
            database.dispose()
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    # Each test gets a schema of its own: the search path puts every table, the Alembic
    # version table and the audit trigger function there.
    database = open_database(f"{POSTGRES}?options=-csearch_path%3D{schema}")
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def drop_audit_guards(database: Database) -> None:
    """What an administrator with full rights could do before tampering with the trail:
    drop the triggers that refuse UPDATE and DELETE on it."""
    with database.engine.begin() as connection:
        if database.engine.dialect.name == "postgresql":
            connection.execute(text("DROP TRIGGER audit_event_append_only ON audit_event"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_no_update"))
            connection.execute(text("DROP TRIGGER audit_event_no_delete"))
