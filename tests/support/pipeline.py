"""A hospital (keys, export, edge kit) and a warehouse home, wired together for tests."""

from __future__ import annotations

from pathlib import Path

from entrepot.edge.keys import create_ttp_key, init_centre
from entrepot.edge.pseudonymise import pseudonymise_export
from entrepot.ingest import IngestResult, ingest_package, register_centre
from entrepot.store import Home
from tests.support.exports import CENTRE, valid_export, write_export


class Pipeline:
    """One warehouse, any number of centres; packages made from dict tables."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = Home(root / "warehouse")
        self.ttp_key = root / "secrets" / "ttp.key"
        create_ttp_key(self.ttp_key)
        self._packages = 0

    def keys(self, finess: str = CENTRE) -> Path:
        """The centre's keys folder, created and registered on first use."""
        keys_dir = self.root / "secrets" / finess
        if not keys_dir.exists():
            init_centre(keys_dir, finess)
            register_centre(self.home, finess, keys_dir / "signing.pub")
        return keys_dir

    def export(self, tables: dict | None = None, finess: str = CENTRE, **options) -> Path:
        self._packages += 1
        folder = self.root / "exports" / f"{finess}-{self._packages}"
        return write_export(folder, tables or valid_export(finess), **options)

    def package(self, tables: dict | None = None, finess: str = CENTRE, **options) -> Path:
        export = self.export(tables, finess, **options)
        out = self.root / "packages" / export.name
        pseudonymise_export(export, self.keys(finess), out, self.ttp_key)
        return out

    def ingest(self, tables: dict | None = None, finess: str = CENTRE, **options) -> IngestResult:
        return ingest_package(self.home, self.package(tables, finess, **options))
