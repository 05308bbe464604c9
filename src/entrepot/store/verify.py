"""Checking that a release's files are still exactly those it was published with."""

from __future__ import annotations

from dataclasses import dataclass

from entrepot.store.catalog import load, release_dir
from entrepot.store.checksum import sha256_of
from entrepot.store.home import Home
from entrepot.store.manifest import MANIFEST_NAME


@dataclass(frozen=True)
class Verification:
    release_id: str
    files_checked: int
    #: One line per problem found: a file missing, altered, writable or not in the manifest.
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(home: Home, release_id: str | None = None) -> Verification:
    """Re-hash every file of a release (the latest when None) against its manifest."""
    manifest = load(home, release_id)
    directory = release_dir(home, manifest.release_id)
    problems = []
    listed = {MANIFEST_NAME}
    for table in manifest.tables.values():
        for file in table.files:
            listed.add(file.path)
            path = directory / file.path
            if not path.is_file():
                problems.append(f"{file.path}: missing")
                continue
            if sha256_of(path) != file.sha256:
                problems.append(f"{file.path}: content differs from the manifest")
            if path.stat().st_mode & 0o222:
                problems.append(f"{file.path}: writable, releases are read-only")
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory).as_posix()
        if path.is_file() and relative not in listed:
            problems.append(f"{relative}: not in the manifest")
    return Verification(manifest.release_id, len(listed) - 1, tuple(problems))
