"""The one gate: what a project or a centre sees of a release, and nothing more.

The expected population is computed here independently, straight from the release files
with DuckDB, and compared with what comes through the gate.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from entrepot.access import open_centre, open_project
from entrepot.access.pseudonyms import pseudonym
from entrepot.access.scope import Population, Scope
from entrepot.access.views import gated_tables
from entrepot.governance import audit, projects
from entrepot.governance.errors import Conflict, Invalid, Refused
from entrepot.governance.lifecycle import ProjectKind, Sponsor
from entrepot.governance.roles import OrganisationKind, Role
from entrepot.governance.tables import AuditEvent
from entrepot.rights import RegistryKind, lift, record
from entrepot.store import engine
from tests.support.people import make_organisation, make_person
from tests.support.projects import (
    CANCER_TYPES,
    DIAGNOSIS_YEARS,
    GRANTED,
    active_project,
    centre_organisation,
    close_project,
    request,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def world(database, warehouse, tmp_path):
    """A DPO, a researcher with an active project, and two patients under the registry."""
    patients = warehouse.release_table("patient")
    # Two of the three centres: the third one's patients must never come through.
    centres = tuple(sorted(patients.centre_finess.unique())[:2])
    with database.session() as session:
        dpo = make_person(session, "dpo.one", [Role.DPO])
        researcher = make_person(session, "ada.researcher", [Role.RESEARCHER])
        project, keys = active_project(
            session, researcher, warehouse.release_id, tmp_path / "keys", centres
        )
    population = _population(patients, warehouse.release_table("tumour"), centres)
    opposed, restricted = population.iloc[0], population.iloc[1]
    with database.session() as session:
        for row, kind in (
            (opposed, RegistryKind.OPPOSITION),
            (restricted, RegistryKind.RESTRICTION),
        ):
            record(
                session,
                session.merge(dpo),
                centre_finess=row.centre_finess,
                centre_code=row.centre_code,
                kind=kind,
                source="courrier 2026-118",
            )
    return {
        "dpo": dpo,
        "researcher": researcher,
        "project": project.code,
        "keys": keys,
        "patients": patients,
        "population": population,
        "centres": centres,
        "excluded": {opposed.patient_id, restricted.patient_id},
    }


def _population(patients, tumours, centres):
    """Patients of the granted centres with a granted tumour in the granted years."""
    first, last = DIAGNOSIS_YEARS
    wanted = tumours[
        tumours.cancer_type.isin(CANCER_TYPES)
        & tumours.diagnosis_date.map(lambda d: first <= d.year <= last)
    ]
    chosen = patients[
        patients.centre_finess.isin(centres) & patients.patient_id.isin(wanted.patient_id)
    ]
    return chosen.sort_values("patient_id").reset_index(drop=True)


def _open(database, warehouse, world):
    return open_project(
        database, warehouse.home, world["researcher"], world["project"], world["keys"]
    )


def _names(world, patient_ids):
    key = world["keys"].load(world["project"])
    return {pseudonym(key, patient_id) for patient_id in patient_ids}


def test_the_gate_yields_the_granted_population_minus_the_registry(database, warehouse, world):
    gated = _open(database, warehouse, world)
    seen = set(gated.execute(gated["patient"]).column("pseudonym").to_pylist())
    allowed = set(world["population"].patient_id) - world["excluded"]
    assert seen == _names(world, allowed)
    assert gated.patients == len(allowed)


def test_only_granted_tables_and_columns_come_through(database, warehouse, world):
    gated = _open(database, warehouse, world)
    assert set(gated) == set(GRANTED)
    for table, columns in GRANTED.items():
        assert gated[table].columns == ("pseudonym", *columns)


def test_claims_come_through_the_link_under_the_same_pseudonyms(database, warehouse, world):
    gated = _open(database, warehouse, world)
    patients = set(gated.execute(gated["patient"]).column("pseudonym").to_pylist())
    stays = gated.execute(gated["hospital_stay"])
    assert stays.num_rows > 0
    assert set(stays.column("pseudonym").to_pylist()) <= patients


def test_an_opposition_takes_effect_at_the_next_opening_and_lifting_restores(
    database, warehouse, world
):
    someone = world["population"].iloc[5]
    name = _names(world, [someone.patient_id])

    def visible():
        gated = _open(database, warehouse, world)
        return name <= set(gated.execute(gated["patient"]).column("pseudonym").to_pylist())

    assert visible()
    with database.session() as session:
        entry = record(
            session,
            session.merge(world["dpo"]),
            centre_finess=someone.centre_finess,
            centre_code=someone.centre_code,
            kind=RegistryKind.OPPOSITION,
            source="portail patient",
        )
    assert not visible()
    with database.session() as session:
        lift(session, session.merge(world["dpo"]), entry.id, source="retrait de l'opposition")
    assert visible()


def test_two_projects_cannot_be_joined_on_their_pseudonyms(database, warehouse, world, tmp_path):
    with database.session() as session:
        other = make_person(session, "bob.researcher", [Role.RESEARCHER])
        second, keys = active_project(
            session, other, warehouse.release_id, tmp_path / "k2", world["centres"]
        )
    mine = _open(database, warehouse, world)
    theirs = open_project(database, warehouse.home, other, second.code, keys)
    ours = set(mine.execute(mine["patient"]).column("pseudonym").to_pylist())
    yours = set(theirs.execute(theirs["patient"]).column("pseudonym").to_pylist())
    assert len(ours) == len(yours) > 0
    assert ours.isdisjoint(yours)


def test_an_authority_s_commissioned_analysis_goes_through_the_same_gate(
    database, warehouse, world, tmp_path
):
    with database.session() as session:
        has = make_organisation(session, "Haute Autorité de santé", OrganisationKind.AUTHORITY)
        analyst = make_person(session, "hugo.analyst", [Role.RESEARCHER], has)
        commissioned, keys = active_project(
            session,
            analyst,
            warehouse.release_id,
            tmp_path / "has-keys",
            world["centres"],
            sponsor=has,
            kind=ProjectKind.AUTHORITY_ANALYSIS,
            sponsor_category=Sponsor.AUTHORITY,
        )
    gated = open_project(database, warehouse.home, analyst, commissioned.code, keys)
    seen = set(gated.execute(gated["patient"]).column("pseudonym").to_pylist())
    key = keys.load(commissioned.code)
    allowed = set(world["population"].patient_id) - world["excluded"]
    assert seen == {pseudonym(key, patient_id) for patient_id in allowed}


def test_an_authority_s_analysis_is_sponsored_by_the_authority(database, warehouse, world):
    with database.session() as session:
        lead = make_person(session, "ines.analyst", [Role.RESEARCHER])
        university = make_organisation(session, "Université X", OrganisationKind.ACADEMIC_SPONSOR)
        with pytest.raises(Invalid, match="sponsored by the authority"):
            projects.create_draft(
                session,
                lead,
                request(university, world["centres"], kind=ProjectKind.AUTHORITY_ANALYSIS),
            )


def test_only_members_of_an_active_project_get_through(database, warehouse, world):
    with database.session() as session:
        outsider = make_person(session, "eve.researcher", [Role.RESEARCHER])
    with pytest.raises(Refused):
        open_project(database, warehouse.home, outsider, world["project"], world["keys"])
    with database.session() as session:
        close_project(session, world["researcher"], world["project"], world["keys"])
    with pytest.raises(Refused):
        _open(database, warehouse, world)
    assert not world["keys"].exists(world["project"])


def test_every_opening_and_query_is_audited_with_counts_only(database, warehouse, world):
    gated = _open(database, warehouse, world)
    rows = gated.execute(gated["tumour"]).num_rows
    with database.session() as session:
        trail = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        assert audit.verify(session).intact
    opening, query = [e for e in trail if e.action in ("data_access", "query")][-2:]
    assert (opening.actor, opening.project) == ("ada.researcher", world["project"])
    assert opening.details["patients"] == gated.patients
    assert query.details["rows"] == rows
    identifiers = set(world["patients"].patient_id) | set(world["patients"].centre_code)
    assert not any(i in repr(e.details) for e in trail for i in identifiers)


def test_a_centre_sees_only_its_own_patients_by_their_centre_codes(database, warehouse, world):
    patients = world["patients"]
    finess = patients.centre_finess.iloc[0]
    with database.session() as session:
        centre = centre_organisation(session, finess)
        manager = make_person(session, "dm.centre", [(Role.CENTRE_DATA_MANAGER, centre)], centre)
    gated = open_centre(database, warehouse.home, manager, finess)
    codes = set(gated.execute(gated["tumour"]).column("centre_code").to_pylist())
    own = patients[
        (patients.centre_finess == finess) & ~patients.patient_id.isin(world["excluded"])
    ]
    assert codes <= set(own.centre_code) and codes
    assert "hospital_stay" not in gated  # claims need a project
    other = patients.centre_finess[patients.centre_finess != finess].iloc[0]
    with pytest.raises(Refused):
        open_centre(database, warehouse.home, manager, other)
    with pytest.raises(Refused):
        open_centre(database, warehouse.home, world["researcher"], finess)


# Hypothesis: any query a researcher can build on the gated tables stays inside the grant.

FILTERS = st.sampled_from(["none", "equals", "not_null", "group", "join", "limit"])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_query_through_the_gate_leaves_the_grant(database, warehouse, world, data):
    gated = _gate_once(database, warehouse, world)
    table_name = data.draw(st.sampled_from(sorted(gated)))
    table = gated[table_name]
    granted = set(GRANTED[table_name]) | {"pseudonym"}
    columns = data.draw(st.lists(st.sampled_from(sorted(granted)), min_size=1, unique=True))
    shape = data.draw(FILTERS)
    column = data.draw(st.sampled_from(sorted(granted)))
    if shape == "equals":
        value = gated.execute(table.select(column).limit(1)).column(column).to_pylist()
        table = table.filter(table[column] == value[0]) if value and value[0] is not None else table
    elif shape == "not_null":
        table = table.filter(table[column].notnull())
    elif shape == "group":
        table = table.group_by(column).agg(n=table.count())
        columns = [column, "n"]
    elif shape == "join":
        other = gated[data.draw(st.sampled_from(sorted(gated)))].select("pseudonym")
        table = table.semi_join(other.distinct(), "pseudonym")
    elif shape == "limit":
        table = table.limit(data.draw(st.integers(0, 50)))
    result = gated.execute(table.select(*columns))
    assert set(result.column_names) <= granted | {"n"}
    if "pseudonym" in result.column_names:
        allowed = _names(world, set(world["population"].patient_id) - world["excluded"])
        assert set(result.column("pseudonym").to_pylist()) <= allowed


def test_a_column_outside_the_grant_cannot_even_be_named(database, warehouse, world):
    gated = _open(database, warehouse, world)
    for hidden in ("patient_id", "centre_code", "snds_token", "death_date"):
        assert hidden not in gated["patient"].columns
        with pytest.raises(AttributeError):
            getattr(gated["patient"], hidden)


_GATES: dict = {}


def _gate_once(database, warehouse, world):
    """One opening per test (hypothesis runs the body many times in one test)."""
    key = (id(database), world["project"])
    if key not in _GATES:
        _GATES.clear()
        _GATES[key] = _open(database, warehouse, world)
    return _GATES[key]


def test_a_grant_naming_a_table_its_release_lacks_is_a_clear_conflict(warehouse):
    release = engine.open_release(warehouse.home, warehouse.release_id)
    without_claims = engine.ReleaseTables(
        release.manifest,
        release.backend,
        {name: release[name] for name in release if name != "hospital_stay"},
    )
    scope = Scope(
        release_id=warehouse.release_id,
        variables={"hospital_stay": ("admission_date",)},
        population=Population(),
        project="P0001",
    )
    with pytest.raises(Conflict, match="has no table 'hospital_stay'"):
        gated_tables(without_claims, scope, [], [])
