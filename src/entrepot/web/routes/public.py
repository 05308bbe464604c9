"""What anyone may see: that the API is up, and which projects use the data."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from entrepot.governance.register import public_register
from entrepot.web.security import settings
from entrepot.web.settings import Settings

router = APIRouter(tags=["public"])


class Health(BaseModel):
    status: str


class PublicProject(BaseModel):
    code: str
    title: str
    public_summary: str
    sponsor: str
    sponsor_category: str
    state: str
    expires_on: str | None


@router.get("/health")
def health() -> Health:
    return Health(status="ok")


@router.get("/public/projects")
def public_projects(config: Settings = Depends(settings)) -> list[PublicProject]:
    """Projects that were approved and use, or used, the data: the public portal's list."""
    with config.database.session() as session:
        return [PublicProject(**entry) for entry in public_register(session)]
