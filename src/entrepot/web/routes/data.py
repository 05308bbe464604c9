"""Patient-level data, only through the gate: what a grant holds, counts, and extracts.

Counts leave the API, so they pass disclosure control first (small counts masked). Rows
never leave: an extract stays in the project's workspace.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from entrepot.access import GatedData, open_centre, open_project
from entrepot.disclosure.control import suppress_counts
from entrepot.extraction import extract_project
from entrepot.governance.errors import Invalid
from entrepot.governance.tables import Person
from entrepot.web.security import Caller, permit, settings
from entrepot.web.settings import Settings

router = APIRouter(tags=["data"])

#: Group counts by at most this many columns: finer tables are mostly masked cells anyway.
MAX_GROUPS = 3


class GrantedTable(BaseModel):
    name: str
    columns: list[str]


class Holdings(BaseModel):
    release: str | None
    tables: list[GrantedTable]


class CountRequest(BaseModel):
    table: str = Field(min_length=1, max_length=60)
    by: list[str] = Field(default_factory=list, max_length=MAX_GROUPS)


class Counts(BaseModel):
    """Rows and distinct patients per group; masked counts are null."""

    by: list[str]
    rows: list[dict]
    masked_cells: int


class ExtractOut(BaseModel):
    folder: str
    release: str | None
    patients: int
    rows: dict[str, int]
    smallest_k: int | None


def _person(config: Settings, who: Caller) -> Person:
    with config.database.session() as session:
        return session.get(Person, who.person_id)


def _project(config: Settings, who: Caller, code: str) -> GatedData:
    person = _person(config, who)
    return open_project(
        config.database, config.home, person, code, config.keys, backend=config.backend
    )


def _counts(gated: GatedData, request: CountRequest) -> Counts:
    if request.table not in gated:
        raise Invalid(f"table {request.table!r} is not in this grant: {', '.join(sorted(gated))}")
    table = gated[request.table]
    unknown = [c for c in request.by if c not in table.columns]
    if unknown:
        raise Invalid(f"columns not in {request.table} as granted: {', '.join(unknown)}")
    column = gated.scope.pseudonym_column
    grouped = table.group_by(request.by) if request.by else table
    expression = grouped.aggregate(rows=table.count(), patients=table[column].nunique())
    frame = gated.execute(expression).to_pandas()
    protected = suppress_counts(frame, ["rows", "patients"])
    published = protected.table.astype(object).where(protected.table.notna(), None)
    return Counts(
        by=request.by,
        rows=[{k: _plain(v) for k, v in row.items()} for row in published.to_dict("records")],
        masked_cells=protected.primary,
    )


def _plain(value):
    """JSON-friendly: dates as ISO text, numpy numbers as Python numbers."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


@router.get("/projects/{code}/data")
def project_holdings(
    code: str, who: Caller = Depends(permit("data.project")), config: Settings = Depends(settings)
) -> Holdings:
    """The tables and columns the project's grant lets through, on its pinned release."""
    gated = _project(config, who, code)
    return Holdings(
        release=gated.scope.release_id,
        tables=[GrantedTable(name=n, columns=list(gated[n].columns)) for n in sorted(gated)],
    )


@router.post("/projects/{code}/data/counts")
def project_counts(
    code: str,
    request: CountRequest,
    who: Caller = Depends(permit("data.project")),
    config: Settings = Depends(settings),
) -> Counts:
    """Counts of one granted table, grouped by up to three granted columns."""
    gated = _project(config, who, code)
    return _counts(gated, request)


@router.post("/projects/{code}/extracts", status_code=201)
def project_extract(
    code: str, who: Caller = Depends(permit("data.project")), config: Settings = Depends(settings)
) -> ExtractOut:
    """Write the project's dataset into its workspace (not downloadable: outputs are)."""
    done = extract_project(
        config.database,
        config.home,
        _person(config, who),
        code,
        config.keys,
        backend=config.backend,
    )
    manifest = done.extract.manifest
    return ExtractOut(
        folder=str(done.extract.folder.relative_to(config.home.root)),
        release=manifest["release"],
        patients=manifest["patients"],
        rows=done.extract.rows,
        smallest_k=done.k_anonymity.smallest_k if done.k_anonymity else None,
    )


@router.get("/centres/{finess}/data/counts")
def centre_counts(
    finess: str,
    table: str = Query(..., min_length=1, max_length=60),
    by: list[str] = Query(default_factory=list, max_length=MAX_GROUPS),
    who: Caller = Depends(permit("data.centre")),
    config: Settings = Depends(settings),
) -> Counts:
    """A centre's own patients, counted (the data manager's view of what the centre sent)."""
    gated = open_centre(
        config.database, config.home, _person(config, who), finess, backend=config.backend
    )
    return _counts(gated, CountRequest(table=table, by=by))
