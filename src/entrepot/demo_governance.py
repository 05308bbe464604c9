"""The demo's governance: organisations, people with generated passwords and TOTP secrets,
and one project taken through the real committee path to an active grant.

Everything goes through the governance services, exactly as the API would, so the demo's
audit trail is a real one. Passwords are generated at each run and written, with the TOTP
secrets, into the demo's git-ignored secrets folder; nothing here is a fixed credential.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from entrepot.governance import grants, people, projects, reviews, transitions
from entrepot.governance.clock import today
from entrepot.governance.database import Database
from entrepot.governance.keys import ProjectKeys
from entrepot.governance.lifecycle import ProjectState, RegulatoryBasis, ReviewVote, Sponsor
from entrepot.governance.roles import CentreCategory, OrganisationKind, Role
from entrepot.governance.submission import Population, ProjectRequest, Recipient
from entrepot.governance.tables import Organisation

#: The synthetic catalogue's centre categories, as FINESS files them.
CATEGORIES = {
    "CLCC": CentreCategory.CLCC,
    "CHU": CentreCategory.CHU,
    "CHG": CentreCategory.CHG,
    "private clinic": CentreCategory.PRIVATE_CLINIC,
}

#: Organisations beyond the centres: (name, kind).
ORGANISATIONS = (
    ("Opérateur de l'entrepôt", OrganisationKind.OPERATOR),
    ("Haute Autorité de santé (HAS)", OrganisationKind.AUTHORITY),
    ("Agence nationale de sécurité du médicament (ANSM)", OrganisationKind.AUTHORITY),
    ("Health Data Hub", OrganisationKind.HEALTH_DATA_HUB),
    ("Université de démonstration — épidémiologie", OrganisationKind.ACADEMIC_SPONSOR),
    ("Laboratoire de démonstration", OrganisationKind.INDUSTRIAL_SPONSOR),
    ("Revue d'oncologie de démonstration", OrganisationKind.JOURNAL),
)
OPERATOR, HAS, _, _, UNIVERSITY, _, _ = (name for name, _ in ORGANISATIONS)

#: The demo's project asks for what a survival study of breast cancer needs.
VARIABLES = {
    "patient": ["sex", "birth_year", "departement", "vital_status", "death_date", "last_news_date"],
    "tumour": [
        "tumour_number",
        "cancer_type",
        "diagnosis_date",
        "stage_group",
        "er_status",
        "her2_status",
    ],
    "treatment": ["tumour_number", "kind", "setting", "line_number", "start_date", "end_date"],
    "hospital_stay": ["admission_date", "discharge_date"],
}


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    totp_secret: str | None
    roles: tuple[str, ...]
    organisation: str


@dataclass(frozen=True)
class DemoGovernance:
    logins: tuple[DemoLogin, ...]
    project_code: str
    logins_file: Path


def seed_governance(
    database: Database,
    keys: ProjectKeys,
    centres_csv: Path,
    release_id: str,
    secrets_dir: Path,
) -> DemoGovernance:
    """Seed organisations and people, and open project P0001 on `release_id`."""
    with database.session() as session:
        organisations = _organisations(session, centres_csv)
        first_centre = next(o for o in organisations.values() if o.kind == "centre")
        cast = {
            "admin": ([Role.OPERATOR_ADMIN], OPERATOR),
            "chercheuse": ([Role.RESEARCHER], UNIVERSITY),
            "comite.un": ([Role.COMMITTEE_MEMBER], HAS),
            "comite.deux": ([Role.COMMITTEE_MEMBER], OPERATOR),
            "verif.un": ([Role.OUTPUT_CHECKER], OPERATOR),
            "verif.deux": ([Role.OUTPUT_CHECKER], OPERATOR),
            "dpo": ([Role.DPO], OPERATOR),
            "auditrice": ([Role.AUDITOR], OPERATOR),
            "gestion.centre": ([Role.CENTRE_DATA_MANAGER], first_centre.name),
        }
        logins, persons = [], {}
        for username, (roles, organisation_name) in cast.items():
            organisation = organisations[organisation_name]
            password = secrets.token_urlsafe(12)
            person = people.create_person(
                session,
                actor="system",
                username=username,
                full_name=username.replace(".", " ").title(),
                email=f"{username}@demo.invalid",
                organisation=organisation,
                password=password,
                active_until=today().replace(year=today().year + 1),
                roles=[(r, organisation) if r is Role.CENTRE_DATA_MANAGER else r for r in roles],
            )
            persons[username] = person
            logins.append(
                DemoLogin(username, password, person.totp_secret, tuple(roles), organisation.name)
            )
        code = _project(session, persons, organisations, keys, release_id)
    logins_file = _write_logins(secrets_dir, logins)
    return DemoGovernance(tuple(logins), code, logins_file)


def _organisations(session: Session, centres_csv: Path) -> dict[str, Organisation]:
    created = {}
    for name, kind in ORGANISATIONS:
        created[name] = people.create_organisation(session, actor="system", name=name, kind=kind)
    with centres_csv.open(encoding="utf-8") as rows:
        for row in csv.DictReader(rows):
            created[row["name"]] = people.create_organisation(
                session,
                actor="system",
                name=row["name"],
                kind=OrganisationKind.CENTRE,
                finess=row["finess"],
                centre_category=CATEGORIES[row["category"]],
            )
    return created


def _project(session, persons, organisations, keys: ProjectKeys, release_id: str) -> str:
    lead = persons["chercheuse"]
    centres = tuple(o.finess for o in organisations.values() if o.finess)
    request = ProjectRequest(
        title="Survie des cancers du sein selon le parcours de soins",
        public_summary=(
            "Étudier la survie des patientes atteintes d'un cancer du sein selon les "
            "traitements reçus et le parcours hospitalier, pour améliorer la prise en charge."
        ),
        sponsor_id=organisations[UNIVERSITY].id,
        sponsor_category=Sponsor.ACADEMIC,
        purpose="Overall survival by treatment sequence and care pathway, breast cancer.",
        public_interest="Identify care pathways associated with better survival.",
        protocol_filename="protocole-P0001.pdf",
        protocol=b"%PDF-1.4 protocole de demonstration",
        requested_variables=VARIABLES,
        population=Population(("breast",), (2010, today().year), centres),
        requested_release=release_id,
        duration_months=24,
        regulatory_basis=RegulatoryBasis.REFERENCE_METHODOLOGY,
        regulatory_reference="MR-004",
        recipients=(Recipient("Université de démonstration", "FR"),),
    )
    project = projects.create_draft(session, lead, request)
    transitions.submit(session, lead, project)
    transitions.start_review(session, persons["comite.un"], project)
    for member in ("comite.un", "comite.deux"):
        reviews.cast_review(
            session, persons[member], project, ReviewVote.APPROVE, "Protocole solide."
        )
    reviews.decide(
        session,
        persons["comite.un"],
        project,
        ProjectState.APPROVED,
        "Publier le code d'analyse; aucun effectif inférieur à 11 dans les sorties.",
    )
    grants.activate(session, persons["admin"], project, keys, release_id=release_id)
    return project.code


def _write_logins(folder: Path, logins: list[DemoLogin]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo-logins.json"
    path.write_text(json.dumps([asdict(login) for login in logins], indent=2, ensure_ascii=False))
    os.chmod(path, 0o600)
    return path
