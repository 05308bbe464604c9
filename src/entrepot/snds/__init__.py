"""SNDS native tables → the warehouse's claims tables, with the SNDS cleaning rules.

An extract folder (decision 0004) is read as delivered, checked against the HDH schemas and
the nomenclatures, cleaned by the SNDS's standard rules, its pseudonyms resolved to persons,
and committed as the working store's current SNDS data. Every row of every file ends
loaded, excluded by a named rule, or quarantined with a reason; the counts add up.
"""

from entrepot.snds.errors import ExtractRefused
from entrepot.snds.pipeline import STEPS, ImportResult, import_extract
from entrepot.snds.report import ImportReport

__all__ = ["STEPS", "ExtractRefused", "ImportReport", "ImportResult", "import_extract"]
