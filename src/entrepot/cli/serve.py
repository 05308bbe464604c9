"""`entrepot serve`: the HTTP API over a warehouse (OpenAPI at /docs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from entrepot.cli.common import HomeOption, console, resolve_home
from entrepot.cli.metadata import DatabaseOption
from entrepot.web import Settings, create_app


def serve(
    home: Path | None = HomeOption,
    database_url: str | None = DatabaseOption,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port.")] = 8000,
) -> None:
    """Serve the API until interrupted (Ctrl-C)."""
    settings = Settings.for_home(resolve_home(home), database_url)
    run_api(settings, host, port)


def run_api(settings: Settings, host: str, port: int) -> None:
    console.print(f"API on http://{host}:{port}  (OpenAPI: http://{host}:{port}/docs)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
