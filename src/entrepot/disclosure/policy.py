"""What counts as safe to publish: the small-count threshold and the rounding rule.

Counts from 1 to `threshold` are masked (0 is shown: an empty cell discloses nothing about
a person, and SNDS practice publishes it). Rounding, when asked for, is applied after
suppression to the cells still published, so a rounded value never stands for a small count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

#: How a masked cell is written out. The same marker for cells masked because they are
#: small and for cells masked to protect them: a reader must not tell which is which.
MASK = "[REDACTED]"


class Rounding(StrEnum):
    #: Nearest multiple of 5 (no ties: 5 is odd).
    TO_5 = "to5"
    #: OpenSAFELY's midpoint-6: every n in 6k-5..6k is shown as 6k-3, the middle of its
    #: band, so sums of rounded values are unbiased. Used for survival tables.
    MIDPOINT_6 = "midpoint6"


@dataclass(frozen=True)
class Policy:
    """The disclosure rules a table is protected and checked with.

    The warehouse's operator sets it; a researcher does not choose it for a submission.
    """

    threshold: int = 10
    rounding: Rounding | None = None

    def __post_init__(self) -> None:
        if self.threshold < 0:
            raise ValueError(f"the small-count threshold must be 0 or more, not {self.threshold}")
        if self.rounding is not None:
            object.__setattr__(self, "rounding", Rounding(self.rounding))

    def is_small(self, count: int) -> bool:
        """Whether a true count must be masked."""
        return 1 <= count <= self.threshold

    def as_json(self) -> dict[str, int | str | None]:
        rounding = None if self.rounding is None else self.rounding.value
        return {"threshold": self.threshold, "rounding": rounding}


#: The usual SNDS practice: counts from 1 to 10 masked, no rounding.
DEFAULT_POLICY = Policy()
#: Life tables are rounded as well: their numbers at risk would give masked counts back.
SURVIVAL_POLICY = Policy(rounding=Rounding.MIDPOINT_6)


def round_count(count: int, rounding: Rounding | None) -> int:
    """`count` rounded by `rounding` (unchanged when None); 0 always stays 0."""
    return int(round_counts(np.asarray(count), rounding))


def round_counts(counts: np.ndarray, rounding: Rounding | None) -> np.ndarray:
    """`round_count` over an array of non-negative whole counts."""
    if rounding is None:
        return counts
    if rounding is Rounding.TO_5:
        return 5 * ((counts + 2) // 5)
    return np.where(counts == 0, 0, -(-counts // 6) * 6 - 3)


def published_problem(value: int, policy: Policy) -> str | None:
    """Why a published whole, non-negative count is unsafe under `policy`, or None.

    Without rounding a value from 1 to the threshold is a small count. With rounding the
    value must be one the rule produces, and some count above the threshold must round to
    it: under "to5" a 10 may stand for 11 or 12 (safe), a 5 only for 3 to 7 (small).
    """
    if value == 0:
        return None
    if policy.rounding is None:
        if policy.is_small(value):
            return f"{value} is between 1 and {policy.threshold}"
        return None
    if round_count(value, policy.rounding) != value:
        return f"{value} is not rounded ({policy.rounding})"
    largest_source = value + (2 if policy.rounding is Rounding.TO_5 else 3)
    if largest_source <= policy.threshold:
        return f"{value} stands for counts between 1 and {policy.threshold} once rounded"
    return None
