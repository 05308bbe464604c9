"""The working state: which version of each centre's data is current, and the accounting
record of every package committed. Stored as `working/state.json`, the one file whose
replacement commits a change."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

#: Version of the layout of `state.json`, checked when reading it.
STATE_FORMAT = 1


@dataclass(frozen=True)
class CentreState:
    """A centre's current data: an immutable version directory, and the packages (oldest
    first) that have contributed to it."""

    version: str
    packages: tuple[str, ...]


@dataclass(frozen=True)
class WorkingState:
    """A snapshot of the working store: centres by FINESS, package records by package id."""

    centres: dict[str, CentreState] = field(default_factory=dict)
    packages: dict[str, dict] = field(default_factory=dict)

    def with_commit(self, finess: str, version: str, package_id: str, record: dict) -> WorkingState:
        """The state after committing `package_id` as the new `version` of `finess`."""
        previous = self.centres.get(finess)
        packages = (*previous.packages, package_id) if previous else (package_id,)
        return replace(
            self,
            centres={**self.centres, finess: CentreState(version, packages)},
            packages={**self.packages, package_id: record},
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "centres": {
                finess: {"version": centre.version, "packages": list(centre.packages)}
                for finess, centre in sorted(self.centres.items())
            },
            "packages": self.packages,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkingState:
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"unknown working-state format {data.get('format')!r}")
        return cls(
            centres={
                finess: CentreState(centre["version"], tuple(centre["packages"]))
                for finess, centre in data["centres"].items()
            },
            packages=data["packages"],
        )
