"""ARCHITECTURE rule 2: the gate is the only way a user reaches patient-level data.

Release files are read through `store.engine` (or its catalog); this test reads the source
of every module and proves that, outside `store` itself, only `access` uses what reads
them. A route, command or analysis that wanted rows would have to go through the gate.
(`tests/integration/api` checks the same at run time: every release opened while serving
requests was opened by `access`.)
"""

import ast
from pathlib import Path

import entrepot

SOURCE = Path(entrepot.__file__).parent

#: Names that open a release's files, or find them on disk; modules made of nothing else.
READERS = {"open_release", "ReleaseTables", "release_dir", "releases_dir"}
READER_MODULES = {"catalog", "summary"}

#: Modules outside the gate that may read releases, and why.
OPERATOR_SIDE = {
    # The demo prints the operator's count of patients by centre and cancer after publishing.
    "entrepot.demo",
}


def _module(path: Path) -> str:
    return ".".join(("entrepot", *path.relative_to(SOURCE).with_suffix("").parts)).removesuffix(
        ".__init__"
    )


def _readers_used(tree: ast.AST) -> set[str]:
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("entrepot.store"):
            used |= {a.name for a in node.names if a.name in READERS | READER_MODULES}
            if node.module.split(".")[-1] in READER_MODULES:
                used.add(node.module)
        elif isinstance(node, ast.Import):
            used |= {a.name for a in node.names if a.name.split(".")[-1] in READER_MODULES}
        elif isinstance(node, ast.Attribute) and node.attr in READERS:
            used.add(node.attr)
    return used


def test_only_the_gate_reads_releases_for_users():
    offenders = {}
    for path in sorted(SOURCE.rglob("*.py")):
        module = _module(path)
        if module.startswith(("entrepot.store", "entrepot.access")) or module in OPERATOR_SIDE:
            continue
        used = _readers_used(ast.parse(path.read_text(encoding="utf-8")))
        if used:
            offenders[module] = sorted(used)
    assert offenders == {}


def test_the_check_sees_a_reader_where_there_is_one():
    tree = ast.parse("from entrepot.store.engine import open_release\nopen_release(home)\n")
    assert _readers_used(tree) == {"open_release"}
    tree = ast.parse("from entrepot.store import engine\nengine.open_release(home)\n")
    assert _readers_used(tree) == {"open_release"}
    tree = ast.parse("import entrepot.store.catalog\n")
    assert _readers_used(tree) == {"entrepot.store.catalog"}
