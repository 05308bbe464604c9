"""Why a patient was left unlinked, one reason each, the first that applies:

- `token_conflict`: the patient's token is carried by another patient or by several
  beneficiaries, so it linked nobody, and the probabilistic linkage did not link them
  either;
- `lost_to_better_match`: a beneficiary scored above the threshold with them, but every
  such beneficiary went to another patient with a better score;
- `below_threshold`: blocking found candidates, none scored high enough;
- `no_candidate`: blocking found nobody to compare them with.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

TOKEN_CONFLICT = "token_conflict"
LOST_TO_BETTER_MATCH = "lost_to_better_match"
BELOW_THRESHOLD = "below_threshold"
NO_CANDIDATE = "no_candidate"
REASONS = (TOKEN_CONFLICT, LOST_TO_BETTER_MATCH, BELOW_THRESHOLD, NO_CANDIDATE)


def unlinked_patients(
    people: pa.Table,
    links: pa.Table,
    *,
    token_conflicts: pa.Array,
    outbid: pa.Array,
    with_candidates: pa.Array,
) -> pa.Table:
    """`patient_id, centre_finess, reason` for every patient of `people` not in `links`."""
    left = people.filter(pc.invert(pc.is_in(people["patient_id"], links["patient_id"])))
    ids = left["patient_id"]
    reason = pa.chunked_array([pa.array([NO_CANDIDATE] * left.num_rows, pa.string())])
    # Applied from the weakest reason to the strongest, each overriding the last.
    for name, patients in (
        (BELOW_THRESHOLD, with_candidates),
        (LOST_TO_BETTER_MATCH, outbid),
        (TOKEN_CONFLICT, token_conflicts),
    ):
        reason = pc.if_else(pc.is_in(ids, patients), name, reason)
    table = pa.table({"patient_id": ids, "centre_finess": left["centre_finess"], "reason": reason})
    return table.sort_by("patient_id")
