"""THE ONE GATE: every read of patient-level data for a user goes through here.

For a project, `open_project` checks the grant is usable today by this person, reads the
opposition/restriction registry as it is at this moment, and yields the granted tables of
the pinned release over the allowed patients under the project's pseudonyms. For a centre
user, `open_centre` does the same over the centre's own patients, named by their centre
codes (which only that centre can turn back). Each opening and each executed query is
audited in a transaction of its own, so the record stays even if the caller fails later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
import pyarrow as pa

from entrepot.access.pseudonyms import pseudonyms
from entrepot.access.scope import PATIENT_TABLES, Population, Scope, releasable_columns
from entrepot.access.views import gated_tables, population_ids
from entrepot.governance import audit, people
from entrepot.governance.database import Database
from entrepot.governance.errors import GovernanceError, NotFound, Refused
from entrepot.governance.grants import usable_grant
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.tables import Person
from entrepot.rights import excluded_patient_ids
from entrepot.store.engine import ReleaseTables, Tables, open_release
from entrepot.store.home import Home

Audit = Callable[[str, dict[str, Any]], None]


class GatedData(Tables):
    """The tables one gate opening yields, by name. Run queries with `execute` (audited)."""

    def __init__(
        self, scope: Scope, tables: dict[str, ibis.Table], patients: int, record: Audit
    ) -> None:
        super().__init__(tables)
        self.scope = scope
        #: Patients in the allowed population at the moment the gate opened.
        self.patients = patients
        self._record = record

    def execute(self, expression: ibis.Table) -> pa.Table:
        """Run an expression built on these tables; the audit trail gets its row count."""
        result = expression.to_pyarrow()
        self._record("query", {"rows": result.num_rows, "columns": result.num_columns})
        return result

    def record_extraction(self, extract_id: str, rows: dict[str, int]) -> None:
        """Audit an extract written from these tables (row counts per table)."""
        self._record("extraction", {"extract": extract_id, "rows": rows})


def open_project(
    database: Database,
    home: Home,
    person: Person,
    project_code: str,
    keys: ProjectKeys,
    *,
    backend: str = "duckdb",
    today: dt.date | None = None,
) -> GatedData:
    """The project's granted data, for one of its members, while the project is active."""
    record = _recorder(database, person.username, project=project_code)
    # `usable_grant` audits and commits its own refusals, so it comes first.
    with database.session() as session:
        actor = _reload(session, person)
        grant = usable_grant(session, project_code, actor, today)
        scope = Scope(
            release_id=grant.release_id,
            variables={t: tuple(c) for t, c in grant.variables.items()},
            population=Population.from_json(grant.population),
            project=project_code,
        )
        key = keys.load(project_code)
        excluded = excluded_patient_ids(session)
    release = open_release(home, scope.release_id, backend)
    allowed = [i for i in _population(home, release, scope.population) if i not in excluded]
    tables = gated_tables(release, scope, allowed, pseudonyms(key, allowed))
    record("data_access", _opening(scope, release.manifest.release_id, len(allowed), backend))
    return GatedData(scope, tables, len(allowed), record)


def open_centre(
    database: Database,
    home: Home,
    person: Person,
    finess: str,
    *,
    backend: str = "duckdb",
    release_id: str | None = None,
) -> GatedData:
    """A centre's own patients in a release (the latest by default), for its data manager.

    Clinical tables only, every releasable column; claims need a project. Patients are
    named by their centre codes, so the centre can find them in its own records.
    """
    record = _recorder(database, person.username, centre=finess)
    try:
        with database.session() as session:
            actor = _reload(session, person)
            if finess not in people.centres_managed(actor):
                raise Refused(f"{actor.username} is not a data manager of centre {finess}")
            excluded = excluded_patient_ids(session)
    except GovernanceError as refused:
        record("data_access", {"reason": type(refused).__name__}, outcome=audit.Outcome.DENIED)
        raise
    release = open_release(home, release_id, backend)
    scope = Scope(
        release_id=release.manifest.release_id,
        variables={name: releasable_columns(name) for name in PATIENT_TABLES if name in release},
        population=Population(centres=(finess,)),
        centre=finess,
        pseudonym_column="centre_code",
    )
    patient = release["patient"]
    own = patient.filter(patient.centre_finess == finess).select("patient_id", "centre_code")
    codes = own.to_pyarrow()
    kept = [
        (i, code)
        for i, code in zip(
            codes.column("patient_id").to_pylist(),
            codes.column("centre_code").to_pylist(),
            strict=True,
        )
        if i not in excluded
    ]
    tables = gated_tables(release, scope, [i for i, _ in kept], [c for _, c in kept])
    record("data_access", _opening(scope, scope.release_id, len(kept), backend))
    return GatedData(scope, tables, len(kept), record)


#: The ids of a population in a release, computed once per process: releases never change
#: (an erasure publishes a new revision, hence a new key here). The registry is still
#: subtracted at every opening, so an opposition still applies at the next query.
_POPULATIONS: dict[tuple, tuple[str, ...]] = {}
_POPULATIONS_KEPT = 32


def _population(home: Home, release: ReleaseTables, population: Population) -> tuple[str, ...]:
    manifest = release.manifest
    # The creation time tells apart two homes built one after the other in one place.
    release_key = (str(home.root), manifest.release_id, manifest.revision, manifest.created_at)
    key = (*release_key, release.backend, population)
    if key not in _POPULATIONS:
        if len(_POPULATIONS) >= _POPULATIONS_KEPT:
            _POPULATIONS.pop(next(iter(_POPULATIONS)))
        _POPULATIONS[key] = tuple(population_ids(release, population))
    return _POPULATIONS[key]


def _reload(session, person: Person) -> Person:
    """The person as the database holds them now (roles may have changed since login)."""
    current = session.get(Person, person.id)
    if current is None:
        raise NotFound(f"no person {person.username}")
    return current


def _opening(scope: Scope, release_id: str | None, patients: int, backend: str) -> dict:
    return {
        "release": release_id,
        "tables": sorted(scope.variables),
        "patients": patients,
        "backend": backend,
    }


def _recorder(
    database: Database, actor: str, *, project: str | None = None, centre: str | None = None
) -> Callable[..., None]:
    """An audit writer bound to one actor and one project or centre."""

    def record(action: str, details: dict[str, Any], outcome: str = audit.Outcome.OK) -> None:
        with database.session() as session:
            audit.record(
                session,
                action,
                actor=actor,
                outcome=outcome,
                project=project,
                object_type="centre" if centre else "project",
                object_id=centre or project,
                details=details,
            )

    return record
