"""The SNDS linkage token: the recipe shared with the trusted third party and the SNDS side.

Recipe (version 1), to be computed identically wherever NIRs are held::

    nir13 = NIR with spaces, dots and dashes removed, letters upper-cased, first 13
            characters (the key is dropped; Corsican départements stay "2A" / "2B")
    birth = date of birth as YYYY-MM-DD
    sex   = "M" or "F"
    token = lowercase hex of HMAC-SHA256(key = the trusted third party's 32-byte key,
                                         message = UTF-8 of f"{nir13}|{birth}|{sex}")

Example: key = the bytes 0x00, 0x01, … 0x1f; NIR "2 55 08 2A 004 123 69"; birth 1955-08-14;
sex F → message "255082A004123|1955-08-14|F" → token
254ee5f0561c0ce9364dd8d319585d76952e0abbe8d1cf4b786263bf29e59de9 (checked with
`openssl dgst -sha256 -mac HMAC`, and in the unit tests).

Only the trusted third party and the hospitals hold the key, so the warehouse cannot
brute-force the token back to a NIR (there are few enough NIRs that an unkeyed hash
would be reversible). Birth date and sex are in the message because the SNDS pseudonym
is itself built on NIR + birth date + sex: twins sharing a parent's NIR stay apart.
The edge computes the token only for a NIR whose key is valid: a typo elsewhere in the
NIR would otherwise silently yield another person's token.
"""

from __future__ import annotations

import hmac
import re

TOKEN_RECIPE_VERSION = 1
_SEPARATORS = re.compile(r"[\s.\-]")


def compact_nir(nir: str) -> str:
    """A NIR as written without spaces, dots or dashes, letters upper-cased."""
    return _SEPARATORS.sub("", nir).upper()


def nir13(nir: str) -> str:
    """The 13 characters of a NIR that identify the person (its key dropped)."""
    return compact_nir(nir)[:13]


def snds_token(ttp_key: bytes, nir: str, birth_date_iso: str, sex: str) -> str:
    """Token of one person, following the recipe of this module's docstring."""
    message = f"{nir13(nir)}|{birth_date_iso}|{sex}".encode()
    return hmac.digest(ttp_key, message, "sha256").hex()
