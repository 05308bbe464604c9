"""French départements (``01``-``95`` without ``20``, ``2A``, ``2B``, ``971``-``976``).

Labels come from the SNDS ``IR_DPT_V``, whose codes are three characters (``001``, ``02A``,
``971``) and whose names are upper case without accents; proper names are not translated, so
the English label is the French one. ``975`` (Saint-Pierre-et-Miquelon) is a collectivité, not
a département, but it is in the 971-976 range the warehouse uses and keeps its own code.
"""

import re

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, EnumeratedCodeSystem, Labels

# Corsica was département 20 until 1976; it is now 2A and 2B, and 20 is not a département.
METROPOLITAN_DEPARTEMENTS = frozenset(
    [f"{number:02d}" for number in range(1, 96) if number != 20] + ["2A", "2B"]
)
OVERSEAS_DEPARTEMENTS = frozenset(str(number) for number in range(971, 977))
DEPARTEMENTS = METROPOLITAN_DEPARTEMENTS | OVERSEAS_DEPARTEMENTS

# Older SNDS tables code Corsica as 201 and 202 (IR_DPT_V still lists them).
_SNDS_CORSICA = {"201": "2A", "202": "2B"}
_DIGITS = re.compile(r"[0-9]{1,3}", re.ASCII)
_CORSICA = re.compile(r"0?(2[AB])")
# Saint-Barthélemy and Saint-Martin have 971 postcodes but left Guadeloupe in 2007.
_NOT_GUADELOUPE = frozenset({"97133", "97150"})


def _clean(raw: str) -> str:
    code = WHITESPACE.sub("", raw).upper()
    if code in _SNDS_CORSICA:
        return _SNDS_CORSICA[code]
    corsica = _CORSICA.fullmatch(code)
    if corsica:
        return corsica[1]
    if _DIGITS.fullmatch(code):
        # "1" and "001" both mean Ain; a 3-digit code not starting with 0 is overseas.
        if len(code) == 3 and code[0] != "0":
            return code
        return code[-2:].zfill(2)
    return code


def _load() -> dict[str, Labels]:
    names = {
        _clean(row["GEO_DPT_COD"]): row["GEO_DPT_LIB"] for row in read_rows("snds/IR_DPT_V.csv")
    }
    return {code: Labels(names.get(code), names.get(code)) for code in DEPARTEMENTS}


def departement_from_postcode(postcode: str) -> str | None:
    """Return the département of a French postal code, or None if it has none.

    The département is the first two digits, except:

    - Corsica (``20``): ``200xx``-``201xx`` are Corse-du-Sud (``2A``, Ajaccio is 20000 and
      20090), ``202xx``, ``204xx`` (Bastia CEDEX) and ``206xx`` are Haute-Corse (``2B``);
    - overseas (``97``): the first three digits (``97411`` → ``974``), except Saint-Barthélemy
      (``97133``) and Saint-Martin (``97150``), which are not départements: None;
    - ``98`` (Monaco, Pacific territories) and unallocated prefixes: None.

    A handful of border communes are served by a post office of the neighbouring
    département and so get that département; a postcode cannot tell them apart.
    A 4-digit code is taken as a 5-digit one that lost its leading zero in a spreadsheet.
    """
    if not isinstance(postcode, str):
        return None
    code = WHITESPACE.sub("", postcode)
    if re.fullmatch(r"[0-9]{4}", code, re.ASCII):
        code = "0" + code
    if not re.fullmatch(r"[0-9]{5}", code, re.ASCII) or code in _NOT_GUADELOUPE:
        return None
    if code.startswith("97"):
        departement = code[:3]
    elif code.startswith("20"):
        departement = {"0": "2A", "1": "2A", "2": "2B", "4": "2B", "6": "2B"}.get(code[2], "")
    else:
        departement = code[:2]
    return departement if departement in DEPARTEMENTS else None


DEPARTEMENT = EnumeratedCodeSystem(
    "departement", "French département (INSEE code)", load=_load, clean=_clean
)


def _clean_snds(raw: str) -> str:
    code = WHITESPACE.sub("", raw).upper()
    return code.zfill(3) if len(code) < 3 else code


def _load_snds() -> dict[str, Labels]:
    return {
        _clean_snds(row["GEO_DPT_COD"]): Labels(row["GEO_DPT_LIB"], row["GEO_DPT_LIB"])
        for row in read_rows("snds/IR_DPT_V.csv")
    }


#: Residence codes as the SNDS writes them (``075``, ``02A``, ``971``, ``999`` unknown,
#: ``991`` abroad): every ``IR_DPT_V`` code. Those that are a département become one with
#: ``DEPARTEMENT.normalise``; the others (unknown, abroad, military) have no warehouse
#: département.
SNDS_DEPARTEMENT = EnumeratedCodeSystem(
    "snds_departement", "Residence code of the SNDS (IR_DPT_V)", load=_load_snds, clean=_clean_snds
)
