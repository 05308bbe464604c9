"""`entrepot centre ...`: the commands a centre's data manager runs inside the hospital."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from entrepot.edge import (
    EdgeError,
    IdentifiersFound,
    centre_code_of,
    create_ttp_key,
    init_centre,
    pseudonymise_export,
    reidentify,
)

app = typer.Typer(help="Centre side: keys, pseudonymisation, re-identification.")
_err = Console(stderr=True)
_out = Console()


def _fail(error: Exception) -> typer.Exit:
    _err.print(f"[bold red]error:[/] [red]{escape(str(error))}[/]", highlight=False, soft_wrap=True)
    return typer.Exit(1)


@app.command()
def init(
    finess: Annotated[str, typer.Option(help="FINESS of the centre (9 characters)")],
    keys: Annotated[Path, typer.Option(help="New folder for the centre's secret keys")],
) -> None:
    """Create the centre's keys (once). Keep the folder outside any shared or synced drive."""
    try:
        centre = init_centre(keys, finess)
    except EdgeError as error:
        raise _fail(error) from None
    _out.print(f"keys of centre {centre.finess} written to {keys}")
    _out.print(f"register this public key at the warehouse: {keys / 'signing.pub'}")
    _out.print("back up the folder: without centre.key no patient can be re-identified")


@app.command("ttp-key")
def ttp_key(
    out: Annotated[Path, typer.Option(help="File to create (the trusted third party's key)")],
) -> None:
    """Create a trusted-third-party key file (demonstration: a real TTP hands it over)."""
    try:
        create_ttp_key(out)
    except EdgeError as error:
        raise _fail(error) from None
    _out.print(f"trusted-third-party key written to {out}")


@app.command()
def pseudonymise(
    export_dir: Annotated[Path, typer.Argument(help="Folder of the hospital export (CSVs)")],
    keys: Annotated[Path, typer.Option(help="The centre's keys folder")],
    out: Annotated[Path, typer.Option(help="New folder receiving the package")],
    ttp_key: Annotated[
        Path | None, typer.Option(help="Trusted third party's key, to make SNDS tokens")
    ] = None,
    findings_csv: Annotated[
        Path | None,
        typer.Option(help="If identifiers are found, write every location (never values) here"),
    ] = None,
) -> None:
    """Turn a hospital export into a signed package, ready to send to the warehouse."""
    with _ProgressBars() as bars:
        try:
            summary = pseudonymise_export(export_dir, keys, out, ttp_key, progress=bars.update)
        except IdentifiersFound as error:
            if findings_csv is not None:
                _write_findings(error, findings_csv)
            raise _fail(error) from None
        except EdgeError as error:
            raise _fail(error) from None
    _out.print(f"package {summary.package_id} written to {summary.package_dir}")
    for table, rows in summary.rows.items():
        _out.print(f"  {table}: {rows} rows")
    if summary.malformed_lines:
        _out.print(
            f"  {summary.malformed_lines} malformed line(s) recorded in malformed_lines.parquet "
            "(the warehouse will report them back)"
        )
    if ttp_key is not None:
        _out.print(f"  SNDS tokens: {summary.snds_tokens}")
        if summary.invalid_nirs:
            _out.print(f"  {summary.invalid_nirs} NIR(s) with a wrong key: no token for them")


@app.command("code")
def code_command(
    ipp: Annotated[str, typer.Argument(help="The patient's number in this hospital (IPP)")],
    keys: Annotated[Path, typer.Option(help="The centre's keys folder")],
) -> None:
    """Print the centre code of a patient, e.g. for the DPO to record an opposition."""
    try:
        typer.echo(centre_code_of(ipp, keys))
    except (EdgeError, ValueError) as error:
        raise _fail(error) from None


@app.command("reidentify")
def reidentify_command(
    code: Annotated[str, typer.Argument(help="Centre code received from the warehouse")],
    keys: Annotated[Path, typer.Option(help="The centre's keys folder")],
) -> None:
    """Print the IPP behind a centre code of this centre."""
    try:
        ipp = reidentify(code, keys)
    except EdgeError as error:
        raise _fail(error) from None
    typer.echo(ipp)


def _write_findings(error: IdentifiersFound, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "line", "column", "kind"])
        for finding in error.findings:
            for line in finding.lines:
                writer.writerow([finding.file, line, finding.column, finding.kind.value])


class _ProgressBars:
    """Rich bars, one per stage reported by the edge's progress callback."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=_err,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _ProgressBars:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        task = self._tasks.get(stage)
        if task is None:
            task = self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(task, completed=done, total=total)


@app.command("register")
def register(
    finess: Annotated[str, typer.Argument(help="FINESS of the centre")],
    public_key_file: Annotated[Path, typer.Argument(help="The centre's signing.pub")],
    home: Annotated[Path | None, typer.Option("--home", help="Warehouse folder")] = None,
) -> None:
    """Warehouse side: accept packages signed with this centre's key."""
    # Imported here so that the hospital's commands never load warehouse code.
    from entrepot.cli.common import fail, resolve_home
    from entrepot.ingest import PackageRefused, register_centre

    try:
        path = register_centre(resolve_home(home), finess, public_key_file)
    except (PackageRefused, OSError) as exc:
        raise fail(str(exc)) from None
    Console().print(f"registered centre {finess}: {path}")
