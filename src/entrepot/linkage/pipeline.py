"""`link`: tokens first, the probabilistic model for everyone they leave, one-to-one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from entrepot.linkage import records
from entrepot.linkage.assignment import one_to_one
from entrepot.linkage.backends import BACKENDS
from entrepot.linkage.inputs import LinkageInput, read_inputs
from entrepot.linkage.reasons import unlinked_patients
from entrepot.linkage.report import build_report
from entrepot.linkage.scoring import score
from entrepot.linkage.tokens import link_by_token

#: The steps `progress` is called with, in order.
STEPS = ("tokens", "records", "model", "assignment", "report")

LINK_SCHEMA = pa.schema(
    [
        ("patient_id", pa.string()),
        ("beneficiary_id", pa.string()),
        ("method", pa.string()),
        ("match_probability", pa.float64()),
    ]
)


@dataclass(frozen=True)
class LinkageResult:
    #: `patient_id, beneficiary_id, method ('token' | 'probabilistic'), match_probability`,
    #: one-to-one.
    links: pa.Table
    #: `patient_id, centre_finess, reason` for every patient left unlinked.
    unlinked: pa.Table
    #: Counts and estimated quality (see `report`), JSON-serialisable.
    report: dict[str, Any]
    #: The trained Splink model (JSON text), None when no pair needed the model.
    model_json: str | None


def link(
    hospital_people: Any,
    hospital_stays: Any,
    snds_people: Any,
    snds_stays: Any,
    *,
    backend: str = "duckdb",
    use_tokens: bool = True,
    threshold: float = 0.9,
    seed: int = 42,
    progress: Callable[[str], None] | None = None,
) -> LinkageResult:
    """Link hospital patients to SNDS beneficiaries.

    Tokens first (unless `use_tokens` is False, which measures the probabilistic
    linkage alone); then a Fellegi–Sunter model, trained by EM on the people the tokens
    left, links pairs whose match probability is at least `threshold`, best pair first.
    `backend` is "duckdb" or "spark"; `seed` fixes the sampling of u; `progress`, if
    given, is called with each of `STEPS` as it starts.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    step = progress or (lambda _: None)
    inputs = read_inputs(hospital_people, hospital_stays, snds_people, snds_stays)

    step("tokens")
    tokens = link_by_token(inputs) if use_tokens else None
    token_links = tokens.links if tokens else LINK_SCHEMA.empty_table()

    step("records")
    hospital, snds = _remaining_records(inputs, token_links)

    step("model")
    scores = (
        score(hospital, snds, backend=backend, threshold=threshold, seed=seed)
        if hospital.num_rows and snds.num_rows
        else None
    )

    step("assignment")
    assignment = one_to_one(scores.accepted if scores else _no_pairs())
    links = pa.concat_tables([token_links, assignment.links]).sort_by("patient_id")
    unlinked = unlinked_patients(
        inputs.hospital_people,
        links,
        token_conflicts=tokens.conflicting_patients if tokens else pa.array([], pa.string()),
        outbid=assignment.outbid,
        with_candidates=scores.with_candidates if scores else pa.array([], pa.string()),
    )

    step("report")
    report = build_report(
        inputs.hospital_people,
        inputs.snds_people.num_rows,
        links,
        unlinked,
        tokens=tokens,
        scores=scores,
        parameters={
            "backend": backend,
            "use_tokens": use_tokens,
            "threshold": threshold,
            "seed": seed,
        },
    )
    return LinkageResult(links, unlinked, report, scores.model_json if scores else None)


def _remaining_records(inputs: LinkageInput, token_links: pa.Table) -> tuple[pa.Table, pa.Table]:
    """Model records of the patients and beneficiaries the tokens did not link."""
    patients = inputs.hospital_people.filter(
        pc.invert(pc.is_in(inputs.hospital_people["patient_id"], token_links["patient_id"]))
    )
    beneficiaries = inputs.snds_people.filter(
        pc.invert(pc.is_in(inputs.snds_people["beneficiary_id"], token_links["beneficiary_id"]))
    )
    hospital = records.hospital_records(patients, inputs.hospital_stays)
    snds = records.snds_records(
        beneficiaries, inputs.snds_stays, records.centre_finess(inputs.hospital_stays)
    )
    return hospital, snds


def _no_pairs() -> pa.Table:
    return pa.table(
        {
            "patient_id": pa.array([], pa.string()),
            "beneficiary_id": pa.array([], pa.string()),
            "match_probability": pa.array([], pa.float64()),
        }
    )
