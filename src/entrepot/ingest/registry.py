"""The centres the warehouse accepts packages from, with the public key of each."""

from __future__ import annotations

import shutil
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from entrepot.ingest.errors import PackageRefused
from entrepot.store import Home
from entrepot.vocab import code_system


def _key_path(home: Home, finess: str) -> Path:
    return home.registry_dir / "centres" / f"{finess}.pub"


def register_centre(home: Home, finess: str, public_key_file: Path) -> Path:
    """Register (or replace, after a key rotation) the signing key of a centre."""
    if not code_system("finess").is_valid(finess):
        raise PackageRefused(f"{finess!r} is not a valid FINESS number; check the centre's number")
    pem = public_key_file.read_bytes()
    try:
        key = load_pem_public_key(pem)
    except ValueError as exc:
        raise PackageRefused(
            f"{public_key_file}: not a PEM public key ({exc}); give the signing.pub file "
            "written by `entrepot centre init`"
        ) from exc
    if not isinstance(key, Ed25519PublicKey):
        raise PackageRefused(f"{public_key_file}: not an Ed25519 public key")
    target = _key_path(home, finess)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(public_key_file, target)
    return target


def centre_public_key(home: Home, finess: str) -> bytes:
    """The registered public key of a centre; refuses centres never registered."""
    path = _key_path(home, finess)
    if not path.exists():
        raise PackageRefused(
            f"unknown centre {finess}: no signing key registered; the operator must run "
            f"`entrepot centre register {finess} SIGNING_PUB_FILE` first"
        )
    return path.read_bytes()


def registered_centres(home: Home) -> list[str]:
    folder = home.registry_dir / "centres"
    return sorted(p.stem for p in folder.glob("*.pub")) if folder.exists() else []
