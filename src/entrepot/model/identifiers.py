"""How the warehouse names a patient, and the columns that never leave the gate.

The warehouse patient id is derived, not counted: a hash of the centre's FINESS and the
centre code (`ingest.load.patient_id` computes the same in the engine). The DPO's registry
derives it here from what the centre hands over, without reading any release.
"""

from __future__ import annotations

import hashlib

#: Columns that identify a patient or trace a row back to a hospital file. The gate
#: (`entrepot.access`) replaces the patient by a per-project pseudonym and drops these.
NEVER_RELEASED = frozenset(
    {"patient_id", "centre_code", "beneficiary_id", "snds_token", "package_id", "source_row"}
)


def warehouse_patient_id(finess: str, centre_code: str) -> str:
    """The warehouse id of the patient a centre knows by `centre_code`."""
    return hashlib.sha256(f"{finess}:{centre_code}".encode()).hexdigest()[:20]
