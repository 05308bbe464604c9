"""k-anonymity of an extract: equivalence classes on the quasi-identifiers, in counts only."""

import json

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrepot.disclosure.kanonymity import age_band, k_anonymity, quasi_identifiers


def patients():
    return pd.DataFrame(
        {
            "patient_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
            "birth_year": [1950, 1951, 1952, 1990, 1990, 1920, None],
            "sex": ["F", "F", "F", "M", "M", "F", "M"],
            "departement": ["75", "75", "75", "13", "13", "2A", "13"],
            "diagnosis_date": pd.to_datetime(
                [
                    "2020-03-02",
                    "2020-03-30",
                    "2020-03-15",
                    "2021-01-04",
                    "2021-01-20",
                    "2019-07-01",
                    "2021-01-04",
                ]
            ),
        }
    )


def test_quasi_identifiers_are_generalised_to_bands_and_months():
    derived = quasi_identifiers(patients(), "diagnosis_date")
    assert derived.columns.tolist() == ["age_band", "sex", "departement", "diagnosis_date_month"]
    bands = derived["age_band"].tolist()
    assert bands[:6] == ["70-74", "65-69", "65-69", "30-34", "30-34", "90+"]
    assert pd.isna(bands[6])
    assert derived["diagnosis_date_month"].tolist()[:3] == ["2020-03"] * 3
    assert "patient_id" not in derived


def test_the_report_counts_classes_and_records_in_small_ones():
    derived = quasi_identifiers(patients(), "diagnosis_date")
    report = k_anonymity(derived, ["age_band", "sex", "departement", "diagnosis_date_month"])
    # Classes: {p1}, {p2, p3}, {p4, p5}, {p6}, {p7} (a missing band is a value of its own).
    assert (report.records, report.classes, report.smallest_k) == (7, 5, 1)
    assert report.records_in_classes_below_5 == report.records_in_classes_below_11 == 7
    by_size = {band.size: (band.classes, band.records) for band in report.histogram}
    assert by_size["1"] == (3, 3) and by_size["2"] == (2, 4) and by_size["101+"] == (0, 0)
    coarser = k_anonymity(derived, ["sex"])
    assert (coarser.classes, coarser.smallest_k, coarser.records_in_classes_below_5) == (2, 3, 7)


def test_the_report_reads_as_json_and_markdown_and_holds_no_rows():
    derived = quasi_identifiers(patients(), "diagnosis_date")
    report = k_anonymity(derived, ["age_band", "sex"])
    data = json.loads(report.to_json())
    assert data["smallest_k"] == 1 and data["quasi_identifiers"] == ["age_band", "sex"]
    assert "| 2 | 2 | 4 |" in report.to_markdown()
    for value in ("75", "70-74", "2020-03"):
        assert value not in report.to_json()


def test_an_empty_extract_has_no_classes():
    report = k_anonymity(pd.DataFrame({"sex": []}), ["sex"])
    assert (report.records, report.classes, report.smallest_k) == (0, 0, None)


def test_quasi_identifiers_must_exist():
    with pytest.raises(ValueError, match="'age'"):
        k_anonymity(pd.DataFrame({"sex": ["F"]}), ["sex", "age"])
    with pytest.raises(ValueError):
        k_anonymity(pd.DataFrame({"sex": ["F"]}), [])


@pytest.mark.parametrize(
    ("born", "year", "width", "band"),
    [
        (1960, 2024, 5, "60-64"),
        (1960, 2025, 5, "65-69"),
        (2024, 2024, 5, "0-4"),
        (1934, 2024, 5, "90+"),
        (1960, 2024, 10, "60-69"),
        (1936, 2024, 7, "84-89"),
    ],
)
def test_age_bands(born, year, width, band):
    assert age_band(born, year, width) == band


def test_an_age_band_needs_both_years_in_order():
    assert age_band(None, 2024) is None
    with pytest.raises(ValueError):
        age_band(2025, 2024)


@given(st.lists(st.tuples(st.sampled_from("FM"), st.integers(0, 3)), max_size=60))
def test_classes_partition_the_records(rows):
    frame = pd.DataFrame(rows, columns=["sex", "band"])
    report = k_anonymity(frame, ["sex", "band"])
    assert report.records == len(rows)
    assert sum(band.records for band in report.histogram) == len(rows)
    assert sum(band.classes for band in report.histogram) == report.classes
    assert report.classes == len(set(rows))
    if rows:
        assert report.smallest_k == min(rows.count(row) for row in set(rows))
