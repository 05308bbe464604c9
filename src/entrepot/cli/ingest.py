"""`entrepot ingest PACKAGE_DIR`: load a centre's package into the warehouse."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import TaskID
from rich.table import Table
from rich.text import Text

from entrepot.cli.common import HomeOption, console, fail, new_progress, refusals, resolve_home
from entrepot.ingest import STEPS, PackageRefused, ingest_packages
from entrepot.ingest.report import ValidationReport
from entrepot.store import BadSetting, StoreBusy

#: Exit status when the package loaded but some rows were quarantined: scripts notice,
#: and the centre has a report to act on.
EXIT_QUARANTINED = 3
#: Quarantined rows printed after the counts; the report lists them all.
SHOWN_ROWS = 20


def ingest(
    packages: Annotated[list[Path], typer.Argument(help="Package folder(s) from the edge kit")],
    home: Path | None = HomeOption,
) -> None:
    """Verify, validate and load packages; quarantine bad rows with a reason."""
    warehouse = resolve_home(home)
    any_quarantined = False
    with refusals(PackageRefused, StoreBusy, BadSetting), new_progress() as progress:
        tasks: dict[int, TaskID] = {}

        def advance(position: int, step: str) -> None:
            if position not in tasks:
                name = packages[position].name
                tasks[position] = progress.add_task(f"ingest {name}", total=len(STEPS))
            progress.update(tasks[position], advance=1, description=step)

        # Packages are checked side by side but committed, and reported, in order.
        with closing(ingest_packages(warehouse, packages, on_step=advance)) as results:
            for folder, result in zip(packages, results, strict=False):
                if result.already_ingested:
                    console.print(
                        f"{folder}: package {result.package_id} already ingested; nothing changed"
                    )
                    continue
                assert result.report is not None
                print_accounting(result.report, result.report_dir)
                any_quarantined |= result.report.rows_quarantined > 0
    if any_quarantined:
        raise fail("some rows were quarantined; see the validation report", EXIT_QUARANTINED)


def print_accounting(report: ValidationReport, report_dir: Path | None) -> None:
    """The package's counts, reasons and first quarantined rows, printed at once: every
    print redraws the progress bars below it."""
    table = Table(title=f"centre {report.centre} — package {report.package_id}")
    for header in ("file", "rows in", "loaded", "quarantined"):
        table.add_column(header, justify="left" if header == "file" else "right")
    for name, count in report.files.items():
        table.add_row(
            name, f"{count.rows_in:,}", f"{count.rows_loaded:,}", f"{count.rows_quarantined:,}"
        )
    lines = []
    if report.reasons:
        lines.append(
            "quarantined by reason: "
            + ", ".join(f"{code} {n:,}" for code, n in report.reasons.most_common())
        )
    lines += [
        f"  {row.file} line {row.line}: {row.reason} — {row.message}"
        for row in report.rows[:SHOWN_ROWS]
    ]
    if len(report.rows) > SHOWN_ROWS:
        lines.append(f"  … and {len(report.rows) - SHOWN_ROWS:,} more in quarantine.csv")
    lines.append(f"validation report: {report_dir}/report.md")
    console.print(table, Text("\n".join(lines)))
