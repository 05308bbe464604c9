"""Per-project pseudonym keys: 32 random bytes in a file of their own, never in the database.

The gate turns every warehouse patient id into `HMAC-SHA256(project key, patient_id)`, so
a project's pseudonyms mean nothing without its key, and two projects' pseudonyms cannot be
joined. Closing a project destroys its key: after that nobody, the operator included, can
recompute its pseudonyms, and whatever it exported can no longer be linked back to the
warehouse (decision 0006).
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from entrepot.governance.errors import Conflict, Invalid

KEY_BYTES = 32
_CODE = re.compile(r"P\d{4,}")


class KeyDestroyed(Conflict):
    """The project has no key any more (it closed), or never had one (never activated)."""


class ProjectKeys:
    """The key files of every project, one `<code>.key` per project in `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def create(self, code: str) -> bytes:
        """Draw a new key for project `code` and write it, readable by this user only.

        Refuses to replace an existing key: that would silently change every pseudonym of a
        running project.
        """
        path = self._path(code)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_bytes(KEY_BYTES)
        try:
            # O_EXCL: the check and the creation are one step, so two activations racing
            # cannot both write a key.
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise Conflict(
                f"project {code} already has a pseudonym key; it is never replaced"
            ) from None
        with os.fdopen(fd, "wb") as file:
            file.write(key)
            file.flush()
            os.fsync(file.fileno())
        _sync_folder(self.folder)
        return key

    def load(self, code: str) -> bytes:
        """The key of project `code`; `KeyDestroyed` if it has none."""
        try:
            key = self._path(code).read_bytes()
        except FileNotFoundError:
            key = b""
        # A file of zeros is a destruction interrupted between overwrite and unlink: the
        # key is gone all the same, and using zeros as a key would be worse than failing.
        if len(key) != KEY_BYTES or not any(key):
            raise KeyDestroyed(
                f"project {code} has no pseudonym key: it was destroyed when the project "
                "closed, or the project was never activated"
            )
        return key

    def exists(self, code: str) -> bool:
        """Whether project `code` still has a usable key."""
        try:
            self.load(code)
        except KeyDestroyed:
            return False
        return True

    def destroy(self, code: str) -> None:
        """Overwrite the key with zeros, flush it to disk, then delete the file.

        Idempotent, so a closure interrupted half-way can simply be run again. The
        overwrite is best effort on copy-on-write file systems and SSDs, which may keep the
        old blocks: production keeps this folder on an encrypted volume.
        """
        path = self._path(code)
        try:
            with path.open("r+b") as file:
                size = file.seek(0, os.SEEK_END)
                file.seek(0)
                file.write(b"\0" * size)
                file.flush()
                os.fsync(file.fileno())
        except FileNotFoundError:
            return
        path.unlink()
        _sync_folder(self.folder)

    def _path(self, code: str) -> Path:
        # The code names a file: anything but a project code could escape the folder.
        if not _CODE.fullmatch(code):
            raise Invalid(f"{code!r} is not a project code (P followed by digits)")
        return self.folder / f"{code}.key"


def _sync_folder(folder: Path) -> None:
    """Make a file's creation or removal durable (it is an entry of the folder)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
