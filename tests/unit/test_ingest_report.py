"""quarantine.csv: every quarantined row, readable back by any CSV reader."""

from __future__ import annotations

import csv
from pathlib import Path

from entrepot.ingest.report import LISTED_PER_REASON, FileCount, QuarantinedRow, ValidationReport


def test_quarantine_csv_reads_back_row_for_row(tmp_path: Path):
    rows = [
        QuarantinedRow("treatment.csv", 4, None, "duplicate_row"),
        QuarantinedRow("treatment.csv", 9, "start_date", "invalid_date"),
        # Names a CSV writer must quote: a separator, a quote.
        QuarantinedRow('odd,"name".csv', 12, 'col,"x"', "invalid_code"),
        QuarantinedRow("treatment.csv", 15, "start_date", "invalid_date"),
    ]
    files = {"treatment.csv": FileCount("treatment", 20, 16, 4)}
    report = ValidationReport("p1", "130326853", "t0", "t1", "1.0", files, 5, 0, rows)
    report.write(tmp_path)
    with (tmp_path / "quarantine.csv").open(newline="", encoding="utf-8") as lines:
        read = list(csv.reader(lines))
    assert read[0] == ["file", "line", "column", "reason", "message"]
    assert read[1:] == [
        [row.file, str(row.line), row.column or "", row.reason, row.message] for row in rows
    ]


def test_the_reports_list_the_first_rows_of_each_reason_even_a_rare_one_at_the_end():
    many = [
        QuarantinedRow("measurement.csv", line, "value", "out_of_range")
        for line in range(2, LISTED_PER_REASON + 52)
    ]
    rare = QuarantinedRow("treatment.csv", 7, "end_date", "end_before_start")
    files = {"measurement.csv": FileCount("measurement", 500, 250, 250)}
    report = ValidationReport("p1", "130326853", "t0", "t1", "1.0", files, 5, 0, [*many, rare])

    data = report.as_dict()

    listed = [(row["file"], row["line"], row["reason"]) for row in data["quarantined_rows"]]
    assert listed == [
        *[(r.file, r.line, r.reason) for r in many[:LISTED_PER_REASON]],
        ("treatment.csv", 7, "end_before_start"),
    ]
    assert data["reasons"]["out_of_range"]["count"] == LISTED_PER_REASON + 50
