"""The published releases of a home: finding them and reading their manifests."""

from __future__ import annotations

import json
from pathlib import Path

from entrepot.store.errors import UnknownRelease
from entrepot.store.home import Home
from entrepot.store.manifest import MANIFEST_NAME, ReleaseManifest, release_number


def release_dir(home: Home, release_id: str) -> Path:
    """The directory of a release (whether or not it exists)."""
    return home.releases_dir / release_id


def release_ids(home: Home) -> list[str]:
    """Ids of the published releases, oldest first.

    A release exists once its directory has its final name, which happens in one rename
    after its manifest was written: staging directories and anything else are ignored.
    """
    if not home.releases_dir.is_dir():
        return []
    found = [
        (number, entry.name)
        for entry in home.releases_dir.iterdir()
        if (number := release_number(entry.name)) is not None and (entry / MANIFEST_NAME).is_file()
    ]
    return [name for _, name in sorted(found)]


def list_releases(home: Home) -> list[ReleaseManifest]:
    """The manifests of all published releases, oldest first."""
    return [_read(home, release_id) for release_id in release_ids(home)]


def load(home: Home, release_id: str | None = None) -> ReleaseManifest:
    """The manifest of a release; the latest when `release_id` is None."""
    known = release_ids(home)
    if not known:
        raise UnknownRelease(f"no release has been published in {home.root}")
    if release_id is None:
        return _read(home, known[-1])
    if release_id not in known:
        span = known[0] if len(known) == 1 else f"{known[0]} to {known[-1]}"
        raise UnknownRelease(f"no release {release_id!r} in {home.root} (published: {span})")
    return _read(home, release_id)


def _read(home: Home, release_id: str) -> ReleaseManifest:
    text = (release_dir(home, release_id) / MANIFEST_NAME).read_text(encoding="utf-8")
    return ReleaseManifest.from_json(json.loads(text))
