"""Per-project pseudonyms: what a project sees in place of the warehouse patient id.

HMAC-SHA256 under the project's own key, so two projects' extracts cannot be joined on the
patient, and once the key is destroyed (the project closed) nobody — the operator included
— can recompute which pseudonym was which patient.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

#: Hex characters kept: 128 bits, ample against collisions in any warehouse.
LENGTH = 32


def pseudonym(key: bytes, patient_id: str) -> str:
    return hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()[:LENGTH]


def pseudonyms(key: bytes, patient_ids: Iterable[str]) -> list[str]:
    """`pseudonym` of each id; the key is set up once and copied per patient (faster)."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    names = []
    for patient_id in patient_ids:
        one = keyed.copy()
        one.update(patient_id.encode())
        names.append(one.hexdigest()[:LENGTH])
    return names
