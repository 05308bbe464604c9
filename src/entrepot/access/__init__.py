"""The one gate to patient-level data (ARCHITECTURE rule 2; may import `governance`,
`rights`, `store`)."""

from entrepot.access.gate import GatedData, open_centre, open_project

__all__ = ["GatedData", "open_centre", "open_project"]
