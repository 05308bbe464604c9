"""Outpatient care and dispensed drugs of the DCIR: ER_PRS_F, with ER_PHA_F and ER_UCD_F.

An ER_PRS_F line is one reimbursed prestation; its pharmacy (ER_PHA_F) and retrocession
(ER_UCD_F) lines detail the drugs and join it on the nine columns of the DCIR key. Lines
sent for information (`DPN_QLF` or `PRS_DPN_QLP` = 71) are excluded, and their detail
lines with them. The person is the (pseudonym, twin rank) of the prestation line.

A detail line finds its prestation line by the key's values as read (dates as dates,
numbers as numbers). The warehouse tables carry the key as `claim_id`, a hash of those
values: short, stable, and the same for a prestation and the drugs it details.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis
import ibis.expr.types as ir

from entrepot.snds.coding import Coder, by_system
from entrepot.snds.people import People
from entrepot.snds.sources import DCIR_KEY, PHARMACY, PRESTATIONS, RETROCESSION, Source
from entrepot.snds.values import AMOUNT, CODE_KIND, Check, Field, extra, field, value
from entrepot.snds.work import Work, judged, loaded, with_row_verdict
from entrepot.vocab import cip13_atc_class, code_system, ucd_atc

FOR_INFORMATION = 71


def _key_fields(source: Source) -> tuple[Field, ...]:
    return tuple(field(source, name, required=True) for name in DCIR_KEY)


PRESTATION_FIELDS = (
    *_key_fields(PRESTATIONS),
    field(PRESTATIONS, "BEN_NIR_PSA", required=True),
    field(PRESTATIONS, "BEN_RNG_GEM", required=True),
    field(PRESTATIONS, "EXE_SOI_DTD", required=True),
    field(PRESTATIONS, "EXE_SOI_DTF"),
    field(PRESTATIONS, "PRS_NAT_REF", CODE_KIND, required=True),
    field(PRESTATIONS, "DPN_QLF"),
    field(PRESTATIONS, "PRS_DPN_QLP"),
    field(PRESTATIONS, "PRS_PAI_MNT", AMOUNT),
    field(PRESTATIONS, "BSE_REM_MNT", AMOUNT),
    field(PRESTATIONS, "BSE_REM_BSE", AMOUNT),
    field(PRESTATIONS, "PRS_ACT_QTE"),
    field(PRESTATIONS, "PSP_SPE_COD", CODE_KIND),
)
PHARMACY_FIELDS = (
    *_key_fields(PHARMACY),
    field(PHARMACY, "PHA_PRS_C13", CODE_KIND, keep_text=True),
    field(PHARMACY, "PHA_PRS_IDE", CODE_KIND, keep_text=True),
    field(PHARMACY, "PHA_ACT_QSN"),
)
RETROCESSION_FIELDS = (
    *_key_fields(RETROCESSION),
    field(RETROCESSION, "UCD_UCD_COD", CODE_KIND, required=True),
    field(RETROCESSION, "UCD_DLV_NBR"),
)


def _prestation_label(code: str) -> str | None:
    return code_system("prestation").label(code, "fr")


def prestation_coders() -> dict[str, Coder]:
    return {
        "PRS_NAT_REF": Coder(by_system("prestation"), extra=_prestation_label),
        "PSP_SPE_COD": Coder(by_system("medical_specialty")),
    }


def pharmacy_coders() -> dict[str, Coder]:
    return {
        "PHA_PRS_C13": Coder(by_system("cip13"), extra=cip13_atc_class),
        "PHA_PRS_IDE": Coder(by_system("cip13"), extra=cip13_atc_class),
    }


def retrocession_coders() -> dict[str, Coder]:
    return {"UCD_UCD_COD": Coder(by_system("ucd"), extra=ucd_atc)}


#: The typed values of the DCIR key, on which a detail line joins its prestation line.
KEY = [value(name) for name in DCIR_KEY]
#: What outpatient_care and the detail lines need of a judged prestation line.
_OUTPUTS = [
    *(
        value(name)
        for name in (
            "EXE_SOI_DTD",
            "EXE_SOI_DTF",
            "PRS_NAT_REF",
            "PRS_ACT_QTE",
            "PRS_PAI_MNT",
            "BSE_REM_MNT",
            "BSE_REM_BSE",
            "PSP_SPE_COD",
        )
    ),
    extra("PRS_NAT_REF"),
]


def claim_id(t: ir.Table) -> ir.StringValue:
    """The DCIR key's typed values, hashed: a short, stable id of the prestation line."""
    parts = [t[name].cast("string") for name in KEY]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "|" + part
    return joined.hexdigest("sha256").substr(0, 20)


def _duplicates(t: ir.Table) -> ir.Table:
    """Keys seen more than once (rare: a table of them stays small)."""
    counts = t.group_by(KEY).agg(d_copies=t.count())
    counts = counts.filter(counts.d_copies > 1)
    return counts.rename({f"d_{name}": name for name in KEY})


class Claims:
    """The judged prestation lines, and the drugs they detail."""

    def __init__(self, work: Work, people: People) -> None:
        self.work = work
        self.prestations = work.judge(
            PRESTATIONS.table,
            self._judged_prestations(people),
            ["claim_id", "d_copies", "beneficiary_id", *KEY, *_OUTPUTS],
        )
        self.parents = work.keep("claims", self._parents())

    def _judged_prestations(self, people: People) -> ir.Table:
        t = with_row_verdict(self.work.raw(PRESTATIONS), [])
        duplicates = self.work.keep("claim_duplicates", _duplicates(t))
        t = t.left_join(duplicates, [t[k] == duplicates[f"d_{k}"] for k in KEY])
        t, person = people.by_pseudonym_and_rank(t, "BEN_NIR_PSA", "BEN_RNG_GEM")
        for_information = (t[value("DPN_QLF")] == FOR_INFORMATION) | (
            t[value("PRS_DPN_QLP")] == FOR_INFORMATION
        )
        checks: list[Check] = [("duplicate_key", "DCT_ORD_NUM", t.d_copies.notnull()), *person]
        verdict = judged(t, [("dcir_for_information", for_information)], checks)
        return verdict.mutate(claim_id=claim_id(verdict))

    def _parents(self) -> ir.Table:
        """One row per key: what a detail line needs of its prestation line. A key shared
        by several lines is one quarantined parent."""
        p = self.prestations
        single = p.filter(p.d_copies.isnull())
        single = single.select(
            *[single[k].name(f"p_{k}") for k in KEY],
            p_claim=single.claim_id,
            p_rule=single.excluded,
            p_loaded=single.excluded.isnull() & single.reason.isnull(),
            p_person=single.beneficiary_id,
            p_date=single[value("EXE_SOI_DTD")],
            p_paid=single[value("PRS_PAI_MNT")],
            p_base=single[value("BSE_REM_BSE")],
        )
        shared = p.filter(p.d_copies.notnull())
        shared = (
            shared.select(*[shared[k].name(f"p_{k}") for k in KEY])
            .distinct()
            .mutate(
                p_claim=ibis.null("string"),
                p_rule=ibis.null("string"),
                p_loaded=False,
                p_person=ibis.null("string"),
                p_date=ibis.null("date"),
                p_paid=ibis.null("decimal(14, 2)"),
                p_base=ibis.null("decimal(14, 2)"),
            )
        )
        return single.union(shared)

    def outpatient_care(self) -> ir.Table:
        """The rows of outpatient_care."""
        rows = loaded(self.prestations)
        return rows.select(
            "beneficiary_id",
            "claim_id",
            care_date=rows[value("EXE_SOI_DTD")],
            care_end_date=rows[value("EXE_SOI_DTF")],
            prestation=rows[value("PRS_NAT_REF")],
            prestation_label=rows[extra("PRS_NAT_REF")],
            quantity=rows[value("PRS_ACT_QTE")],
            paid_amount=rows[value("PRS_PAI_MNT")],
            reimbursed_amount=rows[value("BSE_REM_MNT")],
            reimbursement_base=rows[value("BSE_REM_BSE")],
            prescriber_specialty=rows[value("PSP_SPE_COD")],
            source_file=rows._file,
            source_line=rows._line,
        )

    def _details(
        self, source: Source, outputs: list[str], checks: tuple[Callable, ...] = ()
    ) -> ir.Table:
        t = self.work.raw(source)
        t = with_row_verdict(t, [check(t) for check in checks])
        p = self.parents
        t = t.left_join(p, [t[k] == p[f"p_{k}"] for k in KEY])
        parent_checks: list[Check] = [
            ("orphan_line", None, t.p_loaded.isnull()),
            ("claim_quarantined", None, ~t.p_loaded),
        ]
        verdict = judged(t, [(t.p_rule, t.p_rule.notnull())], parent_checks)
        columns = ["p_claim", "p_person", "p_date", "p_paid", "p_base", *outputs]
        return self.work.judge(source.table, verdict, columns)

    @staticmethod
    def _dispensing(rows: ir.Table, kind: str, **columns: ir.Value) -> ir.Table:
        return rows.select(
            beneficiary_id=rows.p_person,
            claim_id=rows.p_claim,
            kind=ibis.literal(kind),
            dispensing_date=rows.p_date,
            **columns,
            paid_amount=rows.p_paid,
            reimbursement_base=rows.p_base,
            source_file=rows._file,
            source_line=rows._line,
        )

    def pharmacy(self) -> ir.Table:
        """The dispensing rows of community pharmacies (ER_PHA_F)."""

        def no_pack(t: ir.Table) -> Check:
            both_empty = t.PHA_PRS_C13.isnull() & t.PHA_PRS_IDE.isnull()
            return ("missing_required", "PHA_PRS_C13", both_empty)

        packs = ("PHA_PRS_C13", "PHA_PRS_IDE")
        outputs = [value("PHA_ACT_QSN"), *map(value, packs), *map(extra, packs)]
        rows = loaded(self._details(PHARMACY, outputs, (no_pack,)))
        return self._dispensing(
            rows,
            "pharmacy",
            cip13=rows[value("PHA_PRS_C13")].coalesce(rows[value("PHA_PRS_IDE")]),
            ucd=ibis.null("string"),
            atc=rows[extra("PHA_PRS_C13")].coalesce(rows[extra("PHA_PRS_IDE")]),
            quantity=rows[value("PHA_ACT_QSN")].cast("float64"),
        )

    def retrocession(self) -> ir.Table:
        """The dispensing rows of hospital retrocession (ER_UCD_F)."""
        outputs = [value("UCD_UCD_COD"), extra("UCD_UCD_COD"), value("UCD_DLV_NBR")]
        rows = loaded(self._details(RETROCESSION, outputs))
        return self._dispensing(
            rows,
            "retrocession",
            cip13=ibis.null("string"),
            ucd=rows[value("UCD_UCD_COD")],
            atc=rows[extra("UCD_UCD_COD")],
            quantity=rows[value("UCD_DLV_NBR")].cast("float64"),
        )
