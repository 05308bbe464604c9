"""`entrepot snds import DIR`: make an SNDS extract the warehouse's current claims data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import HomeOption, console, fail, new_progress, refusals, resolve_home
from entrepot.snds import STEPS, ExtractRefused, ImportReport, import_extract
from entrepot.store import BadSetting, StoreBusy

app = typer.Typer(help="National SNDS extracts.", no_args_is_help=True)

#: Exit status when the extract loaded but some rows were quarantined.
EXIT_QUARANTINED = 3
#: Quarantined rows printed after the counts; the report lists them all.
SHOWN_ROWS = 20


@app.command("import")
def import_command(
    folder: Annotated[Path, typer.Argument(help="Folder of the SNDS extract (one CSV per table)")],
    home: Path | None = HomeOption,
) -> None:
    """Check, clean and load an SNDS extract; it replaces the SNDS data held before."""
    with refusals(ExtractRefused, StoreBusy, BadSetting), new_progress() as progress:
        task = progress.add_task("SNDS import", total=len(STEPS))
        result = import_extract(
            resolve_home(home),
            folder,
            on_step=lambda step: progress.update(task, advance=1, description=step),
        )
    if result.already_imported:
        console.print(f"{folder}: this extract is already the current SNDS data; nothing changed")
        return
    assert result.report is not None
    print_summary(result.report)
    console.print(
        f"SNDS data version {result.version}; import report: {result.report_dir}/report.md"
    )
    if result.report.rows_quarantined:
        raise fail("some rows were quarantined; see the import report", EXIT_QUARANTINED)


def print_summary(report: ImportReport) -> None:
    files = Table(title="SNDS extract: rows by file")
    for header in ("file", "read", "loaded", "excluded", "quarantined"):
        files.add_column(header, justify="left" if header == "file" else "right")
    for name, f in report.files.items():
        files.add_row(
            name,
            f"{f.rows_read:,}",
            f"{f.loaded:,}",
            f"{sum(f.excluded.values()):,}",
            f"{sum(f.quarantined.values()):,}",
        )
    console.print(files)
    tables = Table("claims table", "rows")
    tables.columns[1].justify = "right"
    for name, rows in report.tables.items():
        tables.add_row(name, f"{rows:,}")
    console.print(tables)
    for title, counts in (
        ("excluded by rule", report.excluded_by_rule),
        ("quarantined by reason", report.quarantined_by_reason),
    ):
        if counts:
            console.print(f"{title}: " + ", ".join(f"{k} {n:,}" for k, n in counts.most_common()))
    for row in report.listed[:SHOWN_ROWS]:
        where = f", column {row.column}" if row.column else ""
        console.print(f"  {row.file} line {row.line}{where}: {row.reason}", highlight=False)
    if report.rows_quarantined > SHOWN_ROWS:
        console.print(f"  … {report.rows_quarantined - SHOWN_ROWS:,} more in quarantine.csv")
