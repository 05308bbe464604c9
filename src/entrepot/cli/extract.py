"""`entrepot extract PROJECT`: the project's gated dataset, into its workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import HomeOption, console, refusals, resolve_home
from entrepot.cli.metadata import DatabaseOption, TokenOption, metadata
from entrepot.extraction import REPORT, extract_project
from entrepot.governance import auth
from entrepot.governance.errors import GovernanceError, Refused
from entrepot.governance.keys import ProjectKeys


def extract(
    project: Annotated[str, typer.Argument(help="Project code, e.g. P0001.")],
    token: str = TokenOption,
    home: Path | None = HomeOption,
    database_url: str | None = DatabaseOption,
    backend: Annotated[str, typer.Option(help="Engine: duckdb (default) or pyspark.")] = "duckdb",
) -> None:
    """Write the project's granted tables (Parquet and CSV), a manifest and a k-anonymity
    report into the project's workspace. Only a member of an active project may."""
    warehouse = resolve_home(home)
    database = metadata(warehouse, database_url)
    with refusals(GovernanceError):
        with database.session() as session:
            principal = auth.authenticate(session, token)
            if not principal.allows("data"):
                raise Refused("this API token lacks the 'data' scope")
            person = principal.person
        done = extract_project(
            database,
            warehouse,
            person,
            project,
            ProjectKeys(warehouse.project_keys_dir),
            backend=backend,
        )
    files = Table(title=f"Extract of {project} from release {done.extract.manifest['release']}")
    files.add_column("table")
    files.add_column("rows", justify="right")
    for table, rows in done.extract.rows.items():
        files.add_row(table, f"{rows:,}")
    console.print(files)
    console.print(f"{done.extract.manifest['patients']:,} patients; folder: {done.extract.folder}")
    report = done.k_anonymity
    if report is None:
        console.print("no quasi-identifier in the grant: no k-anonymity report")
    else:
        console.print(
            f"k-anonymity on {', '.join(report.quasi_identifiers)}: smallest class "
            f"{report.smallest_k}, {report.records_in_classes_below_5:,} of {report.records:,} "
            f"patients in classes under 5 (see {REPORT}.md)"
        )
