"""Open a submission package and prove where it comes from before reading a row of it.

The package format is the edge kit's (`entrepot.edge.package`): the warehouse reuses its
readers rather than spelling the format twice (decision 0002).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

from entrepot.edge import package as edge_package
from entrepot.edge.errors import EdgeError
from entrepot.ingest.errors import PackageRefused
from entrepot.ingest.registry import centre_public_key
from entrepot.model import CLINICAL_TABLES, SCHEMA_VERSION
from entrepot.store import Home


@dataclass(frozen=True)
class VerifiedPackage:
    folder: Path
    package_id: str
    finess: str
    created_at: dt.datetime
    schema_version: str
    manifest_sha256: str
    #: table -> rows the edge kit wrote
    rows: dict[str, int]
    #: table -> export lines the edge kit could not split into the header's fields
    malformed_lines: dict[str, list[int]]

    @property
    def created_on(self) -> dt.date:
        return self.created_at.date()


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def open_package(home: Home, folder: Path) -> VerifiedPackage:
    """Verify signature, checksums and schema version; refuse the package otherwise."""
    try:
        signed = edge_package.read_signed_manifest(
            folder, lambda finess: centre_public_key(home, finess)
        )
        manifest = signed.content
        edge_package.verify_checksums(folder, manifest)
    except EdgeError as exc:
        raise PackageRefused(f"{folder}: {exc}") from exc
    where = folder / edge_package.MANIFEST_FILE
    if _major(manifest["schema_version"]) != _major(SCHEMA_VERSION):
        raise PackageRefused(
            f"{where}: schema version {manifest['schema_version']} is not "
            f"compatible with the warehouse's {SCHEMA_VERSION}; pseudonymise the export again "
            "with an up-to-date edge kit"
        )
    missing = [t.name for t in CLINICAL_TABLES if f"{t.name}.parquet" not in manifest["files"]]
    if missing:
        raise PackageRefused(f"{where}: tables missing: {', '.join(missing)}")
    return VerifiedPackage(
        folder=folder,
        package_id=manifest["package_id"],
        finess=manifest["finess"],
        created_at=dt.datetime.fromisoformat(manifest["created_at"]),
        schema_version=manifest["schema_version"],
        manifest_sha256=signed.sha256,
        rows={t.name: manifest["files"][f"{t.name}.parquet"]["rows"] for t in CLINICAL_TABLES},
        malformed_lines=_malformed_lines(folder),
    )


def _malformed_lines(folder: Path) -> dict[str, list[int]]:
    path = folder / edge_package.MALFORMED_LINES_FILE
    if not path.exists():
        return {}
    lines: dict[str, list[int]] = {}
    # ParquetFile, not read_table, here and in `codes`: read_table imports pyarrow.dataset,
    # 0.2 s of every ingest's start-up, to read one file.
    with pq.ParquetFile(path) as malformed:
        rows = malformed.read().to_pylist()
    for row in rows:
        lines.setdefault(row["table"], []).append(row["line"])
    return lines
