"""The working state: which version of each centre's data is current, the accounting record
of every package committed, and the current version of each national dataset (the SNDS
extract, the link table). Stored as `working/state.json`, the one file whose replacement
commits a change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

#: Version of the layout of `state.json`, checked when reading it. Format 2 added
#: `datasets`; a format-1 file reads as a state without datasets. The number was raised so
#: that an older entrepot refuses the file instead of rewriting it without the datasets
#: (whose files its sweep would then delete).
STATE_FORMAT = 2
_READABLE_FORMATS = (1, 2)


@dataclass(frozen=True)
class CentreState:
    """A centre's current data: an immutable version directory, and the packages (oldest
    first) that have contributed to it."""

    version: str
    packages: tuple[str, ...]


@dataclass(frozen=True)
class DatasetState:
    """A national dataset's current data: an immutable version directory, and the record
    (counts, digest of what was imported) kept with it."""

    version: str
    record: dict


@dataclass(frozen=True)
class WorkingState:
    """A snapshot of the working store: centres by FINESS, package records by package id,
    national datasets by name."""

    centres: dict[str, CentreState] = field(default_factory=dict)
    packages: dict[str, dict] = field(default_factory=dict)
    datasets: dict[str, DatasetState] = field(default_factory=dict)

    def with_commit(self, finess: str, version: str, package_id: str, record: dict) -> WorkingState:
        """The state after committing `package_id` as the new `version` of `finess`."""
        previous = self.centres.get(finess)
        packages = (*previous.packages, package_id) if previous else (package_id,)
        return replace(
            self,
            centres={**self.centres, finess: CentreState(version, packages)},
            packages={**self.packages, package_id: record},
        )

    def with_dataset(self, name: str, version: str, record: dict) -> WorkingState:
        """The state after committing `version` as the current data of dataset `name`."""
        return replace(self, datasets={**self.datasets, name: DatasetState(version, record)})

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "centres": {
                finess: {"version": centre.version, "packages": list(centre.packages)}
                for finess, centre in sorted(self.centres.items())
            },
            "packages": self.packages,
            "datasets": {
                name: {"version": dataset.version, "record": dataset.record}
                for name, dataset in sorted(self.datasets.items())
            },
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkingState:
        if data.get("format") not in _READABLE_FORMATS:
            raise ValueError(f"unknown working-state format {data.get('format')!r}")
        return cls(
            centres={
                finess: CentreState(centre["version"], tuple(centre["packages"]))
                for finess, centre in data["centres"].items()
            },
            packages=data["packages"],
            datasets={
                name: DatasetState(dataset["version"], dataset["record"])
                for name, dataset in data.get("datasets", {}).items()
            },
        )
