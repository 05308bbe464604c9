"""Hospital stays of the PMSI MCO: T_MCOaaB (the stay) with T_MCOaaC (its chaining record).

A stay exists in both files of its year, under the same (ETA_NUM, RSA_NUM), and is judged as
a whole: both its rows share its fate.

1. Each row is checked on its own (readable values, nomenclatures, one row per key) and
   the standard cleaning rules are applied: the legal-entity copies of AP-HP, HCL and AP-HM
   (`legal_entity_duplicate`), return codes that are not 0 (`pmsi_return_code`), CMD 90
   (`pmsi_error_ghm`). A rule that applies to either row excludes the stay.
2. A stay missing one of its rows is an orphan; a stay with a faulty row is quarantined,
   its other row with it (`stay_quarantined`).
3. The stay's person is found from the chaining record's pseudonym (`NIR_ANO_17`),
   ambiguous when it designates twins.
4. From 2018 the three groups report their stays once, under the legal entity: such a stay
   is excluded only if the same person has the same stay (same dates) under another FINESS.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from entrepot.snds.coding import Coder, by_system
from entrepot.snds.people import People
from entrepot.snds.sources import LATER_RETURN_CODES, RETURN_CODES, STAY_CHAINING, STAYS
from entrepot.snds.values import CODE_KIND, SEPARATOR, TEXT, Field, field, first_failing, value
from entrepot.snds.work import Work, judged, with_row_verdict

#: Legal entities that reported their stays twice until 2017 (see reasons.RULES).
LEGAL_ENTITIES = frozenset({"750712184", "690781810", "130786049"})
LAST_YEAR_REPORTED_TWICE = 2017
#: Cleaning rules of a stay, the first that applies winning.
STAY_RULES = ("legal_entity_duplicate", "pmsi_return_code", "pmsi_error_ghm")
#: The key of a stay across its files: year, and the cells as delivered (so that rows pair
#: up even when one of them is unreadable).
KEY = ("k_year", "k_eta", "k_rsa")

STAY_FIELDS = (
    field(STAYS, "ETA_NUM", CODE_KIND, required=True, keep_text=True),
    field(STAYS, "RSA_NUM", TEXT, required=True),
    field(STAYS, "GRG_GHM", CODE_KIND, required=True, keep_text=True),
    field(STAYS, "DGN_PAL", CODE_KIND, required=True),
    field(STAYS, "DGN_REL", CODE_KIND),
    field(STAYS, "SEJ_NBJ"),
    field(STAYS, "ENT_MOD", CODE_KIND),
    field(STAYS, "SOR_MOD", CODE_KIND),
    field(STAYS, "GHS_NUM"),
)
CHAINING_FIELDS = (
    field(STAY_CHAINING, "ETA_NUM", CODE_KIND, required=True, keep_text=True),
    field(STAY_CHAINING, "RSA_NUM", TEXT, required=True),
    field(STAY_CHAINING, "NIR_ANO_17", required=True),
    field(STAY_CHAINING, "ENT_DAT"),
    field(STAY_CHAINING, "SOR_DAT"),
    field(STAY_CHAINING, "EXE_SOI_DTD"),
    field(STAY_CHAINING, "EXE_SOI_DTF"),
    # Read as text: the cleaning rule compares them with "0" (excluded rows are not checked).
    *(Field(code, TEXT) for code in (*RETURN_CODES, *LATER_RETURN_CODES)),
)


def stay_coders() -> dict[str, Coder]:
    return {
        "ETA_NUM": Coder(by_system("finess")),
        "GRG_GHM": Coder(by_system("ghm")),
        "DGN_PAL": Coder(by_system("icd10")),
        "DGN_REL": Coder(by_system("icd10")),
        "ENT_MOD": Coder(by_system("pmsi_mode")),
        "SOR_MOD": Coder(by_system("pmsi_mode")),
    }


def chaining_coders() -> dict[str, Coder]:
    return {"ETA_NUM": Coder(by_system("finess"))}


def keyed(t: ir.Table) -> ir.Table:
    """`t` with the key of its stay (`KEY`)."""
    return t.mutate(k_year=t._year, k_eta=t.ETA_NUM.strip(), k_rsa=t.RSA_NUM.strip())


def _legal_entity_copy(t: ir.Table) -> ir.BooleanValue:
    return t.k_eta.isin(LEGAL_ENTITIES) & (t.k_year <= LAST_YEAR_REPORTED_TWICE)


def _rule_rank(rule: ir.StringValue) -> ir.IntegerValue:
    return ibis.cases(*[(rule == r, i) for i, r in enumerate(STAY_RULES)], else_=None)


def _rule_of_rank(rank: ir.IntegerValue) -> ir.StringValue:
    return ibis.cases(*[(rank == i, r) for i, r in enumerate(STAY_RULES)], else_=None)


def _duplicate_check(t: ir.Table, column: str):
    copies = t.count().over(group_by=[t[k] for k in KEY])
    return ("duplicate_key", column, copies > 1)


def _stay_rows(work: Work) -> ir.Table:
    t = keyed(work.raw(STAYS))
    checks = [
        ("out_of_range", "SEJ_NBJ", t[value("SEJ_NBJ")] < 0),
        _duplicate_check(t, "RSA_NUM"),
    ]
    rule = ibis.cases(
        (_legal_entity_copy(t), "legal_entity_duplicate"),
        (t.GRG_GHM.upper().startswith("90"), "pmsi_error_ghm"),
        else_=ibis.null("string"),
    )
    return with_row_verdict(t, checks).mutate(row_rule=rule)


def _chaining_rows(work: Work) -> ir.Table:
    t = keyed(work.raw(STAY_CHAINING))
    t = t.mutate(
        admission=t[value("ENT_DAT")].coalesce(t[value("EXE_SOI_DTD")]),
        discharge=t[value("SOR_DAT")].coalesce(t[value("EXE_SOI_DTF")]),
    )
    # An unreadable date has its own reason already (field checks come first).
    checks = [
        ("missing_required", "ENT_DAT", t.admission.isnull()),
        ("missing_required", "SOR_DAT", t.discharge.isnull()),
        ("end_before_start", "SOR_DAT", t.discharge < t.admission),
        _duplicate_check(t, "RSA_NUM"),
    ]
    # A return code that is not 0, or is missing, means the pseudonym may be wrong; the
    # codes added in 2013 count only where they are delivered.
    failed = ibis.literal(False)
    for code in RETURN_CODES:
        failed = failed | (t[code].strip().fill_null("") != "0")
    for code in LATER_RETURN_CODES:
        failed = failed | (t[code].strip() != "0").fill_null(False)
    rule = ibis.cases(
        (_legal_entity_copy(t), "legal_entity_duplicate"),
        (failed, "pmsi_return_code"),
        else_=ibis.null("string"),
    )
    return with_row_verdict(t, checks).mutate(row_rule=rule)


def _side(rows: ir.Table, prefix: str, values: dict[str, ir.Value]) -> ir.Table:
    """One row per stay key of one file: how many rows, the best rule, any fault, values."""
    return rows.group_by(list(KEY)).agg(
        **{
            f"{prefix}_rows": rows.count(),
            f"{prefix}_rule": _rule_rank(rows.row_rule).min(),
            f"{prefix}_faulty": rows._row_verdict.notnull().any(),
        },
        **{f"{prefix}_{name}": expr.max() for name, expr in values.items()},
    )


#: What finding the stay's person can conclude, beside a person.
PERSON_REASONS = ("unknown_pseudonym", "ambiguous_pseudonym", "beneficiary_quarantined")


class Stays:
    """The judged PMSI stays, and what their diagnoses, procedures and drugs need of them."""

    def __init__(self, work: Work, people: People) -> None:
        self.work = work
        b_rows = work.keep("stay_rows", _stay_rows(work))
        c_rows = work.keep("chaining_rows", _chaining_rows(work))
        stays = work.keep("stays_paired", self._paired(people, b_rows, c_rows))
        self.stays = work.keep("stays", self._without_reported_twice(stays))
        # Nothing reads these rows after their verdict: the stay carries what is needed.
        work.judge(STAYS.table, self._rows_judged(b_rows, None), [])
        work.judge(STAY_CHAINING.table, self._rows_judged(c_rows, "NIR_ANO_17"), [])

    @staticmethod
    def _paired(people: People, b_rows: ir.Table, c_rows: ir.Table) -> ir.Table:
        b = _side(
            b_rows,
            "b",
            {
                "finess": b_rows[value("ETA_NUM")],
                "length": b_rows[value("SEJ_NBJ")],
                "ghm": b_rows[value("GRG_GHM")],
                "dp": b_rows[value("DGN_PAL")],
                "dr": b_rows[value("DGN_REL")],
                "entry": b_rows[value("ENT_MOD")],
                "exit": b_rows[value("SOR_MOD")],
                "ghs": b_rows[value("GHS_NUM")].cast("string"),
            },
        )
        c = _side(
            c_rows,
            "c",
            {
                "psa": c_rows[value("NIR_ANO_17")],
                "admission": c_rows.admission,
                "discharge": c_rows.discharge,
            },
        ).rename({f"c{k}": k for k in KEY})
        s = b.outer_join(c, [b[k] == c[f"c{k}"] for k in KEY])
        s = s.mutate(**{k: s[k].coalesce(s[f"c{k}"]) for k in KEY}).drop(*[f"c{k}" for k in KEY])
        s = s.mutate(
            s_rule=_rule_of_rank(ibis.least(s.b_rule, s.c_rule)),
            s_faulty=s.b_faulty.fill_null(False) | s.c_faulty.fill_null(False),
            s_orphan=s.b_rows.isnull() | s.c_rows.isnull(),
            NIR_ANO_17__v=s.c_psa,
        )
        s, checks = people.by_pseudonym_alone(s, "NIR_ANO_17")
        # A stay excluded, faulty or alone has no person to look for.
        settled = s.s_rule.notnull() | s.s_faulty | s.s_orphan
        verdict = first_failing(checks).split(SEPARATOR)[0]
        return s.mutate(
            s_person=ibis.ifelse(settled, ibis.null("string"), verdict),
            beneficiary_id=ibis.ifelse(settled, ibis.null("string"), s.beneficiary_id),
            stay_id=s.k_year.cast("string") + "-" + s.b_finess + "-" + s.k_rsa,
        ).drop("p_psa", "p_persons", "p_person", "l_person", "NIR_ANO_17__v")

    @staticmethod
    def _without_reported_twice(s: ir.Table) -> ir.Table:
        """From 2018, a legal-entity stay that the same person also has, with the same
        dates, under another FINESS is that stay reported twice."""
        ok = _is_loaded(s)
        elsewhere = (
            s.filter(ok & ~s.k_eta.isin(LEGAL_ENTITIES))
            .select(t_person=s.beneficiary_id, t_admission=s.c_admission, t_discharge=s.c_discharge)
            .distinct()
        )
        s = s.left_join(
            elsewhere,
            [
                s.beneficiary_id == elsewhere.t_person,
                s.c_admission == elsewhere.t_admission,
                s.c_discharge == elsewhere.t_discharge,
            ],
        )
        twice = _is_loaded(s) & s.k_eta.isin(LEGAL_ENTITIES) & s.t_person.notnull()
        return s.mutate(s_rule=ibis.ifelse(twice, "legal_entity_duplicate", s.s_rule)).drop(
            "t_person", "t_admission", "t_discharge"
        )

    def _rows_judged(self, rows: ir.Table, pseudonym: str | None) -> ir.Table:
        """Each row of T_MCOaaB or T_MCOaaC shares its stay's fate; the reasons about the
        person name the pseudonym column of T_MCOaaC (`pseudonym`), which T_MCOaaB lacks."""
        s = self.stays.select(*KEY, "s_rule", "s_faulty", "s_orphan", "s_person").rename(
            {f"s{k}": k for k in KEY}
        )
        t = rows.left_join(s, [rows[k] == s[f"s{k}"] for k in KEY])
        checks = [
            ("orphan_line", None, t.s_orphan),
            ("stay_quarantined", None, t.s_faulty),
            *[(reason, pseudonym, t.s_person == reason) for reason in PERSON_REASONS],
        ]
        return judged(t, [(rule, t.s_rule == rule) for rule in STAY_RULES], checks)

    def status(self) -> ir.Table:
        """One row per stay key: its rule, whether it is loaded, its id, person, admission."""
        s = self.stays
        return s.select(
            *[s[k].name(f"s{k}") for k in KEY],
            s_rule=s.s_rule,
            s_loaded=_is_loaded(s),
            stay_id=s.stay_id,
            beneficiary_id=s.beneficiary_id,
            s_admission=s.c_admission,
        )

    def hospital_stays(self) -> ir.Table:
        """The rows of the hospital_stay table."""
        s = self.stays
        ok = s.filter(_is_loaded(s))
        return ok.select(
            beneficiary_id=ok.beneficiary_id,
            stay_id=ok.stay_id,
            finess=ok.b_finess,
            admission_date=ok.c_admission,
            discharge_date=ok.c_discharge,
            length_of_stay=ok.b_length,
            ghm=ok.b_ghm,
            main_diagnosis=ok.b_dp,
            related_diagnosis=ok.b_dr,
            entry_mode=ok.b_entry,
            exit_mode=ok.b_exit,
            ghs=ok.b_ghs,
        )


def _is_loaded(s: ir.Table) -> ir.BooleanValue:
    return s.s_rule.isnull() & ~s.s_faulty & ~s.s_orphan & s.s_person.isnull()
