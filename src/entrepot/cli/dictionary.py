"""`entrepot dictionary`: write the data dictionary generated from the model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from entrepot.model import dictionary


def write_dictionary(
    out: Annotated[Path, typer.Option(help="Folder for data-dictionary.md/.json")] = Path("docs"),
) -> None:
    """Regenerate docs/data-dictionary.md and docs/data-dictionary.json from the model."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "data-dictionary.md").write_text(dictionary.render_markdown(), encoding="utf-8")
    (out / "data-dictionary.json").write_text(dictionary.render_json(), encoding="utf-8")
    typer.echo(f"wrote {out / 'data-dictionary.md'} and {out / 'data-dictionary.json'}")
