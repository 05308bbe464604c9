"""The one gate to patient-level data (ARCHITECTURE rule 2; may import `governance`,
`rights`, `store`)."""

from entrepot.access.gate import GatedData, open_centre, open_project
from entrepot.access.releases import published_release_ids

__all__ = ["GatedData", "open_centre", "open_project", "published_release_ids"]
