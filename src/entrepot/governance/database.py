"""Connecting to the metadata database and keeping its schema current.

SQLite (a file beside the warehouse) by default; PostgreSQL in production, given as
`ENTREPOT_DATABASE_URL` (e.g. `postgresql+psycopg://entrepot@db/entrepot`). The schema is
Alembic's: opening a database migrates it to the latest revision first.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

URL_VARIABLE = "ENTREPOT_DATABASE_URL"
MIGRATIONS = Path(__file__).parent / "migrations"


def default_url(folder: Path) -> str:
    """`ENTREPOT_DATABASE_URL` if set, else a SQLite file `governance.sqlite` in `folder`."""
    return os.environ.get(URL_VARIABLE) or f"sqlite:///{folder / 'governance.sqlite'}"


class Database:
    """One metadata database: an engine and the sessions opened on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: Engine = create_engine(url)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to Alembic's latest revision (idempotent)."""
        config = alembic_config(self.url)
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str) -> Database:
    """The database at `url`, migrated to the latest schema."""
    database = Database(url)
    database.migrate()
    return database


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    # Foreign keys are off by default in SQLite; a busy timeout lets the API and the CLI
    # share the file instead of failing at once when both write.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()
