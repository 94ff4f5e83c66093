"""Mail goes out through a real SMTP server: invitations and password resets arrive
with their codes, and mail written while the server is down waits in the outbox and
goes out once it is back, each exactly once, even when a worker is killed mid-send."""

import logging
import os
import re
import signal
import subprocess
import sys
import time

import sqlalchemy as sa

from academy.extensions import db
from academy.mail.models import OutboxMail
from tests.conftest import PASSWORD, count_rows
from tests.mail.conftest import WAIT, send_due
from tests.servers import ROOT


def invite(http, coach, n: int) -> dict:
    response = http.post(
        "/api/v1/clients",
        json={"name": f"Runner {n}", "email": f"runner{n}@north.test"},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def statuses() -> list[tuple[str, int]]:
    db.session.rollback()  # a fresh look at what the workers committed
    return list(
        db.session.execute(sa.select(OutboxMail.status, OutboxMail.attempts).order_by("id"))
    )


class TestInvitationMail:
    def test_the_invitation_is_written_with_the_client_and_arrives_with_its_code(
        self, http, coach, mail_to, smtp
    ):
        client = invite(http, coach, 1)
        assert count_rows(OutboxMail) == 1  # committed with the client, not sent yet

        assert send_due() == {"sent": 1, "failed": 0, "retry": 0}

        [mail] = smtp.received
        code = client["invitation"]["code"]
        assert mail.recipients == ["runner1@north.test"]
        assert mail.message["Subject"] == "Cora Coach of Northside Runners invites you to Academy"
        assert mail.message["From"] == "Academy <academy@test.invalid>"
        assert code in mail.part("text/plain") and code in mail.part("text/html")
        assert mail.part("text/plain").startswith("Hello,\r\n")
        stored = db.session.scalar(sa.select(OutboxMail))
        assert (stored.status, stored.attempts, stored.message_id) == (
            "sent",
            1,
            mail.message_id,
        )
        assert (stored.text, stored.html) == ("", "")  # the code is kept no longer
        accepted = http.post(
            "/api/v1/auth/invitations/accept", json={"code": code, "password": PASSWORD}
        )
        assert accepted.status_code == 201

    def test_a_refused_client_leaves_no_mail(self, http, coach, mail_to):
        invite(http, coach, 1)

        again = http.post(
            "/api/v1/clients",
            json={"name": "Runner Twice", "email": "runner1@north.test"},
            headers=coach.headers,
        )

        assert again.status_code == 409
        assert count_rows(OutboxMail) == 1

    def test_a_reissued_invitation_is_mailed_with_the_new_code(self, http, coach, mail_to, smtp):
        client = invite(http, coach, 1)

        reissued = http.post(f"/api/v1/clients/{client['id']}/invitation", headers=coach.headers)
        send_due()

        assert reissued.status_code == 201
        assert reissued.get_json()["code"] in smtp.received[-1].part("text/plain")
        assert len(smtp.received) == 2


class TestPasswordResetMail:
    def test_the_reset_mail_arrives_with_a_code_that_sets_the_password(
        self, http, coach, mail_to, smtp
    ):
        asked = http.post("/api/v1/auth/password-reset", json={"email": "cora@north.test"})
        send_due()

        assert asked.status_code == 202
        [mail] = smtp.received
        assert mail.recipients == ["cora@north.test"]
        assert mail.message["Subject"] == "Your Academy password reset code"
        code = re.search(r"^ {4}(\S+)\s*$", mail.part("text/plain"), re.MULTILINE).group(1)
        assert code in mail.part("text/html")
        new_password = "stride length matters"
        done = http.post(
            "/api/v1/auth/password-reset/confirm", json={"code": code, "password": new_password}
        )
        assert done.status_code == 204
        signed_in = http.post(
            "/api/v1/auth/tokens", json={"email": "cora@north.test", "password": new_password}
        )
        assert signed_in.status_code == 201

    def test_an_unknown_email_gets_a_mail_saying_so_and_no_code(self, http, mail_to, smtp):
        http.post("/api/v1/auth/password-reset", json={"email": "nobody@north.test"})
        send_due()

        [mail] = smtp.received
        assert mail.recipients == ["nobody@north.test"]
        assert "no such account" in mail.part("text/plain")


class TestTheServerDown:
    def test_mail_waits_and_goes_out_once_the_server_is_back_each_exactly_once(
        self, http, coach, mail_to
    ):
        server = mail_to
        codes = [invite(http, coach, n)["invitation"]["code"] for n in range(3)]

        assert send_due() == {"sent": 0, "failed": 0, "retry": 3}
        assert statuses() == [("pending", 1)] * 3
        time.sleep(0.1)  # past the first backoff
        assert send_due()["retry"] == 3
        assert statuses() == [("pending", 2)] * 3

        server.start()
        time.sleep(0.15)
        assert send_due() == {"sent": 3, "failed": 0, "retry": 0}
        time.sleep(0.3)
        assert send_due() == {"sent": 0, "failed": 0, "retry": 0}

        assert statuses() == [("sent", 3)] * 3
        ids = server.handler.message_ids()
        assert len(ids) == len(set(ids)) == 3
        for code, mail in zip(codes, server.received, strict=True):
            assert code in mail.part("text/plain")

    def test_a_recipient_refused_for_good_is_marked_failed_and_the_rest_go(
        self, http, coach, mail_to, smtp
    ):
        invite(http, coach, 1)
        invite(http, coach, 2)

        async def refuse_runner1(server, session, envelope, address, rcpt_options):
            if address.startswith("runner1@"):
                return "550 5.1.1 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        smtp.handler.handle_RCPT = refuse_runner1
        counts = send_due()

        assert counts == {"sent": 1, "failed": 1, "retry": 0}
        assert statuses() == [("failed", 1), ("sent", 1)]
        assert [mail.recipients for mail in smtp.received] == [["runner2@north.test"]]


def _worker(app, server, log) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "wsgi",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_URL": server.url,
        "MAIL_FROM": "Academy <academy@test.invalid>",
        "MAIL_LEASE_SECONDS": "2",
        "MAIL_RETRY_SECONDS": "0.2",
        "MAIL_POLL_SECONDS": "0.1",
        "LOG_LEVEL": "INFO",
    }
    env.pop("TEST_DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "academy", "worker"]
    return subprocess.Popen(flask, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _until(condition, what: str, log) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"{what}, after {WAIT}s:\n{log.read_text()}"
        time.sleep(0.05)


class TestAWorkerKilledMidSend:
    def test_a_restarted_worker_sends_what_was_left_and_nothing_twice(
        self, app, http, coach, smtp, tmp_path
    ):
        codes = [invite(http, coach, n)["invitation"]["code"] for n in range(3)]
        log = tmp_path / "worker.log"
        # The first mail goes through; the server then sits on the second one.
        smtp.handler.hold_at = 1
        with log.open("w") as output:
            first = _worker(app, smtp, output)
            try:
                _until(smtp.handler.holding.is_set, "the second mail never came", log)
                assert len(smtp.received) == 1
                # The first was marked sent the moment the server took it.
                assert [s for s, _ in statuses()] == ["sent", "sending", "sending"]
                first.send_signal(signal.SIGKILL)
                first.wait(WAIT)
            finally:
                if first.poll() is None:
                    first.kill()
            smtp.handler.release.set()  # the server gives up on the dead worker's mail

            second = _worker(app, smtp, output)
            try:
                _until(lambda: [s for s, _ in statuses()] == ["sent"] * 3, "not all sent", log)
                second.send_signal(signal.SIGTERM)
                assert second.wait(WAIT) == 0
            finally:
                if second.poll() is None:
                    second.kill()

        ids = smtp.handler.message_ids()
        assert len(ids) == len(set(ids)) == 3
        assert sorted(ids) == sorted(db.session.scalars(sa.select(OutboxMail.message_id)))
        for code in codes:
            assert [code in mail.part("text/plain") for mail in smtp.received].count(True) == 1
        assert "mail sent" in log.read_text()


class TestTheWorkerCommand:
    def test_once_with_console_writes_each_mail_to_the_log_and_marks_it_sent(
        self, app, http, coach, caplog
    ):
        client = invite(http, coach, 1)
        caplog.set_level(logging.INFO, logger="academy.mail")

        result = app.test_cli_runner().invoke(args=["academy", "worker", "--once"])

        assert result.exit_code == 0, result.output
        assert statuses() == [("sent", 1)]
        [logged] = [r for r in caplog.records if r.getMessage() == "mail"]
        assert logged.to == ["runner1@north.test"]
        assert client["invitation"]["code"] in logged.text
        assert logged.message_id == db.session.scalar(sa.select(OutboxMail.message_id))
