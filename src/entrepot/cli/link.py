"""`entrepot link`: link the warehouse's patients with the imported SNDS."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from entrepot.cli.common import HomeOption, console, new_progress, refusals, resolve_home
from entrepot.linkage import STEPS
from entrepot.linkage.warehouse import LinkageRefused, link_warehouse
from entrepot.store import StoreBusy
from entrepot.synthetic_truth import linkage_truth


def link(
    home: Path | None = HomeOption,
    backend: Annotated[str, typer.Option(help="Engine: duckdb (default) or spark.")] = "duckdb",
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Lowest match probability accepted.")
    ] = 0.9,
    indirect_only: Annotated[
        bool,
        typer.Option(
            "--indirect-only", help="Ignore the NIR tokens (measures the probabilistic linkage)."
        ),
    ] = False,
    truth: Annotated[
        Path | None,
        typer.Option(
            exists=True, dir_okay=False, help="Synthetic data only: ground_truth/linkage.csv."
        ),
    ] = None,
    centre_keys: Annotated[
        Path | None,
        typer.Option(
            exists=True, file_okay=False, help="With --truth: folder of <FINESS>/ centre keys."
        ),
    ] = None,
) -> None:
    """Direct (token) then probabilistic linkage, one-to-one; the links join the next release."""
    if (truth is None) != (centre_keys is None):
        raise typer.BadParameter("--truth and --centre-keys go together")
    warehouse = resolve_home(home)
    known = linkage_truth(truth, centre_keys) if truth and centre_keys else None
    with refusals(LinkageRefused, StoreBusy, ValueError), new_progress() as progress:
        task = progress.add_task("link", total=len(STEPS) + (1 if known else 0))
        run = link_warehouse(
            warehouse,
            backend=backend,
            use_tokens=not indirect_only,
            threshold=threshold,
            truth=known,
            progress=lambda step: progress.update(task, advance=1, description=f"link: {step}"),
        )
        progress.update(task, completed=len(STEPS) + (1 if known else 0))
    print_linkage(run.result.report, run.evaluation)
    console.print(f"linkage report: {run.report_dir}/report.md")


def print_linkage(report: dict[str, Any], evaluation: dict[str, Any] | None) -> None:
    """Linked and unlinked patients by centre and method, and the quality figures."""
    table = Table(title=f"Linkage: {report['linked']:,} of {report['patients']:,} patients")
    for header in ("centre", "patients", "token", "probabilistic", "unlinked"):
        table.add_column(header, justify="left" if header == "centre" else "right")
    for centre, entry in report["by_centre"].items():
        methods = entry["by_method"]
        table.add_row(
            centre,
            f"{entry['patients']:,}",
            f"{methods.get('token', 0):,}",
            f"{methods.get('probabilistic', 0):,}",
            f"{entry['unlinked']:,}",
        )
    console.print(table)
    reasons = ", ".join(f"{r} {n:,}" for r, n in report["unlinked_by_reason"].items() if n)
    console.print(f"unlinked by reason: {reasons or 'none'}")
    quality = report["probabilistic"]
    if quality["links"]:
        console.print(
            f"probabilistic links: estimated precision {quality['estimated_precision']:.4f}, "
            f"expected false links {quality['expected_false_links']:.1f}"
        )
    for name, scores in (evaluation or {}).items():
        console.print(
            f"{name.replace('_', ' ')} vs ground truth: precision {scores['precision'] or 0:.4f}, "
            f"recall {scores['recall'] or 0:.4f}, F1 {scores['f1'] or 0:.4f}"
        )
