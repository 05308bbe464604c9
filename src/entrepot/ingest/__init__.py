"""Warehouse side of a submission: verify the package, check every row, load or quarantine.

Every input row ends up loaded or quarantined with a reason, and the counts add up.
"""

from entrepot.ingest.batch import ingest_packages
from entrepot.ingest.errors import PackageRefused
from entrepot.ingest.pipeline import STEPS, IngestResult, ingest_package
from entrepot.ingest.registry import register_centre

__all__ = [
    "STEPS",
    "IngestResult",
    "PackageRefused",
    "ingest_package",
    "ingest_packages",
    "register_centre",
]
