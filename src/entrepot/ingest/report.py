"""The validation report a centre data manager acts on: JSON for programs, Markdown to read.

It names the export file, line and column of every quarantined row and says what to do,
and never shows a value of the row (a report is not a place for patient-level data).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from entrepot.ingest.reasons import PRIORITY, REASONS, describe

#: Rows listed per reason in the reports; the full list is in quarantine.csv.
LISTED_PER_REASON = 200


@dataclass(frozen=True)
class FileCount:
    table: str
    rows_in: int
    rows_loaded: int
    rows_quarantined: int


class QuarantinedRow(NamedTuple):
    """A quarantined row of a sent file. A tuple rather than a frozen dataclass: a large
    centre's yearly package has hundreds of thousands of them, made and read by the
    single Python thread the ingest's workers share (0.45 s at 1 million patients as
    frozen dataclasses)."""

    file: str
    line: int
    column: str | None
    reason: str

    @property
    def message(self) -> str:
        return describe(self.reason, self.column)


@dataclass
class ValidationReport:
    package_id: str
    centre: str
    created_at: str
    ingested_at: str
    schema_version: str
    files: dict[str, FileCount]
    patients_loaded: int
    patients_superseded: int
    #: In file and line order; fixed once the report is made.
    rows: list[QuarantinedRow] = field(default_factory=list)

    @cached_property
    def reasons(self) -> Counter[str]:
        """Quarantined rows by reason (counted once: reports and summaries each ask)."""
        return Counter(row.reason for row in self.rows)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files.values())

    def as_dict(self) -> dict:
        listed: dict[str, int] = {}
        rows = []
        # Read no further than the row that completes the last reason's list.
        unlisted = sum(min(n, LISTED_PER_REASON) for n in self.reasons.values())
        for row in self.rows:
            if not unlisted:
                break
            n = listed.get(row.reason, 0)
            if n < LISTED_PER_REASON:
                rows.append({**row._asdict(), "message": row.message})
                unlisted -= 1
            listed[row.reason] = n + 1
        return {
            "package_id": self.package_id,
            "centre": self.centre,
            "created_at": self.created_at,
            "ingested_at": self.ingested_at,
            "schema_version": self.schema_version,
            "status": "loaded_with_quarantine" if self.rows else "loaded",
            "files": {name: asdict(count) for name, count in self.files.items()},
            "patients": {"loaded": self.patients_loaded, "superseded": self.patients_superseded},
            "reasons": {
                code: {
                    "count": n,
                    "meaning": REASONS[code].meaning,
                    "what_to_do": REASONS[code].what_to_do,
                }
                for code, n in sorted(self.reasons.items(), key=lambda kv: PRIORITY[kv[0]])
            },
            "quarantined_rows": rows,
            "quarantined_rows_listed_per_reason": LISTED_PER_REASON,
        }

    def write(self, folder: Path) -> None:
        """Write report.json, report.md and the full quarantine.csv into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        data = self.as_dict()
        (folder / "report.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (folder / "report.md").write_text(render_markdown(data), encoding="utf-8")
        with (folder / "quarantine.csv").open("w", newline="", encoding="utf-8") as out:
            out.write(_csv_line(["file", "line", "column", "reason", "message"]))
            out.writelines(self._quarantine_lines())

    def _quarantine_lines(self) -> Iterator[str]:
        """The lines of quarantine.csv, as `csv.writer` writes them.

        A yearly package of a large centre has hundreds of thousands of quarantined rows
        but a few dozen distinct files, reasons and columns: those are encoded once and
        only the line number is written per row (a `csv.writer` row each cost 1 s of the
        ingest's single Python thread at 1 million patients)."""
        files: dict[str, str] = {}
        ends: dict[tuple[str, str | None], str] = {}
        for row in self.rows:
            start = files.get(row.file)
            if start is None:
                start = files[row.file] = _csv_line([row.file, ""]).rstrip("\r\n")
            end = ends.get((row.reason, row.column))
            if end is None:
                fields = ["", row.column or "", row.reason, row.message]
                end = ends[(row.reason, row.column)] = _csv_line(fields)
            yield f"{start}{row.line}{end}"


def _csv_line(fields: list[str]) -> str:
    line = io.StringIO()
    csv.writer(line).writerow(fields)
    return line.getvalue()


def render_markdown(data: dict) -> str:
    lines = [
        f"# Validation report — package {data['package_id']}",
        "",
        f"Centre {data['centre']}; package created {data['created_at']}, "
        f"ingested {data['ingested_at']}; schema {data['schema_version']}.",
        f"Patients loaded: {data['patients']['loaded']} "
        f"(replacing earlier data for {data['patients']['superseded']}).",
        "",
        "| file | rows in | loaded | quarantined |",
        "|---|---:|---:|---:|",
    ]
    for name, count in data["files"].items():
        counts = (count["rows_in"], count["rows_loaded"], count["rows_quarantined"])
        lines.append(f"| {name} | " + " | ".join(str(n) for n in counts) + " |")
    if not data["reasons"]:
        return "\n".join([*lines, "", "Every row was loaded.", ""])
    lines += ["", "## Why rows were quarantined", "", "| reason | rows | meaning | what to do |"]
    lines.append("|---|---:|---|---|")
    for code, info in data["reasons"].items():
        lines.append(f"| `{code}` | {info['count']} | {info['meaning']} | {info['what_to_do']} |")
    lines += [
        "",
        "## Rows to correct",
        "",
        f"At most {data['quarantined_rows_listed_per_reason']} rows per reason are listed "
        "here; `quarantine.csv` beside this report lists them all.",
        "",
        "| file | line | column | reason |",
        "|---|---:|---|---|",
    ]
    for row in data["quarantined_rows"]:
        lines.append(f"| {row['file']} | {row['line']} | {row['column'] or ''} | {row['reason']} |")
    return "\n".join(lines) + "\n"
