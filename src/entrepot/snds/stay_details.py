"""What the PMSI says happened during a stay: associated diagnoses (T_MCOaaD), procedures
(T_MCOaaA) and expensive drugs of the 'liste en sus' (T_MCOaaMED).

Each row follows its stay: excluded with it, quarantined with it (`stay_quarantined`), an
orphan without it. Dates are the stay's admission date plus the delay the row gives.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from entrepot.snds.coding import Coder, by_system
from entrepot.snds.sources import STAY_DIAGNOSES, STAY_DRUGS, STAY_PROCEDURES, Source
from entrepot.snds.stays import KEY, STAY_RULES, Stays, keyed
from entrepot.snds.values import AMOUNT, CODE_KIND, TEXT, Check, Field, extra, field, value
from entrepot.snds.work import Work, judged, loaded, with_row_verdict
from entrepot.vocab import ucd_atc

_KEY_FIELDS = (
    Field("ETA_NUM", TEXT, required=True, length=9),
    Field("RSA_NUM", TEXT, required=True, length=10),
)
DIAGNOSIS_FIELDS = (*_KEY_FIELDS, field(STAY_DIAGNOSES, "ASS_DGN", CODE_KIND, required=True))
PROCEDURE_FIELDS = (
    *_KEY_FIELDS,
    field(STAY_PROCEDURES, "CDC_ACT", CODE_KIND, required=True),
    field(STAY_PROCEDURES, "ENT_DAT_DEL"),
    field(STAY_PROCEDURES, "NBR_EXE_ACT"),
    field(STAY_PROCEDURES, "ACV_ACT"),
)
DRUG_FIELDS = (
    *_KEY_FIELDS,
    field(STAY_DRUGS, "UCD_UCD_COD", CODE_KIND, keep_text=True),
    field(STAY_DRUGS, "UCD_COD", CODE_KIND, keep_text=True),
    field(STAY_DRUGS, "ADM_NBR"),
    field(STAY_DRUGS, "DELAI"),
    field(STAY_DRUGS, "ADM_NBR_PRI", AMOUNT),
)


def diagnosis_coders() -> dict[str, Coder]:
    return {"ASS_DGN": Coder(by_system("icd10"))}


def procedure_coders() -> dict[str, Coder]:
    return {"CDC_ACT": Coder(by_system("ccam"))}


def drug_coders() -> dict[str, Coder]:
    return {
        "UCD_UCD_COD": Coder(by_system("ucd"), extra=ucd_atc),
        "UCD_COD": Coder(by_system("ucd"), extra=ucd_atc),
    }


#: What a detail row keeps of its stay.
_STAY = ["beneficiary_id", "stay_id", "s_admission"]


def _days_after(start: ir.DateValue, days: ir.IntegerValue) -> ir.DateValue:
    return start + days.as_interval("D")


class StayDetails:
    """Judges the rows of T_MCOaaD, T_MCOaaA and T_MCOaaMED against their stays."""

    def __init__(self, work: Work, stays: Stays) -> None:
        self.work = work
        self.status = work.keep("stay_status", stays.status())

    def _judged(
        self, source: Source, row_checks: Callable[[ir.Table], list[Check]] = lambda _: []
    ) -> ir.Table:
        t = keyed(self.work.raw(source))
        t = with_row_verdict(t, row_checks(t))
        s = self.status
        t = t.left_join(s, [t[k] == s[f"s{k}"] for k in KEY])
        exclusions = [(rule, t.s_rule == rule) for rule in STAY_RULES]
        stay_checks: list[Check] = [
            ("orphan_line", None, t.s_loaded.isnull()),
            ("stay_quarantined", None, ~t.s_loaded),
        ]
        return judged(t, exclusions, stay_checks)

    def diagnoses(self) -> ir.Table:
        """The rows of stay_diagnosis; a diagnosis repeated for a stay is kept once."""
        t = self._judged(STAY_DIAGNOSES)
        diagnosis = t[value("ASS_DGN")]
        first = ibis.row_number().over(group_by=[t.stay_id, diagnosis], order_by=t._line)
        ok = t.excluded.isnull() & t.reason.isnull()
        repeated = ok & (first > 0)
        t = t.mutate(excluded=ibis.ifelse(repeated, "repeated_diagnosis", t.excluded))
        kept = self.work.judge(
            STAY_DIAGNOSES.table, t, ["beneficiary_id", "stay_id", value("ASS_DGN")]
        )
        rows = loaded(kept)
        return rows.select("beneficiary_id", "stay_id", diagnosis=rows[value("ASS_DGN")])

    def procedures(self) -> ir.Table:
        """The rows of stay_procedure."""

        def checks(t: ir.Table) -> list[Check]:
            return [
                ("out_of_range", "ENT_DAT_DEL", t[value("ENT_DAT_DEL")] < 0),
                ("out_of_range", "NBR_EXE_ACT", t[value("NBR_EXE_ACT")] < 0),
            ]

        columns = [value(n) for n in ("CDC_ACT", "ENT_DAT_DEL", "NBR_EXE_ACT", "ACV_ACT")]
        t = self.work.judge(
            STAY_PROCEDURES.table,
            self._judged(STAY_PROCEDURES, checks),
            [*_STAY, *columns],
        )
        rows = loaded(t)
        return rows.select(
            "beneficiary_id",
            "stay_id",
            ccam=rows[value("CDC_ACT")],
            procedure_date=_days_after(rows.s_admission, rows[value("ENT_DAT_DEL")]),
            count=rows[value("NBR_EXE_ACT")],
            activity=rows[value("ACV_ACT")],
            source_file=rows._file,
            source_line=rows._line,
        )

    def expensive_drugs(self) -> ir.Table:
        """The rows of stay_expensive_drug."""

        def checks(t: ir.Table) -> list[Check]:
            return [
                ("missing_required", "UCD_UCD_COD", t.UCD_UCD_COD.isnull() & t.UCD_COD.isnull()),
                ("out_of_range", "DELAI", t[value("DELAI")] < 0),
            ]

        codes = ("UCD_UCD_COD", "UCD_COD")
        columns = [*map(value, codes), *map(extra, codes)]
        columns += [value(n) for n in ("ADM_NBR", "DELAI", "ADM_NBR_PRI")]
        t = self.work.judge(STAY_DRUGS.table, self._judged(STAY_DRUGS, checks), [*_STAY, *columns])
        rows = loaded(t)
        return rows.select(
            "beneficiary_id",
            "stay_id",
            ucd=rows[value("UCD_UCD_COD")].coalesce(rows[value("UCD_COD")]),
            atc=rows[extra("UCD_UCD_COD")].coalesce(rows[extra("UCD_COD")]),
            quantity=rows[value("ADM_NBR")],
            administration_date=_days_after(rows.s_admission, rows[value("DELAI")]),
            purchase_cost=rows[value("ADM_NBR_PRI")],
            source_file=rows._file,
            source_line=rows._line,
        )
