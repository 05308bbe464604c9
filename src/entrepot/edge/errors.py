"""Errors of the edge kit.

Every message says where the problem is (file, line, column) and what to do, and never
quotes a cell: the cell may be a name, a NIR or an IPP, and error messages end up in
terminals, tickets and e-mails that leave the hospital.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass


class EdgeError(Exception):
    """A problem the centre's data manager must fix before a package can be made."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [part for part in (self.file, _line(self.line), _column(self.column)) if part]
        return f"{', '.join(where)}: {self.message}" if where else self.message


def _line(line: int | None) -> str | None:
    return None if line is None else f"line {line}"


def _column(column: str | None) -> str | None:
    return None if column is None else f"column {column}"


def lines_excerpt(lines: Sequence[int], shown: int = 20) -> str:
    """`3, 7, 12 and 41 more`: line numbers for a message, bounded in length."""
    head = ", ".join(str(line) for line in lines[:shown])
    return head if len(lines) <= shown else f"{head} and {len(lines) - shown} more"


class IdentifierKind(enum.StrEnum):
    """What the identifier scanner looks for (see `edge.scanner` for the exact rules)."""

    NIR = "nir"
    NIR_WITHOUT_KEY = "nir_without_key"
    EMAIL = "email"
    PHONE = "phone"
    NAME = "name"
    NAME_IN_TEXT = "name_in_text"
    BIRTH_DATE = "birth_date"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    IdentifierKind.NIR: "social-security number (NIR, valid key)",
    IdentifierKind.NIR_WITHOUT_KEY: "13-digit number shaped like a NIR without its key",
    IdentifierKind.EMAIL: "e-mail address",
    IdentifierKind.PHONE: "French telephone number",
    IdentifierKind.NAME: "cell equal to a name of the identity file",
    IdentifierKind.NAME_IN_TEXT: "the patient's own name inside the text",
    IdentifierKind.BIRTH_DATE: "the patient's exact birth date",
}


@dataclass(frozen=True)
class Finding:
    """Cells of one column of one file where the scanner recognised one kind of identifier.

    Holds locations only: the offending values are deliberately not kept.
    """

    file: str
    column: str
    kind: IdentifierKind
    lines: tuple[int, ...]


class IdentifiersFound(EdgeError):
    """The scanner found identifiers in cells that would have been sent: no package written."""

    def __init__(self, findings: Sequence[Finding], what_to_do: str) -> None:
        self.findings = tuple(findings)
        cells = sum(len(f.lines) for f in self.findings)
        detail = "\n".join(
            f"  - {f.file}, column {f.column}: {f.kind.label} on line(s) {lines_excerpt(f.lines)}"
            for f in self.findings
        )
        super().__init__(
            f"no package written: {cells} cell(s) look like identifiers\n{detail}\n{what_to_do}"
        )


class PackageError(EdgeError):
    """A package cannot be trusted (format, checksum or signature); the message says why."""


class PackageFormatError(PackageError):
    """The package folder or its manifest is not in the expected format."""


class PackageChecksumError(PackageError):
    """A package file differs from the manifest: altered, truncated or replaced."""


class PackageSignatureError(PackageError):
    """The manifest signature does not verify with the centre's registered public key."""


class UnknownCode(EdgeError):
    """A centre code that this centre's key did not produce (other centre, or altered)."""
