"""One-to-one assignment of the accepted pairs: a patient links to at most one
beneficiary, a beneficiary to at most one patient.

Greedy, best pair first: the pair with the highest match weight is linked, both its
people leave, and so on. The weight, not the probability: strong pairs all have a
probability of 0.9999…, which stops telling a very strong pair from a merely strong one.
Ties are broken by patient id then beneficiary id, so the result never depends on the
order the engine returned rows in.

Splink's `cluster_using_single_best_links` reaches the same links (mutually best pairs,
iterated), but it clusters every record of both datasets on the engine, once per
iteration, and says nothing of the patients it leaves out; the accepted pairs are few
(about one per patient), so doing it here is cheaper and gives each patient a reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

PROBABILISTIC = "probabilistic"


@dataclass(frozen=True)
class Assignment:
    #: `patient_id, beneficiary_id, method, match_probability`.
    links: pa.Table
    #: Patients with an accepted pair whose every beneficiary went to a better pair.
    outbid: pa.Array


def one_to_one(accepted: pa.Table) -> Assignment:
    """Links from `accepted` (`patient_id, beneficiary_id, match_probability`, and
    `match_weight`, which orders the pairs; the probability does when it is absent)."""
    strength = "match_weight" if "match_weight" in accepted.column_names else "match_probability"
    ordered = accepted.sort_by(
        [
            (strength, "descending"),
            ("patient_id", "ascending"),
            ("beneficiary_id", "ascending"),
        ]
    )
    linked_patients: set[str] = set()
    linked_beneficiaries: set[str] = set()
    links: dict[str, list] = {"patient_id": [], "beneficiary_id": [], "match_probability": []}
    for patient, beneficiary, probability in zip(
        ordered["patient_id"].to_pylist(),
        ordered["beneficiary_id"].to_pylist(),
        ordered["match_probability"].to_pylist(),
        strict=True,
    ):
        if patient in linked_patients or beneficiary in linked_beneficiaries:
            continue
        linked_patients.add(patient)
        linked_beneficiaries.add(beneficiary)
        links["patient_id"].append(patient)
        links["beneficiary_id"].append(beneficiary)
        links["match_probability"].append(probability)

    outbid = set(ordered["patient_id"].to_pylist()) - linked_patients
    table = pa.table(
        {
            "patient_id": pa.array(links["patient_id"], pa.string()),
            "beneficiary_id": pa.array(links["beneficiary_id"], pa.string()),
            "method": pa.array([PROBABILISTIC] * len(linked_patients), pa.string()),
            "match_probability": pa.array(links["match_probability"], pa.float64()),
        }
    )
    return Assignment(
        links=table.sort_by("patient_id"), outbid=pa.array(sorted(outbid), pa.string())
    )
