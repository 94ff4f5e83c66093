"""One request, one transaction: the services change and flush, the request boundary
commits once; a failure anywhere leaves nothing of the request behind."""

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEntry
from academy.extensions import db
from academy.programs.models import Program
from tests.assessments.conftest import recorded
from tests.conftest import count_rows, problem_of


@pytest.fixture
def commits():
    """How many times the session commits while the test runs."""
    seen = []

    def count(session):
        seen.append(session)

    sa.event.listen(db.session, "after_commit", count)
    yield seen
    sa.event.remove(db.session, "after_commit", count)


class TestTheRequestBoundary:
    def test_a_write_commits_once_with_everything_it_did(self, http, coach, commits):
        response = http.post(
            "/api/v1/clients",
            json={"name": "Una Once", "email": "una@north.test", "goals": "Run a 10k."},
            headers=coach.headers,
        )

        assert response.status_code == 201
        # The client, their account, their invitation and the audit row: one commit.
        assert len(commits) == 1
        assert count_rows(AuditEntry, AuditEntry.resource_id == response.get_json()["id"]) == 1

    def test_a_read_commits_nothing(self, http, coach, commits):
        assert http.get("/api/v1/clients", headers=coach.headers).status_code == 200

        assert commits == []

    def test_a_refused_write_commits_nothing(self, http, coach, commits):
        response = http.post("/api/v1/clients", json={"name": "No Email"}, headers=coach.headers)

        problem_of(response, 422)
        assert commits == []


class TestAServiceCallingAnother:
    def test_a_draft_whose_answer_fails_leaves_no_program(
        self, http, coach, client_user, monkeypatch
    ):
        assessment = recorded(http, coach, client_user.id)
        programs, audit = count_rows(Program), count_rows(AuditEntry)

        def fail(program):
            raise RuntimeError("the answer could not be built")

        # The draft service writes a program through the programs service; then the
        # answer fails to build.
        monkeypatch.setattr("academy.assessments.routes.documents.program_document", fail)
        response = http.post(
            f"/api/v1/assessments/{assessment['id']}/program-draft", headers=coach.headers
        )

        problem_of(response, 500)
        assert count_rows(Program) == programs
        assert count_rows(AuditEntry) == audit
