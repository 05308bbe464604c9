"""Ed25519 signatures of package manifests.

The manifest lists every file of a package with its SHA-256, so signing the manifest's
exact bytes vouches for the whole package: the warehouse checks the signature with the
public key the centre registered, then each file against its checksum.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from entrepot.edge.errors import PackageSignatureError


def sign(manifest: bytes, signing_key: Ed25519PrivateKey) -> bytes:
    """Signature file content: base64 of the Ed25519 signature of `manifest`, newline."""
    return base64.b64encode(signing_key.sign(manifest)) + b"\n"


def verify(manifest: bytes, signature: bytes, public_key_pem: bytes) -> None:
    """Raise `PackageSignatureError` unless `signature` (signature file content) is the
    registered key's signature of these exact manifest bytes."""
    try:
        public_key = serialization.load_pem_public_key(public_key_pem)
    except ValueError as error:
        raise PackageSignatureError(
            "the registered public key is not a PEM public key: register the centre's "
            "signing.pub again"
        ) from error
    if not isinstance(public_key, Ed25519PublicKey):
        raise PackageSignatureError(
            "the registered public key is not an Ed25519 key: register the centre's "
            "signing.pub again"
        )
    try:
        public_key.verify(base64.b64decode(signature.strip(), validate=True), manifest)
    except (InvalidSignature, binascii.Error, ValueError) as error:
        raise PackageSignatureError(
            "the manifest signature does not verify with the centre's registered key: the "
            "package was altered after signing, or signed with another key. Refuse it and ask "
            "the centre to send it again (or to register its new key if it made one)",
            file="manifest.sig",
        ) from error
