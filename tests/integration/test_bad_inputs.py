"""The corpus of bad inputs: each gets a message naming file, line and column and saying what
to do, a non-zero exit, and loses nothing already stored.

A warehouse with one centre's package and a published release is set up once; every case
then runs the command a centre or an operator would run, through the real command line.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from entrepot.cli.main import app
from entrepot.edge import signing
from entrepot.edge.keys import init_centre
from entrepot.store import release
from tests.support.exports import CENTRE, OTHER_CENTRE, valid_export
from tests.support.pipeline import Pipeline

runner = CliRunner()


@pytest.fixture
def stored(tmp_path):
    """A warehouse holding a first package of CENTRE and release R0001."""
    pipeline = Pipeline(tmp_path)
    first = copy.deepcopy(valid_export())
    first["patient"][0]["last_news_date"] = "2023-01-01"
    pipeline.ingest(first)
    release.publish(pipeline.home)
    pipeline.state_before = (pipeline.home.working_dir / "state.json").read_bytes()
    return pipeline


def _run(*args: str | Path):
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, " ".join(result.output.split())


def _pseudonymise(pipeline: Pipeline, export: Path, finess: str = CENTRE):
    out = pipeline.root / "packages" / f"{export.name}-bad"
    return _run(
        "centre",
        "pseudonymise",
        export,
        "--keys",
        pipeline.keys(finess),
        "--out",
        out,
        "--ttp-key",
        pipeline.ttp_key,
    ), out


def _ingest(pipeline: Pipeline, package: Path):
    return _run("ingest", package, "--home", pipeline.home.root)


def _assert_nothing_lost(pipeline: Pipeline, refused: bool = True) -> None:
    if refused:
        assert (pipeline.home.working_dir / "state.json").read_bytes() == pipeline.state_before
    assert release.verify(pipeline.home, "R0001").ok


def _names(message: str, file: str, line: int | None, column: str | None) -> None:
    assert file in message, message
    if line is not None:
        assert re.search(rf"line(?:s|\(s\))? {line}\b", message), message
    if column is not None:
        assert column in message, message


# --- problems the edge kit stops inside the hospital -----------------------------------


def test_truncated_file_quarantines_the_cut_line(stored):
    export = stored.export()
    path = export / "treatment.csv"
    path.write_bytes(path.read_bytes().rstrip(b"\n")[:-25])  # the last line is cut short
    (code, _), package = _pseudonymise(stored, export)
    assert code == 0

    code, message = _ingest(stored, package)

    assert code == 3
    _names(message, "treatment.csv", 5, None)
    assert "truncated_line" in message
    _assert_nothing_lost(stored, refused=False)


def test_wrong_encoding_is_refused(stored):
    """A UTF-8 export with one line appended by a Latin-1 tool: mixed encodings."""
    tables = copy.deepcopy(valid_export())
    tables["treatment"][1]["regimen"] = "létrozole"
    export = stored.export(tables)
    path = export / "treatment.csv"
    latin_line = path.read_text(encoding="utf-8").splitlines()[2].replace("2019", "2020")
    path.write_bytes(path.read_bytes() + (latin_line + "\n").encode("cp1252"))

    (code, message), _ = _pseudonymise(stored, export)

    assert code == 1
    _names(message, "treatment.csv", 6, None)
    assert "encoding" in message.lower() or "utf-8" in message.lower()
    _assert_nothing_lost(stored)


def test_utf16_export_is_refused(stored):
    export = stored.export()
    path = export / "patient.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))

    (code, message), _ = _pseudonymise(stored, export)

    assert code == 1
    _names(message, "patient.csv", 1, None)
    _assert_nothing_lost(stored)


def test_missing_column_is_refused(stored):
    tables = copy.deepcopy(valid_export())
    for row in tables["measurement"]:
        del row["unit"]
    export = stored.root / "exports" / "missing-column"
    _write_loose(export, tables)

    (code, message), _ = _pseudonymise(stored, export)

    assert code == 1
    _names(message, "measurement.csv", 1, "unit")
    _assert_nothing_lost(stored)


def test_extra_column_is_refused(stored):
    tables = copy.deepcopy(valid_export())
    for row in tables["patient"]:
        row["nom"] = "x"
    export = stored.root / "exports" / "extra-column"
    _write_loose(export, tables)

    (code, message), _ = _pseudonymise(stored, export)

    assert code == 1
    _names(message, "patient.csv", 1, "nom")
    _assert_nothing_lost(stored)


def test_identifiers_left_in_are_refused_without_showing_them(stored):
    tables = copy.deepcopy(valid_export())
    nir = tables["identity"][0]["nir"]
    tables["treatment"][1]["regimen"] = f"letrozole (NIR {nir})"
    tables["measurement"][0]["unit"] = "helene.lefevre@example.fr"
    export = stored.export(tables)

    (code, message), package = _pseudonymise(stored, export)

    assert code == 1
    _names(message, "treatment.csv", 3, "regimen")
    _names(message, "measurement.csv", 2, "unit")
    assert nir not in message and "lefevre@" not in message
    assert not package.exists()
    _assert_nothing_lost(stored)


def test_empty_file_is_refused(stored):
    export = stored.export()
    (export / "family_history.csv").write_bytes(b"")

    (code, message), _ = _pseudonymise(stored, export)

    assert code == 1
    _names(message, "family_history.csv", 1, None)
    _assert_nothing_lost(stored)


# --- problems the warehouse refuses -----------------------------------------------------


def test_checksum_mismatch_is_refused(stored):
    package = stored.package()
    target = package / "measurement.parquet"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))

    code, message = _ingest(stored, package)

    assert code == 1
    _names(message, "measurement.parquet", None, None)
    assert "checksum" in message.lower() or "sha256" in message.lower()
    _assert_nothing_lost(stored)


def test_bad_signature_is_refused(stored):
    package = stored.package()
    impostor = init_centre(stored.root / "impostor", CENTRE)
    forged = signing.sign((package / "manifest.json").read_bytes(), impostor.signing_key)
    (package / "manifest.sig").write_bytes(forged)

    code, message = _ingest(stored, package)

    assert code == 1
    _names(message, "manifest", None, None)
    assert "signature" in message
    _assert_nothing_lost(stored)


def test_unknown_centre_is_refused(stored):
    package = stored.package(valid_export(OTHER_CENTRE), finess=OTHER_CENTRE)
    shutil.rmtree(stored.home.registry_dir / "centres")
    (stored.home.registry_dir / "centres").mkdir()

    code, message = _ingest(stored, package)

    assert code == 1
    assert f"unknown centre {OTHER_CENTRE}" in message
    assert "entrepot centre register" in message
    _assert_nothing_lost(stored)


def test_memory_cap_that_is_not_a_size_is_refused(stored, monkeypatch):
    package = stored.package()
    monkeypatch.setenv("ENTREPOT_DUCKDB_MEMORY", "lots")

    code, message = _ingest(stored, package)

    assert code == 1
    assert "ENTREPOT_DUCKDB_MEMORY='lots' is not a memory size" in message
    assert "such as 4GB" in message
    _assert_nothing_lost(stored)


# --- problems of rows: loaded around, quarantined with a reason -------------------------


def test_wrong_types_are_quarantined_with_file_line_and_column(stored):
    tables = copy.deepcopy(valid_export())
    tables["measurement"][2]["value"] = "one"
    tables["treatment"][3]["start_date"] = "2020-13-01"

    code, message = _ingest(stored, stored.package(tables))

    assert code == 3
    _names(message, "measurement.csv", 4, "value")
    _names(message, "treatment.csv", 5, "start_date")
    _assert_nothing_lost(stored, refused=False)


def test_duplicate_patients_are_quarantined_with_their_records(stored):
    tables = copy.deepcopy(valid_export())
    tables["patient"].append(dict(tables["patient"][2], vital_status="deceased"))

    code, message = _ingest(stored, stored.package(tables))

    assert code == 3
    _names(message, "patient.csv", 4, None)
    assert "conflicting_duplicate" in message
    assert "parent_quarantined" in message
    _assert_nothing_lost(stored, refused=False)


def _write_loose(folder: Path, tables: dict) -> None:
    """Write tables whose rows may not match the model's columns (for header errors)."""
    import csv

    folder.mkdir(parents=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
