"""Who is who: the beneficiary referential (IR_BEN_R), and finding the person of a claim.

A person (`BEN_IDT_ANO`) may have several pseudonyms (`BEN_NIR_PSA`, one row of IR_BEN_R
each). Same-sex twins share a pseudonym and are told apart by their rank `BEN_RNG_GEM` in
the DCIR, but not in the PMSI, which has the pseudonym alone (`NIR_ANO_17`): a PMSI
pseudonym that designates two persons cannot be attributed, and its stays are quarantined
as ambiguous rather than given to one twin at random.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from entrepot.snds.coding import Coder, departement, mapped
from entrepot.snds.sources import BENEFICIARIES
from entrepot.snds.values import CODE_KIND, Check, field, value
from entrepot.snds.work import Work, judged, loaded, with_row_verdict

PSA, RANK, PERSON = "BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_IDT_ANO"
BIRTH_YEARS = (1880, 2030)

FIELDS = (
    field(BENEFICIARIES, PSA, required=True),
    field(BENEFICIARIES, RANK, required=True),
    field(BENEFICIARIES, PERSON, required=True),
    field(BENEFICIARIES, "BEN_SEX_COD", CODE_KIND, required=True),
    field(BENEFICIARIES, "BEN_NAI_ANN", required=True),
    field(BENEFICIARIES, "BEN_NAI_MOI", required=True),
    field(BENEFICIARIES, "BEN_RES_DPT", CODE_KIND),
    field(BENEFICIARIES, "BEN_DCD_DTE"),
    field(BENEFICIARIES, "BEN_DTE_MAJ"),
)


def coders() -> dict[str, Coder]:
    return {
        "BEN_SEX_COD": Coder(mapped({"1": "M", "2": "F"})),
        "BEN_RES_DPT": Coder(departement),
    }


class People:
    """The judged IR_BEN_R rows, the persons they load, and who each pseudonym designates."""

    def __init__(self, work: Work) -> None:
        self.work = work
        self.rows = work.judge("IR_BEN_R", self._judged_rows())
        readable = self.rows.filter(
            self.rows[value(PSA)].notnull()
            & self.rows[value(RANK)].notnull()
            & self.rows[value(PERSON)].notnull()
        )
        psa, rank, person = readable[value(PSA)], readable[value(RANK)], readable[value(PERSON)]
        # Every row counts here, quarantined or not, so that a claim of a quarantined
        # person is reported as such rather than as a pseudonym nobody knows.
        self.by_twin_pseudonym = work.keep(
            "pseudonyms_with_rank",
            readable.group_by(p_psa=psa, p_rank=rank).agg(
                p_persons=person.nunique(), p_person=person.max()
            ),
        )
        self.by_pseudonym = work.keep(
            "pseudonyms",
            readable.group_by(p_psa=psa).agg(p_persons=person.nunique(), p_person=person.max()),
        )
        ok = loaded(self.rows)
        self.loaded = work.keep("persons_loaded", ok.select(l_person=ok[value(PERSON)]).distinct())

    def _judged_rows(self) -> ir.Table:
        t = self.work.raw(BENEFICIARIES)
        low, high = BIRTH_YEARS
        year = t[value("BEN_NAI_ANN")]
        t = with_row_verdict(t, [("out_of_range", "BEN_NAI_ANN", ~year.between(low, high))])
        # Two persons behind one (pseudonym, rank): neither row can say who is who.
        keys = (
            t.filter(t[value(PERSON)].notnull())
            .group_by(k_psa=t[value(PSA)], k_rank=t[value(RANK)])
            .agg(k_persons=t[value(PERSON)].nunique())
        )
        t = t.left_join(keys, [t[value(PSA)] == keys.k_psa, t[value(RANK)] == keys.k_rank])
        return judged(t, [], [("ambiguous_pseudonym", PSA, t.k_persons > 1)]).drop(
            "k_psa", "k_rank", "k_persons"
        )

    def persons(self) -> ir.Table:
        """One row per loaded person, with the attributes of its most recently updated row
        and the latest death date any of its rows gives."""
        ok = loaded(self.rows)
        person = ok[value(PERSON)]
        ranked = ok.mutate(
            _rank=ibis.row_number().over(
                group_by=person,
                order_by=[ok[value("BEN_DTE_MAJ")].desc(nulls_first=False), ok._line.desc()],
            ),
            _death=ok[value("BEN_DCD_DTE")].max().over(group_by=person),
        )
        latest = ranked.filter(ranked._rank == 0)
        return latest.select(
            beneficiary_id=latest[value(PERSON)],
            sex=latest[value("BEN_SEX_COD")],
            birth_year=latest[value("BEN_NAI_ANN")],
            birth_month=latest[value("BEN_NAI_MOI")],
            departement=latest[value("BEN_RES_DPT")],
            death_date=latest._death,
        )

    def _resolved(
        self, t: ir.Table, mapping: ir.Table, keys: list[ir.BooleanValue], column: str
    ) -> tuple[ir.Table, list[Check]]:
        t = t.left_join(mapping, keys)
        t = t.left_join(self.loaded, t.p_person == self.loaded.l_person)
        t = t.mutate(beneficiary_id=ibis.ifelse(t.p_persons == 1, t.p_person, None))
        checks: list[Check] = [
            ("unknown_pseudonym", column, t.p_persons.isnull()),
            ("ambiguous_pseudonym", column, t.p_persons > 1),
            ("beneficiary_quarantined", column, (t.p_persons == 1) & t.l_person.isnull()),
        ]
        return t, checks

    def by_pseudonym_and_rank(
        self, t: ir.Table, psa: str, rank: str
    ) -> tuple[ir.Table, list[Check]]:
        """DCIR: the person of (pseudonym, twin rank), in `beneficiary_id`, and the checks
        that fail when there is none or several."""
        m = self.by_twin_pseudonym
        keys = [t[value(psa)] == m.p_psa, t[value(rank)] == m.p_rank]
        return self._resolved(t, m, keys, psa)

    def by_pseudonym_alone(self, t: ir.Table, psa: str) -> tuple[ir.Table, list[Check]]:
        """PMSI: the person of a pseudonym alone; twins sharing it make it ambiguous."""
        m = self.by_pseudonym
        return self._resolved(t, m, [t[value(psa)] == m.p_psa], psa)

    def by_person(self, t: ir.Table, person: str) -> tuple[ir.Table, list[Check]]:
        """Causes of death: the person is named directly (BEN_IDT_ANO)."""
        people = self.rows.filter(self.rows[value(PERSON)].notnull())
        known = people.select(p_person=people[value(PERSON)]).distinct().mutate(p_persons=1)
        return self._resolved(t, known, [t[value(person)] == known.p_person], person)
