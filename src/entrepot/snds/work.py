"""The engine side of one import: a scratch DuckDB connection, the converted files, and every
row's verdict.

Each input row gets exactly one verdict, in the columns every judged table carries:
`excluded` (the cleaning rule that removed it), or `reason` and `column` (why it is
quarantined), or neither (loaded). Intermediate tables are written to Parquet in the scratch
folder and read back rather than held in memory: a 3-million-person extract has tens of
millions of rows, and the engine streams files where it would have to spill tables.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

from entrepot.model import Layer, Table, arrow_schema
from entrepot.snds.reading import FILE, LINE
from entrepot.snds.sources import Source
from entrepot.snds.values import FIELD_VERDICT, Check, first_failing, split_verdict, value
from entrepot.store import engine

#: The columns of a verdict, carried by every judged table.
VERDICT = ("excluded", "reason", "column")
#: Where a row's own checks leave their verdict, before the checks that need joins.
ROW_VERDICT = "_row_verdict"
Exclusion = tuple[str, ir.BooleanValue]


def with_row_verdict(t: ir.Table, checks: list[Check]) -> ir.Table:
    """`t` (a converted file) with the verdict of the checks that need only the row itself:
    its field checks (made while converting), then `checks`.

    Encoded in one column before any join, so that those checks are evaluated on the row's
    own table; their reasons come before the reasons found by joins (a value that cannot
    be read is the first thing to fix)."""
    return t.mutate(**{ROW_VERDICT: t[FIELD_VERDICT].coalesce(first_failing(checks))})


def judged(t: ir.Table, exclusions: list[Exclusion], checks: list[Check]) -> ir.Table:
    """`t` with its verdict: the first exclusion that applies, else the row's own verdict
    (when `with_row_verdict` gave one), else the first failing check in priority order. An
    excluded row is not checked: the SNDS says not to use it, whatever its values."""
    excluded = (
        ibis.cases(
            *[(applies.fill_null(False), rule) for rule, applies in exclusions],
            else_=ibis.null("string"),
        )
        if exclusions
        else ibis.null("string")
    )
    verdict = first_failing(checks)
    if ROW_VERDICT in t.columns:
        verdict = t[ROW_VERDICT].coalesce(verdict)
    t = t.mutate(excluded=excluded, _verdict=verdict)
    t = t.mutate(_verdict=ibis.ifelse(t.excluded.isnull(), t._verdict, ibis.null("string")))
    drop = [c for c in ("_verdict", ROW_VERDICT) if c in t.columns]
    return t.mutate(**split_verdict(t._verdict)).drop(*drop)


def loaded(t: ir.Table) -> ir.Table:
    return t.filter(t.excluded.isnull() & t.reason.isnull())


class Work:
    """The connection, the scratch folder, the converted files and the judged tables."""

    def __init__(self, con: ibis.BaseBackend, folder: Path) -> None:
        self.con = con
        self.folder = folder
        self.converted: dict[str, list[Path]] = {}
        #: Name -> a judged table: every input row of a table, with its verdict.
        self.judged: dict[str, ir.Table] = {}

    def raw(self, source: Source) -> ir.Table:
        """The converted rows of a source's files (every PMSI year together); a text field,
        written once, is also its own typed value `X__v`."""
        t = self.con.read_parquet([str(p) for p in self.converted[source.table]])
        texts = [c for c in t.columns if "__" not in c and not c.startswith("_")]
        return t.mutate(**{value(c): t[c] for c in texts if value(c) not in t.columns})

    def keep(self, name: str, expr: ir.Table) -> ir.Table:
        """Materialise `expr` as a Parquet file of the scratch folder and read it back."""
        path = self.folder / f"{name}.parquet"
        self.con.to_parquet(expr, path)
        return self.con.read_parquet(str(path))

    def judge(self, name: str, t: ir.Table, columns: list[str] | None = None) -> ir.Table:
        """Keep a judged table (every input row of a table, with its verdict), for the
        accounting and the quarantine, with `columns` beside (all when None): writing
        columns nobody reads is most of the cost of a large table."""
        if columns is not None:
            t = t.select(*dict.fromkeys([FILE, LINE, *VERDICT, *columns]))
        kept = self.keep(f"judged_{name}", t)
        self.judged[name] = kept
        return kept

    def write(self, table: Table, rows: ir.Table, out: Path) -> int:
        """Write a claims table's rows with exactly the model's warehouse schema, streaming;
        return how many."""
        schema = arrow_schema(table, Layer.WAREHOUSE)
        expr = rows.select(*schema.names)
        written = 0
        with pq.ParquetWriter(out, schema, compression="zstd") as writer:
            for batch in engine.arrow_batches(self.con, expr):
                # The engine may type a date plus days as a timestamp: the cast settles it.
                writer.write_batch(batch.select(schema.names).cast(schema))
                written += batch.num_rows
        return written
