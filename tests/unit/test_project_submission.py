"""What a submission must contain before the committee sees it: real warehouse variables
and none that identifies a patient, a population the warehouse can build, a named legal
basis, and standard contractual clauses for any recipient outside the EU. Each refusal
names the field and says what to do."""

import re

import pytest

from entrepot.governance.errors import Invalid
from entrepot.governance.lifecycle import RegulatoryBasis
from entrepot.governance.submission import (
    Population,
    Recipient,
    requestable_columns,
    validate,
)
from entrepot.model import CLAIMS_TABLES, CLINICAL_TABLES, SNDS_LINK, Layer
from entrepot.model.identifiers import NEVER_RELEASED
from tests.support.committee import CENTRE_FINESS, a_request


def _population(**changes):
    fields = {
        "cancer_types": ("breast",),
        "diagnosis_years": (2015, 2022),
        "centres": (CENTRE_FINESS,),
    } | changes
    return Population(**fields)


def test_a_complete_request_passes():
    validate(a_request())


def test_the_operator_may_be_left_to_pin_the_latest_release():
    validate(a_request(requested_release="latest"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "title: empty; fill it in"),
        ({"public_interest": ""}, "public_interest: empty"),
        ({"protocol": b""}, "protocol: the protocol document is empty"),
        ({"protocol_filename": "../etc/protocol.pdf"}, "protocol_filename: give the file's name"),
        ({"sponsor_category": "pharma"}, "sponsor_category: 'pharma' is not a category"),
        ({"requested_variables": {}}, "requested_variables: none requested"),
        (
            {"requested_variables": {"tumor": ["cancer_type"]}},
            "requested_variables: 'tumor' is not a warehouse table",
        ),
        (
            {"requested_variables": {"tumour": ["stage"]}},
            "requested_variables.tumour: no column 'stage' in table 'tumour'",
        ),
        ({"requested_variables": {"tumour": []}}, "requested_variables.tumour: no column;"),
        # Names and birth dates stay in the hospital: the identity table is not requestable.
        (
            {"requested_variables": {"identity": ["birth_date"]}},
            "'identity' is not a warehouse table a project may request",
        ),
        ({"population": _population(cancer_types=("colon",))}, "'colon' is not a cancer type"),
        ({"population": _population(cancer_types=())}, "population.cancer_types: none"),
        ({"population": _population(diagnosis_years=(2022, 2015))}, "diagnosis_years"),
        ({"population": _population(diagnosis_years=(1900, 2015))}, "diagnosis_years"),
        ({"population": _population(diagnosis_years=(2015, 2999))}, "diagnosis_years"),
        ({"population": _population(centres=("69000088",))}, "'69000088' is not a FINESS"),
        ({"population": _population(centres=())}, "population.centres: none"),
        ({"requested_release": "last"}, "requested_release: 'last' is not a release"),
        ({"duration_months": 0}, "duration_months: 0 is out of range; ask for 1 to 60"),
        ({"duration_months": 61}, "duration_months: 61 is out of range"),
        ({"regulatory_reference": "MR-4"}, "'MR-4' is not a reference methodology"),
        (
            {"regulatory_basis": RegulatoryBasis.CNIL_AUTHORISATION, "regulatory_reference": ""},
            "is not an authorisation number; give the number of the CNIL's decision",
        ),
        ({"regulatory_basis": "consent"}, "regulatory_basis: 'consent' is not a legal basis"),
        ({"recipients": ()}, "recipients: none"),
        ({"recipients": (Recipient("Lab", "France"),)}, "'France' is not a country code"),
        (
            {"recipients": (Recipient("UCB", "FR"), Recipient("Lab Inc.", "US"))},
            "standard_contractual_clauses: recipients outside the EU (US)",
        ),
    ],
)
def test_a_request_is_refused_with_its_field_and_what_to_do(changes, message):
    with pytest.raises(Invalid, match=re.escape(message)):
        validate(a_request(**changes))


#: Every identifying column where the warehouse holds it: (table, column).
IDENTIFYING = sorted(
    (table.name, column)
    for table in (*CLINICAL_TABLES, *CLAIMS_TABLES, SNDS_LINK)
    for column in NEVER_RELEASED & set(table.column_names(Layer.WAREHOUSE))
)


def test_every_identifying_column_is_somewhere_in_the_warehouse():
    assert {column for _, column in IDENTIFYING} == NEVER_RELEASED


@pytest.mark.parametrize(("table", "column"), IDENTIFYING)
def test_no_identifying_column_may_be_requested(table, column):
    with pytest.raises(Invalid, match=f"'{column}' identifies a patient or a source file"):
        validate(a_request(requested_variables={table: [column]}))


def test_no_requestable_column_identifies_a_patient():
    offered = {c for columns in requestable_columns().values() for c in columns}
    assert offered
    assert not offered & NEVER_RELEASED


def test_claims_and_the_link_quality_may_be_requested():
    validate(
        a_request(
            requested_variables={
                "hospital_stay": ["admission_date", "ghm"],
                "snds_link": ["method", "match_probability"],
            }
        )
    )


def test_a_recipient_outside_the_eu_needs_standard_contractual_clauses():
    request = a_request(
        recipients=(Recipient("Lab Inc.", "US"),), standard_contractual_clauses=True
    )
    validate(request)
    assert request.outside_eu


def test_the_eea_is_not_outside_the_eu():
    request = a_request(recipients=(Recipient("Oslo universitetssykehus", "NO"),))
    validate(request)
    assert not request.outside_eu


def test_a_cnil_authorisation_names_its_decision():
    validate(
        a_request(
            regulatory_basis=RegulatoryBasis.CNIL_AUTHORISATION,
            regulatory_reference="DR-2024-123",
        )
    )


def test_every_problem_is_reported_at_once():
    request = a_request(title="", duration_months=0, requested_variables={"tumour": ["stage"]})
    with pytest.raises(Invalid) as refused:
        validate(request)
    message = str(refused.value)
    for field in ("title:", "duration_months:", "requested_variables.tumour:"):
        assert field in message
