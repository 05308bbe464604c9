"""Field types shared by the routes: bounded so no request can overflow a database column."""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import Path
from pydantic import Field

from entrepot.governance.errors import Invalid

#: Largest id a 32-bit integer column holds (PostgreSQL `integer`, SQLite's safe range).
MAX_ID = 2**31 - 1

#: An object's id in a request body.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: An object's id in the path.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def decode_base64(text: str, what: str) -> bytes:
    """The bytes a base64 field carries, or `Invalid` naming the field."""
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as error:  # binascii.Error is a ValueError, as is non-ASCII text
        raise Invalid(f"{what}: not base64; encode the file's bytes in base64") from error
