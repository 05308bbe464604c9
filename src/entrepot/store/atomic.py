"""Durable file-system steps: every change the store makes visible is a single rename.

A rename within one file system is atomic: after a crash the name points either to the
old object or to the new one. Data is fsynced *before* the rename that exposes it, and the
directory is fsynced *after*, so that a power loss cannot expose a name whose content
was still in the page cache, nor forget a rename that the caller already reported done.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any


def fsync_file(path: Path) -> None:
    """Flush a file's content to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_dir(path: Path) -> None:
    """Flush a directory's entries (creations, renames, deletions) to disk."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def fsync_tree(root: Path) -> None:
    """Flush every file, then every directory (deepest first), under `root` and `root`."""
    for directory, _, files in os.walk(root, topdown=False):
        for name in files:
            fsync_file(Path(directory, name))
        fsync_dir(Path(directory))


def make_dirs(path: Path) -> None:
    """Create `path` and its missing parents, each new entry flushed to its parent."""
    missing = []
    while not path.exists():
        missing.append(path)
        path = path.parent
    for directory in reversed(missing):
        directory.mkdir(exist_ok=True)
        fsync_dir(directory.parent)


def rename_durably(source: Path, target: Path) -> None:
    """Rename `source` to `target` (same file system) and flush both parent directories."""
    os.rename(source, target)
    fsync_dir(target.parent)
    if source.parent != target.parent:
        fsync_dir(source.parent)


def write_json_atomically(path: Path, data: Any) -> None:
    """Replace `path` by the JSON of `data`: readers see the old file or the new one, whole.

    The content goes to a temporary file beside it (hence on the same file system), is
    flushed, then replaces the old file in one `os.replace`.
    """
    temporary = temporary_path(path)
    with temporary.open("w", encoding="utf-8") as stream:
        json.dump(data, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    fsync_dir(path.parent)


def temporary_path(path: Path) -> Path:
    """The temporary file `write_json_atomically` uses for `path` (swept after a crash)."""
    return path.with_name(f".{path.name}.tmp")


def remove_tree(path: Path) -> None:
    """Delete a directory tree (release files are read-only: only their directory's
    permissions matter for deletion) and flush the parent directory."""
    shutil.rmtree(path)
    fsync_dir(path.parent)
