"""FINESS numbers: the 9-character identifier of a French health establishment.

Structure: a 2-character département prefix (``01``-``95``, ``2A``, ``2B``, or ``97`` for
all overseas territories), six digits, and a Luhn check digit computed over the first eight
characters.

Corsica: the letter of ``2A``/``2B`` takes part in the check as ``A`` = 1 and ``B`` = 2.
This convention could not be checked against the official specification offline; it fits
the two Corsican numbers recalled from the public FINESS directory (``2A0000014``,
``2B0000020``), which replacing the letter by 0 does not. See docs/vocabularies.md.

FINESS is not enumerable (tens of thousands of numbers, changing every month): validity is
structural and there are no labels.
"""

import re

from entrepot.vocab.base import WHITESPACE, PatternCodeSystem
from entrepot.vocab.geography import METROPOLITAN_DEPARTEMENTS

_PREFIXES = METROPOLITAN_DEPARTEMENTS | {"97"}
_BODY = re.compile(r"[0-9]{6,7}", re.ASCII)
_CORSICA_LETTER_VALUE = str.maketrans({"A": "1", "B": "2"})


def _luhn_sum(digits: str, double_last: bool) -> int:
    """Luhn sum of ``digits``; ``double_last`` says whether the rightmost digit is doubled."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if (position % 2 == 0) == double_last:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total


def _numeric(chars: str) -> str:
    return chars.translate(_CORSICA_LETTER_VALUE)


def _is_well_formed(chars: str, length: int) -> bool:
    """A known prefix followed by digits, ``length`` characters in all."""
    return (
        len(chars) == length and chars[:2] in _PREFIXES and _BODY.fullmatch(chars[2:]) is not None
    )


def finess_with_check_digit(prefix8: str) -> str:
    """Complete the first 8 characters of a FINESS number with its Luhn check digit.

    >>> finess_with_check_digit("75071218")
    '750712184'
    """
    chars = WHITESPACE.sub("", prefix8).upper()
    if not _is_well_formed(chars, 8):
        raise ValueError("a FINESS prefix is a département prefix followed by digits, 8 in all")
    check = -_luhn_sum(_numeric(chars), double_last=True) % 10
    return f"{chars}{check}"


def _clean(raw: str) -> str | None:
    chars = WHITESPACE.sub("", raw).upper()
    # A spreadsheet that read the number as an integer dropped the leading zero (01-09).
    if len(chars) == 8 and chars.isascii() and chars.isdigit():
        chars = "0" + chars
    if not _is_well_formed(chars, 9):
        return None
    return chars if _luhn_sum(_numeric(chars), double_last=False) % 10 == 0 else None


FINESS = PatternCodeSystem("finess", "FINESS (French health establishment number)", clean=_clean)
