"""Counting every row's verdict per file, and writing the quarantine, row by row."""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from entrepot.snds.reading import FILE, LINE, ScannedFile
from entrepot.snds.reasons import REASONS
from entrepot.snds.report import LISTED_PER_REASON, FileAccount, QuarantinedRow
from entrepot.snds.work import Work


def accounts(work: Work, scans: list[ScannedFile]) -> dict[str, FileAccount]:
    """What became of the rows of each file; raises if any row is unaccounted for."""
    found = {
        s.file.name: FileAccount(s.file.name, s.file.source.table, s.encoding, s.rows_read)
        for s in scans
    }
    for s in scans:
        if len(s.malformed_lines):
            found[s.file.name].quarantined["truncated_line"] = len(s.malformed_lines)
    for t in work.judged.values():
        counts = t.group_by(FILE, "excluded", "reason").agg(n=t.count())
        for row in work.con.to_pyarrow(counts).to_pylist():
            account = found[row[FILE]]
            if row["excluded"] is not None:
                account.excluded[row["excluded"]] = (
                    account.excluded.get(row["excluded"], 0) + row["n"]
                )
            elif row["reason"] is not None:
                account.quarantined[row["reason"]] = (
                    account.quarantined.get(row["reason"], 0) + row["n"]
                )
            else:
                account.loaded += row["n"]
    wrong = [name for name, account in found.items() if not account.adds_up]
    if wrong:
        raise RuntimeError(
            f"accounting error: the rows of {', '.join(wrong)} do not add up; nothing was stored"
        )
    return found


def _truncated(scans: list[ScannedFile]) -> ir.Table:
    files = [s.file.name for s in scans for _ in range(len(s.malformed_lines))]
    lines = [int(line) for s in scans for line in s.malformed_lines]
    return ibis.memtable(
        pa.table(
            {
                FILE: pa.array(files, pa.string()),
                LINE: pa.array(lines, pa.int64()),
                "column": pa.nulls(len(files), pa.string()),
                "reason": pa.array(["truncated_line"] * len(files), pa.string()),
            }
        )
    )


def quarantine(work: Work, scans: list[ScannedFile]) -> ir.Table:
    """Every quarantined row: file, line, column, reason."""
    parts = [
        t.filter(t.reason.notnull()).select(FILE, LINE, "column", "reason")
        for t in work.judged.values()
    ]
    rows = _truncated(scans)
    for part in parts:
        rows = rows.union(part)
    return rows


def write_quarantine(work: Work, rows: ir.Table, folder: Path) -> list[QuarantinedRow]:
    """Write `quarantine.csv` (every row, with what to do) and return the rows to list in
    the report (at most LISTED_PER_REASON per reason)."""
    meanings = ibis.memtable(
        {
            "m_reason": list(REASONS),
            "m_text": [f"{r.meaning}; {r.what_to_do}" for r in REASONS.values()],
        }
    )
    kept = work.keep("quarantine", rows)
    described = kept.left_join(meanings, kept.reason == meanings.m_reason)
    message = ibis.ifelse(
        described.column.isnull(),
        described.m_text,
        "column " + described.column + ": " + described.m_text,
    )
    csv = described.select(
        file=described[FILE],
        line=described[LINE],
        column=described.column,
        reason=described.reason,
        message=message,
    ).order_by(["file", "line"])
    work.con.to_csv(csv, folder / "quarantine.csv")
    rank = ibis.row_number().over(group_by=kept.reason, order_by=[kept[FILE], kept[LINE]])
    listed = kept.mutate(_rank=rank).filter(lambda t: t._rank < LISTED_PER_REASON)
    listed = listed.order_by([FILE, LINE])
    return [
        QuarantinedRow(row[FILE], row[LINE], row["column"], row["reason"])
        for row in work.con.to_pyarrow(listed).to_pylist()
    ]
