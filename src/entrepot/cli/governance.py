"""`entrepot access-review`: the annual review of who can reach what."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import HomeOption, console, resolve_home
from entrepot.cli.metadata import DatabaseOption, metadata
from entrepot.governance import people
from entrepot.governance.clock import today


def access_review(
    home: Path | None = HomeOption,
    database_url: str | None = DatabaseOption,
    on: Annotated[
        str | None, typer.Option(help="Review date, YYYY-MM-DD (default: today).")
    ] = None,
    csv: Annotated[
        Path | None, typer.Option(dir_okay=False, help="Also write the review as CSV here.")
    ] = None,
) -> None:
    """Every account, its roles and projects, and what the reviewer must act on."""
    try:
        day = dt.date.fromisoformat(on) if on else today()
    except ValueError:
        raise typer.BadParameter(f"{on!r} is not a date YYYY-MM-DD", param_hint="--on") from None
    with metadata(resolve_home(home), database_url).session() as session:
        lines = people.access_review(session, day)
    table = Table(title=f"Access-rights review, {day:%Y-%m-%d}")
    for column in ("account", "organisation", "roles", "ends", "projects", "to act on"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            line.username,
            line.organisation,
            "\n".join(line.roles),
            f"{line.active_until:%Y-%m-%d}",
            "\n".join(f"{p.code} ({p.state})" for p in line.projects),
            "\n".join(str(f) for f in line.flags),
        )
    console.print(table)
    if csv is not None:
        csv.write_text(people.access_review_csv(lines), encoding="utf-8")
        console.print(f"written: {csv}")
