"""The `entrepot` command line: thin shells over the packages, no business logic here."""

from __future__ import annotations

import typer

from entrepot.cli import audit, centre, demo, release, snds, synth
from entrepot.cli.dictionary import write_dictionary
from entrepot.cli.extract import extract
from entrepot.cli.governance import access_review
from entrepot.cli.ingest import ingest
from entrepot.cli.link import link
from entrepot.cli.serve import serve

app = typer.Typer(
    name="entrepot",
    help="Oncology real-world-data warehouse: from the hospital's pseudonymisation to releases.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(synth.app, name="synth", help="Synthetic hospitals and SNDS extracts.")
app.add_typer(
    centre.app, name="centre", help="The edge kit, run inside a hospital; centre registry."
)
app.add_typer(release.app, name="release", help="Immutable, versioned releases.")
app.add_typer(snds.app, name="snds", help="National SNDS extracts: import the claims.")
app.command("ingest")(ingest)
app.command("link")(link)
app.command("demo")(demo.demo)
app.command("dictionary")(write_dictionary)
app.add_typer(audit.app, name="audit", help="The tamper-evident audit trail.")
app.command("extract")(extract)
app.command("access-review")(access_review)
app.command("serve")(serve)

if __name__ == "__main__":
    app()
