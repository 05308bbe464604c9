"""The submission package: its layout, its manifest, and how the warehouse checks it.

A package is a folder::

    patient.parquet, tumour.parquet, ...   one per clinical table, schema exactly
                                           model.arrow_schema(table, Layer.PACKAGE)
    malformed_lines.parquet                rows the edge could not split into fields
    manifest.json                          what the package holds (below)
    manifest.sig                           base64 Ed25519 signature of manifest.json's bytes

The manifest names the centre (FINESS), the schema version, every file with its SHA-256
and row count, and per export file the encoding and separator detected and what became of
every line. It holds counts, never values.

`package_id` is derived from the content (FINESS, schema version and the checksums of the
files), not drawn at random: pseudonymising the same export twice with the same keys
gives the same package id, so a package sent twice is recognised as one at ingestion.
`created_at` is left out of the id for that reason.

The checks here (`read_signed_manifest`, `verify_checksums`) need nothing outside
`entrepot.edge`, so the warehouse runs exactly the code the centres run.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from entrepot.edge import signing
from entrepot.edge.errors import PackageChecksumError, PackageFormatError

PACKAGE_FORMAT = "entrepot-package"
PACKAGE_FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
SIGNATURE_FILE = "manifest.sig"
MALFORMED_LINES_FILE = "malformed_lines.parquet"

#: One row per export line whose number of fields differs from its header's.
MALFORMED_LINES_SCHEMA = pa.schema(
    [
        pa.field("table", pa.string(), nullable=False),
        pa.field("line", pa.int64(), nullable=False),
        pa.field("physical_lines", pa.int64(), nullable=False),
        pa.field("fields_found", pa.int64(), nullable=False),
        pa.field("fields_expected", pa.int64(), nullable=False),
    ]
)

# Fixed namespace of package ids (uuid5 of the content summary).
_PACKAGE_ID_NAMESPACE = uuid.UUID("5b0f3c1e-6a39-4e43-9d55-2f0c1f8a4e17")
_REQUIRED = {
    "format": str,
    "format_version": int,
    "package_id": str,
    "finess": str,
    "schema_version": str,
    "created_at": str,
    "files": dict,
}


def sha256_of(path: Path) -> str:
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def package_id(finess: str, schema_version: str, files: dict[str, dict[str, Any]]) -> str:
    """Deterministic id of a package content (see the module docstring)."""
    summary = json.dumps(
        {
            "format_version": PACKAGE_FORMAT_VERSION,
            "finess": finess,
            "schema_version": schema_version,
            "files": {name: files[name]["sha256"] for name in sorted(files)},
        },
        sort_keys=True,
    )
    return str(uuid.uuid5(_PACKAGE_ID_NAMESPACE, summary))


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The canonical bytes of a manifest: what is written, and what is signed."""
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=True) + "\n").encode()


def read_manifest(package_dir: Path) -> dict[str, Any]:
    """Read and check the manifest of a package; `PackageFormatError` says what is wrong."""
    return _parse_manifest(_manifest_data(Path(package_dir)))


@dataclass(frozen=True)
class SignedManifest:
    content: dict[str, Any]
    sha256: str


def read_signed_manifest(
    package_dir: Path, public_key_of: Callable[[str], bytes]
) -> SignedManifest:
    """The manifest, its signature checked against the key `public_key_of(finess)` returns.

    The bytes are read once, then verified and parsed: reading the file again after the
    check would let a manifest swapped in between go unverified.
    """
    package_dir = Path(package_dir)
    data = _manifest_data(package_dir)
    manifest = _parse_manifest(data)
    signature = package_dir / SIGNATURE_FILE
    if not signature.is_file():
        raise PackageFormatError(
            "missing: the package is incomplete; ask the centre to send it again",
            file=SIGNATURE_FILE,
        )
    signing.verify(data, signature.read_bytes(), public_key_of(manifest["finess"]))
    return SignedManifest(manifest, hashlib.sha256(data).hexdigest())


def _manifest_data(package_dir: Path) -> bytes:
    path = package_dir / MANIFEST_FILE
    if not path.is_file():
        raise PackageFormatError(
            "no manifest.json: this folder is not a package made by `entrepot centre pseudonymise`",
            file=str(package_dir),
        )
    return path.read_bytes()


def _parse_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise PackageFormatError(
            "manifest.json is not valid JSON: the package was damaged; ask the centre to "
            "send it again",
            file=MANIFEST_FILE,
        ) from error
    if not isinstance(manifest, dict):
        raise PackageFormatError("manifest.json must hold a JSON object", file=MANIFEST_FILE)
    for key, kind in _REQUIRED.items():
        if not isinstance(manifest.get(key), kind):
            raise PackageFormatError(
                f"manifest.json lacks {key!r} (or it has the wrong type): the package was not "
                "made by a compatible edge kit",
                file=MANIFEST_FILE,
            )
    if manifest["format"] != PACKAGE_FORMAT or manifest["format_version"] != PACKAGE_FORMAT_VERSION:
        raise PackageFormatError(
            f"package format {manifest['format']!r} version {manifest['format_version']} is "
            f"not supported (expected {PACKAGE_FORMAT!r} version {PACKAGE_FORMAT_VERSION}): "
            "the centre and the warehouse must run compatible versions of entrepot",
            file=MANIFEST_FILE,
        )
    for name, entry in manifest["files"].items():
        if Path(name).name != name or name in (MANIFEST_FILE, SIGNATURE_FILE):
            raise PackageFormatError(
                f"manifest.json lists a file named {name!r}, which a package cannot hold",
                file=MANIFEST_FILE,
            )
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            raise PackageFormatError(
                f"manifest.json gives no sha256 for {name}", file=MANIFEST_FILE
            )
    return manifest


def verify_signature(package_dir: Path, public_key_pem: bytes) -> None:
    """Check `manifest.sig` against the exact bytes of `manifest.json` and the centre's
    registered public key; raise `PackageSignatureError` (or `PackageFormatError` when a
    file is missing)."""
    read_signed_manifest(package_dir, lambda _finess: public_key_pem)


def verify_checksums(package_dir: Path, manifest: dict[str, Any] | None = None) -> None:
    """Check that the folder holds exactly the files of the manifest (the one given, else
    the one on disk), each with its SHA-256; raise `PackageChecksumError` naming the first
    file that differs."""
    package_dir = Path(package_dir)
    files = (manifest or read_manifest(package_dir))["files"]
    present = {p.name for p in package_dir.iterdir()} - {MANIFEST_FILE, SIGNATURE_FILE}
    unlisted = sorted(present - set(files))
    if unlisted:
        raise PackageChecksumError(
            "this file is not listed in the manifest: the package was tampered with or mixed "
            "with another; ask the centre to send it again",
            file=unlisted[0],
        )
    for name in sorted(files):
        path = package_dir / name
        if not path.is_file():
            raise PackageChecksumError(
                "listed in the manifest but missing: the package is incomplete; ask the "
                "centre to send it again",
                file=name,
            )
        if sha256_of(path) != files[name]["sha256"]:
            raise PackageChecksumError(
                "the file's SHA-256 differs from the manifest: it was altered or damaged in "
                "transit; ask the centre to send the package again",
                file=name,
            )
