"""Where the API finds the warehouse, the metadata database and the project keys."""

from __future__ import annotations

from dataclasses import dataclass

from entrepot.governance.database import Database, default_url, open_database
from entrepot.governance.keys import ProjectKeys
from entrepot.store import Home


@dataclass(frozen=True)
class Settings:
    home: Home
    database: Database
    keys: ProjectKeys
    #: The engine the gate runs queries on ("duckdb" or "pyspark").
    backend: str = "duckdb"

    @classmethod
    def for_home(cls, home: Home, database_url: str | None = None) -> Settings:
        """The settings of a warehouse home: its SQLite file unless a URL is given."""
        database = open_database(database_url or default_url(home.root))
        return cls(home=home, database=database, keys=ProjectKeys(home.project_keys_dir))
