"""The checked-in data dictionary is the model's own rendering."""

from pathlib import Path

from entrepot.model import dictionary

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_markdown_dictionary_is_current():
    assert (DOCS / "data-dictionary.md").read_text(encoding="utf-8") == (
        dictionary.render_markdown()
    ), "docs/data-dictionary.md is stale: run `entrepot dictionary`"


def test_json_dictionary_is_current():
    assert (DOCS / "data-dictionary.json").read_text(encoding="utf-8") == (
        dictionary.render_json()
    ), "docs/data-dictionary.json is stale: run `entrepot dictionary`"


def test_identity_columns_never_reach_package_or_warehouse():
    data = dictionary.as_dict()
    identity = next(t for t in data["tables"] if t["name"] == "identity")
    assert all(c["layers"] == ["export"] for c in identity["columns"])
    for table in data["tables"]:
        for column in table["columns"]:
            if column["origin"] == "hospital_id":
                assert column["layers"] == ["export"], (table["name"], column["name"])
