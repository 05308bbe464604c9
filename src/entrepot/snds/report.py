"""The import report: what became of every row of every file, for the operator.

Per file: rows read = loaded + excluded (by rule) + quarantined (by reason), checked before
anything is stored. Per claims table: rows written. The quarantine is listed row by row
(file, line, column, reason) in `quarantine.csv`, and up to `LISTED_PER_REASON` rows per
reason in the report; never a value of a row.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from entrepot.snds.reasons import PRIORITY, REASONS, RULES, describe

LISTED_PER_REASON = 200


@dataclass
class FileAccount:
    file: str
    table: str
    encoding: str
    rows_read: int
    loaded: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)

    @property
    def adds_up(self) -> bool:
        total = self.loaded + sum(self.excluded.values()) + sum(self.quarantined.values())
        return total == self.rows_read


@dataclass(frozen=True)
class QuarantinedRow:
    file: str
    line: int
    column: str | None
    reason: str


@dataclass
class ImportReport:
    extract: str
    extract_sha256: str
    imported_at: str
    files: dict[str, FileAccount]
    tables: dict[str, int]
    #: Up to LISTED_PER_REASON rows per reason, in file and line order.
    listed: list[QuarantinedRow]
    notes: list[str] = field(default_factory=list)

    @property
    def excluded_by_rule(self) -> Counter[str]:
        return sum((Counter(f.excluded) for f in self.files.values()), Counter())

    @property
    def quarantined_by_reason(self) -> Counter[str]:
        return sum((Counter(f.quarantined) for f in self.files.values()), Counter())

    @property
    def rows_quarantined(self) -> int:
        return sum(self.quarantined_by_reason.values())

    def as_dict(self) -> dict:
        reasons = sorted(self.quarantined_by_reason.items(), key=lambda kv: PRIORITY[kv[0]])
        return {
            "extract": self.extract,
            "extract_sha256": self.extract_sha256,
            "imported_at": self.imported_at,
            "status": "loaded_with_quarantine" if self.rows_quarantined else "loaded",
            "files": {name: asdict(account) for name, account in self.files.items()},
            "tables": self.tables,
            "excluded_by_rule": {
                code: {"count": n, "meaning": RULES[code].meaning, "why": RULES[code].why}
                for code, n in sorted(self.excluded_by_rule.items())
            },
            "quarantined_by_reason": {
                code: {
                    "count": n,
                    "meaning": REASONS[code].meaning,
                    "what_to_do": REASONS[code].what_to_do,
                }
                for code, n in reasons
            },
            "quarantined_rows": [
                {**asdict(row), "message": describe(row.reason, row.column)} for row in self.listed
            ],
            "quarantined_rows_listed_per_reason": LISTED_PER_REASON,
            "notes": self.notes,
        }

    def write(self, folder: Path) -> None:
        """Write report.json and report.md into `folder` (quarantine.csv is written by the
        engine beside them, see `pipeline`)."""
        folder.mkdir(parents=True, exist_ok=True)
        data = self.as_dict()
        (folder / "report.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        (folder / "report.md").write_text(render_markdown(data), encoding="utf-8")


def render_markdown(data: dict) -> str:
    lines = [
        "# SNDS import report",
        "",
        f"Extract `{data['extract']}` (SHA-256 `{data['extract_sha256'][:16]}…`), "
        f"imported {data['imported_at']}.",
        "",
        "## Files",
        "",
        "Rows read = loaded + excluded by a cleaning rule + quarantined.",
        "",
        "| file | table | encoding | read | loaded | excluded | quarantined |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for name, f in data["files"].items():
        excluded, quarantined = sum(f["excluded"].values()), sum(f["quarantined"].values())
        lines.append(
            f"| {name} | {f['table']} | {f['encoding']} | {f['rows_read']} | {f['loaded']} "
            f"| {excluded} | {quarantined} |"
        )
    lines += ["", "## Claims tables", "", "| table | rows |", "|---|---:|"]
    lines += [f"| `{name}` | {rows} |" for name, rows in data["tables"].items()]
    if data["excluded_by_rule"]:
        lines += ["", "## Excluded by the SNDS cleaning rules", "", "| rule | rows | what | why |"]
        lines.append("|---|---:|---|---|")
        for code, info in data["excluded_by_rule"].items():
            lines.append(f"| `{code}` | {info['count']} | {info['meaning']} | {info['why']} |")
    if data["notes"]:
        lines += ["", "## Notes", "", *[f"- {note}" for note in data["notes"]]]
    if not data["quarantined_by_reason"]:
        return "\n".join([*lines, "", "No row was quarantined.", ""])
    lines += ["", "## Quarantined", "", "| reason | rows | meaning | what to do |"]
    lines.append("|---|---:|---|---|")
    for code, info in data["quarantined_by_reason"].items():
        lines.append(f"| `{code}` | {info['count']} | {info['meaning']} | {info['what_to_do']} |")
    lines += [
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
