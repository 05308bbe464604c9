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
    """A Rich progress display, kept on screen when done.

    Redrawn four times a second on a terminal; written once, when done, to a file or a
    pipe. Each redraw renders every bar while holding the interpreter, which the ingest's
    workers need too: at ten a second and with nobody to see them, redraws took 0.4 s of
    a 1-million-patient ingest."""
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
        auto_refresh=console.is_terminal,
        refresh_per_second=4,
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
