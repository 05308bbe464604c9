"""Centre codes and stay codes: the only way back from the warehouse to a patient.

Both are derived from the centre key through HKDF with a distinct label each, so that
one use can never be turned against the other.

- The centre code is the IPP encrypted with AES-SIV (RFC 5297). SIV is deterministic —
  the same patient gets the same code at every yearly refresh, which is what lets the
  warehouse follow a patient over the years — and authenticated: decrypting a code made
  with another centre's key, or altered by one character, fails instead of returning a
  wrong IPP. Determinism reveals only that two rows share a patient, which the warehouse
  must know anyway. The code length reveals the IPP length (IPPs of a centre usually
  have one length, so this says nothing about the patient).
- The stay code is HMAC-SHA256 of the NDA, truncated to 128 bits: stays never need to be
  turned back, and 128 bits leave no collision in any realistic number of stays.

IPP and NDA are taken without surrounding spaces, so that an export padding them one
year and not the next still gives the same codes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from entrepot.edge.errors import UnknownCode
from entrepot.edge.keys import load_centre_keys

_CENTRE_CODE_LABEL = b"entrepot/centre-code/v1"
_STAY_CODE_LABEL = b"entrepot/stay-code/v1"


def _subkey(centre_key: bytes, label: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(centre_key)


class CentreCoder:
    """Turns IPPs into centre codes (and back) and NDAs into stay codes for one centre."""

    def __init__(self, centre_key: bytes) -> None:
        # 64 bytes: AES-256-SIV (one half authenticates, the other encrypts).
        self._siv = AESSIV(_subkey(centre_key, _CENTRE_CODE_LABEL, 64))
        self._stay_key = _subkey(centre_key, _STAY_CODE_LABEL, 32)
        # Each IPP appears in several tables and many rows: encrypt it once.
        self._codes: dict[str, str] = {}

    def centre_code(self, ipp: str) -> str:
        ipp = ipp.strip()
        code = self._codes.get(ipp)
        if code is None:
            sealed = self._siv.encrypt(ipp.encode("utf-8"), None)
            code = base64.urlsafe_b64encode(sealed).rstrip(b"=").decode("ascii")
            self._codes[ipp] = code
        return code

    def ipp(self, centre_code: str) -> str:
        """The IPP behind a code; `UnknownCode` if this centre's key did not make it."""
        code = centre_code.strip()
        try:
            padded = code + "=" * (-len(code) % 4)
            sealed = base64.urlsafe_b64decode(padded.encode("ascii"))
            return self._siv.decrypt(sealed, None).decode("utf-8")
        except (InvalidTag, ValueError, binascii.Error, UnicodeError) as error:
            raise UnknownCode(
                "this code was not made with this centre's key, or it was altered: check "
                "that it was copied whole and that it belongs to your centre"
            ) from error

    def stay_code(self, nda: str) -> str:
        digest = hmac.digest(self._stay_key, nda.strip().encode("utf-8"), "sha256")
        return digest[:16].hex()

    def centre_codes(self, ipps: pa.Array) -> pa.Array:
        """Centre code of every IPP of a column (null stays null)."""
        return _map_distinct(ipps, self.centre_code)

    def stay_codes(self, ndas: pa.Array) -> pa.Array:
        """Stay code of every NDA of a column (null stays null)."""
        return _map_distinct(ndas, self.stay_code)


def _map_distinct(values: pa.Array, function: Callable[[str], str]) -> pa.Array:
    """Apply `function` once per distinct non-null value, vectorised back onto rows."""
    encoded = pc.dictionary_encode(values)
    mapped = pa.array([function(value) for value in encoded.dictionary.to_pylist()], pa.string())
    return pc.take(mapped, encoded.indices)


def centre_code_of(ipp: str, keys_dir: Path) -> str:
    """The centre code the kit writes for an IPP (what the DPO needs to record a patient's
    opposition), using the centre's keys folder."""
    if not ipp.strip():
        raise ValueError("the IPP is empty")
    return CentreCoder(load_centre_keys(keys_dir).centre_key).centre_code(ipp)


def reidentify(centre_code: str, keys_dir: Path) -> str:
    """The IPP behind a centre code, using the centre's keys folder."""
    return CentreCoder(load_centre_keys(keys_dir).centre_key).ipp(centre_code)
