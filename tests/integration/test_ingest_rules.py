"""Each validation rule, shown on one changed cell of an otherwise valid export.

Reading these cases is reading the specification of what a row must satisfy to load.
"""

from __future__ import annotations

import copy

import pytest

from tests.support.exports import valid_export

# (table, row index, changed cells, expected reason, expected column)
CASES = [
    ("treatment", 1, {"start_date": "2019-02-30"}, "invalid_date", "start_date"),
    ("treatment", 1, {"start_date": ""}, "missing_required", "start_date"),
    ("measurement", 0, {"value": "sixty"}, "invalid_number", "value"),
    (
        "tumour",
        0,
        {"metastatic_at_diagnosis": "maybe"},
        "invalid_boolean",
        "metastatic_at_diagnosis",
    ),
    ("treatment", 1, {"drugs": "L02BG04|L01ZZ99"}, "invalid_code", "drugs"),
    ("tumour", 0, {"icd10": "C99.9X"}, "invalid_code", "icd10"),
    ("patient", 0, {"sex": "X"}, "invalid_code", "sex"),
    ("measurement", 1, {"value": "7"}, "out_of_range", "value"),
    ("tumour", 0, {"ki67_percent": "140"}, "out_of_range", "ki67_percent"),
    ("measurement", 0, {"unit": "g"}, "unit_mismatch", "unit"),
    ("patient", 1, {"death_date": ""}, "death_inconsistent", "death_date"),
    ("tumour", 0, {"icd10": "C34.1"}, "cancer_type_inconsistent", "icd10"),
    ("tumour", 0, {"clinical_m": "M1"}, "stage_inconsistent_with_m", "clinical_m"),
    ("tumour", 1, {"stage_group": "IIIA"}, "stage_inconsistent_with_m", "stage_group"),
    ("treatment", 3, {"end_date": "2020-02-01"}, "end_before_start", "end_date"),
    (
        "centre_stay",
        1,
        {"discharge_date": "2019-06-21"},
        "stay_dates_inconsistent",
        "discharge_date",
    ),
    ("treatment", 1, {"line_number": "1"}, "line_outside_metastatic_setting", "line_number"),
    ("treatment", 2, {"ipp": "999999"}, "unknown_parent", None),
    ("measurement", 0, {"measurement_date": "1959-01-01"}, "date_before_birth", "measurement_date"),
    ("measurement", 2, {"measurement_date": "2021-05-01"}, "date_after_death", "measurement_date"),
    ("treatment", 1, {"start_date": "2024-07-01"}, "date_after_last_news", "start_date"),
    ("patient", 0, {"last_news_date": "2099-01-01"}, "date_in_future", "last_news_date"),
    ("treatment", 0, {"start_date": "2019-03-01"}, "treatment_before_diagnosis", "start_date"),
    ("tumour_event", 0, {"event_date": "2019-05-01"}, "event_before_diagnosis", "event_date"),
    (
        "treatment",
        1,
        {"setting": "metastatic", "line_number": "1"},
        "metastatic_line_without_metastasis",
        "setting",
    ),
]


def _line(index: int) -> int:
    return index + 2  # the header is line 1


def _assert_accounting(report):
    for name, count in report.files.items():
        assert count.rows_in == count.rows_loaded + count.rows_quarantined, name


@pytest.mark.parametrize(("table", "index", "cells", "reason", "column"), CASES)
def test_one_broken_cell_quarantines_its_row(pipeline, table, index, cells, reason, column):
    tables = copy.deepcopy(valid_export())
    tables[table][index].update(cells)

    report = pipeline.ingest(tables).report

    at_fault = [
        row for row in report.rows if row.file == f"{table}.csv" and row.line == _line(index)
    ]
    assert [(row.reason, row.column) for row in at_fault] == [(reason, column)]
    _assert_accounting(report)


def test_valid_export_loads_every_row(pipeline):
    report = pipeline.ingest().report
    assert report.rows == []
    assert report.patients_loaded == 3
    _assert_accounting(report)


def test_children_of_a_quarantined_patient_follow_it(pipeline):
    tables = copy.deepcopy(valid_export())
    tables["patient"][0]["sex"] = "X"

    report = pipeline.ingest(tables).report

    followers = {
        (row.file, row.line): row.reason
        for row in report.rows
        if row.reason == "parent_quarantined"
    }
    # patient 100001 has one tumour, two treatments, two measurements and one stay
    assert followers == {
        ("tumour.csv", 2): "parent_quarantined",
        ("treatment.csv", 2): "parent_quarantined",
        ("treatment.csv", 3): "parent_quarantined",
        ("measurement.csv", 2): "parent_quarantined",
        ("measurement.csv", 3): "parent_quarantined",
        ("centre_stay.csv", 2): "parent_quarantined",
    }
    assert report.files["patient.csv"].rows_loaded == 2
    _assert_accounting(report)


def test_an_exact_duplicate_loads_once(pipeline):
    tables = copy.deepcopy(valid_export())
    tables["treatment"].insert(2, dict(tables["treatment"][1]))

    report = pipeline.ingest(tables).report

    assert [(r.file, r.line, r.reason) for r in report.rows] == [
        ("treatment.csv", 4, "duplicate_row")
    ]
    assert report.files["treatment.csv"].rows_loaded == 4


def test_conflicting_rows_with_one_key_are_all_quarantined(pipeline):
    tables = copy.deepcopy(valid_export())
    conflicting = dict(tables["treatment"][1], regimen="anastrozole", drugs="L02BG03")
    tables["treatment"].append(conflicting)

    report = pipeline.ingest(tables).report

    assert sorted((r.line, r.reason) for r in report.rows) == [
        (3, "conflicting_duplicate"),
        (6, "conflicting_duplicate"),
    ]


def test_french_formats_are_read(pipeline):
    """Latin-1, semicolons, DD/MM/YYYY dates, decimal commas and oui/non all load."""
    tables = copy.deepcopy(valid_export())
    for rows in tables.values():
        for row in rows:
            for name, value in row.items():
                if len(value) == 10 and value[4] == "-" and value[7] == "-":
                    row[name] = f"{value[8:]}/{value[5:7]}/{value[:4]}"
    tables["tumour"][0]["metastatic_at_diagnosis"] = "non"

    report = pipeline.ingest(tables, encoding="cp1252", separator=";").report

    assert report.rows == []
    assert report.patients_loaded == 3
