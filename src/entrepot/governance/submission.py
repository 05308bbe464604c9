"""What a researcher submits to the committee, and the checks it must pass before anyone
reviews it.

The checks are the ones a committee secretary would otherwise do by hand: the variables
exist in the warehouse and none of them identifies a patient, the population is one the
warehouse can build, the legal basis is named, and data leaving the EU is covered by
standard contractual clauses. Every problem is reported at once, each naming its field and
what to do, so that a form can show them all.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from entrepot.governance.clock import today
from entrepot.governance.errors import Invalid
from entrepot.governance.lifecycle import ProjectKind, RegulatoryBasis, Sponsor
from entrepot.model import CLAIMS_TABLES, CLINICAL_TABLES, SNDS_LINK, VALUE_SETS, Layer
from entrepot.model.identifiers import NEVER_RELEASED

MAX_DURATION_MONTHS = 60
#: No cancer registry the warehouse draws on goes further back.
FIRST_DIAGNOSIS_YEAR = 1950
#: "latest" lets the operator pin the newest release at activation; otherwise a release id.
LATEST_RELEASE = "latest"
RELEASE_ID = re.compile(r"R\d{4,}")
#: Where the GDPR applies: the EU and the rest of the EEA. A recipient anywhere else needs
#: standard contractual clauses (adequacy decisions are deliberately not relied on: the
#: clauses are what the committee asks for, whatever the country).
_EU = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK"
EU_EEA = frozenset(f"{_EU} IS LI NO".split())
_FINESS = re.compile(r"([0-9]{2}|2A|2B)[0-9]{7}")  # ASCII digits only, as `people.FINESS`
_METHODOLOGY = re.compile(r"MR-\d{3}")
_CNIL_NUMBER = re.compile(r"[A-Za-z0-9/-]*\d[A-Za-z0-9/-]*")


@dataclass(frozen=True)
class Recipient:
    """Who receives the project's results: a name and an ISO 3166-1 country code."""

    name: str
    country: str


@dataclass(frozen=True)
class Population:
    """The patients requested: cancer types, diagnosis years (inclusive) and centres."""

    cancer_types: tuple[str, ...]
    diagnosis_years: tuple[int, int]
    #: FINESS numbers of the centres.
    centres: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """The form `Project.population` and `DataGrant.population` keep."""
        return {
            "cancer_types": sorted(set(self.cancer_types)),
            "diagnosis_years": list(self.diagnosis_years),
            "centres": sorted(set(self.centres)),
        }


@dataclass(frozen=True)
class ProjectRequest:
    """Every field of a submission (`tables.Project`), as the researcher fills it in."""

    title: str
    public_summary: str
    sponsor_id: int
    sponsor_category: Sponsor
    purpose: str
    public_interest: str
    protocol_filename: str
    protocol: bytes
    #: {table: [column, …]} of the warehouse tables.
    requested_variables: Mapping[str, Sequence[str]]
    population: Population
    #: A release id ("R0003") or "latest".
    requested_release: str
    duration_months: int
    regulatory_basis: RegulatoryBasis
    #: The CNIL authorisation number, or the reference methodology ("MR-004").
    regulatory_reference: str
    recipients: tuple[Recipient, ...]
    standard_contractual_clauses: bool = False
    kind: ProjectKind = ProjectKind.RESEARCH

    @property
    def outside_eu(self) -> bool:
        """Whether any recipient is outside the EU/EEA."""
        return any(r.country.upper() not in EU_EEA for r in self.recipients)

    @property
    def protocol_sha256(self) -> str:
        return hashlib.sha256(self.protocol).hexdigest()

    def variables_json(self) -> dict[str, list[str]]:
        """The requested variables as `Project.requested_variables` keeps them."""
        return {t: sorted(set(cols)) for t, cols in sorted(self.requested_variables.items())}


def requestable_columns() -> dict[str, tuple[str, ...]]:
    """Every warehouse table a project may ask for, with the columns it may ask for.

    The identity table never leaves the hospital, and the identifying columns never leave
    the gate: the gate gives each patient a per-project pseudonym instead.
    """
    tables = (*CLINICAL_TABLES, *CLAIMS_TABLES, SNDS_LINK)
    return {
        t.name: tuple(c for c in t.column_names(Layer.WAREHOUSE) if c not in NEVER_RELEASED)
        for t in tables
    }


def validate(request: ProjectRequest) -> None:
    """Raise `Invalid` listing every problem of `request`, or return if there is none."""
    problems = [
        *_text_problems(request),
        *_variable_problems(request.requested_variables),
        *_population_problems(request.population),
        *_regulatory_problems(request),
        *_recipient_problems(request),
    ]
    if not 1 <= request.duration_months <= MAX_DURATION_MONTHS:
        problems.append(
            f"duration_months: {request.duration_months} is out of range; "
            f"ask for 1 to {MAX_DURATION_MONTHS} months"
        )
    release = request.requested_release
    if release != LATEST_RELEASE and not RELEASE_ID.fullmatch(release):
        problems.append(
            f"requested_release: {release!r} is not a release; give a release id such as "
            f"'R0003', or {LATEST_RELEASE!r}"
        )
    if problems:
        raise Invalid("; ".join(problems))


def _text_problems(request: ProjectRequest) -> list[str]:
    problems = []
    for field, limit in (
        ("title", 300),
        ("public_summary", None),
        ("purpose", None),
        ("public_interest", None),
        ("protocol_filename", 200),
    ):
        value = getattr(request, field)
        if not value.strip():
            problems.append(f"{field}: empty; fill it in")
        elif limit is not None and len(value) > limit:
            problems.append(f"{field}: {len(value)} characters; shorten it to {limit}")
    if any(sep in request.protocol_filename for sep in "/\\"):
        problems.append("protocol_filename: give the file's name only, without a folder")
    if not request.protocol:
        problems.append("protocol: the protocol document is empty; attach the protocol")
    if request.sponsor_category not in set(Sponsor):
        problems.append(
            f"sponsor_category: {request.sponsor_category!r} is not a category; choose one "
            f"of {', '.join(Sponsor)}"
        )
    if request.kind not in set(ProjectKind):
        problems.append(
            f"kind: {request.kind!r} is not a kind of project; choose one of "
            f"{', '.join(ProjectKind)}"
        )
    return problems


def _variable_problems(variables: Mapping[str, Sequence[str]]) -> list[str]:
    if not variables:
        return ["requested_variables: none requested; name the tables and columns needed"]
    allowed = requestable_columns()
    problems = []
    for table, columns in variables.items():
        if table not in allowed:
            problems.append(
                f"requested_variables: {table!r} is not a warehouse table a project may "
                f"request; choose among {', '.join(sorted(allowed))}"
            )
            continue
        if not columns:
            problems.append(f"requested_variables.{table}: no column; name the columns needed")
        for column in columns:
            if column in NEVER_RELEASED:
                problems.append(
                    f"requested_variables.{table}: {column!r} identifies a patient or a "
                    "source file and never leaves the gate; remove it (the gate gives each "
                    "patient a per-project pseudonym to join tables on)"
                )
            elif column not in allowed[table]:
                problems.append(
                    f"requested_variables.{table}: no column {column!r} in table {table!r}; "
                    "see the data dictionary for its columns"
                )
    return problems


def _population_problems(population: Population) -> list[str]:
    problems = []
    known = VALUE_SETS["cancer_type"].codes()
    if not population.cancer_types:
        problems.append("population.cancer_types: none; choose among " + ", ".join(sorted(known)))
    for cancer in population.cancer_types:
        if cancer not in known:
            problems.append(
                f"population.cancer_types: {cancer!r} is not a cancer type of the warehouse; "
                f"choose among {', '.join(sorted(known))}"
            )
    years = tuple(population.diagnosis_years)
    last_year = today().year
    if not (
        len(years) == 2
        and all(isinstance(y, int) for y in years)
        and FIRST_DIAGNOSIS_YEAR <= years[0] <= years[1] <= last_year
    ):
        problems.append(
            f"population.diagnosis_years: {list(years)} is not a span of years; give "
            f"[first, last] with {FIRST_DIAGNOSIS_YEAR} ≤ first ≤ last ≤ {last_year}"
        )
    if not population.centres:
        problems.append("population.centres: none; list the FINESS numbers of the centres")
    for finess in population.centres:
        if not _FINESS.fullmatch(finess):
            problems.append(
                f"population.centres: {finess!r} is not a FINESS number (9 characters, "
                "e.g. 750712184)"
            )
    return problems


def _regulatory_problems(request: ProjectRequest) -> list[str]:
    basis, reference = request.regulatory_basis, request.regulatory_reference.strip()
    if basis == RegulatoryBasis.REFERENCE_METHODOLOGY:
        if not _METHODOLOGY.fullmatch(reference):
            return [
                f"regulatory_reference: {reference!r} is not a reference methodology; "
                "name it as the CNIL does, e.g. MR-004"
            ]
    elif basis == RegulatoryBasis.CNIL_AUTHORISATION:
        if not (_CNIL_NUMBER.fullmatch(reference) and len(reference) <= 100):
            return [
                f"regulatory_reference: {reference!r} is not an authorisation number; give "
                "the number of the CNIL's decision, e.g. DR-2024-123"
            ]
    else:
        return [
            f"regulatory_basis: {basis!r} is not a legal basis; choose one of "
            f"{', '.join(RegulatoryBasis)}"
        ]
    return []


def _recipient_problems(request: ProjectRequest) -> list[str]:
    if not request.recipients:
        return ["recipients: none; list who receives the results (name and country)"]
    problems = []
    for recipient in request.recipients:
        if not recipient.name.strip():
            problems.append("recipients: a recipient has no name; name it")
        if not re.fullmatch(r"[A-Za-z]{2}", recipient.country):
            problems.append(
                f"recipients: {recipient.country!r} is not a country code; give the ISO "
                "3166 two-letter code, e.g. FR"
            )
    if request.outside_eu and not request.standard_contractual_clauses:
        outside = sorted(
            {r.country.upper() for r in request.recipients if r.country.upper() not in EU_EEA}
        )
        problems.append(
            f"standard_contractual_clauses: recipients outside the EU ({', '.join(outside)}) "
            "receive data only under the European Commission's standard contractual "
            "clauses; sign them and declare them"
        )
    return problems
