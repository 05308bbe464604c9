"""Releases: immutable, numbered snapshots of the warehouse, and what can be done with them.

releases/<id>/manifest.json             ids R0001, R0002…; see `manifest.ReleaseManifest`
releases/<id>/<table>/part-NNNNN.parquet   read-only, SHA-256 in the manifest
releases/.staging-<id>/                 a release being built (ignored, swept)
"""

from entrepot.store.catalog import list_releases, load, release_dir
from entrepot.store.compare import ReleaseDiff, diff
from entrepot.store.manifest import ReleaseManifest
from entrepot.store.publish import Progress, publish
from entrepot.store.verify import Verification, verify

__all__ = [
    "Progress",
    "ReleaseDiff",
    "ReleaseManifest",
    "Verification",
    "diff",
    "list_releases",
    "load",
    "publish",
    "release_dir",
    "verify",
]
