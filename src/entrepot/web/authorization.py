"""Who may call what: the route × role matrix, in one place.

Every private route depends on `permit(PERMISSION)`. A permission lists the roles allowed
and the API-token scope that covers it. Services check roles again (defence in depth) and
narrow further by object: a researcher reaches only their own projects' data.
"""

from __future__ import annotations

from entrepot.governance.roles import Role

R = Role
EVERYONE = frozenset(Role)

#: permission → (roles allowed, API-token scope needed; None: any token)
MATRIX: dict[str, tuple[frozenset[Role], str | None]] = {
    "self": (EVERYONE, None),
    "tokens": (EVERYONE, "admin"),
    "organisations.read": (frozenset({R.OPERATOR_ADMIN, R.AUDITOR, R.DPO}), "admin"),
    "organisations.write": (frozenset({R.OPERATOR_ADMIN}), "admin"),
    "people.read": (frozenset({R.OPERATOR_ADMIN, R.AUDITOR, R.DPO}), "admin"),
    "people.write": (frozenset({R.OPERATOR_ADMIN}), "admin"),
    "access_review": (frozenset({R.OPERATOR_ADMIN, R.AUDITOR, R.DPO}), "admin"),
    "projects.read": (
        frozenset(
            {R.RESEARCHER, R.COMMITTEE_MEMBER, R.OPERATOR_ADMIN, R.AUDITOR, R.DPO, R.OUTPUT_CHECKER}
        ),
        "projects",
    ),
    "projects.write": (frozenset({R.RESEARCHER}), "projects"),
    "projects.review": (frozenset({R.COMMITTEE_MEMBER}), "reviews"),
    "projects.start_review": (frozenset({R.COMMITTEE_MEMBER, R.OPERATOR_ADMIN}), "reviews"),
    "projects.activate": (frozenset({R.OPERATOR_ADMIN}), "admin"),
    "projects.close": (frozenset({R.RESEARCHER, R.OPERATOR_ADMIN}), "projects"),
    "data.project": (frozenset({R.RESEARCHER}), "data"),
    "data.centre": (frozenset({R.CENTRE_DATA_MANAGER}), "data"),
    "registry.read": (frozenset({R.DPO, R.AUDITOR}), "registry"),
    "registry.write": (frozenset({R.DPO}), "registry"),
    "outputs.read": (frozenset({R.RESEARCHER, R.OUTPUT_CHECKER}), "outputs"),
    "outputs.submit": (frozenset({R.RESEARCHER}), "outputs"),
    "outputs.review": (frozenset({R.OUTPUT_CHECKER}), "outputs"),
    "audit.read": (frozenset({R.AUDITOR}), "audit"),
}


def roles_for(permission: str) -> frozenset[Role]:
    return MATRIX[permission][0]


def scope_for(permission: str) -> str | None:
    return MATRIX[permission][1]
