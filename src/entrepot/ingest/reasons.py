"""Why a row is quarantined: every reason with what it means and what the centre should do.

Reasons are listed in priority order: a row failing several checks is quarantined with
the first, so that a centre fixes the most basic problem first (a value that cannot be
read before a date that is implausible).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    code: str
    meaning: str
    what_to_do: str


_REASONS = [
    Reason(
        "truncated_line",
        "the line has fewer or more fields than the header",
        "check the export for a line cut short or an unquoted separator inside a value",
    ),
    Reason(
        "missing_required",
        "a required value is empty",
        "fill the value in the source system and export again",
    ),
    Reason(
        "invalid_date",
        "the value is not a date",
        "write dates as YYYY-MM-DD or DD/MM/YYYY and check the day exists",
    ),
    Reason(
        "invalid_number",
        "the value is not a number",
        "write numbers with digits only (decimal point or comma)",
    ),
    Reason("invalid_boolean", "the value is not yes/no", "write true/false or oui/non"),
    Reason(
        "invalid_code",
        "the value is not a code of the column's vocabulary",
        "use a code listed in the data dictionary for this column",
    ),
    Reason(
        "out_of_range",
        "the number is outside the plausible range of the column",
        "check the value and its unit",
    ),
    Reason(
        "unit_mismatch",
        "the unit is not the unit the data dictionary declares for this measurement",
        "convert the value to the declared unit before export",
    ),
    Reason(
        "death_inconsistent",
        "vital status and date of death disagree",
        "give a date of death exactly when the patient is deceased",
    ),
    Reason(
        "cancer_type_inconsistent",
        "the diagnosis or site code does not belong to the cancer type",
        "check the cancer type and the ICD-10 / ICD-O-3 topography codes",
    ),
    Reason(
        "sex_inconsistent",
        "the cancer type is not possible for the patient's sex",
        "check the patient's sex and the cancer type",
    ),
    Reason(
        "stage_inconsistent_with_m",
        "metastatic status, M category and stage disagree",
        "make cM, 'metastatic at diagnosis', metastatic sites and stage group agree",
    ),
    Reason(
        "end_before_start",
        "the end date is before the start date",
        "check both dates",
    ),
    Reason(
        "stay_dates_inconsistent",
        "a day case must end on its admission day; an inpatient stay after it",
        "check the stay type and its dates",
    ),
    Reason(
        "line_outside_metastatic_setting",
        "a metastatic line number is given outside the metastatic setting, or missing in it",
        "give a line number exactly for treatments of metastatic disease",
    ),
    Reason(
        "duplicate_row",
        "the row repeats an earlier row of the same file exactly",
        "nothing to do for the data (the first copy was loaded); remove duplicates from exports",
    ),
    Reason(
        "conflicting_duplicate",
        "several different rows have the same key (same patient and record number)",
        "keep one row per key in the export",
    ),
    Reason(
        "unknown_parent",
        "the row refers to a patient or tumour absent from this package",
        "export the patient (and tumour) rows together with their records",
    ),
    Reason(
        "parent_quarantined",
        "the patient or tumour this row belongs to was quarantined",
        "fix the patient or tumour row; this row will load with it",
    ),
    Reason(
        "date_before_birth",
        "the date is before the patient's birth",
        "check the date and the patient's date of birth",
    ),
    Reason(
        "date_after_death",
        "the date is after the patient's death",
        "check the date and the date of death",
    ),
    Reason(
        "date_after_last_news",
        "the date is after the patient's date of last news",
        "update the date of last news or check the date",
    ),
    Reason(
        "date_in_future",
        "the date is after the package was created",
        "check the date",
    ),
    Reason(
        "treatment_before_diagnosis",
        "the treatment starts before the tumour's diagnosis",
        "check the start date and the diagnosis date",
    ),
    Reason(
        "event_before_diagnosis",
        "the tumour event is dated before the tumour's diagnosis",
        "check the event date and the diagnosis date",
    ),
    Reason(
        "metastatic_line_without_metastasis",
        "a metastatic line starts before any metastasis is recorded for the tumour",
        "record the progression (tumour_event) or metastatic status at diagnosis",
    ),
]

REASONS: dict[str, Reason] = {r.code: r for r in _REASONS}
PRIORITY: dict[str, int] = {r.code: i for i, r in enumerate(_REASONS)}


def describe(code: str, column: str | None) -> str:
    """One sentence for a data manager, without any value from the row."""
    reason = REASONS[code]
    where = f"column {column}: " if column else ""
    return f"{where}{reason.meaning}; {reason.what_to_do}"
