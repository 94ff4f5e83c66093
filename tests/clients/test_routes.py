"""Clients over HTTP (coach only)."""

import json

import pytest
import sqlalchemy as sa

from academy.audit.models import AuditEntry
from academy.auth.models import AuthToken, Invitation, User
from academy.clients.models import Client
from academy.extensions import db
from tests.conftest import count_rows, problem_of

NEW_CLIENT = {
    "name": "Rita Runner",
    "email": "rita@north.test",
    "timezone": "Europe/Dublin",
    "goals": "Sub-50 10k",
    "running_profile": {
        "weekly_volume_km": 30,
        "target_race": "Dublin 10k",
        "target_race_date": "2027-03-14",
    },
    "coach_notes": "Left hip pinch at mile 4.",
}


def create(http, actor, **changes):
    return http.post("/api/v1/clients", json={**NEW_CLIENT, **changes}, headers=actor.headers)


def resets_logged() -> int:
    """Audit rows saying a client's access was reset."""
    return sum("access" in entry.fields for entry in db.session.scalars(sa.select(AuditEntry)))


def etag_of(http, actor, client_id):
    return http.get(f"/api/v1/clients/{client_id}", headers=actor.headers).headers["ETag"]


class TestCreateClient:
    def test_it_creates_a_client_with_an_invitation(self, http, coach):
        response = create(http, coach)

        assert response.status_code == 201
        body = response.get_json()
        assert body["name"] == "Rita Runner"
        assert body["running_profile"] == {
            "weekly_volume_km": 30.0,
            "target_race": "Dublin 10k",
            "target_race_date": "2027-03-14",
        }
        assert body["status"] == "active" and body["account_status"] == "invited"
        assert body["invitation"]["code"] and body["invitation"]["expires_at"].endswith("Z")
        assert response.headers["ETag"] == '"1"'
        stored = db.session.get(Client, body["id"])
        assert stored.academy_id == coach.academy_id
        assert stored.user.role == "client"
        assert stored.coach_notes == "Left hip pinch at mile 4."

    def test_the_invited_client_signs_up_with_the_code(self, http, coach):
        code = create(http, coach).get_json()["invitation"]["code"]

        response = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": "my own password"}
        )

        assert response.status_code == 201
        assert response.get_json()["user"]["role"] == "client"

    @pytest.mark.parametrize(
        "changes, path",
        [
            ({"email": "nope"}, "email"),
            ({"timezone": "Nowhere/Land"}, "timezone"),
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"running_profile": {"weekly_volume_km": -3}}, "running_profile.weekly_volume_km"),
            ({"running_profile": {"target_race_date": "soon"}}, "running_profile.target_race_date"),
            ({"id": 5}, "id"),
            ({"academy_id": 2}, "academy_id"),
            ({"role": "coach"}, "role"),
            ({"status": "archived"}, "status"),
            ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ],
    )
    def test_bad_input_is_422_and_stores_nothing(self, http, coach, changes, path):
        response = create(http, coach, **changes)

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Client) == 0
        assert count_rows(User, User.role == "client") == 0

    def test_an_email_used_in_the_academy_is_409(self, http, coach):
        create(http, coach)

        response = create(http, coach, email="RITA@north.test", name="Another Rita")

        problem_of(response, 409)
        assert count_rows(Client) == 1

    def test_an_email_with_an_account_in_another_academy_is_409_saying_no_more(
        self, http, coach, other_academy_coach
    ):
        create(http, other_academy_coach)

        response = create(http, coach, email="Rita@North.test")

        body = problem_of(response, 409)
        assert body["detail"] == "That email already has an Academy account."
        assert body["errors"] == {"email": ["Already has an Academy account."]}
        assert count_rows(Client, Client.academy_id == coach.academy_id) == 0
        assert count_rows(User, User.email == "rita@north.test") == 1

    def test_a_coachs_email_is_409(self, http, coach, other_academy_coach):
        response = create(http, coach, email="sven@south.test")

        problem_of(response, 409)
        assert count_rows(Client) == 0

    def test_an_address_that_cannot_receive_mail_is_422(self, http, coach):
        response = create(http, coach, email="erased-1@erased.invalid")

        assert "email" in problem_of(response, 422)["errors"]
        assert count_rows(Client) == 0

    def test_a_client_gets_403(self, http, client_user):
        problem_of(create(http, client_user), 403)
        assert count_rows(User, User.email == "rita@north.test") == 0

    def test_it_needs_a_token(self, http):
        problem_of(http.post("/api/v1/clients", json=NEW_CLIENT), 401)

    def test_an_over_large_body_is_413(self, app, http, coach):
        body = {**NEW_CLIENT, "goals": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)}

        response = http.post(
            "/api/v1/clients",
            data=json.dumps(body),
            content_type="application/json",
            headers=coach.headers,
        )

        problem_of(response, 413)
        assert count_rows(Client) == 0


class TestListClients:
    def test_it_lists_this_academys_active_clients_by_name(
        self, http, coach, client_user, other_client_user, other_academy_client
    ):
        create(http, coach)

        response = http.get("/api/v1/clients", headers=coach.headers)

        assert response.status_code == 200
        names = [c["name"] for c in response.get_json()]
        assert names == ["Cliff Client", "Dana Client", "Rita Runner"]
        pagination = json.loads(response.headers["X-Pagination"])
        assert pagination["total"] == 3 and pagination["page"] == 1

    def test_it_searches_name_and_email_case_insensitively(self, http, coach, client_user):
        create(http, coach)

        by_name = http.get("/api/v1/clients?q=RITA", headers=coach.headers).get_json()
        by_email = http.get("/api/v1/clients?q=cliff@", headers=coach.headers).get_json()
        wildcard = http.get("/api/v1/clients?q=%25", headers=coach.headers).get_json()

        assert [c["name"] for c in by_name] == ["Rita Runner"]
        assert [c["name"] for c in by_email] == ["Cliff Client"]
        assert wildcard == []

    def test_it_searches_beyond_ascii_the_same_on_every_database(self, http, coach):
        create(http, coach, name="Élodie Øster", email="elodie@north.test")

        found = http.get("/api/v1/clients?q=élodie øst", headers=coach.headers).get_json()

        assert [c["name"] for c in found] == ["Élodie Øster"]

    def test_it_filters_by_status(self, http, coach, client_user, other_client_user):
        http.delete(
            f"/api/v1/clients/{client_user.id}",
            headers={**coach.headers, "If-Match": etag_of(http, coach, client_user.id)},
        )

        archived = http.get("/api/v1/clients?status=archived", headers=coach.headers)

        assert [c["id"] for c in archived.get_json()] == [client_user.id]
        active = http.get("/api/v1/clients", headers=coach.headers).get_json()
        assert [c["id"] for c in active] == [other_client_user.id]

    def test_it_paginates(self, http, coach, client_user, other_client_user):
        response = http.get("/api/v1/clients?page=2&page_size=1", headers=coach.headers)

        assert [c["name"] for c in response.get_json()] == ["Dana Client"]
        pagination = json.loads(response.headers["X-Pagination"])
        assert pagination["total_pages"] == 2 and pagination["previous_page"] == 1

    @pytest.mark.parametrize(
        "query", ["page_size=101", "page=0", "status=deleted", "page_size=abc"]
    )
    def test_bad_query_parameters_are_422(self, http, coach, query):
        problem_of(http.get(f"/api/v1/clients?{query}", headers=coach.headers), 422)

    def test_it_never_shows_another_academys_clients(self, http, other_academy_coach, client_user):
        response = http.get("/api/v1/clients", headers=other_academy_coach.headers)

        assert response.get_json() == []

    def test_a_client_gets_403(self, http, client_user):
        problem_of(http.get("/api/v1/clients", headers=client_user.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/clients"), 401)

    def test_it_issues_the_same_number_of_statements_for_any_page_size(
        self, app, http, coach, academy
    ):
        from tests.conftest import count_statements, make_user

        for n in range(30):
            make_user(academy, "client", f"Runner {n:02}", f"runner{n}@north.test")
        db.session.commit()

        with app.app_context(), count_statements() as small:
            assert len(http.get("/api/v1/clients?page_size=5", headers=coach.headers).json) == 5
        with app.app_context(), count_statements() as large:
            assert len(http.get("/api/v1/clients?page_size=100", headers=coach.headers).json) == 30

        # The token, the count, the page, and the page's figures (last check-ins, then
        # the sessions that compliance counts, then the unread messages).
        assert len(small) == len(large) <= 6

    def test_it_sorts_by_last_check_in_those_without_one_last(
        self, http, coach, academy, client_user
    ):
        from datetime import date

        from academy.checkins.models import CheckIn
        from tests.conftest import make_user

        quiet = make_user(academy, "client", "Quinn Quiet", "quinn@north.test")
        busy = make_user(academy, "client", "Bea Busy", "bea@north.test")
        for who, on in ((client_user.user, date(2026, 3, 1)), (busy, date(2026, 3, 9))):
            db.session.add(CheckIn(academy_id=academy.id, client_id=who.id, date=on))
        db.session.commit()

        latest = http.get("/api/v1/clients?sort=-last_check_in", headers=coach.headers)
        earliest = http.get("/api/v1/clients?sort=last_check_in", headers=coach.headers)

        assert [(c["name"], c["last_check_in"]) for c in latest.get_json()] == [
            ("Bea Busy", "2026-03-09"),
            ("Cliff Client", "2026-03-01"),
            ("Quinn Quiet", None),
        ]
        assert [c["name"] for c in earliest.get_json()] == [
            "Cliff Client", "Bea Busy", "Quinn Quiet",
        ]  # fmt: skip
        assert quiet.id in {c["id"] for c in earliest.get_json()}

    def test_an_unknown_sort_is_422_naming_it(self, http, coach):
        response = http.get("/api/v1/clients?sort=email", headers=coach.headers)

        assert "query.sort" in problem_of(response, 422)["errors"]


class TestReadClient:
    def test_it_reads_a_client_with_an_etag(self, http, coach, client_user):
        response = http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers)

        assert response.status_code == 200
        assert response.get_json()["email"] == "cliff@north.test"
        assert response.headers["ETag"] == '"1"'

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = http.get(
            f"/api/v1/clients/{client_user.id}", headers=other_academy_coach.headers
        )

        problem_of(response, 404)

    def test_a_missing_client_is_404(self, http, coach):
        problem_of(http.get("/api/v1/clients/999999", headers=coach.headers), 404)

    def test_a_coachs_user_id_is_not_a_client(self, http, coach, owner):
        problem_of(http.get(f"/api/v1/clients/{owner.id}", headers=coach.headers), 404)

    def test_a_client_gets_403(self, http, client_user):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}", headers=client_user.headers), 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}"), 401)


class TestUpdateClient:
    def test_it_changes_fields_and_the_version(self, http, coach, client_user):
        etag = etag_of(http, coach, client_user.id)

        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={
                "name": "Cliff C.",
                "goals": "Marathon",
                "running_profile": {"weekly_volume_km": 50},
            },
            headers={**coach.headers, "If-Match": etag},
        )

        assert response.status_code == 200
        body = response.get_json()
        assert body["name"] == "Cliff C." and body["goals"] == "Marathon"
        assert body["running_profile"]["weekly_volume_km"] == 50.0
        assert response.headers["ETag"] == '"2"'
        db.session.expire_all()
        stored = db.session.get(Client, client_user.id)
        assert (stored.user.name, stored.goals, stored.version) == ("Cliff C.", "Marathon", 2)

    def test_without_if_match_it_is_428_and_nothing_changes(self, http, coach, client_user):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}", json={"name": "X"}, headers=coach.headers
        )

        problem_of(response, 428)
        db.session.expire_all()
        assert db.session.get(User, client_user.id).name == "Cliff Client"

    def test_a_stale_if_match_is_412_and_nothing_changes(self, http, coach, client_user):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"name": "X"},
            headers={**coach.headers, "If-Match": '"7"'},
        )

        problem_of(response, 412)
        db.session.expire_all()
        assert db.session.get(User, client_user.id).name == "Cliff Client"
        assert db.session.get(Client, client_user.id).version == 1

    @pytest.mark.parametrize(
        "body, path",
        [
            ({"email": "bad"}, "email"),
            ({"status": "gone"}, "status"),
            ({"academy_id": 3}, "academy_id"),
            ({"id": 3}, "id"),
            ({"version": 9}, "version"),
            ({"updated_at": "2026-01-01T00:00:00Z"}, "updated_at"),
        ],
    )
    def test_bad_input_is_422_and_nothing_changes(self, http, coach, client_user, body, path):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json=body,
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert path in problem_of(response, 422)["errors"]
        db.session.expire_all()
        assert db.session.get(Client, client_user.id).version == 1

    def test_a_taken_email_is_409(self, http, coach, client_user, other_client_user):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"email": "dana@north.test"},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        problem_of(response, 409)
        db.session.expire_all()
        assert db.session.get(User, client_user.id).email == "cliff@north.test"

    def test_an_email_with_an_account_in_another_academy_is_409(
        self, http, coach, client_user, other_academy_client
    ):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"email": "SIA@south.test"},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert problem_of(response, 409)["errors"] == {"email": ["Already has an Academy account."]}
        db.session.expire_all()
        assert db.session.get(User, client_user.id).email == "cliff@north.test"
        assert db.session.get(Client, client_user.id).version == 1

    def test_the_clients_own_email_in_another_case_is_kept(self, http, coach, client_user):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"email": "Cliff@North.test"},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert response.status_code == 200
        assert response.get_json()["email"] == "cliff@north.test"

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"name": "Stolen"},
            headers={**other_academy_coach.headers, "If-Match": '"1"'},
        )

        problem_of(response, 404)
        db.session.expire_all()
        assert db.session.get(User, client_user.id).name == "Cliff Client"

    def test_a_client_gets_403(self, http, client_user):
        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"coach_notes": "I am fine"},
            headers={**client_user.headers, "If-Match": '"1"'},
        )

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.patch(f"/api/v1/clients/{client_user.id}", json={}), 401)


class TestArchiveClient:
    def test_it_archives_and_ends_the_clients_access(self, http, coach, client_user):
        response = http.delete(
            f"/api/v1/clients/{client_user.id}", headers={**coach.headers, "If-Match": '"1"'}
        )

        assert response.status_code == 204
        db.session.expire_all()
        stored = db.session.get(Client, client_user.id)
        assert stored.status == "archived"
        assert (
            count_rows(
                AuthToken, AuthToken.user_id == client_user.id, AuthToken.revoked_at.is_(None)
            )
            == 0
        )
        problem_of(http.get("/api/v1/me", headers=client_user.headers), 401)
        assert (
            http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers).status_code == 200
        )

    def test_restoring_gives_access_back(self, http, coach, client_user):
        http.delete(
            f"/api/v1/clients/{client_user.id}", headers={**coach.headers, "If-Match": '"1"'}
        )

        response = http.patch(
            f"/api/v1/clients/{client_user.id}",
            json={"status": "active"},
            headers={**coach.headers, "If-Match": etag_of(http, coach, client_user.id)},
        )

        assert response.get_json()["account_status"] == "active"

    def test_without_if_match_it_is_428(self, http, coach, client_user):
        problem_of(http.delete(f"/api/v1/clients/{client_user.id}", headers=coach.headers), 428)
        db.session.expire_all()
        assert db.session.get(Client, client_user.id).status == "active"

    def test_a_stale_if_match_is_412(self, http, coach, client_user):
        response = http.delete(
            f"/api/v1/clients/{client_user.id}", headers={**coach.headers, "If-Match": '"0"'}
        )

        problem_of(response, 412)
        db.session.expire_all()
        assert db.session.get(Client, client_user.id).status == "active"

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = http.delete(
            f"/api/v1/clients/{client_user.id}",
            headers={**other_academy_coach.headers, "If-Match": '"1"'},
        )

        problem_of(response, 404)

    def test_a_client_gets_403(self, http, client_user):
        response = http.delete(
            f"/api/v1/clients/{client_user.id}", headers={**client_user.headers, "If-Match": '"1"'}
        )

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.delete(f"/api/v1/clients/{client_user.id}"), 401)


class TestReissueInvitation:
    def test_a_new_code_replaces_the_old_one(self, http, coach):
        created = create(http, coach).get_json()
        old = created["invitation"]["code"]

        response = http.post(f"/api/v1/clients/{created['id']}/invitation", headers=coach.headers)

        assert response.status_code == 201
        new = response.get_json()["code"]
        assert new != old
        assert count_rows(Invitation, Invitation.closed_at.is_(None)) == 1
        accept = "/api/v1/auth/invitations/accept"
        problem_of(http.post(accept, json={"code": old, "password": "my own password"}), 401)
        assert (
            http.post(accept, json={"code": new, "password": "my own password"}).status_code == 201
        )

    def test_an_archived_client_is_409(self, http, coach, client_user):
        http.delete(
            f"/api/v1/clients/{client_user.id}", headers={**coach.headers, "If-Match": '"1"'}
        )

        response = http.post(f"/api/v1/clients/{client_user.id}/invitation", headers=coach.headers)

        problem_of(response, 409)
        assert count_rows(Invitation) == 0

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/invitation", headers=other_academy_coach.headers
        )

        problem_of(response, 404)
        assert count_rows(Invitation) == 0

    def test_a_client_gets_403(self, http, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/invitation", headers=client_user.headers
        )

        problem_of(response, 403)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.post(f"/api/v1/clients/{client_user.id}/invitation"), 401)

    def test_an_invited_client_needs_no_body(self, http, coach):
        created = create(http, coach).get_json()

        response = http.post(f"/api/v1/clients/{created['id']}/invitation", headers=coach.headers)

        assert response.status_code == 201
        assert count_rows(Invitation, Invitation.closed_at.is_(None)) == 1
        assert resets_logged() == 0

    def test_malformed_json_is_400_and_stores_nothing(self, http, coach):
        created = create(http, coach).get_json()

        response = http.post(
            f"/api/v1/clients/{created['id']}/invitation",
            data="{broken",
            content_type="application/json",
            headers=coach.headers,
        )

        problem_of(response, 400)
        assert count_rows(Invitation) == 1

    @pytest.mark.parametrize(
        "body", [{"reset_access": "yes"}, {"reset_access": 1}, {"reset": True}, {"id": 3}]
    )
    def test_a_bad_body_is_422_and_stores_nothing(self, http, owner, client_user, body):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/invitation", json=body, headers=owner.headers
        )

        assert set(problem_of(response, 422)["errors"]) == set(body)
        assert count_rows(Invitation) == 0


class TestResetClientAccess:
    """Re-inviting a client who accepted an invitation: whoever holds the new code sets
    their password, so only the owner may, and says so."""

    def reinvite(self, http, actor, client_id, **body):
        return http.post(
            f"/api/v1/clients/{client_id}/invitation", json=body or None, headers=actor.headers
        )

    @pytest.mark.parametrize("body", [{}, {"reset_access": False}])
    def test_an_active_client_is_409_and_nothing_changes(self, http, owner, client_user, body):
        response = self.reinvite(http, owner, client_user.id, **body)

        assert "reset_access" in problem_of(response, 409)["detail"]
        assert count_rows(Invitation) == 0
        assert resets_logged() == 0
        assert http.get("/api/v1/me", headers=client_user.headers).status_code == 200

    def test_the_owner_resets_access_and_accepting_ends_every_session(
        self, http, owner, client_user
    ):
        response = self.reinvite(http, owner, client_user.id, reset_access=True)

        assert response.status_code == 201
        code = response.get_json()["code"]
        assert resets_logged() == 1
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "update"))
        assert (entry.resource, entry.resource_id, entry.action, entry.fields) == (
            "client",
            client_user.id,
            "update",
            ["access"],
        )
        assert (entry.actor_id, entry.academy_id) == (owner.id, owner.academy_id)
        # Until the code is accepted, nothing changes for the client.
        assert http.get("/api/v1/me", headers=client_user.headers).status_code == 200

        accepted = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": "quiet ferns jog"}
        )

        assert accepted.status_code == 201
        assert accepted.get_json()["user"]["id"] == client_user.id
        problem_of(http.get("/api/v1/me", headers=client_user.headers), 401)
        live = count_rows(
            AuthToken, AuthToken.user_id == client_user.id, AuthToken.revoked_at.is_(None)
        )
        assert live == 1  # the pair the acceptance answered

    def test_a_coach_gets_403_for_it_and_nothing_changes(self, http, coach, client_user):
        response = self.reinvite(http, coach, client_user.id, reset_access=True)

        assert "owner" in problem_of(response, 403)["detail"]
        assert count_rows(Invitation) == 0
        assert resets_logged() == 0

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        response = self.reinvite(http, other_academy_coach, client_user.id, reset_access=True)

        problem_of(response, 404)
        assert count_rows(Invitation) == 0
        assert resets_logged() == 0

    def test_a_client_gets_403(self, http, client_user, other_client_user):
        response = self.reinvite(http, client_user, other_client_user.id, reset_access=True)

        problem_of(response, 403)
        assert count_rows(Invitation) == 0

    def test_it_needs_a_token(self, http, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/invitation", json={"reset_access": True}
        )

        problem_of(response, 401)
        assert count_rows(Invitation) == 0

    def test_an_archived_client_is_409_even_for_the_owner(self, http, owner, client_user):
        http.delete(
            f"/api/v1/clients/{client_user.id}", headers={**owner.headers, "If-Match": '"1"'}
        )

        response = self.reinvite(http, owner, client_user.id, reset_access=True)

        problem_of(response, 409)
        assert count_rows(Invitation) == 0
