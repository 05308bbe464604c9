"""The governance commands, on SQLite and on PostgreSQL: `entrepot audit verify` vouches for
an intact trail and names each tampered record; `entrepot access-review --csv` writes the
annual review, one line per account."""

import csv
import datetime as dt
import io

from sqlalchemy import select, text
from typer.testing import CliRunner

from entrepot.cli.main import app
from entrepot.governance import audit, projects
from entrepot.governance.clock import today
from entrepot.governance.people import ReviewFlag, find_person
from entrepot.governance.roles import Role
from entrepot.governance.tables import Person
from tests.support.metadata import drop_audit_guards
from tests.support.people import make_centre, make_organisation, make_person
from tests.support.projects import request

runner = CliRunner()


def _run(database, tmp_path, *args):
    result = runner.invoke(
        app, [*args, "--home", str(tmp_path / "home"), "--database-url", database.url]
    )
    return result.exit_code, " ".join(result.output.split())


def _cast(database):
    """Accounts with and without roles, at the operator and at a centre."""
    with database.session() as session:
        centre = make_centre(session)
        make_person(session, "dora.dpo", [Role.DPO])
        make_person(session, "ada.researcher", [Role.RESEARCHER])
        make_person(session, "dan.manager", [Role.CENTRE_DATA_MANAGER], centre)
        make_person(session, "nobody.yet")
        # An account running for longer than a year: the review must flag it.
        make_person(
            session,
            "long.contract",
            [Role.AUDITOR],
            active_until=today() + dt.timedelta(days=800),
        )


def _verify(database):
    with database.session() as session:
        return audit.verify(session)


# --- entrepot audit verify ------------------------------------------------------------------


def test_audit_verify_vouches_for_an_intact_trail(database, tmp_path):
    _cast(database)
    expected = _verify(database)
    assert expected.intact and expected.records > 5
    code, output = _run(database, tmp_path, "audit", "verify")
    assert code == 0, output
    assert f"audit trail intact: {expected.records} records" in output
    assert f"head {expected.head_hash}" in output


def test_audit_verify_on_an_empty_trail(database, tmp_path):
    code, output = _run(database, tmp_path, "audit", "verify")
    assert code == 0, output
    assert f"intact: 0 records; head {audit.GENESIS}" in output


def test_audit_verify_fails_and_names_the_tampered_record(database, tmp_path):
    _cast(database)
    records = _verify(database).records
    drop_audit_guards(database)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'forger' WHERE seq = 3"))
        connection.execute(text(f"DELETE FROM audit_event WHERE seq = {records}"))
    code, output = _run(database, tmp_path, "audit", "verify")
    assert code == 1, output
    assert "record 3: content changed after it was written" in output
    assert f"the trail ends at record {records - 1} but its head says {records}" in output
    assert "the audit trail is broken: 2 problem(s)" in output
    assert "intact" not in output


# --- entrepot access-review -----------------------------------------------------------------


def _review(database, tmp_path, *options):
    written = tmp_path / "review.csv"
    code, output = _run(database, tmp_path, "access-review", *options, "--csv", str(written))
    assert code == 0, output
    assert "written:" in output
    return output, list(csv.DictReader(io.StringIO(written.read_text(encoding="utf-8"))))


def test_access_review_writes_one_csv_line_per_account(database, tmp_path):
    _cast(database)
    with database.session() as session:
        researcher = find_person(session, "ada.researcher")
        sponsor = make_organisation(session, "Université de Lyon")
        projects.create_draft(session, researcher, request(sponsor, ("690000880",)))
        usernames = sorted(session.scalars(select(Person.username)))
    output, rows = _review(database, tmp_path)
    assert f"Access-rights review, {today():%Y-%m-%d}" in output
    assert [row["username"] for row in rows] == usernames
    assert len(rows) == 5
    line = {row["username"]: row for row in rows}
    assert line["dora.dpo"]["roles"] == "dpo"
    assert line["dan.manager"]["roles"] == "centre_data_manager @ Centre Léon Bérard"
    assert line["nobody.yet"]["roles"] == ""
    assert line["nobody.yet"]["active_until"] == (today() + dt.timedelta(days=300)).isoformat()
    assert line["ada.researcher"]["projects"] == "P0001 (draft: )"
    assert line["dora.dpo"]["projects"] == ""
    assert line["long.contract"]["flags"] == ReviewFlag.ENDS_AFTER_A_YEAR
    assert not [name for name, row in line.items() if row["flags"] and name != "long.contract"]


def test_access_review_on_a_later_day_flags_the_ended_accounts(database, tmp_path):
    _cast(database)
    later = today() + dt.timedelta(days=400)
    output, rows = _review(database, tmp_path, "--on", later.isoformat())
    assert f"Access-rights review, {later:%Y-%m-%d}" in output
    flags = {row["username"]: row["flags"] for row in rows}
    # By then every account but the long one has ended: those still holding roles are
    # flagged, the one without roles is not; the long one has never logged in.
    assert flags == {
        "ada.researcher": ReviewFlag.ENDED_WITH_ROLES,
        "dan.manager": ReviewFlag.ENDED_WITH_ROLES,
        "dora.dpo": ReviewFlag.ENDED_WITH_ROLES,
        "long.contract": f"{ReviewFlag.ENDS_AFTER_A_YEAR} | {ReviewFlag.NO_RECENT_LOGIN}",
        "nobody.yet": "",
    }


def test_access_review_names_a_bad_date(database, tmp_path):
    code, output = _run(database, tmp_path, "access-review", "--on", "31/12/2025")
    assert code == 2
    assert "YYYY-MM-DD" in output
