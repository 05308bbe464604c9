"""The French NIR (numéro d'inscription au répertoire), the social-security number.

A NIR never enters the warehouse: these functions let the synthetic generator make valid
ones and the edge identifier scanner recognise real ones.

Layout, 15 characters: sex (1), year of birth (2), month of birth (2), place of birth (5:
département and commune, ``2A``/``2B`` in Corsica, ``97x`` + 2 digits overseas, ``99`` +
country abroad), order number (3), key (2). The key is 97 − (the first 13 characters as a
number mod 97), with Corsica's ``2A`` and ``2B`` read as 19 and 18.

Validation is permissive where real NIRs are: sex 1/2, and 3, 4, 7, 8 for provisional
numbers; months 01-12, 20-42 and 50-99 (pseudo-months given when the civil-status month is
unknown); département ``20`` (Corsica before 1976) and ``96`` (former protectorates).
"""

import re

_NIR = re.compile(
    r"[123478]"  # sex
    r"[0-9]{2}"  # year of birth
    r"(?:0[1-9]|1[0-2]|[23][0-9]|4[0-2]|[5-9][0-9])"  # month of birth or pseudo-month
    r"(?!00)(?:[0-9]{2}|2[AB])[0-9]{3}"  # place of birth
    r"(?!000)[0-9]{3}"  # order number
    r"[0-9]{2}",  # key
    re.ASCII,
)
_BODY = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}", re.ASCII)
_CORSICA_FOR_KEY = {"2A": "19", "2B": "18"}
_SEXES = frozenset({1, 2, 3, 4, 7, 8})


def nir_key(nir13: str) -> str:
    """Return the 2-digit key of the first 13 characters of a NIR.

    >>> nir_key("1850575013042")
    '04'
    """
    if not _BODY.fullmatch(nir13):
        raise ValueError("expected the 13 characters of a NIR before its key")
    digits = nir13[:5] + _CORSICA_FOR_KEY.get(nir13[5:7], nir13[5:7]) + nir13[7:]
    return f"{97 - int(digits) % 97:02d}"


def is_valid_nir(s: str) -> bool:
    """Tell whether ``s`` (spaces allowed) is a structurally valid NIR with the right key."""
    if not isinstance(s, str):
        return False
    nir = s.replace(" ", "").upper()
    return _NIR.fullmatch(nir) is not None and nir_key(nir[:13]) == nir[13:]


def make_nir(
    sex: int,
    birth_year: int,
    birth_month: int,
    departement: str,
    commune: str,
    order: int,
) -> str:
    """Build a valid 15-character NIR.

    ``departement`` is 2 characters (``75``, ``2A``, ``99`` for abroad) or 3 for overseas
    (``974``); ``commune`` completes it to the 5-character place of birth: the 3 (or 2) last
    digits of the INSEE commune code, or the whole code (``75113``, ``97411``).
    """
    if sex not in _SEXES:
        raise ValueError(f"sex must be one of {sorted(_SEXES)}")
    departement = departement.upper()
    if len(departement) not in (2, 3):
        raise ValueError("departement must have 2 characters, or 3 overseas")
    if len(commune) == 5 and commune.startswith(departement):
        commune = commune[len(departement) :]
    place = departement + commune.zfill(5 - len(departement))
    body = f"{sex}{birth_year % 100:02d}{birth_month:02d}{place}{order:03d}"
    nir = body + nir_key(body) if _BODY.fullmatch(body) else ""
    if not _NIR.fullmatch(nir):
        raise ValueError("month, place of birth or order number out of range for a NIR")
    return nir
