"""The `entrepot` command line: thin shells over the packages, no business logic here.

Commands are imported when they are run, not when the program starts: the web
application, the linkage and the demo import several seconds' worth of libraries that
`entrepot ingest` or `entrepot centre reidentify` never use, and hospital operators and
scripts run those short commands many times a day.
"""

from __future__ import annotations

import importlib

import click
import typer
from typer.core import TyperGroup

#: Command name → (module, attribute, help for a group of commands). The attribute is a
#: `typer.Typer` for a group of commands, else the function of a single command.
COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "synth": ("entrepot.cli.synth", "app", "Synthetic hospitals and SNDS extracts."),
    "centre": (
        "entrepot.cli.centre",
        "app",
        "The edge kit, run inside a hospital; centre registry.",
    ),
    "release": ("entrepot.cli.release", "app", "Immutable, versioned releases."),
    "snds": ("entrepot.cli.snds", "app", "National SNDS extracts: import the claims."),
    "ingest": ("entrepot.cli.ingest", "ingest", None),
    "link": ("entrepot.cli.link", "link", None),
    "demo": ("entrepot.cli.demo", "demo", None),
    "dictionary": ("entrepot.cli.dictionary", "write_dictionary", None),
    "audit": ("entrepot.cli.audit", "app", "The tamper-evident audit trail."),
    "extract": ("entrepot.cli.extract", "extract", None),
    "access-review": ("entrepot.cli.governance", "access_review", None),
    "serve": ("entrepot.cli.serve", "serve", None),
}


def load_command(name: str) -> click.Command:
    """Import one command's module and build its Click command."""
    module, attribute, group_help = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        command: click.Command = typer.main.get_group(target)
        command.help = group_help
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(target)
        command = typer.main.get_command(single)
    command.name = name
    return command


class LazyCommands(TyperGroup):
    """A command group that imports a command only when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


app = typer.Typer(
    name="entrepot",
    cls=LazyCommands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def entrepot() -> None:
    """Oncology real-world-data warehouse: from the hospital's pseudonymisation to releases."""


if __name__ == "__main__":
    app()
