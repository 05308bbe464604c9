"""The centre's secrets: creating them once, loading them for every run.

A keys folder holds:

- `centre.key`: 64 random bytes. Every centre code and stay code derives from it; it
  never leaves the hospital. Losing it means the centre can no longer re-identify its
  patients nor give them the same code at the next yearly refresh: back it up like any
  other secret of the hospital.
- `signing.key` / `signing.pub`: an Ed25519 key pair. The private half signs every
  package manifest; the public half is registered once at the warehouse, which then
  accepts only packages signed by this centre.
- `centre.json`: the centre's FINESS and when the keys were made.

Files are created with mode 0600 in a 0700 folder, written to a staging folder and
renamed, so that an interrupted `init` never leaves half a set of keys behind. A
`.gitignore` holding `*` keeps the folder out of any git repository it might sit in.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import stat
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from entrepot.edge.errors import EdgeError
from entrepot.vocab import code_system

CENTRE_KEY_FILE = "centre.key"
SIGNING_KEY_FILE = "signing.key"
SIGNING_PUBLIC_KEY_FILE = "signing.pub"
CENTRE_INFO_FILE = "centre.json"
CENTRE_KEY_BYTES = 64
TTP_KEY_BYTES = 32

_KEY_FILES = (CENTRE_KEY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_KEY_FILE, CENTRE_INFO_FILE)


@dataclass(frozen=True)
class CentreKeys:
    """Everything a pseudonymisation run needs from the keys folder."""

    finess: str
    centre_key: bytes
    signing_key: Ed25519PrivateKey
    public_key_pem: bytes

    @property
    def signing_key_id(self) -> str:
        return signing_key_id(self.public_key_pem)


def signing_key_id(public_key_pem: bytes) -> str:
    """SHA-256 of the raw public key: names the key in manifests, never secret."""
    public_key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(public_key, Ed25519PublicKey):
        raise EdgeError("the public key is not an Ed25519 key")
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def init_centre(keys_dir: Path, finess: str) -> CentreKeys:
    """Create the centre's keys in `keys_dir` (new, or empty); refuse to overwrite keys."""
    keys_dir = Path(keys_dir)
    canonical = code_system("finess").normalise(finess)
    if canonical is None:
        raise EdgeError(
            "not a valid FINESS number (9 characters with a valid check digit): "
            "use the FINESS of the legal entity of the centre"
        )
    existing = [name for name in _KEY_FILES if (keys_dir / name).exists()]
    if existing:
        raise EdgeError(
            f"keys already exist ({', '.join(existing)}): refusing to overwrite them, since "
            "the patients' codes depend on them. Use another folder, or delete these files "
            "only if you are sure no package made with them will ever need re-identifying",
            file=str(keys_dir),
        )
    if keys_dir.exists() and any(keys_dir.iterdir()):
        raise EdgeError("the folder is not empty: give a new or empty folder", file=str(keys_dir))

    signing_key = Ed25519PrivateKey.generate()
    public_pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = signing_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    info = {
        "finess": canonical,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "signing_key_id": signing_key_id(public_pem),
    }
    centre_key = secrets.token_bytes(CENTRE_KEY_BYTES)

    keys_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = keys_dir.parent / f".{keys_dir.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir(mode=0o700)
    try:
        _write_secret(staging / CENTRE_KEY_FILE, centre_key)
        _write_secret(staging / SIGNING_KEY_FILE, private_pem)
        _write_secret(staging / SIGNING_PUBLIC_KEY_FILE, public_pem)
        _write_secret(staging / CENTRE_INFO_FILE, (json.dumps(info, indent=2) + "\n").encode())
        _write_secret(staging / ".gitignore", b"*\n")
        # rename() replaces an empty directory atomically on POSIX.
        staging.rename(keys_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    keys_dir.chmod(0o700)
    return CentreKeys(canonical, centre_key, signing_key, public_pem)


def load_centre_keys(keys_dir: Path) -> CentreKeys:
    """Load and check the keys folder made by `init_centre`."""
    keys_dir = Path(keys_dir)
    for name in _KEY_FILES:
        if not (keys_dir / name).is_file():
            raise EdgeError(
                f"{name} is missing: give the folder made by `entrepot centre init`",
                file=str(keys_dir),
            )
    _check_private(keys_dir / CENTRE_KEY_FILE)
    _check_private(keys_dir / SIGNING_KEY_FILE)
    centre_key = (keys_dir / CENTRE_KEY_FILE).read_bytes()
    if len(centre_key) != CENTRE_KEY_BYTES:
        raise EdgeError(
            f"expected {CENTRE_KEY_BYTES} bytes, found {len(centre_key)}: the file is damaged; "
            "restore it from the hospital's backup",
            file=str(keys_dir / CENTRE_KEY_FILE),
        )
    try:
        signing_key = serialization.load_pem_private_key(
            (keys_dir / SIGNING_KEY_FILE).read_bytes(), password=None
        )
        info = json.loads((keys_dir / CENTRE_INFO_FILE).read_text(encoding="utf-8"))
        finess = str(info["finess"])
    except (ValueError, KeyError, TypeError) as error:
        raise EdgeError(
            "the keys folder is damaged; restore it from the hospital's backup",
            file=str(keys_dir),
        ) from error
    if not isinstance(signing_key, Ed25519PrivateKey):
        raise EdgeError("not an Ed25519 private key", file=str(keys_dir / SIGNING_KEY_FILE))
    public_pem = (keys_dir / SIGNING_PUBLIC_KEY_FILE).read_bytes()
    return CentreKeys(finess, centre_key, signing_key, public_pem)


def create_ttp_key(path: Path) -> None:
    """Write a trusted-third-party key (32 random bytes, mode 0600); never overwrite one.

    In production the trusted third party hands this key to every hospital and to the
    SNDS side; only the demonstration makes its own.
    """
    path = Path(path)
    if path.exists():
        raise EdgeError("the file exists: refusing to overwrite a key", file=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_secret(path, secrets.token_bytes(TTP_KEY_BYTES))


def load_ttp_key(path: Path) -> bytes:
    """Read the trusted third party's key file."""
    path = Path(path)
    if not path.is_file():
        raise EdgeError("trusted-third-party key file not found", file=str(path))
    _check_private(path)
    key = path.read_bytes()
    if len(key) != TTP_KEY_BYTES:
        raise EdgeError(
            f"expected {TTP_KEY_BYTES} bytes, found {len(key)}: ask the trusted third party "
            "for the key file again",
            file=str(path),
        )
    return key


def _write_secret(path: Path, content: bytes) -> None:
    # O_EXCL: never replace a file, even if one appeared since the checks above.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def _check_private(path: Path) -> None:
    """Refuse a secret readable by other accounts, as ssh does: it may already have leaked."""
    if os.name == "posix" and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise EdgeError(
            "this secret is readable by other accounts of the machine: run `chmod 600` on it "
            "and check with the hospital's security officer whether it must be replaced",
            file=str(path),
        )
