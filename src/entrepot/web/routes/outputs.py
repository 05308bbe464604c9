"""Output release (Airlock): submit files with their context, two checkers, download."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from entrepot.disclosure import airlock
from entrepot.governance import people
from entrepot.governance.errors import GovernanceError, NotFound
from entrepot.governance.roles import Role
from entrepot.governance.tables import OutputRequest, Person, Project
from entrepot.web.fields import PathId, decode_base64
from entrepot.web.routes.projects import actor, visible_project
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(tags=["outputs"])


class FileIn(BaseModel):
    filename: str = Field(min_length=1, max_length=200)
    content_base64: str = Field(max_length=15_000_000)
    description: str = Field(min_length=1, max_length=20_000)
    non_count_columns: list[str] = Field(default_factory=list, max_length=200)

    def to_file(self) -> airlock.OutputFileIn:
        content = decode_base64(self.content_base64, f"{self.filename}: content_base64")
        return airlock.OutputFileIn(
            self.filename, content, self.description, tuple(self.non_count_columns)
        )


class Submission(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    context: str = Field(min_length=1, max_length=20_000)
    files: list[FileIn] = Field(min_length=1, max_length=airlock.MAX_FILES)


class Resubmission(BaseModel):
    files: list[FileIn] = Field(min_length=1, max_length=airlock.MAX_FILES)
    context: str | None = Field(default=None, max_length=20_000)


class CheckIn(BaseModel):
    decision: airlock.Decision
    comment: str = Field(default="", max_length=20_000)


class FileOut(BaseModel):
    filename: str
    description: str
    sha256: str
    disclosure_report: dict


class CheckOut(BaseModel):
    decision: str
    comment: str
    at: dt.datetime


class RequestOut(BaseModel):
    id: int
    project: str
    author: str
    title: str
    context: str
    state: str
    created_at: dt.datetime
    files: list[FileOut]
    checks: list[CheckOut]

    @classmethod
    def of(cls, session: Session, request: OutputRequest) -> RequestOut:
        return cls(
            id=request.id,
            project=session.get(Project, request.project_id).code,
            author=session.get(Person, request.author_id).username,
            title=request.title,
            context=request.context,
            state=request.state,
            created_at=request.created_at,
            files=[
                FileOut(
                    filename=f.filename,
                    description=f.description,
                    sha256=f.sha256,
                    disclosure_report=f.disclosure_report,
                )
                for f in request.files
            ],
            checks=[
                CheckOut(decision=r.decision, comment=r.comment, at=r.at) for r in request.reviews
            ],
        )


def visible_request(session: Session, person: Person, request_id: int) -> OutputRequest:
    for request in airlock.list_requests(session, person):
        if request.id == request_id:
            return request
    raise NotFound(f"no output request {request_id} that you may see")


@router.get("/outputs")
def list_outputs(
    who: Caller = Depends(permit("outputs.read")), config: Settings = Depends(settings)
) -> list[RequestOut]:
    with config.database.session() as session:
        person = actor(session, who)
        return [RequestOut.of(session, r) for r in airlock.list_requests(session, person)]


@router.post("/projects/{code}/outputs", status_code=201)
def submit(
    code: str,
    submission: Submission,
    who: Caller = Depends(permit("outputs.submit")),
    config: Settings = Depends(settings),
) -> RequestOut:
    """Ask for files to leave the workspace; CSV tables are checked for small counts first."""
    with config.database.session() as session:
        person = actor(session, who)
        project = visible_project(session, person, code)
        request = airlock.submit_output(
            session,
            person,
            project,
            title=submission.title,
            context=submission.context,
            files=[f.to_file() for f in submission.files],
        )
        session.refresh(request)
        return RequestOut.of(session, request)


@router.get("/outputs/{request_id}")
def get_output(
    request_id: PathId,
    who: Caller = Depends(permit("outputs.read")),
    config: Settings = Depends(settings),
) -> RequestOut:
    with config.database.session() as session:
        return RequestOut.of(session, visible_request(session, actor(session, who), request_id))


@router.post("/outputs/{request_id}/checks", status_code=201)
def check(
    request_id: PathId,
    decision: CheckIn,
    who: Caller = Depends(permit("outputs.review")),
    config: Settings = Depends(settings),
) -> RequestOut:
    """An output checker's decision; two approvals release the files."""
    with config.database.session() as session:
        person = actor(session, who)
        request = visible_request(session, person, request_id)
        airlock.review_output(session, person, request, decision.decision, decision.comment)
        session.refresh(request)
        return RequestOut.of(session, request)


@router.post("/outputs/{request_id}/withdraw")
def withdraw(
    request_id: PathId,
    who: Caller = Depends(permit("outputs.submit")),
    config: Settings = Depends(settings),
) -> RequestOut:
    with config.database.session() as session:
        person = actor(session, who)
        request = visible_request(session, person, request_id)
        airlock.withdraw_output(session, person, request)
        return RequestOut.of(session, request)


@router.post("/outputs/{request_id}/resubmit", status_code=201)
def resubmit(
    request_id: PathId,
    resubmission: Resubmission,
    who: Caller = Depends(permit("outputs.submit")),
    config: Settings = Depends(settings),
) -> RequestOut:
    """New files for a request sent back for changes; the old request is superseded."""
    with config.database.session() as session:
        person = actor(session, who)
        request = visible_request(session, person, request_id)
        new = airlock.resubmit_output(
            session,
            person,
            request,
            files=[f.to_file() for f in resubmission.files],
            context=resubmission.context,
        )
        session.refresh(new)
        return RequestOut.of(session, new)


@router.get("/outputs/{request_id}/files/{filename}")
def download(
    request_id: PathId,
    filename: str,
    who: Caller = Depends(permit("outputs.read")),
    config: Settings = Depends(settings),
) -> Response:
    """An approved file for the project's members; a pending one for an output checker.
    A refused attempt is kept in the audit trail too: what leaves the workspace, and who
    tried to take what, is what the data protection officer reads it for."""
    try:
        with config.database.session() as session:
            person = actor(session, who)
            request = visible_request(session, person, request_id)
            if people.holds(person, Role.OUTPUT_CHECKER):
                content = airlock.read_for_review(session, person, request, filename)
            else:
                content = airlock.download_output(session, person, request, filename)
    except GovernanceError as refused:
        with config.database.session() as session:
            airlock.record_denied_read(session, who.username, request_id, filename, refused)
        raise
    return Response(
        content,
        media_type="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{_safe(filename)}"'},
    )


def _safe(filename: str) -> str:
    return "".join(c for c in filename if c.isalnum() or c in "._-") or "output"
