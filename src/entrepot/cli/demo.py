"""`entrepot demo`: the whole path on synthetic data, then a summary."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import console, new_progress
from entrepot.cli.link import print_linkage
from entrepot.cli.serve import run_api
from entrepot.demo import DemoFolders, demo_database, run_demo
from entrepot.demo_governance import DemoGovernance
from entrepot.governance.keys import ProjectKeys
from entrepot.web import Settings


def demo(
    folder: Annotated[Path, typer.Option("--dir", help="Demo folder (wiped first)")] = Path(
        "demo-data"
    ),
    patients: Annotated[int, typer.Option(help="Synthetic patients")] = 20_000,
    centres: Annotated[int, typer.Option(help="Synthetic hospitals")] = 12,
    seed: Annotated[int, typer.Option(help="Random seed")] = 2026,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Stop after seeding, without serving the API")
    ] = False,
    host: Annotated[str, typer.Option(help="Address the API listens on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="API port.")] = 8000,
) -> None:
    """Synthetic hospitals → pseudonymisation → ingestion → synthetic SNDS → import →
    linkage → release → organisations, people and an active project, then the API."""
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
    print_logins(summary.governance)
    if not no_serve:
        home = DemoFolders(folder).home
        settings = Settings(
            home=home, database=demo_database(home), keys=ProjectKeys(home.project_keys_dir)
        )
        run_api(settings, host, port)


def print_logins(governance: DemoGovernance) -> None:
    """The demo's accounts: generated at this run, kept in the git-ignored secrets folder."""
    console.print(f"[bold]Demo logins[/] (project {governance.project_code} is active):")
    for login in governance.logins:
        # One line each, never truncated: these are what a user types in.
        second_factor = f"  TOTP secret {login.totp_secret}" if login.totp_secret else ""
        console.print(
            f"  {login.username:<15} password {login.password}{second_factor}"
            f"  ({', '.join(login.roles)})",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        f"demo logins also in {governance.logins_file}; a TOTP code for a secret: "
        "python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\""
    )
