"""The edge kit: pseudonymisation inside the hospital, before anything is sent.

It ships to hospitals, so it imports only `entrepot.model` and `entrepot.vocab`. The
warehouse uses its package checks (`read_manifest`, `verify_signature`,
`verify_checksums`) so that both sides run the same code.
"""

from entrepot.edge.codes import CentreCoder, centre_code_of, reidentify
from entrepot.edge.errors import (
    EdgeError,
    Finding,
    IdentifierKind,
    IdentifiersFound,
    PackageChecksumError,
    PackageError,
    PackageFormatError,
    PackageSignatureError,
    UnknownCode,
)
from entrepot.edge.keys import CentreKeys, create_ttp_key, init_centre, load_centre_keys
from entrepot.edge.linkage_token import snds_token
from entrepot.edge.package import (
    MALFORMED_LINES_SCHEMA,
    read_manifest,
    verify_checksums,
    verify_signature,
)
from entrepot.edge.pseudonymise import PackageSummary, Progress, pseudonymise_export

__all__ = [
    "MALFORMED_LINES_SCHEMA",
    "CentreCoder",
    "CentreKeys",
    "EdgeError",
    "Finding",
    "IdentifierKind",
    "IdentifiersFound",
    "PackageChecksumError",
    "PackageError",
    "PackageFormatError",
    "PackageSignatureError",
    "PackageSummary",
    "Progress",
    "UnknownCode",
    "centre_code_of",
    "create_ttp_key",
    "init_centre",
    "load_centre_keys",
    "pseudonymise_export",
    "read_manifest",
    "reidentify",
    "snds_token",
    "verify_checksums",
    "verify_signature",
]
