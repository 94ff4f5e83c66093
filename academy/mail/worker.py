"""``flask academy worker``: sends the outbox's due mail, retrying with backoff.

Each round claims a batch of due mail (a guarded UPDATE: of several workers, each mail
goes to one) for ``MAIL_LEASE_SECONDS``, then sends the batch one mail at a time over
one SMTP connection and marks each mail sent the moment the server has accepted it
(committed at once, before the next mail is sent). So a worker killed in the middle
of a batch leaves its sent mails marked sent, and its unsent ones claimed until the
lease runs out, when a worker takes them up again.

The one moment that cannot be known is between the server's acceptance of a mail and
the commit that records it: a worker killed exactly then leaves a mail that the next
worker sends again. It goes out with the same Message-ID, which mail servers and
readers use to show it once. A mail the server refused for good (an unknown recipient)
is marked failed; any other failure (the server down or busy) is retried after
``MAIL_RETRY_SECONDS``, doubling up to ``MAIL_RETRY_MAX_SECONDS``, for as long as it
takes. The log names mails by id and kind, never their content or recipient.
"""

import logging
import smtplib
import time
import uuid
from contextlib import suppress
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_mailman import EmailMultiAlternatives

from academy.common.time import utcnow
from academy.extensions import db
from academy.mail.delivery import mailman
from academy.mail.models import OutboxMail

log = logging.getLogger("academy.mail")

BATCH = 20
# A mail's text goes once it is sent or refused: it may carry a code that works (an
# invitation, a password reset), which the database otherwise keeps only hashed.
_FORGET = {"text": "", "html": ""}


class ServerAway(Exception):
    """The mail server could not be reached or dropped the connection."""


def _seconds(name: str) -> timedelta:
    return timedelta(seconds=current_app.config[name])


def _backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    first, most = _seconds("MAIL_RETRY_SECONDS"), _seconds("MAIL_RETRY_MAX_SECONDS")
    return min(first * 2 ** max(attempts - 1, 0), most)


def claim(limit: int = BATCH) -> tuple[str, list[OutboxMail]]:
    """Claim up to ``limit`` due mails: pending ones whose time has come, and claimed
    ones whose worker's lease ran out. Committed, so that other workers see the claim."""
    now, token = utcnow(), uuid.uuid4().hex
    due = sa.and_(OutboxMail.status.in_(("pending", "sending")), OutboxMail.due_at <= now)
    ids = db.session.scalars(
        sa.select(OutboxMail.id).where(due).order_by(OutboxMail.due_at, OutboxMail.id).limit(limit)
    ).all()
    if ids:
        # Guarded: a mail another worker claimed meanwhile is no longer due.
        db.session.execute(
            sa.update(OutboxMail)
            .where(OutboxMail.id.in_(ids), due)
            .values(status="sending", claim=token, due_at=now + _seconds("MAIL_LEASE_SECONDS"))
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    mails = db.session.scalars(
        sa.select(OutboxMail).where(OutboxMail.claim == token).order_by(OutboxMail.id)
    ).all()
    return token, list(mails)


def _mark(mail: OutboxMail, token: str, **values) -> None:
    """Record what became of a claimed mail, unless the claim is no longer ours."""
    db.session.execute(
        sa.update(OutboxMail)
        .where(OutboxMail.id == mail.id, OutboxMail.claim == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _message(mail: OutboxMail, connection) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=mail.subject,
        body=mail.text,
        from_email=current_app.config["MAIL_FROM"],
        to=[mail.recipient],
        headers={"Message-ID": mail.message_id},
        connection=connection,
    )
    message.attach_alternative(mail.html, "text/html")
    return message


def _refused_for_good(error: Exception) -> bool:
    """The server refused this mail itself (5xx for its recipient or content); anything
    else (the server away, busy, or its sign-in failing) may pass."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, smtplib.SMTPDataError) and error.smtp_code >= 500


def send_due(limit: int = BATCH) -> dict[str, int]:
    """One round: claim due mail and send it. The counts of what became of it."""
    token, mails = claim(limit)
    counts = {"sent": 0, "failed": 0, "retry": 0}
    if not mails:
        return counts
    connection = mailman.get_connection()
    try:
        try:
            connection.open()
        except (OSError, smtplib.SMTPException) as error:
            raise ServerAway(error) from error
        for index, mail in enumerate(mails):
            try:
                _send(connection, mail)
            except ServerAway:
                # Nothing more gets through now: the rest wait as long as this one.
                for later in mails[index:]:
                    _retry(later, token, error="the mail server is away", count=later is mail)
                counts["retry"] += len(mails) - index
                break
            except smtplib.SMTPException as error:
                if _refused_for_good(error):
                    _mark(mail, token, status="failed", claim=None, attempts=mail.attempts + 1,
                          last_error=_describe(error), **_FORGET)  # fmt: skip
                    log.warning("mail refused", extra={"mail_id": mail.id, "kind": mail.template})
                    counts["failed"] += 1
                else:
                    _retry(mail, token, error=_describe(error))
                    counts["retry"] += 1
                continue
            _mark(mail, token, status="sent", claim=None, sent_at=utcnow(),
                  attempts=mail.attempts + 1, last_error=None, **_FORGET)  # fmt: skip
            log.info("mail sent", extra={"mail_id": mail.id, "kind": mail.template})
            counts["sent"] += 1
    except ServerAway as error:
        for mail in mails:
            _retry(mail, token, error=_describe(error.__cause__ or error))
        counts["retry"] += len(mails)
    finally:
        # The server may have gone away; the outcome of every mail is already recorded.
        with suppress(OSError, smtplib.SMTPException):
            connection.close()
    return counts


def _send(connection, mail: OutboxMail) -> None:
    try:
        _message(mail, connection).send()
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError) as error:
        raise ServerAway(error) from error
    except smtplib.SMTPException:
        raise  # an answer about this mail (smtplib's errors are OSErrors too)
    except OSError as error:  # the connection broke or timed out
        raise ServerAway(error) from error


def _retry(mail: OutboxMail, token: str, *, error: str, count: bool = True) -> None:
    attempts = mail.attempts + 1 if count else mail.attempts
    wait = _backoff(max(attempts, 1))
    _mark(mail, token, status="pending", claim=None, attempts=attempts,
          due_at=utcnow() + wait, last_error=error[:500])  # fmt: skip
    if count:
        log.warning(
            "mail delayed",
            extra={"mail_id": mail.id, "kind": mail.template, "attempts": attempts,
                   "retry_in_seconds": round(wait.total_seconds(), 1), "error": error[:200]},
        )  # fmt: skip


def _describe(error: BaseException) -> str:
    """A failure in a few words, without the server's message (it may quote the mail)."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__}" + (f" {code}" if code else "")


def run(*, once: bool = False, stop=lambda: False) -> None:
    """Send due mail until ``stop()`` says so; with ``once``, until none is due now. A
    round the database fails (down, locked) is tried again after a pause (with
    ``once``, it fails the command): the mail it had claimed waits for its lease."""
    poll = current_app.config["MAIL_POLL_SECONDS"]
    heartbeat = current_app.config["WORKER_HEARTBEAT_FILE"]
    while not stop():
        try:
            counts = send_due()
        except sa.exc.SQLAlchemyError:
            if once:
                raise
            # Logged once a minute (academy.operations.logs), without the error's text.
            log.exception("mail round failed; trying again")
            counts = {"retry": 1}
        finally:
            db.session.remove()
        if heartbeat:
            Path(heartbeat).touch()
        if once and not any(counts.values()):
            return
        if not any(counts.values()) or counts.get("retry"):
            time.sleep(poll)
