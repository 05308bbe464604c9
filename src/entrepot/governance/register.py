"""The public register of projects: what the portal shows every patient.

Only what the committee approved is public: title, lay summary, sponsor and its category,
state and end date. Drafts, rejected and withdrawn requests are not listed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from entrepot.governance.lifecycle import ProjectState
from entrepot.governance.tables import Project

#: States of projects that were approved: they use, will use or used the data.
LISTED = (ProjectState.APPROVED, ProjectState.ACTIVE, ProjectState.EXPIRED, ProjectState.CLOSED)


def public_register(session: Session) -> list[dict[str, Any]]:
    """One entry per approved project, newest code first."""
    projects = session.scalars(
        select(Project)
        .where(Project.state.in_([state.value for state in LISTED]))
        .options(selectinload(Project.sponsor))
        .order_by(Project.code.desc())
    )
    return [
        {
            "code": p.code,
            "title": p.title,
            "public_summary": p.public_summary,
            "sponsor": p.sponsor.name,
            "sponsor_category": p.sponsor_category,
            "state": p.state,
            "expires_on": p.expires_on.isoformat() if p.expires_on else None,
        }
        for p in projects
    ]
