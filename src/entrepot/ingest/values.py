"""From exported text to typed values, as Ibis expressions (the same on DuckDB and Spark).

Hospitals export numbers with a decimal comma, dates as DD/MM/YYYY, booleans in French:
all of these are read here, once. A value that cannot be read becomes NULL, and the
caller compares with the raw text to tell "empty" from "unreadable".
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from entrepot.model import Column, ColumnType

_DAY_MONTH_YEAR = r"^(\d{1,2})/(\d{1,2})/(\d{4})$"
_TRUE = ("true", "1", "oui", "o", "yes", "y", "vrai")
_FALSE = ("false", "0", "non", "n", "no", "faux")

#: The reason given when a value of each type cannot be read.
UNREADABLE_REASON = {
    ColumnType.INTEGER: "invalid_number",
    ColumnType.DECIMAL: "invalid_number",
    ColumnType.DATE: "invalid_date",
    ColumnType.BOOLEAN: "invalid_boolean",
    ColumnType.CODE: "invalid_code",
}


def _date(text: ir.StringValue) -> ir.DateValue:
    # ISO dates cast directly; only DD/MM/YYYY cells pay for the rewrite. A cast rejects
    # impossible days (30 February) by giving NULL.
    french = text.re_replace(_DAY_MONTH_YEAR, r"\3-\2-\1")
    return ibis.cases((text.contains("/"), french), else_=text).try_cast("date")


def _boolean(text: ir.StringValue) -> ir.BooleanValue:
    lowered = text.lower()
    return ibis.cases(
        (lowered.isin(_TRUE), ibis.literal(True)),
        (lowered.isin(_FALSE), ibis.literal(False)),
        else_=ibis.null("boolean"),
    )


def typed(column: Column, text: ir.StringValue) -> ir.Value:
    """The typed value of a non-code column from its cleaned text."""
    match column.type:
        case ColumnType.INTEGER:
            return text.try_cast("int64")
        case ColumnType.DECIMAL:
            return text.replace(",", ".").try_cast("float64")
        case ColumnType.DATE:
            return _date(text)
        case ColumnType.BOOLEAN:
            return _boolean(text)
        case _:
            return text
