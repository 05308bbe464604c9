"""`entrepot synth hospitals` and `entrepot synth snds`: synthetic hospital exports, and the
SNDS extract of a population holding their patients."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import console, new_progress, refusals
from entrepot.synth import generate_hospitals
from entrepot.synth.hospitals import DEFAULT_CHUNK_SIZE
from entrepot.synth.snds import DEFAULT_CHUNK_SIZE as DEFAULT_SNDS_CHUNK_SIZE
from entrepot.synth.snds import Rates, generate_snds

app = typer.Typer(no_args_is_help=True, help="Synthetic data with their ground truth.")
DEFAULTS = Rates()


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


def _rate(help_text: str) -> object:
    return typer.Option(min=0.0, max=1.0, help=help_text)


@app.command()
def snds(
    hospitals: Annotated[
        Path, typer.Option(exists=True, file_okay=False, help="Folder of `synth hospitals`.")
    ],
    seed: Annotated[int, typer.Option(help="Random seed: same arguments, same files.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Output folder (new or empty).")],
    population: Annotated[
        int | None,
        typer.Option(min=1, help="People in the extract (default: 10 per hospital patient)."),
    ] = None,
    ttp_key: Annotated[
        Path | None,
        typer.Option(dir_okay=False, help="Trusted third party's key: writes TTP_CORRESPONDANCE."),
    ] = None,
    chunk_size: Annotated[
        int, typer.Option(min=10, help="People generated per chunk (bounds the memory).")
    ] = DEFAULT_SNDS_CHUNK_SIZE,
    birth_month_off: Annotated[
        float, _rate("Hospital patients whose SNDS birth month is one off.")
    ] = DEFAULTS.birth_month_off,
    stay_shift: Annotated[
        float, _rate("Hospital stays shifted by one day in the PMSI.")
    ] = DEFAULTS.stay_shift,
    stay_missing: Annotated[
        float, _rate("Hospital stays missing from the PMSI.")
    ] = DEFAULTS.stay_missing,
    stay_unknown: Annotated[
        float, _rate("Patients with a PMSI stay at their centre the hospital lacks.")
    ] = DEFAULTS.stay_unknown,
    twin: Annotated[
        float, _rate("Hospital patients with a same-sex twin sharing their pseudo-NIR.")
    ] = DEFAULTS.twin,
    decoy: Annotated[
        float, _rate("Hospital patients with a look-alike treated at the same centre.")
    ] = DEFAULTS.decoy,
    extra_pseudonym: Annotated[
        float, _rate("People with a second BEN_NIR_PSA.")
    ] = DEFAULTS.extra_pseudonym,
    return_code: Annotated[
        float, _rate("PMSI stays with a chaining return code other than 0.")
    ] = DEFAULTS.return_code,
    error_ghm: Annotated[
        float, _rate("PMSI stays grouped in an error GHM (90*).")
    ] = DEFAULTS.error_ghm,
    info_line: Annotated[
        float, _rate("Consultation lines repeated for information (DPN_QLF 71).")
    ] = DEFAULTS.info_line,
    token: Annotated[
        float, _rate("People the trusted third party has a token for.")
    ] = DEFAULTS.token,
) -> None:
    """Write the SNDS extract of a population holding every synthetic hospital patient,
    and its ground truth (linkage, discrepancies) in ground_truth/."""
    started = time.perf_counter()
    rates = {
        "birth_month_off": birth_month_off,
        "stay_shift": stay_shift,
        "stay_missing": stay_missing,
        "stay_unknown": stay_unknown,
        "twin": twin,
        "decoy": decoy,
        "extra_pseudonym": extra_pseudonym,
        "return_code": return_code,
        "error_ghm": error_ghm,
        "info_line": info_line,
        "token": token,
    }
    refused = (FileExistsError, FileNotFoundError, PermissionError, ValueError)
    with refusals(*refused), new_progress() as progress:
        task = progress.add_task("people", total=None)
        summary = generate_snds(
            hospitals,
            out,
            population=population,
            seed=seed,
            ttp_key_path=ttp_key,
            progress=lambda done, total: progress.update(task, completed=done, total=total),
            chunk_size=chunk_size,
            **rates,
        )
    people = ", ".join(f"{count:,} {role}" for role, count in summary.people.items())
    rows = Table("file", "rows", title=f"{out}: {summary.population:,} people ({people})")
    for stem, count in summary.rows.items():
        if not stem.startswith("T_MCO"):
            rows.add_row(stem, f"{count:,}")
    for table in ("B", "C", "D", "A", "MED"):
        total = sum(c for s, c in summary.rows.items() if s.startswith("T_MCO") and s[7:] == table)
        rows.add_row(f"T_MCOaa{table} (all years)", f"{total:,}")
    for kind, count in summary.discrepancies.items():
        rows.add_row(f"ground truth: {kind}", f"{count:,}")
    console.print(rows)
    console.print(f"done in {time.perf_counter() - started:.1f} s")
