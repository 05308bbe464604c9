"""Patients' rights: the opposition and restriction registry the gate reads at every opening
(ARCHITECTURE: may import `governance` and `store`)."""

from entrepot.rights.registry import (
    RegistryKind,
    entries,
    excluded_patient_ids,
    lift,
    record,
)

__all__ = ["RegistryKind", "entries", "excluded_patient_ids", "lift", "record"]
