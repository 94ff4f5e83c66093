"""Privacy over HTTP: exporting the caller's data, and a client erasing theirs."""

import pytest
import sqlalchemy as sa

from academy.assessments.models import Assessment
from academy.audit.models import AuditEntry
from academy.auth.models import AuthToken, Invitation, PasswordReset, User
from academy.checkins.models import CheckIn, CheckInRating
from academy.clients.models import Client
from academy.extensions import db
from academy.privacy.schemas import ExportSchema
from tests.assessments.conftest import SECRET_NOTES, recorded
from tests.audit.conftest import check_in
from tests.conftest import PASSWORD, count_rows, count_statements, problem_of, sign_in
from tests.privacy.conftest import CLIENT_SECRET, CLIENT_WORDS, SUMMARY, UNSHARED_SUMMARY

NAME, EMAIL = "Cliff Client", "cliff@north.test"


def export(http, actor):
    return http.get("/api/v1/me/export", headers=actor.headers)


def erase(http, actor, password: str = PASSWORD, **extra):
    return http.delete("/api/v1/me", json={"password": password, **extra}, headers=actor.headers)


class TestExport:
    def test_a_client_gets_everything_held_about_them(self, http, client_user, history):
        response = export(http, client_user)

        assert response.status_code == 200
        body = response.get_json()
        assert body.keys() == set(ExportSchema().fields)
        assert body["account"]["email"] == EMAIL and body["account"]["role"] == "client"
        assert body["profile"] == {
            "goals": "A spring marathon",
            "birth_date": None,
            "running_profile": {
                "weekly_volume_km": 45.0,
                "target_race": "Spring 42k",
                "target_race_date": None,
            },
        }
        assert [a["id"] for a in body["assignments"]] == [history.assignment["id"]]
        assert [c["id"] for c in body["check_ins"]] == [history.check_in["id"]]
        assert body["check_ins"][0]["notes"] == CLIENT_WORDS
        assert body["check_ins"][0]["results"][0]["notes"] == CLIENT_WORDS
        assert body["check_ins"][0]["ratings"][0]["pain"] == 9
        assert [a["id"] for a in body["assessments"]] == [history.shared["id"]]
        assert body["assessments"][0]["client_summary"] == SUMMARY
        assert [(a["action"], a["resource"], a["resource_id"]) for a in body["activity"]] == [
            ("create", "check_in", history.check_in["id"])
        ]
        assert body["activity"][0]["at"].endswith("Z")

    def test_a_shared_assessment_carries_symptoms_injuries_hip_drop_and_aggravators(
        self, http, coach, client_user
    ):
        etag = http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers).headers["ETag"]
        http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"birth_date": "1991-07-14"},
            headers={**coach.headers, "If-Match": etag},
        )
        pain = {"region": "knee", "side": "left", "score": 6, "aggravated_by": ["stairs"]}
        injury = {"region": "ankle", "side": "right", "kind": "sprain", "on": "2025-11-03"}
        shared = recorded(
            http,
            coach,
            client_user.id,
            pain=[pain],
            symptoms=["leaking", "swelling"],
            injuries=[injury],
            gait={"cadence_spm": 160, "overstride": False, "hip_drop": "left"},
        )

        body = export(http, client_user).get_json()

        assert body["profile"]["birth_date"] == "1991-07-14"
        [exported] = body["assessments"]
        assert exported["id"] == shared["id"]
        assert exported["pain"] == [pain]
        assert exported["symptoms"] == ["leaking", "swelling"]
        assert exported["injuries"] == [injury]
        assert exported["gait"]["hip_drop"] == "left"

    def test_a_client_never_sees_the_coachs_private_notes(self, http, client_user, history):
        response = export(http, client_user)

        text = response.get_data(as_text=True)
        assert response.status_code == 200
        assert SECRET_NOTES not in text
        assert CLIENT_SECRET not in text
        assert UNSHARED_SUMMARY not in text
        assert "coach_notes" not in text
        assert all("notes" not in a for a in response.get_json()["assessments"])

    def test_it_holds_nothing_of_another_client(
        self, http, coach, client_user, other_client_user, history
    ):
        check_in(http, other_client_user, notes="Dana's own words.")

        body = export(http, other_client_user).get_json()

        assert body["account"]["email"] == "dana@north.test"
        assert [c["notes"] for c in body["check_ins"]] == ["Dana's own words."]
        assert body["assignments"] == [] and body["assessments"] == []
        assert CLIENT_WORDS not in export(http, other_client_user).get_data(as_text=True)

    def test_a_coach_gets_their_account_and_what_they_wrote(
        self, http, coach, client_user, history
    ):
        response = export(http, coach)

        assert response.status_code == 200
        body = response.get_json()
        assert body.keys() == {"account", "activity"}
        assert body["account"]["email"] == "cora@north.test"
        assert {(a["action"], a["resource"]) for a in body["activity"]} == {
            ("update", "client"),
            ("create", "program"),
            ("create", "assignment"),
            ("create", "assessment"),
        }
        assert all(a["at"].endswith("Z") for a in body["activity"])

    def test_it_issues_the_same_number_of_statements_for_any_history(
        self, http, client_user, history
    ):
        with count_statements() as short:
            export(http, client_user)
        for day in range(1, 21):
            check_in(http, client_user, date=f"2026-02-{day:02}")

        with count_statements() as long:
            assert len(export(http, client_user).get_json()["check_ins"]) == 21

        # One statement more than before form-check videos: their rows, for every check-in.
        assert len(short) == len(long) <= 14

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/me/export"), 401)


class TestErase:
    def test_it_erases_the_clients_personal_data_and_keeps_the_figures(
        self, http, coach, client_user, history
    ):
        response = erase(http, client_user)

        assert response.status_code == 204 and response.get_data() == b""
        db.session.expire_all()
        user = db.session.get(User, client_user.id)
        assert (user.name, user.status, user.password_hash) == ("Erased client", "erased", None)
        assert user.email == f"erased-{client_user.id}@erased.invalid"
        client = db.session.get(Client, client_user.id)
        assert (client.status, client.goals, client.coach_notes) == ("archived", "", "")
        assert (client.weekly_volume_km, client.target_race) == (None, None)
        stored = db.session.get(CheckIn, history.check_in["id"])
        assert (stored.notes, stored.rpe) == ("", 6)
        assert [(r.notes, r.completed) for r in stored.results] == [("", True)]
        assert count_rows(CheckInRating, CheckInRating.client_id == client_user.id) == 1
        assessments = db.session.scalars(
            sa.select(Assessment).where(Assessment.client_id == client_user.id)
        ).all()
        assert len(assessments) == 2
        assert {(a.notes, a.client_summary, a.gait_notes) for a in assessments} == {("", "", "")}
        assert {a.tilt_left_grade for a in assessments} == {2}
        assert {a.version for a in assessments} == {2}  # an ETag a coach holds is now stale

    def test_every_token_of_the_client_stops_working(self, http, client_user, history):
        second = sign_in(db.session.get(User, client_user.id))

        erase(http, client_user)

        problem_of(http.get("/api/v1/me", headers=client_user.headers), 401)
        problem_of(http.get("/api/v1/me", headers=second.headers), 401)
        problem_of(http.get("/api/v1/me/export", headers=second.headers), 401)
        for refresh_token in (client_user.refresh_token, second.refresh_token):
            response = http.post(
                "/api/v1/auth/tokens/refresh", json={"refresh_token": refresh_token}
            )
            problem_of(response, 401)
        assert count_rows(AuthToken, AuthToken.user_id == client_user.id,
                          AuthToken.revoked_at.is_(None)) == 0  # fmt: skip
        signing_in = http.post("/api/v1/auth/tokens", json={"email": EMAIL, "password": PASSWORD})
        problem_of(signing_in, 401)

    def test_no_coach_endpoint_shows_their_name_or_email(self, http, coach, client_user, history):
        erase(http, client_user)

        for path in (
            "/api/v1/clients",
            "/api/v1/clients?status=archived",
            f"/api/v1/clients/{client_user.id}",
            f"/api/v1/clients/{client_user.id}/check-ins",
            f"/api/v1/clients/{client_user.id}/assessments",
            f"/api/v1/assessments/{history.shared['id']}",
            f"/api/v1/check-ins/{history.check_in['id']}",
            "/api/v1/audit",
            f"/api/v1/audit?resource=client&resource_id={client_user.id}",
        ):
            response = http.get(path, headers=coach.headers)
            text = response.get_data(as_text=True)
            assert response.status_code == 200, path
            for personal in (NAME, EMAIL, "Cliff", "cliff@", CLIENT_WORDS, CLIENT_SECRET):
                assert personal not in text, (path, personal)
        archived = http.get("/api/v1/clients?status=archived", headers=coach.headers).get_json()
        assert [c["name"] for c in archived] == ["Erased client"]

    def test_the_erasure_is_in_the_audit_log_without_values(
        self, http, coach, client_user, history
    ):
        before = db.session.scalar(sa.select(sa.func.max(AuditEntry.id)))

        erase(http, client_user)

        db.session.expire_all()
        rows = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.id > before).order_by(AuditEntry.id)
        ).all()
        assert {(r.actor_id, r.actor_role, r.action) for r in rows} == {
            (client_user.id, "client", "update")
        }
        written = {(r.resource, r.resource_id): r.fields for r in rows}
        assert {"name", "email", "password", "coach_notes", "goals", "status"} <= set(
            written[("client", client_user.id)]
        )
        assert written[("check_in", history.check_in["id"])] == ["notes", "results"]
        assert written[("assessment", history.shared["id"])] == [
            "client_summary", "gait_notes", "notes"
        ]  # fmt: skip

    def test_their_email_is_free_for_a_new_account(self, http, coach, client_user):
        erase(http, client_user)

        again = http.post(
            "/api/v1/clients", json={"name": "Cliff Again", "email": EMAIL}, headers=coach.headers
        )

        assert again.status_code == 201
        db.session.expire_all()
        assert (
            db.session.get(User, client_user.id).email == f"erased-{client_user.id}@erased.invalid"
        )
        assert count_rows(User, User.email == EMAIL) == 1

    def test_open_invitations_close(self, http, coach, client_user):
        http.post(f"/api/v1/clients/{client_user.id}/invitation", headers=coach.headers)

        erase(http, client_user)

        assert count_rows(Invitation, Invitation.user_id == client_user.id,
                          Invitation.closed_at.is_(None)) == 0  # fmt: skip

    def test_open_password_reset_codes_close(self, http, client_user):
        http.post("/api/v1/auth/password-reset", json={"email": EMAIL})
        assert count_rows(PasswordReset, PasswordReset.user_id == client_user.id) == 1

        erase(http, client_user)

        assert count_rows(PasswordReset, PasswordReset.user_id == client_user.id,
                          PasswordReset.closed_at.is_(None)) == 0  # fmt: skip

    def test_a_wrong_password_is_422_and_nothing_changes(self, http, client_user, history):
        response = erase(http, client_user, password="not my password")

        assert "password" in problem_of(response, 422)["errors"]
        db.session.expire_all()
        user = db.session.get(User, client_user.id)
        assert (user.name, user.email, user.status) == (NAME, EMAIL, "active")
        assert db.session.get(Client, client_user.id).coach_notes == CLIENT_SECRET
        assert db.session.get(CheckIn, history.check_in["id"]).notes == CLIENT_WORDS
        assert http.get("/api/v1/me", headers=client_user.headers).status_code == 200

    @pytest.mark.parametrize(
        "body, path",
        [({}, "password"), ({"password": 12}, "password"), ({"password": PASSWORD, "id": 3}, "id")],
    )
    def test_bad_input_is_422_and_nothing_changes(self, http, client_user, body, path):
        response = http.delete("/api/v1/me", json=body, headers=client_user.headers)

        assert path in problem_of(response, 422)["errors"]
        db.session.expire_all()
        assert db.session.get(User, client_user.id).status == "active"

    def test_malformed_json_is_400(self, http, client_user):
        response = http.delete(
            "/api/v1/me", data="{", content_type="application/json", headers=client_user.headers
        )

        problem_of(response, 400)
        db.session.expire_all()
        assert db.session.get(User, client_user.id).status == "active"

    def test_a_coach_gets_403_and_nothing_changes(self, http, coach):
        response = erase(http, coach)

        problem_of(response, 403)
        db.session.expire_all()
        user = db.session.get(User, coach.id)
        assert (user.name, user.status) == ("Cora Coach", "active")
        assert http.get("/api/v1/me", headers=coach.headers).status_code == 200

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.delete("/api/v1/me", json={"password": PASSWORD}), 401)
        db.session.expire_all()
        assert db.session.get(User, client_user.id).status == "active"


class TestErasedClientsStayErased:
    def test_a_coach_cannot_restore_or_edit_an_erased_client(self, http, coach, client_user):
        from tests.conftest import PASSWORD

        http.delete("/api/v1/me", json={"password": PASSWORD}, headers=client_user.headers)
        etag = http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers).headers["ETag"]

        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"status": "active", "name": "Back Again"},
            headers={**coach.headers, "If-Match": etag},
        )

        assert response.status_code == 409
        reissue = http.post(f"/api/v1/clients/{client_user.id}/invitation", headers=coach.headers)
        assert reissue.status_code == 409
        body = http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers).get_json()
        assert (body["status"], body["account_status"], body["name"]) == (
            "archived",
            "erased",
            "Erased client",
        )
