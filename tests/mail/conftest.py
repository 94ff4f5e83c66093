"""A real SMTP server (aiosmtpd) for the mail tests, and the app pointed at it."""

import asyncio
import email
import threading
import time
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller

from academy.mail import delivery, worker
from tests.servers import _free_port

WAIT = 30  # seconds, for any one wait


@dataclass
class Received:
    recipients: list[str]
    message: Message

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    def part(self, mimetype: str) -> str:
        for part in self.message.walk():
            if part.get_content_type() == mimetype:
                return part.get_payload(decode=True).decode()
        raise AssertionError(f"no {mimetype} part")


@dataclass
class Handler:
    """Keeps every mail it accepts. With ``hold_at`` = n, it sits on the DATA of the
    n-th mail it is sent (from 0) until ``release`` is set, then refuses it (451): its
    sender is gone by then."""

    received: list[Received] = field(default_factory=list)
    hold_at: int | None = None
    seen: int = 0
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server, session, envelope):
        this, self.seen = self.seen, self.seen + 1
        if this == self.hold_at:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.release.wait, WAIT)
            return "451 4.3.0 Try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 2.0.0 OK"

    def message_ids(self) -> list[str]:
        return [mail.message_id for mail in self.received]


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.handler = Handler()
        self.controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + WAIT
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} mails came"
            time.sleep(0.05)


@pytest.fixture
def smtp_server():
    """A server on a free port, not started: a test starts it (or shows it is down)."""
    server = SMTPServer(_free_port())
    yield server
    server.handler.release.set()
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.start()
    return smtp_server


@pytest.fixture
def mail_to(app, smtp_server):
    """The app sends mail to ``smtp_server``, retrying quickly; restored afterwards."""
    saved = {key: app.config[key] for key in app.config if key.startswith("MAIL_")}
    app.config.update(
        MAIL_URL=smtp_server.url,
        MAIL_RETRY_SECONDS=0.05,
        MAIL_RETRY_MAX_SECONDS=0.2,
        MAIL_TIMEOUT_SECONDS=5,
    )
    delivery.init_app(app)
    yield smtp_server
    app.config.update(saved)
    delivery.init_app(app)


def send_due() -> dict[str, int]:
    """One round of the worker, as `flask academy worker` runs it (in the test's app
    context, whose session the requests share: it ends the round committed)."""
    return worker.send_due()
