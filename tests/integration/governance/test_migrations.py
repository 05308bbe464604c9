"""The Alembic history builds exactly the schema the ORM declares, and unwinds cleanly."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from entrepot.governance.database import alembic_config
from entrepot.governance.tables import Base


def test_the_migrated_schema_is_the_declared_schema(database):
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_migrating_twice_changes_nothing_and_downgrading_removes_every_table(database):
    database.migrate()  # already at head: nothing to do
    config = alembic_config(database.url)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(database.engine).get_table_names()) <= {"alembic_version"}
    database.migrate()
    assert set(Base.metadata.tables) <= set(inspect(database.engine).get_table_names())
