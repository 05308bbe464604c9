"""quarantine.csv: every quarantined row, readable back by any CSV reader."""

from __future__ import annotations

import csv
from pathlib import Path

from entrepot.ingest.report import FileCount, QuarantinedRow, ValidationReport


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
