"""File checksums recorded in release manifests."""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's content, read in chunks (release files can be gigabytes)."""
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()
