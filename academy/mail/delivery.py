"""How mail leaves: Flask-Mailman's SMTP backend, configured from ``MAIL_URL``, or for
``console://`` a backend that writes each mail to the log."""

import logging
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask
from flask_mailman import Mail
from flask_mailman.backends.base import BaseEmailBackend

mailman = Mail()
log = logging.getLogger("academy.mail")

_TRUE = {"1", "true", "yes", "on"}


def smtp_settings(url: str) -> dict:
    """Flask-Mailman's settings for ``MAIL_URL``."""
    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"MAIL_BACKEND": LogEmailBackend}
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(
            "MAIL_URL must be smtp://user:password@host:port (?starttls=true), "
            f"smtps://... or console://, not {parts.scheme!r}."
        )
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    starttls = query.get("starttls", "false").lower() in _TRUE
    secure = parts.scheme == "smtps"
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname or "localhost",
        "MAIL_PORT": parts.port or (465 if secure else 587 if starttls else 25),
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_TLS": starttls and not secure,
        "MAIL_USE_SSL": secure,
    }


def init_app(app: Flask) -> None:
    app.config.update(smtp_settings(app.config["MAIL_URL"]))
    app.config["MAIL_TIMEOUT"] = app.config["MAIL_TIMEOUT_SECONDS"]
    app.config["MAIL_DEFAULT_SENDER"] = app.config["MAIL_FROM"]
    mailman.init_app(app)


class LogEmailBackend(BaseEmailBackend):
    """``console://``: each mail is one line of the log, for development."""

    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            log.info(
                "mail",
                extra={
                    "to": message.to,
                    "subject": message.subject,
                    "message_id": message.extra_headers.get("Message-ID"),
                    "text": message.body,
                },
            )
        return len(email_messages)
