"""Drug identifiers of the SNDS: UCD (hospital dispensing unit) and CIP13 (pharmacy pack).

Both are GS1 (EAN-13) numbers under the French prefix ``3400``, with a check digit:

- **CIP13** ``34009`` + 7 digits + check digit. Packs that existed before 2009 also have a
  7-digit CIP (``CIP7``), which is the 7 digits in the middle: ``3400935955838`` is CIP7
  ``3595583``. Validity is structural (no full list ships with the schema project: its
  ``IR_PHA_R`` is missing upstream); the ATC class comes from ``IR_CIP_V``, listed by CIP7.
- **UCD** ``34008`` + the 7-digit UCD (``UCD7``) + check digit. The SNDS writes the same code
  three ways: ``9231824`` (UCD7, older PMSI), ``0000009231824`` (UCD7 padded to 13 characters,
  DCIR and ``NU_UCD_R``), ``3400892318241`` (UCD13, PMSI since 2015). All three normalise to
  the UCD13. Labels come from ``NU_UCD_R`` (French only).

The ATC code of a UCD is derived from its label: the international non-proprietary name
(INN) that starts ``UCD_DSN_LIB`` is looked up among the substances of ``data/atc.csv`` by
their French and English names. Brand names (``HERCEPTIN``, ``KEYTRUDA``) carry no INN and
get none; docs/vocabularies.md gives the coverage.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, Labels, PatternCodeSystem

_DIGITS13 = re.compile(r"[0-9]{13}", re.ASCII)
_DIGITS7 = re.compile(r"[0-9]{7}", re.ASCII)
_UCD_PADDING = "000000"
UCD_PREFIX = "34008"
CIP_PREFIX = "34009"

# Salt words written before the INN in French labels: "CHLORHYDRATE DE DOXORUBICINE".
_SALTS = frozenset(
    {
        "ACETATE",
        "BROMHYDRATE",
        "CHLORHYDRATE",
        "CITRATE",
        "DICHLORHYDRATE",
        "DITOSILATE",
        "FUMARATE",
        "MALEATE",
        "MESILATE",
        "PHOSPHATE",
        "SODIQUE",
        "SULFATE",
        "TARTRATE",
    }
)
_LINKS = frozenset({"DE", "D", "DU"})
_LONGEST_INN = 3


def ean13_check_digit(first12: str) -> str:
    """The GS1 check digit of 12 digits: weights 1 and 3 from the left, to the next ten.

    >>> ean13_check_digit("340093595583")
    '8'
    """
    if not re.fullmatch(r"[0-9]{12}", first12, re.ASCII):
        raise ValueError("an EAN-13 check digit is computed over 12 digits")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return str(-total % 10)


def _with_check(first12: str) -> str:
    return first12 + ean13_check_digit(first12)


def _is_ean13(code: str) -> bool:
    return _DIGITS13.fullmatch(code) is not None and ean13_check_digit(code[:12]) == code[12]


def cip13_from_cip7(cip7: str) -> str:
    """The CIP13 of a 7-digit CIP: ``34009`` + CIP7 + check digit."""
    if not _DIGITS7.fullmatch(cip7):
        raise ValueError("a CIP7 has 7 digits")
    return _with_check(CIP_PREFIX + cip7)


def ucd13_from_ucd7(ucd7: str) -> str:
    """The UCD13 of a 7-digit UCD: ``34008`` + UCD7 + check digit."""
    if not _DIGITS7.fullmatch(ucd7):
        raise ValueError("a UCD7 has 7 digits")
    return _with_check(UCD_PREFIX + ucd7)


def _clean_cip13(raw: str) -> str | None:
    code = WHITESPACE.sub("", raw)
    if _DIGITS7.fullmatch(code):
        return cip13_from_cip7(code)
    return code if code.startswith(CIP_PREFIX) and _is_ean13(code) else None


def _clean_ucd(raw: str) -> str | None:
    code = WHITESPACE.sub("", raw)
    if _DIGITS7.fullmatch(code):
        return ucd13_from_ucd7(code)
    if _DIGITS13.fullmatch(code) and code.startswith(_UCD_PADDING):
        return ucd13_from_ucd7(code[len(_UCD_PADDING) :])
    return code if code.startswith(UCD_PREFIX) and _is_ean13(code) else None


def _plain(text: str) -> str:
    """Upper case without accents: ``Carboplatine`` and ``CARBOPLATINE`` meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper().strip()


@cache
def _substances() -> dict[str, str]:
    """Plain French and English substance names of the ATC list -> ATC code."""
    names: dict[str, str] = {}
    for row in read_rows("atc.csv"):
        if len(row["code"]) == 7:
            for name in (row["name_fr"], row["name_en"]):
                names.setdefault(_plain(name), row["code"])
    return names


def _inn_words(label: str) -> list[str]:
    words = _plain(label).replace("'", " ").split()
    while len(words) > 2 and words[0] in _SALTS and words[1] in _LINKS:
        words = words[2:]
    return words


def atc_of_label(label: str) -> str | None:
    """The ATC code of the INN that starts a drug label, or None.

    The longest run of leading words (three at most) naming a substance wins, so that
    ``ACIDE ZOLEDRONIQUE`` is not read as ``ACIDE``. French INNs often end in ``-ine`` or
    ``-e`` where English ends in ``-in`` or nothing (``CARBOPLATINE`` / carboplatin,
    ``FLUOROURACILE`` / fluorouracil): a final E is dropped when the word itself is unknown.
    """
    names = _substances()
    words = _inn_words(label)
    for length in range(min(_LONGEST_INN, len(words)), 0, -1):
        candidate = " ".join(words[:length])
        for spelling in (candidate, candidate.removesuffix("E")):
            if spelling in names:
                return names[spelling]
    return None


@cache
def _ucd_table() -> dict[str, tuple[str, str | None]]:
    """UCD13 -> (label, ATC code or None), from ``NU_UCD_R``."""
    table = {}
    for row in read_rows("snds/NU_UCD_R.csv"):
        code = _clean_ucd(row["UCD_UCD_COD"])
        if code is not None:
            label = row["UCD_DSN_LIB"].strip()
            table[code] = (label, atc_of_label(label))
    return table


def _ucd_labels() -> dict[str, Labels]:
    return {code: Labels(None, label) for code, (label, _) in _ucd_table().items()}


def ucd_atc(code: str) -> str | None:
    """The ATC code derived for a UCD (any of its spellings), or None when unknown."""
    canonical = _clean_ucd(code) if isinstance(code, str) else None
    entry = _ucd_table().get(canonical) if canonical else None
    return entry[1] if entry else None


@cache
def _cip_classes() -> dict[str, str]:
    """CIP7 -> ATC class (3 characters) from ``IR_CIP_V``, without its placeholders
    (``INC`` unknown, ``W99`` not a drug class)."""
    return {
        row["PHA_PRS_IDE"]: row["PHA_ATC_CLA"]
        for row in read_rows("snds/IR_CIP_V.csv")
        if re.fullmatch(r"[A-V][0-9]{2}", row["PHA_ATC_CLA"], re.ASCII)
    }


def cip13_atc_class(code: str) -> str | None:
    """The ATC therapeutic subgroup (``L01``) of a pack, when ``IR_CIP_V`` lists its CIP7."""
    canonical = _clean_cip13(code) if isinstance(code, str) else None
    if canonical is None:
        return None
    return _cip_classes().get(canonical[len(CIP_PREFIX) : len(CIP_PREFIX) + 7])


UCD = PatternCodeSystem(
    "ucd",
    "UCD (common dispensing unit of hospital drugs)",
    clean=_clean_ucd,
    load_labels=_ucd_labels,
)

CIP13 = PatternCodeSystem("cip13", "CIP13 (pharmacy drug pack)", clean=_clean_cip13)
