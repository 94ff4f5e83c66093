"""Messages: a thread per client between the client and the academy's coaches, read
marks, and the unread counts on /me, the client list and the dashboard."""

import logging

import pytest

from academy.audit.models import AuditEntry
from academy.auth.models import User
from academy.extensions import db
from academy.mail.models import OutboxMail
from academy.messages.models import Message
from tests.conftest import (
    PASSWORD,
    count_rows,
    count_statements,
    make_user,
    measured,
    problem_of,
    sign_in,
)


def coach_writes(http, coach, client_id: int, body: str = "How did the hip feel?", **fields):
    return http.post(
        f"/api/v1/clients/{client_id}/messages",
        json={"body": body, **fields},
        headers=coach.headers,
    )


def client_writes(http, client, body: str = "The left hip pinched.", **fields):
    return http.post("/api/v1/me/messages", json={"body": body, **fields}, headers=client.headers)


def check_in(http, client, date: str = "2026-03-02") -> int:
    response = http.post("/api/v1/me/check-ins", json={"date": date}, headers=client.headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


class TestWriteToAClient:
    def test_a_coach_writes_and_the_client_reads_it(self, http, coach, client_user):
        response = coach_writes(http, coach, client_user.id)

        assert response.status_code == 201
        message = response.get_json()
        assert message["client_id"] == client_user.id
        assert message["author"] == {"id": coach.id, "name": "Cora Coach", "role": "coach"}
        assert message["body"] == "How did the hip feel?"
        assert message["check_in_id"] is None and message["read_at"] is None
        assert message["created_at"].endswith("Z")
        thread = http.get("/api/v1/me/messages", headers=client_user.headers).get_json()
        assert thread == [message]
        assert http.get(response.headers["Location"], headers=coach.headers).get_json() == message
        stored = db.session.get(Message, message["id"])
        assert (stored.academy_id, stored.from_client) == (coach.academy_id, False)

    def test_it_may_be_about_one_of_the_clients_check_ins(self, http, coach, client_user):
        check_in_id = check_in(http, client_user)

        response = coach_writes(http, coach, client_user.id, check_in_id=check_in_id)

        assert response.status_code == 201
        assert response.get_json()["check_in_id"] == check_in_id

    def test_another_clients_check_in_is_422_naming_it(
        self, http, coach, client_user, other_client_user
    ):
        theirs = check_in(http, other_client_user)

        response = coach_writes(http, coach, client_user.id, check_in_id=theirs)

        body = problem_of(response, 422)
        assert body["errors"] == {"check_in_id": ["No such check-in of this client."]}
        assert count_rows(Message) == 0

    @pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
    def test_an_empty_blank_or_overlong_body_is_422(self, http, coach, client_user, body):
        problem_of(coach_writes(http, coach, client_user.id, body), 422)

        assert count_rows(Message) == 0

    @pytest.mark.parametrize("body", [" ok", "\n\nSee you Tuesday.", "\u3000Thanks"])
    def test_a_body_may_open_with_white_space(self, http, coach, client_user, body):
        response = coach_writes(http, coach, client_user.id, body)

        assert response.status_code == 201
        assert db.session.get(Message, response.get_json()["id"]).body == body

    def test_5000_characters_are_fine(self, http, coach, client_user):
        assert coach_writes(http, coach, client_user.id, "x" * 5000).status_code == 201

    def test_another_academys_client_is_404(self, http, other_academy_coach, client_user):
        problem_of(coach_writes(http, other_academy_coach, client_user.id), 404)

        assert count_rows(Message) == 0

    def test_an_archived_client_cannot_be_written_to(self, http, coach, client_user):
        coach_writes(http, coach, client_user.id)
        http.delete(f"/api/v1/clients/{client_user.id}", headers={**coach.headers, "If-Match": "*"})

        problem_of(coach_writes(http, coach, client_user.id), 409)
        thread = http.get(f"/api/v1/clients/{client_user.id}/messages", headers=coach.headers)
        assert len(thread.get_json()) == 1

    def test_a_retry_with_the_same_idempotency_key_stores_one_message(self, http, client_user):
        headers = {**client_user.headers, "Idempotency-Key": "hip-1"}
        first = http.post("/api/v1/me/messages", json={"body": "Hip?"}, headers=headers)
        again = http.post("/api/v1/me/messages", json={"body": "Hip?"}, headers=headers)

        assert first.status_code == again.status_code == 201
        assert first.get_json() == again.get_json()
        assert count_rows(Message) == 1

    @pytest.mark.parametrize("side", ["coach", "client"])
    def test_writing_names_the_author_without_reading_their_account(
        self, http, coach, client_user, side
    ):
        writer = coach if side == "coach" else client_user
        path = (
            f"/api/v1/clients/{client_user.id}/messages"
            if side == "coach"
            else "/api/v1/me/messages"
        )
        name = db.session.get(User, writer.id).name
        headers, expected = writer.headers, {"id": writer.id, "name": name, "role": side}
        db.session.expunge_all()  # as each request finds its session: empty

        with count_statements() as statements:
            response = http.post(path, json={"body": "Hip?"}, headers=headers)

        assert response.status_code == 201
        assert response.get_json()["author"] == expected
        # The token, the client, the message and its audit row.
        assert len(statements) == 4
        assert db.session.get(Message, response.get_json()["id"]).author_id == expected["id"]


class TestThread:
    def test_both_sides_see_the_whole_thread_newest_first(self, http, coach, owner, client_user):
        first = coach_writes(http, coach, client_user.id, "Hip today?").get_json()
        second = client_writes(http, client_user, "Tight on the left.").get_json()
        third = coach_writes(http, owner, client_user.id, "Try the left bias.").get_json()

        mine = http.get("/api/v1/me/messages", headers=client_user.headers)
        theirs = http.get(f"/api/v1/clients/{client_user.id}/messages", headers=coach.headers)

        assert mine.get_json() == theirs.get_json() == [third, second, first]
        assert second["author"]["role"] == "client" and third["author"]["role"] == "owner"

    def test_check_in_id_gives_one_check_ins_thread(self, http, coach, client_user):
        check_in_id = check_in(http, client_user)
        about = client_writes(http, client_user, "Pinch in set 2.", check_in_id=check_in_id)
        client_writes(http, client_user, "Unrelated.")

        for path, actor in (
            (f"/api/v1/clients/{client_user.id}/messages", coach),
            ("/api/v1/me/messages", client_user),
        ):
            thread = http.get(f"{path}?check_in_id={check_in_id}", headers=actor.headers)
            assert thread.get_json() == [about.get_json()]

    def test_another_clients_check_in_thread_is_404(self, http, client_user, other_client_user):
        theirs = check_in(http, other_client_user)
        client_writes(http, other_client_user, "Mine.", check_in_id=theirs)

        response = http.get(
            f"/api/v1/me/messages?check_in_id={theirs}", headers=client_user.headers
        )

        problem_of(response, 404)

    def test_a_client_never_sees_another_clients_thread(
        self, http, coach, client_user, other_client_user
    ):
        theirs = coach_writes(http, coach, other_client_user.id).get_json()

        assert http.get("/api/v1/me/messages", headers=client_user.headers).get_json() == []
        problem_of(
            http.get(f"/api/v1/me/messages/{theirs['id']}", headers=client_user.headers), 404
        )

    def test_another_academys_thread_is_404(self, http, other_academy_coach, client_user):
        client_writes(http, client_user)

        response = http.get(
            f"/api/v1/clients/{client_user.id}/messages", headers=other_academy_coach.headers
        )

        problem_of(response, 404)

    def test_a_deleted_check_in_leaves_its_messages_about_nothing(self, http, coach, client_user):
        check_in_id = check_in(http, client_user)
        message = coach_writes(http, coach, client_user.id, check_in_id=check_in_id).get_json()

        deleted = http.delete(
            f"/api/v1/me/check-ins/{check_in_id}", headers={**client_user.headers, "If-Match": "*"}
        )

        assert deleted.status_code == 204
        found = http.get(f"/api/v1/messages/{message['id']}", headers=coach.headers).get_json()
        assert found["check_in_id"] is None and found["body"] == message["body"]

    def test_it_issues_the_same_number_of_statements_for_any_page_size(
        self, http, coach, client_user
    ):
        for n in range(30):
            client_writes(http, client_user, f"Note {n}")
            coach_writes(http, coach, client_user.id, f"Answer {n}")
        path = f"/api/v1/clients/{client_user.id}/messages"

        small, few = measured(http.get, f"{path}?page_size=2", headers=coach.headers)
        large, many = measured(http.get, f"{path}?page_size=100", headers=coach.headers)

        assert (len(small.get_json()), len(large.get_json())) == (2, 60)
        # The token, the client, the count and the page (authors joined).
        assert few == many <= 4


class TestReadMarks:
    def test_a_coach_marks_the_clients_messages_read_up_to_one(self, http, coach, client_user):
        first = client_writes(http, client_user, "One").get_json()
        second = client_writes(http, client_user, "Two").get_json()
        client_writes(http, client_user, "Three")
        coach_writes(http, coach, client_user.id, "Mine stays unread for the client")

        response = http.post(
            f"/api/v1/clients/{client_user.id}/messages/read",
            json={"up_to_id": second["id"]},
            headers=coach.headers,
        )

        assert response.status_code == 200
        assert response.get_json() == {"marked": 2, "unread_messages": 1}
        thread = http.get(f"/api/v1/clients/{client_user.id}/messages", headers=coach.headers)
        read = {m["id"]: m["read_at"] is not None for m in thread.get_json()}
        assert read[first["id"]] and read[second["id"]]
        assert sum(read.values()) == 2  # neither the third nor the coach's own
        assert (
            http.get("/api/v1/me", headers=client_user.headers).get_json()["unread_messages"] == 1
        )

    def test_the_client_marks_the_coaches_messages_read(self, http, coach, client_user):
        mine = client_writes(http, client_user).get_json()
        answer = coach_writes(http, coach, client_user.id).get_json()

        response = http.post(
            "/api/v1/me/messages/read", json={"up_to_id": answer["id"]}, headers=client_user.headers
        )

        assert response.get_json() == {"marked": 1, "unread_messages": 0}
        assert db.session.get(Message, mine["id"]).read_at is None
        assert db.session.get(Message, answer["id"]).read_at is not None

    def test_marking_again_marks_nothing_and_keeps_the_first_time(self, http, coach, client_user):
        answer = coach_writes(http, coach, client_user.id).get_json()
        body = {"up_to_id": answer["id"]}
        http.post("/api/v1/me/messages/read", json=body, headers=client_user.headers)
        first = db.session.get(Message, answer["id"]).read_at
        db.session.expire_all()

        again = http.post("/api/v1/me/messages/read", json=body, headers=client_user.headers)

        assert again.get_json() == {"marked": 0, "unread_messages": 0}
        assert db.session.get(Message, answer["id"]).read_at == first


class TestUnreadCounts:
    def test_me_counts_the_other_sides_unread_messages(self, http, coach, owner, client_user):
        client_writes(http, client_user)
        client_writes(http, client_user)
        coach_writes(http, coach, client_user.id)

        def unread(actor):
            return http.get("/api/v1/me", headers=actor.headers).get_json()["unread_messages"]

        assert (unread(client_user), unread(coach), unread(owner)) == (1, 2, 2)

    def test_the_client_list_and_the_dashboard_show_each_clients_unread(
        self, http, coach, client_user, other_client_user
    ):
        client_writes(http, client_user)
        client_writes(http, client_user)
        coach_writes(http, coach, other_client_user.id)  # the coach's own: not unread

        listed = http.get("/api/v1/clients", headers=coach.headers).get_json()
        attention = http.get("/api/v1/dashboard", headers=coach.headers).get_json()

        assert {c["id"]: c["unread_messages"] for c in listed} == {
            client_user.id: 2,
            other_client_user.id: 0,
        }
        cliff = next(entry for entry in attention if entry["client_id"] == client_user.id)
        assert cliff["unread_messages"] == 2
        assert {
            "code": "unread_messages",
            "detail": "2 unread message(s) from the client.",
            "count": 2,
        } in cliff["reasons"]
        dana = next(entry for entry in attention if entry["client_id"] == other_client_user.id)
        assert dana["unread_messages"] == 0
        assert "unread_messages" not in {reason["code"] for reason in dana["reasons"]}
        one = http.get(f"/api/v1/clients/{client_user.id}", headers=coach.headers).get_json()
        assert one["unread_messages"] == 2

    def test_another_academys_messages_are_never_counted(
        self, http, coach, client_user, other_academy_client, other_academy_coach
    ):
        client_writes(http, other_academy_client)

        assert http.get("/api/v1/me", headers=coach.headers).get_json()["unread_messages"] == 0
        theirs = http.get("/api/v1/me", headers=other_academy_coach.headers).get_json()
        assert theirs["unread_messages"] == 1

    def test_the_client_list_of_100_keeps_its_statement_count(self, http, coach, academy):
        clients = [
            make_user(academy, "client", f"Runner {n:03}", f"runner{n}@north.test")
            for n in range(100)
        ]
        db.session.commit()
        small_page, small = measured(http.get, "/api/v1/clients?page_size=1", headers=coach.headers)
        for user in clients:
            client_writes(http, sign_in(user), f"From {user.name}")

        page, count = measured(http.get, "/api/v1/clients?page_size=100", headers=coach.headers)

        assert len(page.get_json()) == 100
        assert {c["unread_messages"] for c in page.get_json()} == {1}
        # The token, the count, the page, last check-ins, sessions, unread messages.
        assert count == small <= 6
        assert len(small_page.get_json()) == 1


class TestPrivacy:
    def test_a_message_leaves_an_audit_row_without_its_text(self, http, coach, client_user):
        message = client_writes(http, client_user, "Sharp pain in the left hip").get_json()

        entries = db.session.scalars(
            db.select(AuditEntry).where(AuditEntry.resource == "message")
        ).all()

        assert [(e.action, e.resource_id, e.actor_id) for e in entries] == [
            ("create", message["id"], client_user.id)
        ]
        assert "body" in entries[0].fields
        assert "Sharp" not in repr(entries[0].fields)
        log = http.get("/api/v1/audit?resource=message", headers=coach.headers).get_json()
        assert [entry["resource_id"] for entry in log] == [message["id"]]

    def test_the_text_never_reaches_the_log(self, http, coach, client_user, caplog):
        caplog.set_level(logging.DEBUG)

        client_writes(http, client_user, "Sharp pain in the left hip")
        coach_writes(http, coach, client_user.id, "Ease off the bridges")
        http.get("/api/v1/me/messages", headers=client_user.headers)

        logged = "\n".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
        assert "Sharp pain" not in logged and "Ease off" not in logged

    def test_the_export_holds_the_thread_and_erasure_blanks_it(self, http, coach, client_user):
        mine = client_writes(http, client_user, "Sharp pain in the left hip").get_json()
        coach_writes(http, coach, client_user.id, "Ease off the bridges, Cliff")

        exported = http.get("/api/v1/me/export", headers=client_user.headers).get_json()
        erased = http.delete("/api/v1/me", json={"password": PASSWORD}, headers=client_user.headers)

        assert [m["body"] for m in exported["messages"]] == [
            "Sharp pain in the left hip",
            "Ease off the bridges, Cliff",
        ]
        assert exported["messages"][0]["id"] == mine["id"]
        assert erased.status_code == 204
        db.session.expire_all()
        assert {m.body for m in db.session.scalars(db.select(Message))} == {""}
        assert count_rows(OutboxMail, OutboxMail.recipient == "cliff@north.test") == 0
