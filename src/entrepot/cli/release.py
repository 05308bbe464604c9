"""`entrepot release …`: publish, list, show, compare and verify releases."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from entrepot.cli.common import HomeOption, console, errors, new_progress, refusals, resolve_home
from entrepot.store import StoreError, release

app = typer.Typer(help="Immutable, versioned releases of the warehouse.", no_args_is_help=True)

ReleaseId = Annotated[str | None, typer.Argument(help="Release id (default: the latest).")]


@app.command()
def publish(
    home: Path | None = HomeOption,
    force: Annotated[
        bool, typer.Option("--force", help="Publish even if nothing changed since the last.")
    ] = False,
) -> None:
    """Publish the working store's current data as the next release."""
    # Store errors are the operator's to fix (busy store, nothing to publish): a clear
    # line and exit status 1, no traceback.
    with refusals(StoreError), new_progress() as progress:
        tasks: dict[str, int] = {}

        def report(table: str, written: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = progress.add_task(table, total=total)
            progress.update(tasks[table], completed=written)

        manifest = release.publish(resolve_home(home), report, force=force)
    console.print(f"Published [bold]{manifest.release_id}[/bold]")
    console.print(_rows_table(manifest))


@app.command("list")
def list_releases(home: Path | None = HomeOption) -> None:
    """List the published releases, oldest first."""
    manifests = release.list_releases(resolve_home(home))
    if not manifests:
        console.print("No release published yet.")
        return
    table = Table("release", "revision", "created (UTC)", "schema", "centres", "packages", "rows")
    for manifest in manifests:
        table.add_row(
            manifest.release_id,
            str(manifest.revision),
            datetime.fromisoformat(manifest.created_at).strftime("%Y-%m-%d %H:%M"),
            manifest.schema_version,
            str(len(manifest.centres)),
            str(len(manifest.packages)),
            f"{manifest.total_rows:,}",
        )
    console.print(table)


@app.command()
def show(release_id: ReleaseId = None, home: Path | None = HomeOption) -> None:
    """Show a release's manifest: tables and rows, packages, schema version."""
    with refusals(StoreError):
        manifest = release.load(resolve_home(home), release_id)
    console.print(
        f"[bold]{manifest.release_id}[/bold] revision {manifest.revision}, "
        f"created {manifest.created_at}, schema {manifest.schema_version}, "
        f"previous {manifest.previous_release_id or '—'}"
    )
    console.print(_rows_table(manifest))
    packages = Table("package", "centre")
    for package_id, package in manifest.packages.items():
        packages.add_row(package_id, package.centre)
    console.print(packages)


@app.command()
def diff(
    a: Annotated[str, typer.Argument(help="Older release id.")],
    b: Annotated[str, typer.Argument(help="Newer release id.")],
    home: Path | None = HomeOption,
) -> None:
    """Compare two releases: rows per table, packages, centres and patients."""
    with refusals(StoreError):
        changes = release.diff(resolve_home(home), a, b)
    rows = Table("table", a, b, "change")
    for name, (before, after) in changes.rows.items():
        rows.add_row(name, f"{before:,}", f"{after:,}", f"{after - before:+,}")
    console.print(rows)
    console.print(
        f"patients: {changes.patients_added:,} added, {changes.patients_removed:,} removed, "
        f"{changes.patients_kept:,} kept"
    )
    for label, names in (
        ("packages added", changes.packages_added),
        ("packages removed", changes.packages_removed),
        ("centres added", changes.centres_added),
        ("centres removed", changes.centres_removed),
    ):
        console.print(f"{label}: {', '.join(names) if names else '—'}")


@app.command()
def verify(release_id: ReleaseId = None, home: Path | None = HomeOption) -> None:
    """Re-hash a release's files against its manifest; exit status 1 if anything differs."""
    with refusals(StoreError):
        result = release.verify(resolve_home(home), release_id)
    if result.ok:
        console.print(f"{result.release_id}: {result.files_checked} files verified")
        return
    for problem in result.problems:
        errors.print(f"[red]{result.release_id}:[/red] {problem}", highlight=False)
    raise typer.Exit(1)


def _rows_table(manifest: release.ReleaseManifest) -> Table:
    table = Table("table", "rows", "files")
    for name, entry in manifest.tables.items():
        table.add_row(name, f"{entry.rows:,}", str(len(entry.files)))
    table.add_row("[bold]total[/bold]", f"[bold]{manifest.total_rows:,}[/bold]", "")
    return table


if __name__ == "__main__":
    app()
