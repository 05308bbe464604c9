"""A small published warehouse (three centres, SNDS linked) shared by the gate and API tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from entrepot.demo import DemoFolders, run_demo
from entrepot.store import Home


@dataclass(frozen=True)
class Warehouse:
    folders: DemoFolders
    release_id: str

    @property
    def home(self) -> Home:
        return self.folders.home

    def release_table(self, name: str):
        """A release table read straight from its files: the tests' independent view."""
        files = self.home.releases_dir / self.release_id / name / "*.parquet"
        return duckdb.sql(f"SELECT * FROM read_parquet('{files}')").df()


def build_warehouse(root: Path) -> Warehouse:
    summary = run_demo(root, patients=600, centres=3, seed=11)
    return Warehouse(DemoFolders(root), summary.release_id)
