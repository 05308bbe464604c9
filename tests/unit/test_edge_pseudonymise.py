"""`pseudonymise_export` end to end, on tiny exports written by hand."""

import base64
import copy
import json
import stat

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from entrepot.cli.centre import app
from entrepot.edge import (
    EdgeError,
    IdentifierKind,
    IdentifiersFound,
    PackageChecksumError,
    PackageFormatError,
    PackageSignatureError,
    create_ttp_key,
    init_centre,
    pseudonymise_export,
    read_manifest,
    reidentify,
    verify_checksums,
    verify_signature,
)
from entrepot.edge import pseudonymise as pseudonymise_module
from entrepot.edge.package import read_signed_manifest
from entrepot.model import CLINICAL_TABLES, IDENTITY, SCHEMA_VERSION, Layer, arrow_schema

FINESS = "750712184"
NIR = "2 55 08 2A 004 123 69"

EXPORT = {
    "identity": [
        {
            "ipp": "P001",
            "last_name": "Dupont",
            "first_name": "Marie",
            "nir": NIR,
            "birth_date": "1955-08-14",
            "postcode": "20000",
            "email": "marie.dupont@example.fr",
            "phone": "06 12 34 56 78",
        },
        {
            "ipp": "P002",
            "last_name": "Le Hénaff",
            "birth_name": "Brain",
            "first_name": "Jean",
            "birth_date": "03/04/1960",
            "postcode": "75013",
        },
    ],
    "patient": [
        {"ipp": "P001", "sex": "F", "vital_status": "alive", "last_news_date": "2024-01-10"},
        {"ipp": "P002", "sex": "M", "vital_status": "deceased", "death_date": "2023-05-02"},
    ],
    "tumour": [
        {"ipp": "P001", "tumour_number": "1", "cancer_type": "breast", "icd10": "C50.9"},
        {"ipp": "P002", "tumour_number": "1", "cancer_type": "lung", "metastatic_sites": "brain"},
    ],
    "treatment": [
        {"ipp": "P001", "tumour_number": "1", "treatment_number": "1", "regimen": "FEC 100"},
        {"ipp": "P002", "tumour_number": "1", "treatment_number": "1", "regimen": "carbo"},
    ],
    "tumour_event": [{"ipp": "P002", "tumour_number": "1", "event_kind": "local_recurrence"}],
    "measurement": [{"ipp": "P002", "kind": "weight", "value": "70.5", "unit": "kg"}],
    "family_history": [{"ipp": "P001", "relative": "mother", "cancer_site": "breast"}],
    "centre_stay": [{"ipp": "P002", "nda": "N0001", "stay_finess": FINESS}],
}


def csv_text(table, rows, separator=","):
    columns = table.column_names(Layer.EXPORT)
    lines = [separator.join(columns)]
    for row in rows:
        cells = [row.get(c, "") for c in columns]
        lines.append(separator.join(f'"{c}"' if separator in c or "\n" in c else c for c in cells))
    return "\n".join(lines) + "\n"


def write_export(folder, export=EXPORT, separator=",", encoding="utf-8"):
    folder.mkdir(exist_ok=True)
    for table in (IDENTITY, *CLINICAL_TABLES):
        text = csv_text(table, export.get(table.name, []), separator)
        (folder / f"{table.name}.csv").write_bytes(text.encode(encoding))
    return folder


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    folder = tmp_path_factory.mktemp("centre")
    init_centre(folder / "keys", FINESS)
    create_ttp_key(folder / "ttp.key")
    return folder


def run(tmp_path, centre, export=EXPORT, name="package", **options):
    exported = write_export(tmp_path / "export", export, **options)
    return pseudonymise_export(
        exported, centre / "keys", tmp_path / name, ttp_key_path=centre / "ttp.key"
    )


def rows_of(package, table):
    return pq.read_table(package / f"{table}.parquet").to_pylist()


def edited(table, index, **values):
    export = copy.deepcopy(EXPORT)
    export[table][index].update(values)
    return export


# The package


def test_package_has_the_model_layout(tmp_path, centre):
    summary = run(tmp_path, centre)
    package = summary.package_dir
    for table in CLINICAL_TABLES:
        stored = pq.read_schema(package / f"{table.name}.parquet")
        assert stored.remove_metadata() == arrow_schema(table, Layer.PACKAGE), table.name
        assert "ipp" not in stored.names and "nda" not in stored.names
    assert summary.rows == {t.name: len(EXPORT[t.name]) for t in CLINICAL_TABLES}
    assert stat.S_IMODE(package.stat().st_mode) == 0o700


def test_patient_columns_derived_at_the_edge(tmp_path, centre):
    package = run(tmp_path, centre).package_dir
    first, second = rows_of(package, "patient")
    assert (first["birth_year"], first["birth_month"], first["departement"]) == (1955, 8, "2A")
    assert (second["birth_year"], second["birth_month"], second["departement"]) == (1960, 4, "75")
    assert len(first["snds_token"]) == 64
    assert second["snds_token"] is None  # no NIR
    assert [first["source_row"], second["source_row"]] == [2, 3]
    assert reidentify(first["centre_code"], centre / "keys") == "P001"
    assert rows_of(package, "treatment")[0]["centre_code"] == first["centre_code"]
    assert len(rows_of(package, "centre_stay")[0]["stay_code"]) == 32


def test_care_values_travel_as_exported_text(tmp_path, centre):
    package = run(tmp_path, centre).package_dir
    measurement = rows_of(package, "measurement")[0]
    assert (measurement["value"], measurement["unit"], measurement["kind"]) == (
        "70.5",
        "kg",
        "weight",
    )
    assert measurement["measurement_date"] is None  # empty cell: null


def test_no_token_without_the_ttp_key(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    summary = pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert [r["snds_token"] for r in rows_of(summary.package_dir, "patient")] == [None, None]
    assert read_manifest(summary.package_dir)["snds_token"]["computed"] is False


def test_a_nir_with_a_wrong_key_gets_no_token(tmp_path, centre):
    summary = run(tmp_path, centre, edited("identity", 0, nir="2 55 08 2A 004 123 68"))
    assert rows_of(summary.package_dir, "patient")[0]["snds_token"] is None
    assert (summary.snds_tokens, summary.invalid_nirs) == (0, 1)


def test_same_export_gives_same_codes_and_package_id(tmp_path, centre):
    first = run(tmp_path, centre, name="first")
    second = run(tmp_path, centre, name="second")
    assert first.package_id == second.package_id
    for table in CLINICAL_TABLES:
        assert rows_of(first.package_dir, table.name) == rows_of(second.package_dir, table.name)
    other = run(tmp_path, centre, edited("measurement", 0, value="71"), name="third")
    assert other.package_id != first.package_id


def test_manifest_lists_files_and_formats(tmp_path, centre):
    package = run(tmp_path, centre, separator=";", encoding="cp1252").package_dir
    manifest = read_manifest(package)
    assert manifest["finess"] == FINESS
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert set(manifest["files"]) == {f"{t.name}.parquet" for t in CLINICAL_TABLES} | {
        "malformed_lines.parquet"
    }
    assert manifest["files"]["patient.parquet"]["rows"] == 2
    assert manifest["exports"]["patient.csv"]["separator"] == ";"
    # Only the identity file has accents: others are ASCII, hence read as UTF-8.
    assert manifest["exports"]["identity.csv"]["encoding"] == "cp1252"
    verify_signature(package, (centre / "keys" / "signing.pub").read_bytes())
    verify_checksums(package)


# The warehouse's checks


def test_a_modified_manifest_fails_the_signature(tmp_path, centre):
    package = run(tmp_path, centre).package_dir
    manifest = json.loads((package / "manifest.json").read_text())
    manifest["finess"] = "330781196"
    (package / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PackageSignatureError, match="does not verify"):
        verify_signature(package, (centre / "keys" / "signing.pub").read_bytes())


def test_a_signature_by_another_key_fails(tmp_path, centre):
    package = run(tmp_path, centre).package_dir
    impostor = init_centre(tmp_path / "impostor", FINESS)
    forged = impostor.signing_key.sign((package / "manifest.json").read_bytes())
    (package / "manifest.sig").write_bytes(base64.b64encode(forged))
    with pytest.raises(PackageSignatureError):
        verify_signature(package, (centre / "keys" / "signing.pub").read_bytes())
    verify_signature(package, impostor.public_key_pem)


def test_a_tampered_parquet_fails_its_checksum(tmp_path, centre):
    package = run(tmp_path, centre).package_dir
    with (package / "treatment.parquet").open("r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00\x01")
    with pytest.raises(PackageChecksumError) as error:
        verify_checksums(package)
    assert error.value.file == "treatment.parquet"
    assert "treatment.parquet" in str(error.value)


def test_extra_and_missing_files_fail_the_checksums(tmp_path, centre):
    package = run(tmp_path, centre).package_dir
    (package / "identity.parquet").write_bytes(b"x")
    with pytest.raises(PackageChecksumError, match="not listed") as error:
        verify_checksums(package)
    assert error.value.file == "identity.parquet"
    (package / "identity.parquet").unlink()
    (package / "tumour.parquet").unlink()
    with pytest.raises(PackageChecksumError, match="missing") as error:
        verify_checksums(package)
    assert error.value.file == "tumour.parquet"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"files": {"../outside.parquet": {"sha256": "0" * 64, "rows": 0}}}, "cannot hold"),
        ({"format_version": 2}, "not supported"),
    ],
)
def test_a_manifest_naming_a_path_or_another_format_is_refused(tmp_path, centre, change, message):
    package = run(tmp_path, centre).package_dir
    manifest = {**json.loads((package / "manifest.json").read_text()), **change}
    (package / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(PackageFormatError, match=message):
        verify_checksums(package)


def test_the_signed_manifest_is_the_one_returned(tmp_path, centre):
    """Bytes are read once: what the signature covers is what the warehouse acts on."""
    package = run(tmp_path, centre).package_dir
    key = (centre / "keys" / "signing.pub").read_bytes()
    original = (package / "manifest.json").read_bytes()
    swapped = original.replace(b'"rows": ', b'"rows": 1', 1)

    def swap_after_lookup(finess):
        (package / "manifest.json").write_bytes(swapped)  # swapped once the key is chosen
        return key

    signed = read_signed_manifest(package, swap_after_lookup)
    assert signed.content == json.loads(original)
    with pytest.raises(PackageSignatureError):
        read_signed_manifest(package, lambda finess: key)


def test_a_folder_without_manifest_is_not_a_package(tmp_path):
    with pytest.raises(PackageFormatError, match=r"no manifest\.json"):
        read_manifest(tmp_path)


# Export format problems


def test_a_missing_column_names_file_line_and_column(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    text = (exported / "tumour.csv").read_text().replace(",laterality", "", 1)
    (exported / "tumour.csv").write_text(text)
    with pytest.raises(EdgeError, match="lacks column") as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert (error.value.file, error.value.line, error.value.column) == (
        "tumour.csv",
        1,
        "laterality",
    )
    assert not (tmp_path / "package").exists()


def test_an_export_without_header_never_quotes_its_first_row(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    no_header = "P001,Dupont,Dupont,Marie,,1955-08-14,,20000,Ajaccio,,\n"
    (exported / "identity.csv").write_text(no_header)
    with pytest.raises(EdgeError) as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert "Dupont" not in str(error.value) and "Marie" not in str(error.value)
    assert (error.value.file, error.value.line) == ("identity.csv", 1)


def test_an_extra_column_is_refused_not_dropped(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    lines = (exported / "patient.csv").read_text().splitlines()
    lines = [lines[0] + ",comment"] + [line + ",Mme Dupont" for line in lines[1:]]
    (exported / "patient.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(EdgeError, match="could hold identifiers") as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert (error.value.file, error.value.line, error.value.column) == ("patient.csv", 1, "comment")


def test_header_order_and_case_are_free(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    rows = EXPORT["family_history"]
    (exported / "family_history.csv").write_text(
        "Cancer_Site, IPP ,relative,age_at_diagnosis\n"
        + "".join(f"{r['cancer_site']},{r['ipp']},{r['relative']},\n" for r in rows)
    )
    package = pseudonymise_export(exported, centre / "keys", tmp_path / "package").package_dir
    row = rows_of(package, "family_history")[0]
    assert (row["relative"], row["cancer_site"]) == ("mother", "breast")


def test_truncated_line_is_recorded_not_sent(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    with (exported / "treatment.csv").open("a") as handle:
        handle.write("P002,1,2,chemo\n")  # truncated: 4 fields of 12
        handle.write("P002,1,3,,,,,,,,,\n")
    summary = pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    malformed = rows_of(summary.package_dir, "malformed_lines")
    assert malformed == [
        {
            "table": "treatment",
            "line": 4,
            "physical_lines": 1,
            "fields_found": 4,
            "fields_expected": 12,
        }
    ]
    assert [r["source_row"] for r in rows_of(summary.package_dir, "treatment")] == [2, 3, 5]
    assert summary.malformed_lines == 1
    assert read_manifest(summary.package_dir)["exports"]["treatment.csv"]["malformed_lines"] == 1


def test_lines_are_counted_across_blank_lines_and_quoted_line_breaks(tmp_path, centre):
    export = copy.deepcopy(EXPORT)
    export["treatment"][0]["regimen"] = "FEC 100\nthen docetaxel"
    exported = write_export(tmp_path / "export", export)
    path = exported / "treatment.csv"
    lines = path.read_text().split("\n")
    lines.insert(1, "")  # a blank line right after the header
    path.write_text("\r\n".join(lines))
    package = pseudonymise_export(exported, centre / "keys", tmp_path / "package").package_dir
    rows = rows_of(package, "treatment")
    assert [r["source_row"] for r in rows] == [3, 5]
    assert rows[0]["regimen"] == "FEC 100\r\nthen docetaxel"
    account = read_manifest(package)["exports"]["treatment.csv"]
    assert (account["empty_lines"], account["continuation_lines"]) == (1, 1)


def test_latin1_semicolon_export_keeps_accents(tmp_path, centre):
    export = edited("treatment", 1, regimen="Carboplatine; étoposide (schéma « J1-J3 »)")
    summary = run(tmp_path, centre, export, separator=";", encoding="cp1252")
    assert rows_of(summary.package_dir, "treatment")[1]["regimen"] == (
        "Carboplatine; étoposide (schéma « J1-J3 »)"
    )
    exports = read_manifest(summary.package_dir)["exports"]
    assert exports["treatment.csv"] == exports["treatment.csv"] | {
        "encoding": "cp1252",
        "separator": ";",
    }


def test_utf8_with_bom_is_read(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    path = exported / "treatment.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"carbo", "carbo é".encode()))
    package = pseudonymise_export(exported, centre / "keys", tmp_path / "package").package_dir
    assert rows_of(package, "treatment")[1]["regimen"] == "carbo é"


def test_mixed_encodings_name_the_first_bad_line(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    path = exported / "treatment.csv"
    path.write_bytes(
        path.read_bytes()
        + "P001,1,2,,,,Protocole été,,,,,\n".encode()
        + "P001,1,3,,,,Protocole été,,,,,\n".encode("cp1252")
    )
    with pytest.raises(EdgeError, match="mixes two encodings") as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert (error.value.file, error.value.line) == ("treatment.csv", 5)
    assert "line 4" in str(error.value)


def test_utf16_export_is_refused(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    path = exported / "tumour.csv"
    path.write_bytes(path.read_text().encode("utf-16"))
    with pytest.raises(EdgeError, match="UTF-16") as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert (error.value.file, error.value.line) == ("tumour.csv", 1)


def test_an_empty_file_is_an_error_a_header_only_file_an_empty_table(tmp_path, centre):
    summary = run(tmp_path, centre, {**EXPORT, "tumour_event": []})
    assert rows_of(summary.package_dir, "tumour_event") == []
    exported = tmp_path / "export"
    (exported / "tumour_event.csv").write_bytes(b"")
    with pytest.raises(EdgeError, match="empty") as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "other")
    assert (error.value.file, error.value.line) == ("tumour_event.csv", 1)


def test_a_missing_file_says_to_export_a_header(tmp_path, centre):
    exported = write_export(tmp_path / "export")
    (exported / "family_history.csv").unlink()
    with pytest.raises(EdgeError, match="only the header line") as error:
        pseudonymise_export(exported, centre / "keys", tmp_path / "package")
    assert error.value.file == "family_history.csv"


def test_a_patient_without_identity_row_is_an_error(tmp_path, centre):
    export = copy.deepcopy(EXPORT)
    export["patient"].append({"ipp": "P404", "sex": "F"})
    with pytest.raises(EdgeError, match=r"no row of identity\.csv") as error:
        run(tmp_path, centre, export)
    assert (error.value.file, error.value.line, error.value.column) == ("patient.csv", 4, "ipp")
    assert "P404" not in str(error.value)


@pytest.mark.parametrize("birth_date", ["1955-02-31", "14-08-1955", "", "1955/08/14"])
def test_an_unreadable_birth_date_is_an_error(tmp_path, centre, birth_date):
    with pytest.raises(EdgeError, match="birth date") as error:
        run(tmp_path, centre, edited("identity", 1, birth_date=birth_date))
    assert (error.value.file, error.value.line, error.value.column) == (
        "identity.csv",
        3,
        "birth_date",
    )
    if birth_date:
        assert birth_date not in str(error.value)


def test_a_duplicated_ipp_in_identity_is_an_error(tmp_path, centre):
    export = copy.deepcopy(EXPORT)
    export["identity"].append(dict(EXPORT["identity"][0]))
    with pytest.raises(EdgeError, match="several identity rows") as error:
        run(tmp_path, centre, export)
    assert (error.value.line, error.value.column) == (4, "ipp")


# Identifiers: refused, located, never quoted

PLANTED = [
    ("treatment", 0, "regimen", "AC puis " + NIR, IdentifierKind.NIR),
    ("measurement", 0, "value", "255082A004123", IdentifierKind.NIR_WITHOUT_KEY),
    ("treatment", 1, "regimen", "voir marie.dupont@example.fr", IdentifierKind.EMAIL),
    ("measurement", 0, "unit", "06.12.34.56.78", IdentifierKind.PHONE),
    ("tumour_event", 0, "site", "+33 6 12 34 56 78", IdentifierKind.PHONE),
    ("tumour", 1, "laterality", "LE HENAFF", IdentifierKind.NAME),
    ("family_history", 0, "relative", "Élodie", None),  # not a name of the identity file
    ("treatment", 1, "stop_reason", "jean", IdentifierKind.NAME),
    ("treatment", 0, "regimen", "FEC 100 chez Mme Dupont", IdentifierKind.NAME_IN_TEXT),
    ("treatment", 1, "regimen", "FEC 100 chez Mme Dupont", None),  # another patient's name
    ("patient", 0, "death_date", "14/08/1955", IdentifierKind.BIRTH_DATE),
    ("treatment", 0, "regimen", "née le 14 août 1955", IdentifierKind.BIRTH_DATE),
    ("patient", 1, "last_news_date", "19600403", IdentifierKind.BIRTH_DATE),
    ("patient", 1, "death_date", "14/08/1955", None),  # another patient's birth date
    ("tumour", 1, "metastatic_sites", "Brain", None),  # a value-set code, also a name
]


@pytest.mark.parametrize(("table", "index", "column", "value", "kind"), PLANTED)
def test_identifiers_are_found_and_never_quoted(
    tmp_path, centre, table, index, column, value, kind
):
    export = edited(table, index, **{column: value})
    if kind is None:
        run(tmp_path, centre, export)
        return
    with pytest.raises(IdentifiersFound) as error:
        run(tmp_path, centre, export)
    [finding] = error.value.findings
    assert (finding.file, finding.column, finding.kind, finding.lines) == (
        f"{table}.csv",
        column,
        kind,
        (index + 2,),
    )
    message = str(error.value)
    for secret in (value, "Dupont", "DUPONT", "Marie", "Hénaff", "HENAFF", "1955", "P001"):
        assert secret not in message
    assert not (tmp_path / "package").exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "export"]


def test_every_finding_is_listed(tmp_path, centre):
    export = copy.deepcopy(EXPORT)
    export["treatment"][0]["regimen"] = "appeler le 01 23 45 67 89"
    export["treatment"][1]["regimen"] = "appeler le 01 23 45 67 89"
    export["measurement"][0]["unit"] = "x@y.fr"
    with pytest.raises(IdentifiersFound) as error:
        run(tmp_path, centre, export)
    located = {(f.file, f.column, f.kind, f.lines) for f in error.value.findings}
    assert located == {
        ("treatment.csv", "regimen", IdentifierKind.PHONE, (2, 3)),
        ("measurement.csv", "unit", IdentifierKind.EMAIL, (2,)),
    }
    assert "treatment.csv, column regimen: French telephone number on line(s) 2, 3" in str(
        error.value
    )


def test_a_word_common_in_the_column_is_not_a_name(tmp_path, centre):
    export = copy.deepcopy(EXPORT)
    export["identity"][0]["last_name"] = "Bras"
    export["treatment"] = [
        {"ipp": f"P00{1 + i % 2}", "tumour_number": "1", "treatment_number": str(i + 1)}
        | {"regimen": "essai X bras A"}
        for i in range(30)
    ]
    run(tmp_path, centre, export)  # patient Bras in arm A: not reported


# Crash safety


def test_a_crash_leaves_no_package(tmp_path, centre, monkeypatch):
    def crash(*args):
        raise RuntimeError("power cut")

    monkeypatch.setattr(pseudonymise_module.signing, "sign", crash)
    with pytest.raises(RuntimeError):
        run(tmp_path, centre)
    assert list(tmp_path.iterdir()) == [tmp_path / "export"]


def test_a_non_empty_destination_is_refused(tmp_path, centre):
    (tmp_path / "package").mkdir()
    (tmp_path / "package" / "old.parquet").write_bytes(b"")
    with pytest.raises(EdgeError, match="not an empty folder"):
        run(tmp_path, centre)
    assert [p.name for p in (tmp_path / "package").iterdir()] == ["old.parquet"]


# Command line


def test_command_line_round_trip(tmp_path):
    runner = CliRunner()
    keys = tmp_path / "keys"
    result = runner.invoke(app, ["init", "--finess", FINESS, "--keys", str(keys)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(app, ["ttp-key", "--out", str(tmp_path / "ttp.key")]).exit_code == 0
    exported = write_export(tmp_path / "export")
    arguments = [str(exported), "--keys", str(keys), "--out", str(tmp_path / "package")]
    result = runner.invoke(
        app, ["pseudonymise", *arguments, "--ttp-key", str(tmp_path / "ttp.key")]
    )
    assert result.exit_code == 0, result.output
    code = rows_of(tmp_path / "package", "patient")[1]["centre_code"]
    result = runner.invoke(app, ["reidentify", code, "--keys", str(keys)])
    assert (result.exit_code, result.output) == (0, "P002\n")
    # And back: the code of an IPP, as the centre gives it to the DPO for the registry.
    result = runner.invoke(app, ["code", "P002", "--keys", str(keys)])
    assert (result.exit_code, result.output) == (0, f"{code}\n")
    assert runner.invoke(app, ["code", " ", "--keys", str(keys)]).exit_code == 1


def test_command_line_errors_exit_1(tmp_path, centre):
    runner = CliRunner()
    result = runner.invoke(app, ["reidentify", "not-a-code", "--keys", str(centre / "keys")])
    assert result.exit_code == 1
    assert "not made with this centre's key" in result.output
    export = edited("treatment", 0, regimen="NIR " + NIR)
    exported = write_export(tmp_path / "export", export)
    findings = tmp_path / "findings.csv"
    arguments = ["--keys", str(centre / "keys"), "--out", str(tmp_path / "package")]
    result = runner.invoke(
        app, ["pseudonymise", str(exported), *arguments, "--findings-csv", str(findings)]
    )
    assert result.exit_code == 1
    assert "no package written" in result.output
    assert findings.read_text() == "file,line,column,kind\ntreatment.csv,2,regimen,nir\n"
