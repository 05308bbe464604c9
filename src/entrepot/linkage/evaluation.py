"""Precision, recall and F1 of links against a ground truth."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc


def evaluate(links: Any, truth: Any) -> dict[str, Any]:
    """Compare `links` (`patient_id, beneficiary_id[, method]`) with `truth`
    (`patient_id, beneficiary_id`, the beneficiary null for a patient absent from the
    SNDS).

    Precision is the share of links that are true; recall the share of true pairs that
    were linked. By method, precision is that method's own, and recall the share of all
    true pairs that method found (the methods' recalls add up to the overall recall).
    A ratio of nothing is None.
    """
    links = _arrow(links)
    truth = _arrow(truth).select(["patient_id", "beneficiary_id"])
    truth = truth.filter(pc.is_valid(truth["beneficiary_id"]))
    if "method" not in links.column_names:
        links = links.append_column("method", pa.array(["all"] * links.num_rows, pa.string()))
    correct = _is_true(links, truth)
    scores = _scores(links.num_rows, sum(correct), truth.num_rows)
    methods = links["method"].to_pylist()
    scores["by_method"] = {
        method: _scores(
            methods.count(method),
            sum(ok for ok, m in zip(correct, methods, strict=True) if m == method),
            truth.num_rows,
        )
        for method in sorted(set(methods))
    }
    return scores


def _is_true(links: pa.Table, truth: pa.Table) -> list[bool]:
    expected = dict(
        zip(truth["patient_id"].to_pylist(), truth["beneficiary_id"].to_pylist(), strict=True)
    )
    return [
        expected.get(patient) == beneficiary
        for patient, beneficiary in zip(
            links["patient_id"].to_pylist(), links["beneficiary_id"].to_pylist(), strict=True
        )
    ]


def _scores(links: int, true_links: int, true_pairs: int) -> dict[str, Any]:
    precision = true_links / links if links else None
    recall = true_links / true_pairs if true_pairs else None
    f1 = None
    if precision is not None and recall is not None:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "links": links,
        "true_links": true_links,
        "true_pairs": true_pairs,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }


def _arrow(table: Any) -> pa.Table:
    return table if isinstance(table, pa.Table) else table.to_pyarrow()
