"""Imports point one way (ARCHITECTURE.md, "Packages"): each package loads only what its
row of the table allows. Checked in a fresh interpreter, so nothing else is loaded."""

import subprocess
import sys

import pytest

ALLOWED = {
    "model": (),
    "vocab": ("model",),
    "synth": ("model", "vocab"),
    "store": ("model",),
    # ingest reads packages with the edge kit's reader (docs/decisions/0002).
    "ingest": ("model", "vocab", "store", "edge"),
    "snds": ("model", "vocab", "store"),
    # linkage writes the link table the model declares (docs/decisions/0005).
    "linkage": ("store", "model"),
    # Every package below reads the one schema, `model` (if only through governance).
    "governance": ("model",),
    "rights": ("governance", "store", "model"),
    "access": ("governance", "rights", "store", "model"),
    "disclosure": ("governance", "model"),
}


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_a_package_imports_only_what_the_architecture_allows(package):
    program = (
        f"import sys, pkgutil, importlib, entrepot.{package}; "
        "[importlib.import_module(m.name) for m in pkgutil.walk_packages("
        f"entrepot.{package}.__path__, 'entrepot.{package}.')]; "
        "print('\\n'.join(m for m in sys.modules if m.startswith('entrepot.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.split()
    allowed = tuple(f"entrepot.{name}" for name in (package, *ALLOWED[package]))
    assert [m for m in loaded if not m.startswith(allowed)] == []
