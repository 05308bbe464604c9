"""Long-term conditions (ALD) from IR_IMB_R, and causes of death from KI_CCI_R and KI_ECD_R."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from entrepot.snds.coding import Coder, by_system
from entrepot.snds.people import People
from entrepot.snds.sources import CONDITIONS, DEATH_CAUSES, DEATH_CERTIFICATES, Source
from entrepot.snds.values import CODE_KIND, Field, field, value
from entrepot.snds.work import Work, judged, loaded, with_row_verdict

#: Exemption natures that are an ALD: on the list (41), off the list (43), several (45).
ALD_NATURES = (41, 43, 45)

CONDITION_FIELDS = (
    field(CONDITIONS, "BEN_NIR_PSA", required=True),
    field(CONDITIONS, "BEN_RNG_GEM", required=True),
    field(CONDITIONS, "IMB_ALD_NUM", CODE_KIND),
    field(CONDITIONS, "MED_MTF_COD", CODE_KIND),
    field(CONDITIONS, "IMB_ALD_DTD", required=True),
    field(CONDITIONS, "IMB_ALD_DTF"),
    field(CONDITIONS, "IMB_ETM_NAT"),
)
CERTIFICATE_FIELDS = (
    field(DEATH_CERTIFICATES, "BEN_IDT_ANO", required=True),
    field(DEATH_CERTIFICATES, "BEN_DCD_DTE", required=True),
    field(DEATH_CERTIFICATES, "DCD_CIM_COD", CODE_KIND, required=True),
)
CAUSE_FIELDS = (
    field(DEATH_CAUSES, "BEN_IDT_ANO", required=True),
    field(DEATH_CAUSES, "BEN_DCD_DTE", required=True),
    field(DEATH_CAUSES, "ECD_CIM_COD", CODE_KIND, required=True),
    field(DEATH_CAUSES, "ECD_CAU_RNG"),
)


def condition_coders() -> dict[str, Coder]:
    return {"IMB_ALD_NUM": Coder(by_system("ald")), "MED_MTF_COD": Coder(by_system("icd10"))}


def icd10_coders(column: str) -> dict[str, Coder]:
    return {column: Coder(by_system("icd10"))}


def long_term_conditions(work: Work, people: People) -> ir.Table:
    """Judge IR_IMB_R; return the rows of long_term_condition."""
    t = work.raw(CONDITIONS)
    start, end = t[value("IMB_ALD_DTD")], t[value("IMB_ALD_DTF")]
    t = with_row_verdict(t, [("end_before_start", "IMB_ALD_DTF", end < start)])
    nature = t[value("IMB_ETM_NAT")]
    not_ald = nature.notnull() & ~nature.isin(ALD_NATURES)
    t, person = people.by_pseudonym_and_rank(t, "BEN_NIR_PSA", "BEN_RNG_GEM")
    rows = loaded(
        work.judge(
            CONDITIONS.table,
            judged(t, [("not_a_long_term_condition", not_ald)], person),
            ["beneficiary_id", *[value(f.name) for f in CONDITION_FIELDS]],
        )
    )
    return rows.select(
        "beneficiary_id",
        ald_number=rows[value("IMB_ALD_NUM")],
        icd10=rows[value("MED_MTF_COD")],
        start_date=rows[value("IMB_ALD_DTD")],
        end_date=rows[value("IMB_ALD_DTF")],
        source_file=rows._file,
        source_line=rows._line,
    )


def _death_rows(
    work: Work, people: People, source: Source, fields: tuple[Field, ...], code: str
) -> ir.Table:
    t = with_row_verdict(work.raw(source), [])
    t, person = people.by_person(t, "BEN_IDT_ANO")
    columns = ["beneficiary_id", *[value(f.name) for f in fields]]
    return loaded(work.judge(source.table, judged(t, [], person), columns)).mutate(
        icd10=lambda r: r[value(code)]
    )


def causes_of_death(work: Work, people: People) -> ir.Table:
    """Judge KI_CCI_R and KI_ECD_R; return the rows of cause_of_death."""
    underlying = _death_rows(work, people, DEATH_CERTIFICATES, CERTIFICATE_FIELDS, "DCD_CIM_COD")
    associated = _death_rows(work, people, DEATH_CAUSES, CAUSE_FIELDS, "ECD_CIM_COD")

    def rows(t: ir.Table, role: str, rank: ir.Value) -> ir.Table:
        return t.select(
            "beneficiary_id",
            death_date=t[value("BEN_DCD_DTE")],
            icd10=t.icd10,
            role=ibis.literal(role),
            rank=rank,
            source_file=t._file,
            source_line=t._line,
        )

    return rows(underlying, "underlying", ibis.null("int64")).union(
        rows(associated, "associated", associated[value("ECD_CAU_RNG")])
    )


def certificate_deaths(work: Work) -> ir.Table:
    """The earliest death date each person's certificates give (`c_person`, `c_death`)."""
    t = loaded(work.judged[DEATH_CERTIFICATES.table])
    return t.group_by(c_person=t.beneficiary_id).agg(c_death=t[value("BEN_DCD_DTE")].min())
