"""Output release, after OpenSAFELY's Airlock: nothing leaves a workspace unchecked.

A member of an active project submits files with their context; every CSV table is checked
on submission (`files.inspect_file`) and an unsafe one is turned away at once, naming the
file, row and column. Two output checkers, neither the author nor a member of the project,
then approve the request; one rejection rejects it, one request for changes sends it back.
Only an approved request's files can be downloaded, by the project's members, and each file
is checked against the SHA-256 taken at submission first.

States (`ALLOWED` is the whole machine):
submitted → approved | changes_requested | rejected | withdrawn;
changes_requested → superseded (the author resubmits: a new request) | withdrawn.
A resubmission is a new request rather than new files on the old one, so an approval
always refers to exactly the files its checker read.

Every step is audited in the caller's transaction. A refusal raises and so writes nothing
(the caller's transaction rolls back): recording a denied attempt, in a transaction of its
own, is the caller's to do, as `access` does for the gate (`record_denied_read` for a
refused download, which the web route calls).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session

from entrepot.disclosure.files import ACCEPTED_SUFFIXES, inspect_file
from entrepot.disclosure.policy import DEFAULT_POLICY, Policy
from entrepot.governance import audit, errors, people
from entrepot.governance.clock import now
from entrepot.governance.lifecycle import ProjectState
from entrepot.governance.projects import is_member
from entrepot.governance.roles import Role
from entrepot.governance.tables import (
    OutputFile,
    OutputRequest,
    OutputReview,
    Person,
    Project,
    ProjectMember,
)

#: Distinct output checkers who must approve before anything is released.
APPROVALS_NEEDED = 2
MAX_FILES = 50
#: Outputs are aggregate tables and figures; anything larger is not one.
MAX_FILE_BYTES = 10 * 2**20


class OutputState(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"


class Decision(StrEnum):
    APPROVE = "approve"
    CHANGES_REQUESTED = "changes_requested"
    REJECT = "reject"


S = OutputState
#: Every allowed move, from → to.
ALLOWED: dict[OutputState, frozenset[OutputState]] = {
    S.SUBMITTED: frozenset({S.APPROVED, S.CHANGES_REQUESTED, S.REJECTED, S.WITHDRAWN}),
    S.CHANGES_REQUESTED: frozenset({S.SUPERSEDED, S.WITHDRAWN}),
    S.APPROVED: frozenset(),
    S.REJECTED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.SUPERSEDED: frozenset(),
}
_DECIDED_BY = {
    Decision.CHANGES_REQUESTED: S.CHANGES_REQUESTED,
    Decision.REJECT: S.REJECTED,
}


@dataclass(frozen=True)
class OutputFileIn:
    """A file to release, with what it shows (required: the checkers judge it in context).

    `non_count_columns` names columns of whole numbers that are not counts (a stage, a
    year), which the CSV check would otherwise treat as counts.
    """

    filename: str
    content: bytes
    description: str
    non_count_columns: tuple[str, ...] = ()


def submit_output(
    session: Session,
    author: Person,
    project: Project,
    *,
    title: str,
    context: str,
    files: Sequence[OutputFileIn],
    policy: Policy = DEFAULT_POLICY,
) -> OutputRequest:
    """Ask for `files` to leave `project`'s workspace. The author must be a member of the
    project, which must be active; every CSV must pass `control.check_table` under `policy`
    (the warehouse's, not the author's choice)."""
    request = _new_request(session, author, project, title, context, files, policy)
    _record(session, "output_submitted", author, request, _files_detail(request))
    return request


def resubmit_output(
    session: Session,
    author: Person,
    request: OutputRequest,
    *,
    files: Sequence[OutputFileIn],
    context: str | None = None,
    policy: Policy = DEFAULT_POLICY,
) -> OutputRequest:
    """Answer a request for changes: a new request with `files` (and `context`, or the old
    one) supersedes `request`, and is reviewed from scratch."""
    if request.author_id != author.id:
        raise errors.Refused(f"only the author of output request {request.id} resubmits it")
    _move(request, S.SUPERSEDED)
    project = session.get_one(Project, request.project_id)
    new = _new_request(
        session, author, project, request.title, context or request.context, files, policy
    )
    _record(session, "output_superseded", author, request, {"by": new.id})
    _record(
        session, "output_submitted", author, new, {**_files_detail(new), "supersedes": request.id}
    )
    return new


def review_output(
    session: Session, checker: Person, request: OutputRequest, decision: str, comment: str = ""
) -> OutputReview:
    """One output checker's decision. Two approvals from distinct checkers approve the
    request; a rejection rejects it and a request for changes returns it to the author at
    once. Each checker decides once; a comment is required unless approving."""
    project = _independent_checker(session, checker, request)
    try:
        chosen = Decision(decision)
    except ValueError:
        allowed = ", ".join(member.value for member in Decision)
        raise errors.Invalid(f"{decision!r} is not a decision: {allowed}") from None
    if chosen is not Decision.APPROVE and not comment.strip():
        raise errors.Invalid(f"say why: a decision to {chosen.value} needs a comment")
    # Locked, so that two checkers approving at the same moment both count.
    session.refresh(request, with_for_update=True)
    reviews = select(OutputReview.checker_id, OutputReview.decision).where(
        OutputReview.request_id == request.id
    )
    earlier = {checker_id: decided for checker_id, decided in session.execute(reviews)}
    if checker.id in earlier:
        raise errors.Conflict(
            f"{checker.username} has already reviewed output request {request.id}"
        )
    if request.state != S.SUBMITTED:
        raise errors.Conflict(f"output request {request.id} is {request.state}, not submitted")
    review = OutputReview(
        request_id=request.id, checker_id=checker.id, decision=chosen.value, comment=comment
    )
    session.add(review)
    approvals = [*earlier.values(), chosen.value].count(Decision.APPROVE.value)
    if chosen in _DECIDED_BY:
        _move(request, _DECIDED_BY[chosen])
    elif approvals >= APPROVALS_NEEDED:
        _move(request, S.APPROVED)
    session.flush()
    _record(
        session,
        "output_reviewed",
        checker,
        request,
        {"decision": chosen.value, "state": request.state, "approvals": approvals},
        project=project,
    )
    return review


def withdraw_output(session: Session, author: Person, request: OutputRequest) -> None:
    """The author takes back a request not yet decided (or sent back for changes)."""
    if request.author_id != author.id:
        raise errors.Refused(f"only the author of output request {request.id} withdraws it")
    _move(request, S.WITHDRAWN)
    _record(session, "output_withdrawn", author, request, {})


def download_output(
    session: Session, person: Person, request: OutputRequest, filename: str
) -> bytes:
    """An approved file, for a member of its project, checked against its SHA-256.

    The project need not be active any more: what was approved has been judged safe.
    """
    project = session.get_one(Project, request.project_id)
    if not people.is_active(person) or not is_member(session, person, project):
        raise errors.Refused(f"{person.username} is not a member of project {project.code}")
    if request.state != S.APPROVED:
        raise errors.Refused(
            f"output request {request.id} is {request.state}: only approved files leave "
            "the workspace"
        )
    content = _verified_content(session, request, filename)
    _record(
        session,
        "output_download",
        person,
        request,
        {"file": filename, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)},
        project=project,
    )
    return content


def record_denied_read(
    session: Session, username: str, request_id: int, filename: str, refused: errors.GovernanceError
) -> None:
    """Keep in the trail a refused attempt to read a file of an output request (download or
    review), in `session`, a transaction of its own: the refused one was rolled back.

    The request's project is named when the request exists, so that the project's
    reviewers see attempts on its outputs; the file name, typed by the caller, is cut to
    what the trail holds."""
    request = session.get(OutputRequest, request_id)
    project = None if request is None else session.get_one(Project, request.project_id).code
    audit.record(
        session,
        "output_download",
        actor=username,
        outcome=audit.Outcome.DENIED,
        project=project,
        object_type="output_request",
        object_id=request_id,
        details={"file": filename[: audit.MAX_DETAIL_TEXT], "reason": type(refused).__name__},
    )


def read_for_review(
    session: Session, checker: Person, request: OutputRequest, filename: str
) -> bytes:
    """A file of a request, for an independent output checker to read in the workspace."""
    _independent_checker(session, checker, request)
    content = _verified_content(session, request, filename)
    _record(session, "output_view", checker, request, {"file": filename})
    return content


def list_requests(session: Session, person: Person) -> list[OutputRequest]:
    """The requests `person` may see: all of them for an output checker, those of the
    projects they belong to for anyone else, oldest first."""
    if not people.is_active(person):
        return []
    query = select(OutputRequest).order_by(OutputRequest.id)
    if not people.holds(person, Role.OUTPUT_CHECKER):
        member_of = select(ProjectMember.project_id).where(ProjectMember.person_id == person.id)
        query = query.where(OutputRequest.project_id.in_(member_of))
    return list(session.scalars(query))


def _new_request(
    session: Session,
    author: Person,
    project: Project,
    title: str,
    context: str,
    files: Sequence[OutputFileIn],
    policy: Policy,
) -> OutputRequest:
    if not people.is_active(author) or not is_member(session, author, project):
        raise errors.Refused(f"{author.username} is not a member of project {project.code}")
    if project.state != ProjectState.ACTIVE:
        raise errors.Conflict(f"project {project.code} is {project.state}, not active")
    if not title.strip() or len(title) > 300:
        raise errors.Invalid("an output request needs a title of at most 300 characters")
    if not context.strip():
        raise errors.Invalid("an output request needs its context: what the files are for")
    _check_files(files)
    request = OutputRequest(
        project_id=project.id,
        author_id=author.id,
        title=title,
        context=context,
        state=S.SUBMITTED.value,
    )
    session.add(request)
    for file in files:
        session.add(_checked_file(request, file, policy))
    session.flush()
    return request


def _check_files(files: Sequence[OutputFileIn]) -> None:
    if not files:
        raise errors.Invalid("an output request needs at least one file")
    if len(files) > MAX_FILES:
        raise errors.Invalid(f"an output request holds at most {MAX_FILES} files")
    names = [file.filename for file in files]
    if len(set(names)) != len(names):
        raise errors.Invalid("two files of the request have the same name")
    for file in files:
        name = file.filename
        if (
            not 0 < len(name) <= 200
            or PurePosixPath(name).name != name
            or "\\" in name
            or name.startswith(".")
            or not name.isprintable()
        ):
            raise errors.Invalid(f"file name {name!r} is not a plain file name")
        if PurePosixPath(name).suffix.lower() not in ACCEPTED_SUFFIXES:
            accepted = ", ".join(sorted(ACCEPTED_SUFFIXES))
            raise errors.Invalid(f"file {name!r}: only {accepted} files may be released")
        if not file.description.strip():
            raise errors.Invalid(f"file {name!r} needs a description of what it shows")
        if not 0 < len(file.content) <= MAX_FILE_BYTES:
            raise errors.Invalid(f"file {name!r} is empty or larger than {MAX_FILE_BYTES} bytes")


def _checked_file(request: OutputRequest, file: OutputFileIn, policy: Policy) -> OutputFile:
    try:
        check = inspect_file(file.filename, file.content, policy, file.non_count_columns)
    except ValueError as unreadable:
        raise errors.Invalid(f"file {file.filename!r} {unreadable}") from None
    if check.problems:
        more = len(check.problems) - 1
        raise errors.Invalid(
            f"file {file.filename!r} is not safe to release: {check.problems[0]}"
            + (f" (and {more} more)" if more else "")
            + ". Protect the table with entrepot.disclosure.control (suppress_counts, "
            "protect_crosstab or protect_survival_table) and submit the result."
        )
    return OutputFile(
        request=request,
        filename=file.filename,
        description=file.description,
        sha256=hashlib.sha256(file.content).hexdigest(),
        content=file.content,
        disclosure_report=check.report,
    )


def _independent_checker(session: Session, checker: Person, request: OutputRequest) -> Project:
    """The request's project, once `checker` is known to be an output checker independent
    of it: not the author, not a member (a colleague does not check a colleague)."""
    people.require(checker, Role.OUTPUT_CHECKER)
    project = session.get_one(Project, request.project_id)
    if checker.id == request.author_id:
        raise errors.Refused(
            f"{checker.username} wrote output request {request.id}: an "
            "author never checks their own outputs"
        )
    if is_member(session, checker, project):
        raise errors.Refused(
            f"{checker.username} is a member of project {project.code}: "
            "output checkers are independent of the project"
        )
    return project


def _verified_content(session: Session, request: OutputRequest, filename: str) -> bytes:
    file = session.scalar(
        select(OutputFile).where(
            OutputFile.request_id == request.id, OutputFile.filename == filename
        )
    )
    if file is None:
        raise errors.NotFound(f"output request {request.id} has no file {filename!r}")
    if hashlib.sha256(file.content).hexdigest() != file.sha256:
        raise errors.Conflict(
            f"file {filename!r} of output request {request.id} changed after submission "
            "(SHA-256 differs): it is not released"
        )
    return file.content


def _move(request: OutputRequest, to: OutputState) -> None:
    if to not in ALLOWED[OutputState(request.state)]:
        raise errors.Conflict(f"output request {request.id} is {request.state}: it cannot be {to}")
    request.state = to.value
    if to in (S.APPROVED, S.REJECTED, S.CHANGES_REQUESTED):
        request.decided_at = now()


def _files_detail(request: OutputRequest) -> dict:
    return {
        "files": [
            {"name": file.filename, "sha256": file.sha256, "bytes": len(file.content)}
            for file in request.files
        ]
    }


def _record(
    session: Session,
    action: str,
    actor: Person,
    request: OutputRequest,
    details: dict,
    project: Project | None = None,
) -> None:
    project = project or session.get_one(Project, request.project_id)
    audit.record(
        session,
        action,
        actor=actor.username,
        project=project.code,
        object_type="output_request",
        object_id=request.id,
        details=details,
    )
