"""Who is who: the kinds of organisation, the roles people hold, and which roles reach data.

The names are the ones the committees and the DPO use, so that an access-rights review can
be read by them without a glossary.
"""

from __future__ import annotations

from enum import StrEnum


class OrganisationKind(StrEnum):
    """What an organisation is to the warehouse."""

    OPERATOR = "operator"
    CENTRE = "centre"
    AUTHORITY = "authority"  # HAS, ANSM
    HEALTH_DATA_HUB = "health_data_hub"
    ACADEMIC_SPONSOR = "academic_sponsor"
    INDUSTRIAL_SPONSOR = "industrial_sponsor"
    JOURNAL = "journal"


class CentreCategory(StrEnum):
    """The category of a care centre, as FINESS files it."""

    CLCC = "CLCC"  # centre de lutte contre le cancer
    CHU = "CHU"
    CHG = "CHG"
    PRIVATE_CLINIC = "private_clinic"


class Role(StrEnum):
    """What a person may do. A person may hold several roles."""

    OPERATOR_ADMIN = "operator_admin"
    CENTRE_DATA_MANAGER = "centre_data_manager"
    RESEARCHER = "researcher"
    COMMITTEE_MEMBER = "committee_member"
    OUTPUT_CHECKER = "output_checker"
    DPO = "dpo"
    AUDITOR = "auditor"


#: Roles that can reach patient-level data or registry entries, directly or by what they
#: approve: they must have a second factor (TOTP) to log in. Committee members read
#: protocols and auditors read the trail, which holds no rows (ARCHITECTURE rule 6).
DATA_ROLES = frozenset(
    {
        Role.OPERATOR_ADMIN,
        Role.CENTRE_DATA_MANAGER,
        Role.RESEARCHER,
        Role.OUTPUT_CHECKER,
        Role.DPO,
    }
)
