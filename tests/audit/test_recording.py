"""Every write to a client, program, assignment, check-in or assessment leaves one
audit row: who, what, which resource, which fields, and never the values."""

import json

import sqlalchemy as sa

from academy.audit.models import AuditEntry
from academy.extensions import db
from tests.assessments.conftest import SECRET_NOTES, recorded
from tests.audit.conftest import (
    SECRET,
    assign,
    audit_rows,
    check_in,
    create_program,
    program_body,
    summary,
)

NEW_CLIENT = {
    "name": "Rita Runner",
    "email": "rita@north.test",
    "goals": "Sub-50 10k",
    "coach_notes": SECRET,
}


def write_headers(actor, etag: str = "*") -> dict:
    return {**actor.headers, "If-Match": etag}


def assert_no_values_anywhere(*secrets: str) -> None:
    """No audit row holds free text or numbers: every field is a plain field name."""
    rows = db.session.execute(sa.select(AuditEntry.__table__)).mappings().all()
    assert rows
    for row in rows:
        assert all(name.replace("_", "").isalpha() for name in row["fields"]), row["fields"]
        text = json.dumps({k: v for k, v in row.items() if k != "at"}, default=str)
        for secret in secrets:
            assert secret not in text


class TestClientWrites:
    def test_creating_patching_and_archiving_a_client_leave_one_row_each(self, http, coach):
        created = http.post("/api/v1/clients", json=NEW_CLIENT, headers=coach.headers).get_json()
        http.patch(
            f"/api/v1/clients/{created['id']}",
            json={"name": "Rita R.", "coach_notes": "Second secret.",
                  "running_profile": {"weekly_volume_km": 137.5}},
            headers=write_headers(coach),
        )  # fmt: skip
        http.delete(f"/api/v1/clients/{created['id']}", headers=write_headers(coach))

        rows = [summary(e) for e in audit_rows("client", created["id"])]

        by = (coach.id, "coach")
        assert rows[0][:5] == (*by, "create", "client", created["id"])
        assert {"name", "email", "goals", "coach_notes", "timezone", "status"} <= set(rows[0][5])
        assert rows[1:] == [
            (*by, "update", "client", created["id"], ["coach_notes", "name", "weekly_volume_km"]),
            (*by, "update", "client", created["id"], ["status"]),
        ]
        assert_no_values_anywhere(SECRET, "Second secret.", "Rita", "rita@north.test", "137.5")

    def test_a_patch_that_changes_nothing_leaves_no_row(self, http, coach, client_user):
        before = len(audit_rows("client", client_user.id))

        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"name": "Cliff Client"},
            headers=write_headers(coach),
        )

        assert response.status_code == 200
        assert len(audit_rows("client", client_user.id)) == before

    def test_a_refused_write_leaves_no_row(self, http, coach, client_user):
        before = len(audit_rows())

        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"name": "Stale"},
            headers=write_headers(coach, '"9"'),
        )

        assert response.status_code == 412
        assert len(audit_rows()) == before


class TestProgramWrites:
    def test_creating_replacing_and_archiving_a_program_leave_one_row_each(self, http, coach, ex):
        program = create_program(http, coach, ex)
        replaced = program_body(ex, name="Pelvis to Neutral II")
        replaced["sessions"][0]["items"][0]["reps"] = 10
        http.put(f"/api/v1/programs/{program['id']}", json=replaced, headers=write_headers(coach))
        http.delete(f"/api/v1/programs/{program['id']}", headers=write_headers(coach))

        rows = [summary(e) for e in audit_rows("program", program["id"])]

        by = (coach.id, "coach")
        assert rows[0][:5] == (*by, "create", "program", program["id"])
        assert {"name", "description", "goal", "weeks", "sessions"} <= set(rows[0][5])
        assert rows[1:] == [
            (*by, "update", "program", program["id"], ["name", "sessions"]),
            (*by, "update", "program", program["id"], ["archived_at"]),
        ]

    def test_a_replacement_that_only_drops_a_session_is_logged(self, http, coach, ex):
        two_days = program_body(ex)
        two_days["sessions"].append({**two_days["sessions"][0], "day": 3})
        program = create_program(http, coach, ex, sessions=two_days["sessions"])

        http.put(
            f"/api/v1/programs/{program['id']}", json=program_body(ex), headers=write_headers(coach)
        )

        rows = [summary(e) for e in audit_rows("program", program["id"])]
        assert rows[1] == (coach.id, "coach", "update", "program", program["id"], ["sessions"])


class TestAssignmentWrites:
    def test_assigning_and_patching_leave_rows_for_the_assignment_and_its_copy(
        self, http, coach, client_user, ex
    ):
        program = create_program(http, coach, ex)

        assignment = assign(http, coach, client_user.id, program["id"])
        http.patch(
            f"/api/v1/assignments/{assignment['id']}",
            json={"status": "paused", "notes": "Travelling."},
            headers=write_headers(coach),
        )

        rows = [summary(e) for e in audit_rows("assignment")]
        by = (coach.id, "coach")
        assert rows[0][:5] == (*by, "create", "assignment", assignment["id"])
        assert {"client_id", "program_id", "start_date", "status", "notes"} <= set(rows[0][5])
        assert rows[1:] == [(*by, "update", "assignment", assignment["id"], ["notes", "status"])]
        copy = audit_rows("program", assignment["program"]["id"])
        assert [(e.action, e.actor_id) for e in copy] == [("create", coach.id)]
        assert "sessions" in copy[0].fields
        assert_no_values_anywhere(SECRET, "Travelling.", "2026-03-02")


class TestCheckInWrites:
    def test_creating_patching_and_deleting_a_check_in_are_logged_as_the_client(
        self, http, client_user
    ):
        created = check_in(http, client_user)
        http.patch(
            f"/api/v1/me/check-ins/{created['id']}",
            json={"rpe": 8, "notes": "Another private note.",
                  "ratings": [{"region": "calf", "side": "right", "pain": 8}]},
            headers={**client_user.headers, "If-Match": '"1"'},
        )  # fmt: skip
        http.delete(
            f"/api/v1/me/check-ins/{created['id']}",
            headers={**client_user.headers, "If-Match": '"2"'},
        )

        rows = [summary(e) for e in audit_rows("check_in", created["id"])]

        by = (client_user.id, "client")
        assert rows[0][:5] == (*by, "create", "check_in", created["id"])
        assert {"date", "completed", "rpe", "notes", "ratings", "sleep_hours"} <= set(rows[0][5])
        assert rows[1:] == [
            (*by, "update", "check_in", created["id"], ["notes", "ratings", "rpe"]),
            (*by, "delete", "check_in", created["id"], []),
        ]
        assert_no_values_anywhere(SECRET, "Another private note.", "hip_flexors", "6.5")

    def test_a_new_check_in_names_the_fields_it_was_given_and_no_others(self, http, client_user):
        response = http.post(
            "/api/v1/me/check-ins",
            json={"date": "2026-03-02", "rpe": 4},
            headers=client_user.headers,
        )

        [row] = audit_rows("check_in", response.get_json()["id"])
        # `completed` is given by its default (true) when the body leaves it out.
        assert row.fields == ["academy_id", "client_id", "completed", "date", "rpe"]

    def test_emptying_the_ratings_is_logged(self, http, client_user):
        created = check_in(http, client_user)

        http.patch(
            f"/api/v1/me/check-ins/{created['id']}",
            json={"ratings": []},
            headers={**client_user.headers, "If-Match": "*"},
        )

        last = audit_rows("check_in", created["id"])[-1]
        assert (last.action, last.fields) == ("update", ["ratings"])


class TestAssessmentWrites:
    def test_creating_patching_and_archiving_an_assessment_leave_one_row_each(
        self, http, coach, client_user
    ):
        created = recorded(http, coach, client_user.id)
        http.patch(
            f"/api/v1/assessments/{created['id']}",
            json={"notes": "More private notes.", "pelvic_tilt": {"left": {"grade": 1}}},
            headers=write_headers(coach),
        )
        http.delete(f"/api/v1/assessments/{created['id']}", headers=write_headers(coach))

        rows = [summary(e) for e in audit_rows("assessment", created["id"])]

        by = (coach.id, "coach")
        assert rows[0][:5] == (*by, "create", "assessment", created["id"])
        assert {"assessed_on", "notes", "findings", "tightness", "tilt_left_grade",
                "shared_with_client"} <= set(rows[0][5])  # fmt: skip
        assert rows[1:] == [
            (*by, "update", "assessment", created["id"], ["notes", "tilt_left_grade"]),
            (*by, "update", "assessment", created["id"], ["archived_at"]),
        ]
        assert_no_values_anywhere(SECRET_NOTES, "More private notes.", "anterior", "moderate")

    def test_every_row_belongs_to_the_writers_academy(
        self, http, coach, client_user, other_academy_coach, other_academy_client
    ):
        mine = recorded(http, coach, client_user.id)
        theirs = recorded(http, other_academy_coach, other_academy_client.id)

        [row] = audit_rows("assessment", mine["id"])
        [other] = audit_rows("assessment", theirs["id"])

        assert (row.academy_id, other.academy_id) == (
            coach.academy_id,
            other_academy_coach.academy_id,
        )
