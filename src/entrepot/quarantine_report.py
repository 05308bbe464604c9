"""The Markdown a quarantine shows in a report, the same for a centre's package
(`ingest.report`) and for an SNDS extract (`snds.report`): why rows were set aside, what to
do about it, and the first rows to correct by file, line and column, never their values.
"""

from __future__ import annotations


def reasons_table(reasons: dict[str, dict]) -> list[str]:
    """A table of reasons: code, rows, meaning, what to do (from a report's JSON form)."""
    lines = ["| reason | rows | meaning | what to do |", "|---|---:|---|---|"]
    for code, info in reasons.items():
        lines.append(f"| `{code}` | {info['count']} | {info['meaning']} | {info['what_to_do']} |")
    return lines


def listed_rows(rows: list[dict], listed_per_reason: int) -> list[str]:
    """The rows listed in a report (file, line, column, reason), and where the rest are."""
    lines = [
        f"At most {listed_per_reason} rows per reason are listed "
        "here; `quarantine.csv` beside this report lists them all.",
        "",
        "| file | line | column | reason |",
        "|---|---:|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row['file']} | {row['line']} | {row['column'] or ''} | {row['reason']} |")
    return lines
