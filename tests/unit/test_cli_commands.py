"""The `entrepot` command line loads a command's module only when that command runs."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from entrepot.cli.main import COMMANDS, app

#: Heavy packages that a hospital's `entrepot centre …` or an operator's `entrepot
#: ingest` never use: importing them cost 1.4 s of every command's start.
NOT_AT_START = ("entrepot.web", "entrepot.linkage", "entrepot.demo", "fastapi", "splink")


def test_starting_the_command_line_imports_no_command():
    probe = (
        "import sys, entrepot.cli.main; "
        f"print(sorted(m for m in {NOT_AT_START!r} if m in sys.modules))"
    )
    imported = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert imported.stdout.strip() == "[]"


def test_help_lists_every_command_and_each_one_loads():
    listed = CliRunner().invoke(app, ["--help"])
    assert listed.exit_code == 0
    for name in COMMANDS:
        assert name in listed.output
        assert CliRunner().invoke(app, [name, "--help"]).exit_code == 0


def test_an_unknown_command_is_refused():
    result = CliRunner().invoke(app, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command" in result.output
