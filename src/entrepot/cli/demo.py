"""`entrepot demo`: the whole path on synthetic data, then a summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import console, new_progress
from entrepot.cli.link import print_linkage
from entrepot.demo import run_demo


def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Demo folder (wiped first)")] = Path(
        "demo-data"
    ),
    patients: Annotated[int, typer.Option(help="Synthetic patients")] = 20_000,
    centres: Annotated[int, typer.Option(help="Synthetic hospitals")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed")] = 2026,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after the release, without any server")
    ] = False,
) -> None:
    """Synthetic hospitals → pseudonymisation → ingestion → synthetic SNDS → import →
    linkage → release, then a summary."""
    started = time.monotonic()
    with new_progress() as progress:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total)
            progress.update(tasks[step], completed=done, total=total)

        summary = run_demo(folder, patients=patients, centres=centres, seed=seed, progress=report)

    table = Table(title=f"Release {summary.release_id}: patients by centre and cancer type")
    frame = summary.patients_by_centre_and_cancer
    table.add_column("centre (FINESS)")
    for column in frame.columns:
        table.add_column(str(column), justify="right")
    for finess, row in frame.iterrows():
        table.add_row(str(finess), *[f"{v:,}" for v in row])
    console.print(table)

    reasons = Table(title="Quarantined rows by reason")
    reasons.add_column("reason")
    reasons.add_column("rows", justify="right")
    for code, n in summary.quarantined_by_reason.most_common():
        reasons.add_row(code, f"{n:,}")
    console.print(reasons)
    console.print(
        f"{summary.rows_in:,} rows received, {summary.rows_loaded:,} loaded, "
        f"{summary.rows_in - summary.rows_loaded:,} quarantined with a reason "
        f"— {time.monotonic() - started:.0f} s"
    )
    imported = summary.snds_import
    console.print(
        f"SNDS extract: {sum(f['rows_read'] for f in imported['files'].values()):,} rows read "
        f"in {len(imported['files'])} files; claims loaded: "
        + ", ".join(f"{table} {rows:,}" for table, rows in imported["tables"].items())
    )
    print_linkage(summary.linkage, summary.linkage.get("evaluation"))
    console.print(f"warehouse home: {folder / 'warehouse'}  (try: entrepot release show --home …)")
    console.print("demo logins: none yet — governance and the API arrive with a later issue")
    if not no_serve:
        console.print("nothing to serve yet: the API and portal arrive with a later issue")
