"""Reading the audit log over HTTP (coach only)."""

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEntry
from academy.audit.schemas import AuditEntrySchema
from academy.extensions import db
from tests.assessments.conftest import recorded
from tests.audit.conftest import check_in
from tests.conftest import count_statements, problem_of


def read(http, actor, query: str = ""):
    return http.get(f"/api/v1/audit{query}", headers=actor.headers)


def backdate(resource: str, resource_id: int, moment: str) -> None:
    """Move a resource's audit rows to ``moment`` (UTC), as if written then."""
    db.session.execute(
        sa.update(AuditEntry)
        .where(AuditEntry.resource == resource, AuditEntry.resource_id == resource_id)
        .values(at=datetime.fromisoformat(moment).replace(tzinfo=UTC))
    )
    db.session.commit()


@pytest.fixture
def log(http, coach, owner, client_user, other_client_user):
    """Three assessments by two coaches and a check-in by a client, on four days."""
    first = recorded(http, coach, client_user.id)
    second = recorded(http, owner, other_client_user.id)
    third = recorded(http, coach, other_client_user.id)
    written = check_in(http, client_user)
    backdate("assessment", first["id"], "2026-03-01T08:00:00")
    backdate("assessment", second["id"], "2026-03-02T23:59:59")
    backdate("assessment", third["id"], "2026-03-03T00:00:00")
    backdate("check_in", written["id"], "2026-03-04T12:00:00")
    return {"assessments": [first["id"], second["id"], third["id"]], "check_in": written["id"]}


def ids(response) -> list[tuple[str, int]]:
    return [(e["resource"], e["resource_id"]) for e in response.get_json()]


class TestReadAuditLog:
    def test_it_lists_the_academys_entries_newest_first(self, http, coach, log):
        response = read(http, coach, "?resource=assessment")

        assert response.status_code == 200
        body = response.get_json()
        assert ids(response) == [("assessment", i) for i in reversed(log["assessments"])]
        keys = {field.data_key or name for name, field in AuditEntrySchema().fields.items()}
        assert all(entry.keys() == keys for entry in body)
        assert body[-1]["at"] == "2026-03-01T08:00:00Z"
        assert (body[-1]["actor_id"], body[-1]["actor_role"], body[-1]["action"]) == (
            coach.id,
            "coach",
            "create",
        )
        assert "notes" in body[-1]["fields"]
        assert json.loads(response.headers["X-Pagination"])["total"] == 3

    def test_it_filters_by_resource_and_id(self, http, coach, log):
        response = read(http, coach, f"?resource=check_in&resource_id={log['check_in']}")

        assert ids(response) == [("check_in", log["check_in"])]
        assert response.get_json()[0]["actor_role"] == "client"

    def test_it_filters_by_actor(self, http, coach, owner, log):
        response = read(http, coach, f"?actor_id={owner.id}")

        assert ids(response) == [("assessment", log["assessments"][1])]

    def test_from_and_to_are_whole_days_in_utc(self, http, coach, log):
        response = read(http, coach, "?resource=assessment&from=2026-03-02&to=2026-03-02")

        assert ids(response) == [("assessment", log["assessments"][1])]
        later = read(http, coach, "?from=2026-03-03&to=2026-03-31")
        assert ids(later) == [("check_in", log["check_in"]), ("assessment", log["assessments"][2])]

    def test_it_paginates(self, http, coach, log):
        response = read(http, coach, "?resource=assessment&page=2&page_size=2")

        assert ids(response) == [("assessment", log["assessments"][0])]
        pagination = json.loads(response.headers["X-Pagination"])
        assert (pagination["total"], pagination["total_pages"]) == (3, 2)

    def test_it_never_shows_another_academys_entries(
        self, http, coach, other_academy_coach, other_academy_client, log
    ):
        theirs = recorded(http, other_academy_coach, other_academy_client.id)

        mine = read(http, coach, f"?resource=assessment&resource_id={theirs['id']}")
        everything = read(http, coach, "?page_size=100")
        their_view = read(http, other_academy_coach, "?resource=assessment")

        assert mine.status_code == 200 and mine.get_json() == []
        assert ("assessment", theirs["id"]) not in ids(everything)
        assert other_academy_coach.id not in {e["actor_id"] for e in everything.get_json()}
        assert ids(their_view) == [("assessment", theirs["id"])]

    @pytest.mark.parametrize(
        "query, path",
        [
            ("?resource=exercise", "query.resource"),
            ("?resource_id=0", "query.resource_id"),
            ("?actor_id=abc", "query.actor_id"),
            ("?from=yesterday", "query.from"),
            ("?to=2026-02-30", "query.to"),
            ("?page_size=101", "query.page_size"),
        ],
    )
    def test_bad_query_parameters_are_422(self, http, coach, query, path):
        assert path in problem_of(read(http, coach, query), 422)["errors"]

    def test_it_issues_the_same_number_of_statements_for_any_page_size(
        self, http, coach, client_user
    ):
        for day in range(1, 26):
            recorded(http, coach, client_user.id, assessed_on=f"2026-01-{day:02}")

        with count_statements() as small:
            assert len(read(http, coach, "?page_size=2").get_json()) == 2
        with count_statements() as large:
            assert len(read(http, coach, "?page_size=100").get_json()) == 26

        assert len(small) == len(large) <= 4

    def test_a_client_gets_403(self, http, client_user, log):
        problem_of(read(http, client_user), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/audit"), 401)
