"""What becomes of an extract row that is not loaded, and why.

Two kinds, kept apart in every count:

- *excluded* by a standard SNDS cleaning rule: the row is as delivered, but the SNDS's own
  documentation says not to use it (an error stay, a duplicate copy, a line sent for
  information). Nothing to correct; the count says how much each rule removed.
- *quarantined*: the row cannot be read or linked (a value that is not a date, a code that
  is not in its nomenclature, a pseudonym that matches nobody). Listed row by row, file,
  line and column, never values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    meaning: str
    what_to_do: str


@dataclass(frozen=True)
class Rule:
    code: str
    meaning: str
    why: str


_RULES = [
    Rule(
        "legal_entity_duplicate",
        "PMSI stay reported under the legal-entity FINESS of AP-HP (750712184), HCL "
        "(690781810) or AP-HM (130786049)",
        "until 2017 these three sent their activity twice, under each site's FINESS and "
        "under the legal entity's; the site copy is kept (it says where care took place). "
        "From 2018 a legal-entity stay is dropped only if the same person has the same stay "
        "under another FINESS",
    ),
    Rule(
        "pmsi_return_code",
        "PMSI stay whose chaining return codes are not all 0 (NIR_RET, NAI_RET, SEX_RET, "
        "SEJ_RET, FHO_RET, PMS_RET, DAT_RET, and COH_NAI_RET, COH_SEX_RET when delivered)",
        "the pseudonym of such a stay could not be computed reliably: it may belong to "
        "someone else",
    ),
    Rule(
        "pmsi_error_ghm",
        "PMSI stay grouped in CMD 90 (GHM 90*: grouping errors, unclassifiable stays)",
        "the stay's coding was rejected by the ATIH grouper",
    ),
    Rule(
        "dcir_for_information",
        "DCIR prestation line sent for information only (DPN_QLF or PRS_DPN_QLP = 71)",
        "the care is already counted elsewhere (hospital outpatient activity); keeping it "
        "would count it twice",
    ),
    Rule(
        "repeated_diagnosis",
        "associated diagnosis repeated for the same stay (T_MCOaaD)",
        "the PMSI often lists the same associated diagnosis several times; it is kept once",
    ),
    Rule(
        "not_a_long_term_condition",
        "exemption of IR_IMB_R that is not an ALD (IMB_ETM_NAT not 41, 43 or 45)",
        "the referential also holds other exemptions (work accidents, invalidity, maternity)",
    ),
]

_REASONS = [
    Reason(
        "truncated_line",
        "the line has fewer or more fields than the header",
        "check the delivery for a line cut short or a separator inside a value",
    ),
    Reason(
        "missing_required",
        "a value the import needs is empty",
        "check the extraction of this column with the data provider",
    ),
    Reason(
        "too_long",
        "the value is longer than the HDH schema allows for the column",
        "check the column is the one the schema describes",
    ),
    Reason(
        "invalid_date",
        "the value is not a date in an SNDS format",
        "dates are 01JAN2019:00:00:00, 01/01/2019, or 01012019 for PMSI ENT_DAT/SOR_DAT",
    ),
    Reason(
        "invalid_number",
        "the value is not a number of the column's type",
        "check the column holds digits only (decimal point or comma for amounts)",
    ),
    Reason(
        "invalid_code",
        "the value is not a code of the column's nomenclature",
        "check the code against the nomenclature named in the HDH schema",
    ),
    Reason(
        "out_of_range",
        "the value is outside the plausible range of the column",
        "check the value (a year of birth before 1880, a negative length of stay)",
    ),
    Reason(
        "end_before_start",
        "the end date is before the start date",
        "check both dates of the row",
    ),
    Reason(
        "duplicate_key",
        "several rows share the key that identifies a row of this table",
        "ask the data provider for a delivery with one row per key",
    ),
    Reason(
        "ambiguous_pseudonym",
        "the pseudonym designates several persons (same-sex twins share a PMSI pseudonym)",
        "nothing to correct: the SNDS cannot tell whose row it is",
    ),
    Reason(
        "unknown_pseudonym",
        "no readable row of the beneficiary referential (IR_BEN_R) has this pseudonym",
        "check that IR_BEN_R covers every beneficiary of the extract, and see its "
        "quarantined rows in this report",
    ),
    Reason(
        "beneficiary_quarantined",
        "the beneficiary this row belongs to was quarantined in IR_BEN_R",
        "see that beneficiary's IR_BEN_R row in this report",
    ),
    Reason(
        "conflicting_token",
        "the trusted third party gives several tokens for one person, or one token for "
        "several persons",
        "ask the trusted third party to check its correspondence",
    ),
    Reason(
        "orphan_line",
        "the stay or prestation line this row belongs to is not in the extract",
        "check the delivery holds the T_MCOaaB and T_MCOaaC rows of every stay, and the "
        "ER_PRS_F line of every ER_PHA_F and ER_UCD_F line",
    ),
    Reason(
        "stay_quarantined",
        "the stay this row belongs to was quarantined (see its other rows)",
        "see the stay's T_MCOaaB or T_MCOaaC row in this report",
    ),
    Reason(
        "claim_quarantined",
        "the ER_PRS_F prestation line this row belongs to was quarantined",
        "see that ER_PRS_F line in this report",
    ),
]

RULES: dict[str, Rule] = {r.code: r for r in _RULES}
REASONS: dict[str, Reason] = {r.code: r for r in _REASONS}
#: A row failing several checks gets the first reason in this order.
PRIORITY: dict[str, int] = {r.code: i for i, r in enumerate(_REASONS)}


def describe(code: str, column: str | None) -> str:
    """One sentence for the operator, without any value from the row."""
    reason = REASONS[code]
    where = f"column {column}: " if column else ""
    return f"{where}{reason.meaning}; {reason.what_to_do}"
