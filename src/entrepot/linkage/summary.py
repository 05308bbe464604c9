"""The linkage report in Markdown, for the operator: counts only, like the JSON it renders."""

from __future__ import annotations

from typing import Any


def markdown_report(report: dict[str, Any]) -> str:
    """Render the report of `link_warehouse` (the JSON written beside it)."""
    lines = [
        "# Linkage with the SNDS",
        "",
        f"{report['patients']:,} warehouse patients, {report['beneficiaries']:,} SNDS "
        f"beneficiaries: **{report['linked']:,} linked**, {report['unlinked']:,} unlinked.",
        "",
        "| method | links |",
        "|---|---:|",
        *(f"| {method} | {n:,} |" for method, n in report["by_method"].items()),
        "",
        "## By centre",
        "",
        "| centre (FINESS) | patients | linked | by token | probabilistic | unlinked |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for centre, entry in report["by_centre"].items():
        methods = entry["by_method"]
        lines.append(
            f"| {centre} | {entry['patients']:,} | {entry['linked']:,} | "
            f"{methods.get('token', 0):,} | {methods.get('probabilistic', 0):,} | "
            f"{entry['unlinked']:,} |"
        )
    lines += ["", "## Unlinked patients by reason", "", "| reason | patients |", "|---|---:|"]
    lines += [f"| {reason} | {n:,} |" for reason, n in report["unlinked_by_reason"].items()]
    lines += ["", "Each unlinked patient is listed with its reason in `unlinked.csv`.", ""]
    lines += _estimated(report["probabilistic"])
    if report.get("evaluation"):
        lines += _evaluation(report["evaluation"])
    return "\n".join(lines) + "\n"


def _estimated(quality: dict[str, Any]) -> list[str]:
    lines = ["## The model's own estimate (probabilistic links)", ""]
    if not quality["links"]:
        return [*lines, "No probabilistic link.", ""]
    return [
        *lines,
        f"- links: {quality['links']:,} among {quality['candidate_pairs']:,} candidate pairs",
        f"- estimated precision (mean match probability): {quality['estimated_precision']:.4f}",
        f"- expected false links: {quality['expected_false_links']:.1f}",
        f"- lowest accepted match probability: {quality['min_match_probability']:.4f}",
        "",
    ]


def _evaluation(evaluation: dict[str, Any]) -> list[str]:
    lines = [
        "## Against the synthetic ground truth",
        "",
        "| | links | precision | recall | F1 |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, scores in evaluation.items():
        lines.append(
            f"| {name.replace('_', ' ')} | {scores['links']:,} | {_ratio(scores['precision'])} "
            f"| {_ratio(scores['recall'])} | {_ratio(scores['f1'])} |"
        )
    return [*lines, ""]


def _ratio(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"
