"""The edge kit ships to hospitals: it must not pull in any warehouse package."""

import subprocess
import sys

ALLOWED = ("entrepot.edge", "entrepot.model", "entrepot.vocab")


def test_edge_imports_only_model_and_vocab():
    program = (
        "import sys, entrepot.edge, entrepot.edge.scanner; "
        "print('\\n'.join(m for m in sys.modules if m.startswith('entrepot.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded
    assert [m for m in loaded if not m.startswith(ALLOWED)] == []
