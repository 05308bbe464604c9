"""The identifier scanner's rules, cell by cell, and a property: a planted NIR is found."""

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrepot.edge.errors import IdentifierKind
from entrepot.edge.export_reader import inspect_export_file
from entrepot.edge.identity import load_identities, normalise_name
from entrepot.edge.scanner import IdentifierScanner, date_keys, identifier_kinds
from entrepot.model import CLINICAL_TABLES, IDENTITY, Layer, Origin
from entrepot.vocab.nir import make_nir

NIR, EMAIL, PHONE = IdentifierKind.NIR, IdentifierKind.EMAIL, IdentifierKind.PHONE
NIR13 = IdentifierKind.NIR_WITHOUT_KEY


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("185057800608491", [NIR]),
        ("1 85 05 78 006 084 91", [NIR]),
        ("NIR:1.85.05.78.006.084.91.", [NIR]),
        ("2 55 08 2A 004 123 69", [NIR]),
        ("185057800608492", []),  # wrong key: some other number
        ("1850578006084", [NIR13]),
        ("1609459200000", []),  # a millisecond timestamp of 2021, not a NIR
        ("3400930000000", []),  # a CIP13 drug code
        ("1185057800608491", []),  # 16 digits
        ("06 12 34 56 78", [PHONE]),
        ("0612345678", [PHONE]),
        ("tel +33 (0)1 23 45 67 89", [PHONE]),
        ("0033612345678", [PHONE]),
        ("750712184", []),  # a FINESS
        ("0.612345678", []),
        ("jean.dupont@chu-exemple.fr", [EMAIL]),
        ("dose @ J1", []),
        ("C50.9", []),
        ("2020-01-15", []),
    ],
)
def test_identifier_kinds(text, kinds):
    assert identifier_kinds(text) == kinds


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("1956-03-12", {"Y1956-03-12"}),
        ("12/03/1956", {"Y1956-03-12"}),
        ("12.3.1956 00:00", {"Y1956-03-12"}),
        ("12-03-56", {"y56-03-12"}),
        ("19560312", {"Y1956-03-12"}),
        ("12031956", {"Y1956-03-12"}),
        ("né le 1er mars 1956", {"Y1956-03-01"}),
        ("12 Août 1956 puis 03/04/2020", {"Y1956-08-12", "Y2020-04-03"}),
        ("70.5", set()),
        ("C50.9", set()),
    ],
)
def test_date_keys(text, keys):
    assert set(date_keys(text)) == keys


def test_names_compare_without_case_accents_or_punctuation():
    assert normalise_name(" Le Hénaff-D'Arc ") == normalise_name("LE HENAFF D ARC")


# Property: a valid NIR planted in any care cell of any table is found where it is.

CARE_CELLS = [
    (table, column.name)
    for table in CLINICAL_TABLES
    for column in table.columns_in(Layer.EXPORT)
    if column.origin is Origin.CARE
]
GROUPINGS = [(1, 2, 2, 2, 3, 3, 2), (15,), (13, 2)]


@st.composite
def nirs(draw):
    departement = draw(st.sampled_from(["01", "13", "2A", "2B", "75", "95", "974", "99"]))
    commune = draw(st.integers(1, 99 if len(departement) == 3 else 999))
    return make_nir(
        sex=draw(st.sampled_from([1, 2, 3, 4, 7, 8])),
        birth_year=draw(st.integers(0, 99)),
        birth_month=draw(st.sampled_from([*range(1, 13), 20, 35, 42, 50, 99])),
        departement=departement,
        commune=str(commune),
        order=draw(st.integers(1, 999)),
    )


def written(nir, grouping, separator):
    parts, start = [], 0
    for size in grouping:
        parts.append(nir[start : start + size])
        start += size
    return separator.join(parts)


@pytest.fixture(scope="module")
def identities(tmp_path_factory):
    path = tmp_path_factory.mktemp("identity") / "identity.csv"
    path.write_text(
        ",".join(IDENTITY.column_names(Layer.EXPORT)) + "\nP1,Martin,,Anne,,1950-01-02,,,,,\n"
    )
    return load_identities(inspect_export_file(path, IDENTITY))


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cell=st.sampled_from(CARE_CELLS),
    nir=nirs(),
    grouping=st.sampled_from(GROUPINGS),
    separator=st.sampled_from([" ", ".", "-", ""]),
    before=st.text(st.characters(blacklist_categories=["Nd", "Cs"]), max_size=20),
    after=st.text(st.characters(blacklist_categories=["Nd", "Cs"]), max_size=20),
    row=st.integers(0, 4),
)
def test_a_planted_nir_is_always_found(
    identities, cell, nir, grouping, separator, before, after, row
):
    table, column = cell
    names = table.column_names(Layer.EXPORT)
    values = {name: ["P1"] * 5 if name == "ipp" else ["x"] * 5 for name in names}
    values[column][row] = before + written(nir, grouping, separator) + after
    batch = pa.RecordBatch.from_pydict({n: pa.array(values[n], pa.string()) for n in names})
    scanner = IdentifierScanner(identities)
    lines = pa.array(range(10, 15), pa.int64())
    scanner.scan(table, f"{table.name}.csv", batch, lines, identities.index_of(batch["ipp"]))
    found = {(f.file, f.column, f.kind, f.lines) for f in scanner.findings()}
    assert (f"{table.name}.csv", column, NIR, (10 + row,)) in found
