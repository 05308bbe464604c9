"""What every command shares: the --home option, the console, progress bars, errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from entrepot.store import Home

console = Console()
errors = Console(stderr=True)

HomeOption = typer.Option(
    None,
    "--home",
    help="Warehouse folder (default: $ENTREPOT_HOME, else ./entrepot-data).",
    show_default=False,
)


def resolve_home(home: Path | None) -> Home:
    return Home.resolve(home)


def new_progress() -> Progress:
    """A Rich progress display; transient so that finished bars leave a clean summary."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error in red on stderr and return the exit to raise."""
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@contextmanager
def refusals(*kinds: type[Exception]) -> Iterator[None]:
    """Turn the given exceptions into a red message and exit status 1."""
    try:
        yield
    except kinds as exc:
        raise fail(str(exc)) from None
