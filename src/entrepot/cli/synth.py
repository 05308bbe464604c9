"""`entrepot synth hospitals`: write a synthetic network of hospital exports."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import console, new_progress, refusals
from entrepot.synth import generate_hospitals
from entrepot.synth.hospitals import DEFAULT_CHUNK_SIZE

app = typer.Typer(no_args_is_help=True, help="Synthetic data with their ground truth.")


@app.command()
def hospitals(
    patients: Annotated[int, typer.Option(min=1, help="Number of patients.")],
    centres: Annotated[int, typer.Option(min=1, max=40, help="Number of centres (1–40).")],
    seed: Annotated[int, typer.Option(help="Random seed: same arguments, same files.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output folder.")],
    fault_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Share of child-table rows given a fault.")
    ] = 0.01,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Patients generated per chunk (bounds the memory).")
    ] = DEFAULT_CHUNK_SIZE,
) -> None:
    """Write each centre's CSV exports, and the ground truth kept aside in ground_truth/."""
    started = time.perf_counter()
    with refusals(FileExistsError), new_progress() as progress:
        task = progress.add_task("synthetic patients", total=patients)
        summary = generate_hospitals(
            out,
            patients=patients,
            centres=centres,
            seed=seed,
            fault_rate=fault_rate,
            chunk_size=chunk_size,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    rows = Table("table", "rows", title=f"{out}: {len(summary.centres)} centres")
    for name, count in summary.rows.items():
        rows.add_row(name, f"{count:,}")
    rows.add_row("faults (ground_truth/faults.csv)", f"{sum(summary.faults.values()):,}")
    console.print(rows)
    console.print(f"done in {time.perf_counter() - started:.1f} s")
