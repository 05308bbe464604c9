"""The trusted third party's correspondence: the SNDS linkage token of each person.

The TTP computes the token from each beneficiary's own NIR (decision 0004) and sends it
with the person's pseudonym and twin rank. A person must get one token and a token must
name one person: a correspondence that says otherwise cannot be used for that person or
token (`conflicting_token`), since linking on it could join two different people.
"""

from __future__ import annotations

import ibis.expr.types as ir

from entrepot.snds.people import People
from entrepot.snds.sources import TOKENS
from entrepot.snds.values import Check, field, first_failing
from entrepot.snds.work import ROW_VERDICT, Work, judged, loaded, with_row_verdict

FIELDS = (
    field(TOKENS, "SNDS_TOKEN", required=True),
    field(TOKENS, "BEN_NIR_PSA", required=True),
    field(TOKENS, "BEN_RNG_GEM", required=True),
)
_HEX_SHA256 = r"^[0-9A-Fa-f]{64}$"


def tokens(work: Work, people: People) -> ir.Table:
    """Judge the correspondence; return one `(beneficiary_id, snds_token)` per person."""
    t = work.raw(TOKENS)
    checks: list[Check] = [("invalid_code", "SNDS_TOKEN", ~t.SNDS_TOKEN.re_search(_HEX_SHA256))]
    t = with_row_verdict(t, checks).mutate(token=t.SNDS_TOKEN.lower())
    t, person = people.by_pseudonym_and_rank(t, "BEN_NIR_PSA", "BEN_RNG_GEM")
    # The person's verdict joins the row's before the conflicts are counted among the rows
    # that pass both.
    t = t.mutate(**{ROW_VERDICT: t[ROW_VERDICT].coalesce(first_failing(person))})
    t = work.keep("token_rows", t)
    fine = t.filter(t[ROW_VERDICT].isnull())
    per_person = fine.group_by(q_person=fine.beneficiary_id).agg(q_tokens=fine.token.nunique())
    per_token = fine.group_by(q_token=fine.token).agg(q_persons=fine.beneficiary_id.nunique())
    t = t.left_join(per_person, t.beneficiary_id == per_person.q_person)
    t = t.left_join(per_token, t.token == per_token.q_token)
    conflicts: list[Check] = [
        ("conflicting_token", "SNDS_TOKEN", (t.q_tokens > 1) | (t.q_persons > 1)),
    ]
    rows = loaded(work.judge(TOKENS.table, judged(t, [], conflicts), ["beneficiary_id", "token"]))
    return rows.select(t_person=rows.beneficiary_id, t_token=rows.token).distinct()
