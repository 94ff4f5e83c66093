"""Writing mail: rendered from its templates (plain text and HTML) and added to the
outbox in the caller's transaction, so that a mail exists exactly when the change it
tells of was committed. The worker (``academy.mail.worker``) sends it."""

from email.utils import make_msgid, parseaddr
from functools import cache
from pathlib import Path

from flask import current_app
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from academy.common.time import utcnow
from academy.extensions import db
from academy.mail.models import OutboxMail

TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def _templates() -> Environment:
    # StrictUndefined: a mail missing a value fails where it is written, not in an inbox.
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render(template: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) of the mail ``template`` with ``context``."""
    env = _templates()
    subject = env.get_template(f"{template}.subject.txt").render(context)
    text = env.get_template(f"{template}.txt").render(context)
    html = env.get_template(f"{template}.html").render(context)
    return " ".join(subject.split()), text, html


def _domain() -> str:
    address = parseaddr(current_app.config["MAIL_FROM"])[1]
    return address.rpartition("@")[2] or "localhost"


def send_later(recipient: str, template: str, **context) -> OutboxMail:
    """Add the mail ``template`` for ``recipient`` to the outbox (flushed with the
    caller's work, committed with it)."""
    subject, text, html = render(template, **context)
    now = utcnow()
    mail = OutboxMail(
        message_id=make_msgid(domain=_domain()),
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        template=template,
        status="pending",
        attempts=0,
        due_at=now,
        created_at=now,
    )
    db.session.add(mail)
    return mail
