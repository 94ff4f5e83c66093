"""Writing mail: rendered from its templates (plain text and HTML) and added to the
outbox in the caller's transaction, so that a mail exists exactly when the change it
tells of was committed. The worker (``academy.mail.worker``) sends it."""

import re
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


# Text a mail client would make a link of: a run of dot-joined labels whose last one
# has two characters or more (a domain, whatever its top level: there are .run and
# .coach) or that has four labels (an IPv4 address), "www." before anything, a scheme's
# "://", an "@" inside a word. The dots include those that browsers read as one
# (ideographic, fullwidth, halfwidth) and the one-dot leader.
_DOTS = ".\u3002\uff0e\uff61\u2024"
_DOMAIN = re.compile(
    rf"[\w-]+(?:[{_DOTS}][\w-]+){{3,}}|[\w-]+(?:[{_DOTS}][\w-]+)*[{_DOTS}][\w-]{{2,}}"
)
# Looked for after the domains are broken: a "www" that ends one ("0.www.") is itself a
# link to be.
_WWW = re.compile(rf"www[{_DOTS}]", re.IGNORECASE)
_DOT = re.compile(rf"[{_DOTS}]")
_SCHEME = re.compile(r":(?=/)")
_AT = re.compile(r"(?<=\w)@(?=\w)")


def unlinked(text: str) -> str:
    """``text`` with every address in it broken the way security notices break them
    (``http[:]//evil[.]example``, ``someone[@]example[.]com``): still readable, but no
    mail client makes a link of it."""
    text = _DOMAIN.sub(lambda found: _DOT.sub("[.]", found.group()), text)
    text = _WWW.sub(lambda found: _DOT.sub("[.]", found.group()), text)
    return _AT.sub("[@]", _SCHEME.sub("[:]", text))


def render(template: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) of the mail ``template`` with ``context``. Every text in
    ``context`` is written ``unlinked``: the values are names people typed (an
    academy's, a coach's) and codes and dates the app made, never a link; a link of
    the app's own belongs in the template."""
    context = {
        name: unlinked(value) if isinstance(value, str) else value
        for name, value in context.items()
    }
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
    # Names of 200 characters each, and broken links longer still, may not fit.
    longest = OutboxMail.subject.type.length
    if len(subject) > longest:
        subject = subject[: longest - 1] + "\N{HORIZONTAL ELLIPSIS}"
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
