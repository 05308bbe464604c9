"""Direct linkage: the hospital's token equals the trusted third party's token.

The token is an HMAC of the NIR, the birth date and the sex, so two people sharing one
means a duplicated record upstream, not two matches. Such a token is reported as a
conflict and links nobody; its patients are left to the probabilistic linkage, which
judges them on what they are rather than on a key known to be wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from entrepot.linkage.inputs import LinkageInput

TOKEN = "token"


@dataclass(frozen=True)
class TokenLinks:
    #: `patient_id, beneficiary_id, method, match_probability`.
    links: pa.Table
    #: Patients whose token is carried by another patient or by several beneficiaries.
    conflicting_patients: pa.Array
    #: Patients with a token nobody in the SNDS carries.
    unmatched_patients: pa.Array
    #: Distinct tokens found more than once on either side.
    conflicting_tokens: int
    patients_with_token: int


def link_by_token(inputs: LinkageInput) -> TokenLinks:
    """One link per token found exactly once on each side."""
    patients = _with_token(inputs.hospital_people, "patient_id")
    beneficiaries = _with_token(inputs.snds_people, "beneficiary_id")
    shared_patients = _repeated(patients)
    shared_beneficiaries = _repeated(beneficiaries)
    conflicts = pa.chunked_array([shared_patients, shared_beneficiaries], pa.string()).unique()

    clean_patients = patients.filter(pc.invert(pc.is_in(patients["snds_token"], conflicts)))
    clean_beneficiaries = beneficiaries.filter(
        pc.invert(pc.is_in(beneficiaries["snds_token"], conflicts))
    )
    pairs = clean_patients.join(clean_beneficiaries, "snds_token", join_type="inner")
    pairs = pairs.sort_by("patient_id")
    links = pa.table(
        {
            "patient_id": pairs["patient_id"],
            "beneficiary_id": pairs["beneficiary_id"],
            "method": pa.array([TOKEN] * pairs.num_rows, pa.string()),
            "match_probability": pa.array([1.0] * pairs.num_rows, pa.float64()),
        }
    )
    conflicting = patients.filter(pc.is_in(patients["snds_token"], conflicts))["patient_id"]
    unmatched = clean_patients.filter(
        pc.invert(pc.is_in(clean_patients["patient_id"], pairs["patient_id"]))
    )["patient_id"]
    return TokenLinks(
        links=links,
        conflicting_patients=conflicting.combine_chunks(),
        unmatched_patients=unmatched.combine_chunks(),
        conflicting_tokens=len(conflicts),
        patients_with_token=patients.num_rows,
    )


def _with_token(people: pa.Table, id_column: str) -> pa.Table:
    return people.select([id_column, "snds_token"]).filter(pc.is_valid(people["snds_token"]))


def _repeated(table: pa.Table) -> pa.Array:
    counts = table.group_by("snds_token").aggregate([([], "count_all")])
    return counts.filter(pc.greater(counts["count_all"], 1))["snds_token"].combine_chunks()
