"""`entrepot audit verify`: check the hash chain of the audit trail end to end."""

from __future__ import annotations

from pathlib import Path

import typer

from entrepot.cli.common import HomeOption, console, fail, resolve_home
from entrepot.cli.metadata import DatabaseOption, metadata
from entrepot.governance import audit

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify(home: Path | None = HomeOption, database_url: str | None = DatabaseOption) -> None:
    """Recompute every record's hash; exit 1 naming each edited, missing or moved record."""
    database = metadata(resolve_home(home), database_url)
    with database.session() as session:
        result = audit.verify(session)
    if not result.intact:
        for problem in result.problems:
            console.print(f"[red]✗[/] {problem}", highlight=False)
        raise fail(f"the audit trail is broken: {len(result.problems)} problem(s)")
    console.print(
        f"[green]✓[/] audit trail intact: {result.records} records; "
        f"head {result.head_hash} (note it down to detect a truncation later)"
    )
