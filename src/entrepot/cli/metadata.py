"""The metadata database a command works on, and how to authenticate its caller."""

from __future__ import annotations

import typer

from entrepot.governance.database import URL_VARIABLE, Database, default_url, open_database
from entrepot.store import Home

DatabaseOption = typer.Option(
    None,
    "--database-url",
    envvar=URL_VARIABLE,
    help="Metadata database (default: governance.sqlite in the warehouse folder).",
    show_default=False,
)

TokenOption = typer.Option(
    ...,
    "--token",
    envvar="ENTREPOT_TOKEN",
    help="Your session or API token (with the 'data' scope); or set $ENTREPOT_TOKEN.",
    show_default=False,
)


def metadata(home: Home, url: str | None) -> Database:
    """The warehouse's metadata database, migrated to the current schema."""
    home.root.mkdir(parents=True, exist_ok=True)
    return open_database(url or default_url(home.root))
