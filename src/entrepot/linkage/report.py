"""The linkage quality report: counts only, never a patient row (ARCHITECTURE rule 6),
and JSON-serialisable as it stands."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from entrepot.linkage.assignment import PROBABILISTIC
from entrepot.linkage.reasons import REASONS
from entrepot.linkage.scoring import Scores
from entrepot.linkage.tokens import TOKEN, TokenLinks

#: Centre key of patients who came without a `centre_finess`.
UNKNOWN_CENTRE = "unknown"


def build_report(
    people: pa.Table,
    beneficiaries: int,
    links: pa.Table,
    unlinked: pa.Table,
    *,
    tokens: TokenLinks | None,
    scores: Scores | None,
    parameters: dict[str, Any],
) -> dict[str, Any]:
    methods = Counter(links["method"].to_pylist())
    return {
        "parameters": parameters,
        "patients": people.num_rows,
        "beneficiaries": beneficiaries,
        "linked": links.num_rows,
        "unlinked": unlinked.num_rows,
        "by_method": {method: methods[method] for method in (TOKEN, PROBABILISTIC)},
        "unlinked_by_reason": _reasons(unlinked),
        "by_centre": _by_centre(people, links, unlinked),
        "tokens": _tokens(tokens),
        "probabilistic": _estimated_quality(links, scores),
    }


def _reasons(unlinked: pa.Table) -> dict[str, int]:
    counts = Counter(unlinked["reason"].to_pylist())
    return {reason: counts[reason] for reason in REASONS}


def _by_centre(people: pa.Table, links: pa.Table, unlinked: pa.Table) -> dict[str, Any]:
    centre_of = dict(
        zip(people["patient_id"].to_pylist(), _centres(people["centre_finess"]), strict=True)
    )
    report: dict[str, dict[str, Any]] = {}
    for centre in sorted(set(centre_of.values())):
        report[centre] = {
            "patients": 0,
            "linked": 0,
            "unlinked": 0,
            "by_method": dict.fromkeys((TOKEN, PROBABILISTIC), 0),
            "unlinked_by_reason": dict.fromkeys(REASONS, 0),
        }
    for centre in centre_of.values():
        report[centre]["patients"] += 1
    for patient, method in zip(
        links["patient_id"].to_pylist(), links["method"].to_pylist(), strict=True
    ):
        entry = report[centre_of[patient]]
        entry["linked"] += 1
        entry["by_method"][method] += 1
    for patient, reason in zip(
        unlinked["patient_id"].to_pylist(), unlinked["reason"].to_pylist(), strict=True
    ):
        entry = report[centre_of[patient]]
        entry["unlinked"] += 1
        entry["unlinked_by_reason"][reason] += 1
    return report


def _centres(column: pa.ChunkedArray) -> list[str]:
    return [UNKNOWN_CENTRE if c is None else c for c in column.to_pylist()]


def _tokens(tokens: TokenLinks | None) -> dict[str, Any]:
    if tokens is None:
        return {"used": False}
    return {
        "used": True,
        "patients_with_token": tokens.patients_with_token,
        "linked": tokens.links.num_rows,
        "not_found": len(tokens.unmatched_patients),
        "conflicting_patients": len(tokens.conflicting_patients),
        "conflicting_tokens": tokens.conflicting_tokens,
    }


def _estimated_quality(links: pa.Table, scores: Scores | None) -> dict[str, Any]:
    """The model's own view of its links: if its probabilities are calibrated, the mean
    probability of the accepted links is their precision, and Σ(1 − p) the number of
    false links to expect among them."""
    probabilities = links.filter(pc.equal(links["method"], PROBABILISTIC))["match_probability"]
    count = len(probabilities)
    return {
        "candidate_pairs": scores.pairs if scores else 0,
        "links": count,
        "estimated_precision": pc.mean(probabilities).as_py() if count else None,
        "expected_false_links": (count - pc.sum(probabilities).as_py()) if count else 0.0,
        "min_match_probability": pc.min(probabilities).as_py() if count else None,
        "u_not_seen_in_random_pairs": scores.u_unseen if scores else [],
        "m_not_estimated": scores.m_unseen if scores else [],
    }
