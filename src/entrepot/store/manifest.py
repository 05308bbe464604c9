"""The manifest of a release: what it contains, where it came from, and the checksums
that let anyone verify, years later, that its files are the ones published."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from entrepot.store.state import CentreState, DatasetState

MANIFEST_NAME = "manifest.json"

_RELEASE_ID = re.compile(r"R(\d{4,})")


def release_id(number: int) -> str:
    """The id of the `number`-th release: `R0001`, `R0002`… (sortable as text up to 9999)."""
    return f"R{number:04d}"


def release_number(name: str) -> int | None:
    """The number of a release id, or None if `name` is not one (e.g. a staging dir)."""
    match = _RELEASE_ID.fullmatch(name)
    return int(match[1]) if match else None


@dataclass(frozen=True)
class ReleaseFile:
    """One Parquet file of a table: path relative to the release directory."""

    path: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class ReleaseTable:
    rows: int
    files: tuple[ReleaseFile, ...]


@dataclass(frozen=True)
class ReleasePackage:
    """A package whose data is in the release: its centre and its ingestion record."""

    centre: str
    record: dict


@dataclass(frozen=True)
class ReleaseManifest:
    release_id: str
    #: 0 when published from the working store; erasure publishes later revisions.
    revision: int
    #: ISO 8601, UTC.
    created_at: str
    schema_version: str
    previous_release_id: str | None
    tables: dict[str, ReleaseTable]
    packages: dict[str, ReleasePackage]
    centres: dict[str, CentreState]
    #: The national datasets the release carries ("snds", "linkage"): version and record.
    datasets: dict[str, DatasetState] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "release_id": self.release_id,
            "revision": self.revision,
            "created_at": self.created_at,
            "schema_version": self.schema_version,
            "previous_release_id": self.previous_release_id,
            "tables": {
                name: {
                    "rows": table.rows,
                    "files": [
                        {"path": file.path, "sha256": file.sha256, "rows": file.rows}
                        for file in table.files
                    ],
                }
                for name, table in self.tables.items()
            },
            "packages": {
                package_id: {"centre": package.centre, "record": package.record}
                for package_id, package in self.packages.items()
            },
            "datasets": {
                name: {"version": dataset.version, "record": dataset.record}
                for name, dataset in sorted(self.datasets.items())
            },
            "centres": {
                finess: {"version": centre.version, "packages": list(centre.packages)}
                for finess, centre in self.centres.items()
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReleaseManifest:
        return cls(
            release_id=data["release_id"],
            revision=data["revision"],
            created_at=data["created_at"],
            schema_version=data["schema_version"],
            previous_release_id=data["previous_release_id"],
            tables={
                name: ReleaseTable(
                    rows=table["rows"],
                    files=tuple(ReleaseFile(**file) for file in table["files"]),
                )
                for name, table in data["tables"].items()
            },
            packages={
                package_id: ReleasePackage(package["centre"], package["record"])
                for package_id, package in data["packages"].items()
            },
            centres={
                finess: CentreState(centre["version"], tuple(centre["packages"]))
                for finess, centre in data["centres"].items()
            },
            # Releases published before the SNDS linkage have no datasets.
            datasets={
                name: DatasetState(dataset["version"], dataset["record"])
                for name, dataset in data.get("datasets", {}).items()
            },
        )
