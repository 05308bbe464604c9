"""Output release, on SQLite and on PostgreSQL: a project member submits files with their
context, two independent output checkers approve, and only then do the files leave the
workspace. Every step is audited and the trail stays intact."""

import hashlib
from unittest import mock

import pandas as pd
import pytest
from sqlalchemy import select, text

from entrepot.disclosure import airlock
from entrepot.disclosure.airlock import OutputFileIn
from entrepot.disclosure.control import protect_crosstab
from entrepot.governance import audit, errors, people
from entrepot.governance.roles import OrganisationKind, Role
from entrepot.governance.tables import (
    AuditEvent,
    OutputFile,
    OutputRequest,
    OutputReview,
    Project,
    ProjectMember,
)
from tests.support.people import make_organisation, make_person

TABLE = protect_crosstab(
    pd.DataFrame(
        [[3, 40, 50], [30, 60, 70], [20, 35, 45]],
        index=pd.Index(["I", "II", "III"], name="stage"),
        columns=["female", "male", "unknown"],
    )
).to_csv()
FILES = [
    OutputFileIn("table2.csv", TABLE.encode(), "Patients by stage and sex (protect_crosstab)"),
    OutputFileIn("figure1.png", b"\x89PNG\r\n\x1a\nfigure", "Overall survival by stage"),
]
UNSAFE = b"sex,n_patients\nfemale,25\nmale,4\n"


@pytest.fixture
def world(database):
    """A project (active) led by lea with colin and dora as members; three output checkers
    outside it; dora checks outputs too; oscar is a researcher of another organisation."""
    with (
        database.session() as session,
        mock.patch.object(people, "hash_password", lambda password: "not-a-real-hash"),
    ):
        sponsor = make_organisation(session, "Université Claude Bernard")
        hub = make_organisation(session, "Health Data Hub", OrganisationKind.HEALTH_DATA_HUB)
        lead = make_person(session, "lea.lead", [Role.RESEARCHER], sponsor)
        colleague = make_person(session, "colin.colleague", [Role.RESEARCHER], sponsor)
        dual = make_person(session, "dora.dual", [Role.RESEARCHER, Role.OUTPUT_CHECKER], sponsor)
        make_person(session, "oscar.outsider", [Role.RESEARCHER], hub)
        for name in ("cora.checker", "cyril.checker", "celia.checker"):
            make_person(session, name, [Role.OUTPUT_CHECKER])
        project = _project(sponsor.id, lead.id)
        session.add(project)
        session.flush()
        for member in (lead, colleague, dual):
            session.add(ProjectMember(project_id=project.id, person_id=member.id))
    return database


def _project(sponsor_id, lead_id):
    return Project(
        code="P0001",
        kind="research",
        title="Second-line treatments of metastatic breast cancer",
        public_summary="Which treatments patients receive after a first line.",
        sponsor_id=sponsor_id,
        sponsor_category="academic",
        purpose="Describe second-line treatment sequences.",
        public_interest="Informs the national guidelines.",
        protocol_filename="protocol.pdf",
        protocol_sha256=hashlib.sha256(b"protocol").hexdigest(),
        protocol=b"protocol",
        requested_variables={"patient": ["sex"]},
        population={"cancer_types": ["breast"]},
        requested_release="R0001",
        duration_months=24,
        regulatory_basis="reference_methodology",
        regulatory_reference="MR-004",
        recipients=[{"name": "Université Claude Bernard", "country": "FR"}],
        state="active",
        lead_id=lead_id,
    )


def who(session, username):
    return people.find_person(session, username)


def submit(database, author="lea.lead", files=FILES):
    with database.session() as session:
        project = session.scalar(select(Project).where(Project.code == "P0001"))
        request = airlock.submit_output(
            session,
            who(session, author),
            project,
            title="Treatment lines by stage",
            context="Table 2 and figure 1 of the paper",
            files=files,
        )
        return request.id


def review(database, checker, request_id, decision="approve", comment=""):
    with database.session() as session:
        request = session.get(OutputRequest, request_id)
        airlock.review_output(session, who(session, checker), request, decision, comment)
        return request.state


def download(database, username, request_id, filename="table2.csv"):
    with database.session() as session:
        request = session.get(OutputRequest, request_id)
        return airlock.download_output(session, who(session, username), request, filename)


def approved(database):
    request_id = submit(database)
    review(database, "cora.checker", request_id)
    review(database, "cyril.checker", request_id)
    return request_id


def output_trail(database):
    """(action, actor, request id) of every output event, and whether the trail holds."""
    with database.session() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("output%")).order_by(AuditEvent.seq)
        )
        steps = [(e.action, e.actor, e.object_id) for e in events]
        assert audit.verify(session).intact
        return steps


def test_two_independent_checkers_release_a_request(world):
    request_id = submit(world)
    with pytest.raises(errors.Refused, match="only approved files leave"):
        download(world, "lea.lead", request_id)
    assert review(world, "cora.checker", request_id) == "submitted"
    with pytest.raises(errors.Refused):
        download(world, "lea.lead", request_id)
    assert review(world, "cyril.checker", request_id) == "approved"

    assert download(world, "lea.lead", request_id) == TABLE.encode()
    assert download(world, "colin.colleague", request_id, "figure1.png") == FILES[1].content
    rid = str(request_id)
    assert output_trail(world) == [
        ("output_submitted", "lea.lead", rid),
        ("output_reviewed", "cora.checker", rid),
        ("output_reviewed", "cyril.checker", rid),
        ("output_download", "lea.lead", rid),
        ("output_download", "colin.colleague", rid),
    ]
    with world.session() as session:
        request = session.get(OutputRequest, request_id)
        assert request.decided_at is not None
        table, figure = sorted(request.files, key=lambda f: f.filename, reverse=True)
        assert table.sha256 == hashlib.sha256(TABLE.encode()).hexdigest()
        assert table.disclosure_report["count_columns"] == ["female", "male", "unknown", "Total"]
        assert figure.disclosure_report["checked"] is False
        submitted = session.scalar(
            select(AuditEvent).where(AuditEvent.action == "output_submitted")
        )
        assert submitted.details["files"][0] == {
            "name": "table2.csv",
            "sha256": table.sha256,
            "bytes": len(TABLE.encode()),
        }


def test_an_author_never_checks_their_own_outputs(world):
    request_id = submit(world, author="dora.dual")
    with pytest.raises(errors.Refused, match="never checks their own"):
        review(world, "dora.dual", request_id)
    with pytest.raises(errors.Refused, match="author never checks"), world.session() as session:
        request = session.get(OutputRequest, request_id)
        airlock.read_for_review(session, who(session, "dora.dual"), request, "table2.csv")


def test_checkers_are_independent_of_the_project_and_hold_the_role(world):
    request_id = submit(world)
    with pytest.raises(errors.Refused, match="member of project P0001"):
        review(world, "dora.dual", request_id)
    with pytest.raises(errors.Refused, match="needs the role output_checker"):
        review(world, "oscar.outsider", request_id)


def test_a_checker_decides_once_and_a_decided_request_takes_no_more(world):
    request_id = submit(world)
    review(world, "cora.checker", request_id)
    with pytest.raises(errors.Conflict, match="already reviewed"):
        review(world, "cora.checker", request_id)
    with pytest.raises(errors.Conflict, match="already reviewed"):
        review(world, "cora.checker", request_id, "reject", "On second thoughts")
    review(world, "cyril.checker", request_id)
    with pytest.raises(errors.Conflict, match="approved, not submitted"):
        review(world, "celia.checker", request_id, "reject", "Too late")
    with world.session() as session:
        assert len(session.scalars(select(OutputReview)).all()) == 2


def test_one_rejection_rejects_and_needs_a_reason(world):
    request_id = submit(world)
    with pytest.raises(errors.Invalid, match="needs a comment"):
        review(world, "cora.checker", request_id, "reject")
    with pytest.raises(errors.Invalid, match="not a decision"):
        review(world, "cora.checker", request_id, "maybe", "Unsure")
    review(world, "cora.checker", request_id)
    assert review(world, "cyril.checker", request_id, "reject", "Row III singles out") == "rejected"
    with pytest.raises(errors.Refused, match="rejected"):
        download(world, "lea.lead", request_id)


def test_changes_requested_go_back_to_the_author_who_resubmits(world):
    request_id = submit(world)
    review(world, "cora.checker", request_id)
    state = review(world, "cyril.checker", request_id, "changes_requested", "Drop the figure")
    assert state == "changes_requested"
    with world.session() as session:
        old = session.get(OutputRequest, request_id)
        with pytest.raises(errors.Refused, match="only the author"):
            airlock.resubmit_output(session, who(session, "colin.colleague"), old, files=FILES[:1])
        new = airlock.resubmit_output(session, who(session, "lea.lead"), old, files=FILES[:1])
        new_id = new.id
        assert (old.state, new.state, new.context) == ("superseded", "submitted", old.context)
    with world.session() as session, pytest.raises(errors.Conflict, match="superseded"):
        old = session.get(OutputRequest, request_id)
        airlock.resubmit_output(session, who(session, "lea.lead"), old, files=FILES[:1])
    # The new request is reviewed from scratch, by the same checkers if need be.
    assert review(world, "cyril.checker", new_id) == "submitted"
    assert review(world, "cora.checker", new_id) == "approved"
    assert download(world, "lea.lead", new_id) == TABLE.encode()
    with pytest.raises(errors.NotFound):
        download(world, "lea.lead", new_id, "figure1.png")
    assert [step[0] for step in output_trail(world)] == [
        "output_submitted",
        "output_reviewed",
        "output_reviewed",
        "output_superseded",
        "output_submitted",
        "output_reviewed",
        "output_reviewed",
        "output_download",
    ]


def test_the_author_withdraws_an_undecided_request(world):
    request_id = submit(world)
    with world.session() as session:
        request = session.get(OutputRequest, request_id)
        with pytest.raises(errors.Refused, match="only the author"):
            airlock.withdraw_output(session, who(session, "colin.colleague"), request)
        airlock.withdraw_output(session, who(session, "lea.lead"), request)
    with pytest.raises(errors.Conflict, match="withdrawn, not submitted"):
        review(world, "cora.checker", request_id)
    with world.session() as session, pytest.raises(errors.Conflict, match="withdrawn"):
        request = session.get(OutputRequest, request_id)
        airlock.withdraw_output(session, who(session, "lea.lead"), request)
    assert output_trail(world)[-1] == ("output_withdrawn", "lea.lead", str(request_id))


def test_an_unsafe_table_is_refused_naming_file_row_and_column(world):
    files = [*FILES, OutputFileIn("counts.csv", UNSAFE, "Patients by sex")]
    with pytest.raises(errors.Invalid) as refused:
        submit(world, files=files)
    message = str(refused.value)
    assert "file 'counts.csv'" in message
    assert "row 2, column 'n_patients': 4 is between 1 and 10" in message
    assert "entrepot.disclosure.control" in message
    with world.session() as session:
        assert session.scalars(select(OutputRequest)).all() == []
        assert session.scalars(select(OutputFile)).all() == []
    assert output_trail(world) == []


@pytest.mark.parametrize(
    ("file", "finding"),
    [
        (OutputFileIn("t.csv", b"n\n20\n", " "), "needs a description"),
        (OutputFileIn("../t.csv", b"n\n20\n", "A table"), "not a plain file name"),
        (OutputFileIn(".t.csv", b"n\n20\n", "A table"), "not a plain file name"),
        (OutputFileIn("t.parquet", b"PAR1", "Rows"), "only .csv"),
        (OutputFileIn("t.csv", b"", "A table"), "empty"),
        (OutputFileIn("t.csv", b"\xff\xfe", "A table"), "readable UTF-8 CSV"),
        (OutputFileIn("t.csv", b"n\n20\n", "A table", ("stage",)), "does not have"),
    ],
)
def test_each_file_is_named_described_and_of_a_kind_that_can_be_checked(world, file, finding):
    with pytest.raises(errors.Invalid, match=finding):
        submit(world, files=[file])


def test_only_members_of_an_active_project_submit(world):
    with pytest.raises(errors.Refused, match=r"oscar\.outsider is not a member"):
        submit(world, author="oscar.outsider")
    with pytest.raises(errors.Invalid, match="same name"):
        submit(world, files=[FILES[0], FILES[0]])
    with world.session() as session:
        session.scalar(select(Project)).state = "closed"
    with pytest.raises(errors.Conflict, match="P0001 is closed, not active"):
        submit(world)


def test_only_project_members_download_and_only_untouched_files(world):
    request_id = approved(world)
    for outsider in ("oscar.outsider", "cora.checker"):
        with pytest.raises(errors.Refused, match="not a member"):
            download(world, outsider, request_id)
    with pytest.raises(errors.NotFound, match=r"no file 'other\.csv'"):
        download(world, "lea.lead", request_id, "other.csv")
    with world.engine.begin() as connection:
        connection.execute(
            text("UPDATE output_file SET content = :c WHERE filename = 'table2.csv'"),
            {"c": b"sex,n\nmale,1\n"},
        )
    with pytest.raises(errors.Conflict, match="changed after submission"):
        download(world, "lea.lead", request_id)
    # A closed project's members still take out what was approved.
    with world.session() as session:
        session.scalar(select(Project)).state = "closed"
    assert download(world, "lea.lead", request_id, "figure1.png") == FILES[1].content


def test_checkers_read_pending_files_and_the_reading_is_audited(world):
    request_id = submit(world)
    with world.session() as session:
        request = session.get(OutputRequest, request_id)
        content = airlock.read_for_review(
            session, who(session, "celia.checker"), request, "table2.csv"
        )
    assert content == TABLE.encode()
    assert output_trail(world)[-1] == ("output_view", "celia.checker", str(request_id))


def test_each_person_sees_the_requests_of_their_role(world):
    request_id = submit(world)
    with world.session() as session:
        seen = {
            name: [r.id for r in airlock.list_requests(session, who(session, name))]
            for name in ("lea.lead", "colin.colleague", "cora.checker", "oscar.outsider")
        }
    assert seen == {
        "lea.lead": [request_id],
        "colin.colleague": [request_id],
        "cora.checker": [request_id],
        "oscar.outsider": [],
    }
