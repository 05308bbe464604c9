"""The configurable rates of the realities built into an extract (each a probability).

Defaults are what the brief of issue 3 asks for, or plausible orders of magnitude of what
SNDS users report (assumption): they are options, so that a test or a benchmark can turn a
reality up, or off, and see what linkage and import make of it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Rates:
    #: Hospital patients whose birth month in the SNDS is one off the hospital's.
    birth_month_off: float = 0.05
    #: Hospital stays whose PMSI admission and discharge are both one day off.
    stay_shift: float = 0.20
    #: Hospital stays missing from the PMSI.
    stay_missing: float = 0.05
    #: Hospital patients with one PMSI stay at their centre that the hospital does not know.
    stay_unknown: float = 0.03
    #: Hospital patients with a same-sex twin sharing their pseudo-NIR.
    twin: float = 0.01
    #: Hospital patients with a look-alike (sex, birth year and month, département) who
    #: also has stays at their centre.
    decoy: float = 0.20
    #: People with a second pseudo-NIR (BEN_NIR_PSA) in IR_BEN_R.
    extra_pseudonym: float = 0.05
    #: PMSI stays with a chaining return code other than 0.
    return_code: float = 0.03
    #: PMSI stays grouped in an error GHM (90*).
    error_ghm: float = 0.005
    #: DCIR consultation lines sent for information only (DPN_QLF 71).
    info_line: float = 0.03
    #: People the trusted third party has a token for (TTP_CORRESPONDANCE).
    token: float = 0.97

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")


RATE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Rates))
