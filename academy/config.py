"""Configuration: the only module that reads the environment.

Every variable is read once, here, with a default that suits a developer's machine.
The README lists them all.
"""

import os
from typing import overload


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@overload
def _int(name: str, default: int) -> int: ...
@overload
def _int(name: str, default: None) -> int | None: ...
def _int(name: str, default: int | None) -> int | None:
    value = os.environ.get(name)
    return int(value) if value else default


def _float(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def _list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def database_url(url: str | None) -> str | None:
    """Point plain PostgreSQL URLs at the psycopg 3 driver."""
    if url is None:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    # None means: a SQLite file in the instance folder (decided by the factory).
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL"))
    # hide_parameters: a database error's message never carries the values it was
    # given (check-in notes, sleep, assessment notes), so neither can a log line. Pooled
    # connections are pinged when they have been idle (academy/database.py).
    SQLALCHEMY_ENGINE_OPTIONS = {"hide_parameters": True}
    # How long any one wait on the database may last: connecting, each statement, a
    # lock, a pooled connection. Past it the request answers 503, never hangs.
    DB_TIMEOUT_SECONDS = _float("DB_TIMEOUT_SECONDS", 5.0)
    # How long a SQLite writer waits for the lock; None: DB_TIMEOUT_SECONDS.
    SQLITE_BUSY_TIMEOUT_MS = _int("SQLITE_BUSY_TIMEOUT_MS", None)

    SECRET_KEY = os.environ.get("SECRET_KEY", "academy-development-secret-change-me")

    SIGNUP_ENABLED = _bool("SIGNUP_ENABLED", True)
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_KIB = _int("ARGON2_MEMORY_KIB", 65536)
    ACCESS_TOKEN_MINUTES = _int("ACCESS_TOKEN_MINUTES", 60)
    REFRESH_TOKEN_DAYS = _int("REFRESH_TOKEN_DAYS", 30)
    # A refresh token presented again this soon after its rotation is a retry (a mobile
    # app that lost the answer): a fresh pair, nothing revoked. Later, a theft.
    REFRESH_REUSE_GRACE_SECONDS = _int("REFRESH_REUSE_GRACE_SECONDS", 30)
    INVITATION_DAYS = _int("INVITATION_DAYS", 14)

    # Failed sign-ins allowed for one email from one address before 429, and from one
    # address whatever the email; sign-ups allowed from one address (`limits` strings).
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per 15 minutes")
    LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "50 per 15 minutes")
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "5 per hour")
    # Invitations one academy may send (new clients and coaches, and new codes; an
    # email that already has an account counts too) in any hour and any day, and in
    # any hour of the academy's first day.
    CLIENT_INVITES_PER_HOUR = _int("CLIENT_INVITES_PER_HOUR", 50)
    CLIENT_INVITES_PER_DAY = _int("CLIENT_INVITES_PER_DAY", 200)
    CLIENT_INVITES_FIRST_DAY_PER_HOUR = _int("CLIENT_INVITES_FIRST_DAY_PER_HOUR", 10)
    # Where those counters live, shared by every worker and instance: empty for the
    # database, or a Redis URL (redis://127.0.0.1:6379/0).
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "")
    # How many proxies in front of the app append to X-Forwarded-For; the client's
    # address (what the limits count) is read that many hops back, and the scheme, host
    # and port from the nearest one's X-Forwarded-Proto, -Host and -Port. 0: the peer's.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    # The networks (CIDRs) the proxy connects from. A request from any other address is
    # taken as it came, its X-Forwarded-* headers ignored, so a client that reaches the
    # app directly cannot forge its address or host. The default is the network that
    # docker-compose.yml gives its services (ACADEMY_SUBNET there).
    TRUSTED_PROXY_ADDRESSES = _list("TRUSTED_PROXY_ADDRESSES") or ["10.77.0.0/24"]
    # Where clients reach the app (https://academy.example.com): the links the API hands
    # out (the calendar feed's address) start with it, whatever Host a request carried.
    # Empty: the request's own scheme and host.
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or None

    # How long an Idempotency-Key and its answer are kept (at least 24 hours).
    IDEMPOTENCY_KEY_HOURS = max(24, _int("IDEMPOTENCY_KEY_HOURS", 48))
    # How long a retry waits for the first request with its key before answering 409.
    IDEMPOTENCY_WAIT_SECONDS = _float("IDEMPOTENCY_WAIT_SECONDS", 5.0)

    # Where mail goes: smtp://user:password@host:port (?starttls=true, or smtps:// for
    # TLS from the start), or console:// (the default), which writes each mail to the
    # log. Mail waits in the database's outbox until `flask academy worker` sends it.
    MAIL_URL = os.environ.get("MAIL_URL", "console://")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Academy <academy@localhost>")
    # How long one SMTP conversation may wait on the server before it counts as failed.
    MAIL_TIMEOUT_SECONDS = _float("MAIL_TIMEOUT_SECONDS", 30.0)
    # A failed mail is tried again after MAIL_RETRY_SECONDS, doubling each time, at most
    # MAIL_RETRY_MAX_SECONDS apart, for as long as the mail server stays away.
    MAIL_RETRY_SECONDS = _float("MAIL_RETRY_SECONDS", 30.0)
    MAIL_RETRY_MAX_SECONDS = _float("MAIL_RETRY_MAX_SECONDS", 900.0)
    # A worker that claims a mail holds it this long; a mail still claimed after that
    # (its worker died) is taken up again, with the same Message-ID.
    MAIL_LEASE_SECONDS = _float("MAIL_LEASE_SECONDS", 120.0)
    # How often an idle worker looks for due mail.
    MAIL_POLL_SECONDS = _float("MAIL_POLL_SECONDS", 2.0)
    # A file the worker touches after every round, for a health check to read its age.
    WORKER_HEARTBEAT_FILE = os.environ.get("WORKER_HEARTBEAT_FILE") or None
    # How long a password-reset code works, and how many resets may be asked for one
    # email and from one address (`limits` strings).
    PASSWORD_RESET_MINUTES = _int("PASSWORD_RESET_MINUTES", 30)
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "3 per hour")
    PASSWORD_RESET_ADDRESS_RATE_LIMIT = os.environ.get(
        "PASSWORD_RESET_ADDRESS_RATE_LIMIT", "20 per hour"
    )

    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 1024 * 1024)
    # An activity file's upload (POST /me/activities) may be this large.
    ACTIVITY_MAX_BYTES = _int("ACTIVITY_MAX_BYTES", 10 * 1024 * 1024)
    # Where every file is kept (activity files, exercise media, form-check videos):
    # file:///path, or s3://bucket/prefix for a bucket every instance shares. Empty: the
    # folder FILE_STORAGE_PATH (by default `files` in the instance folder), which is
    # also where `flask academy move-files` takes files from.
    FILE_STORAGE_URL = os.environ.get("FILE_STORAGE_URL") or None
    FILE_STORAGE_PATH = os.environ.get("FILE_STORAGE_PATH") or None
    # The S3-compatible service of an s3:// storage (empty: AWS itself), its region, and
    # where clients reach it for the signed links (empty: S3_ENDPOINT_URL). The
    # credentials, when not set here, come from boto3's own chain (an instance role...).
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_PUBLIC_ENDPOINT_URL = os.environ.get("S3_PUBLIC_ENDPOINT_URL") or None
    S3_REGION = os.environ.get("S3_REGION", "us-east-1")
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    # How long one call to the object store may wait to connect or read (503 past it).
    S3_TIMEOUT_SECONDS = _float("S3_TIMEOUT_SECONDS", 10.0)
    # How long a link to a file works, at least (it works up to a quarter longer).
    FILE_URL_SECONDS = _int("FILE_URL_SECONDS", 900)
    # Exercise media: pictures (JPEG, PNG, WebP) and videos (MP4, WebM) up to these
    # sizes; a client's form-check video up to FORM_CHECK_MAX_BYTES. A picture holds at
    # most MEDIA_MAX_PIXELS (a decompression bomb holds far more).
    MEDIA_IMAGE_MAX_BYTES = _int("MEDIA_IMAGE_MAX_BYTES", 10 * 1024 * 1024)
    MEDIA_VIDEO_MAX_BYTES = _int("MEDIA_VIDEO_MAX_BYTES", 200 * 1024 * 1024)
    FORM_CHECK_MAX_BYTES = _int("FORM_CHECK_MAX_BYTES", 100 * 1024 * 1024)
    MEDIA_MAX_PIXELS = _int("MEDIA_MAX_PIXELS", 40_000_000)
    # Strict-Transport-Security max-age on every answer; 0 sends none (serve over HTTPS
    # first: browsers then refuse plain HTTP to the host for that long).
    HSTS_SECONDS = _int("HSTS_SECONDS", 0)
    CORS_ORIGINS = _list("CORS_ORIGINS")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # The same error's traceback is logged at most once in this many seconds (per
    # worker); the repeats in between are counted on the next line.
    LOG_REPEAT_SECONDS = _float("LOG_REPEAT_SECONDS", 60.0)

    # GET /metrics answers loopback callers; anyone else must send this bearer token
    # (and gets 404 while none is set, so the endpoint is not even revealed).
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # A folder the gunicorn workers share their metrics through (gunicorn.conf.py makes
    # one when it is unset). prometheus_client reads it from the environment itself, at
    # import; it is read here too so that the app aggregates the same folder.
    PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None

    API_TITLE = "Academy API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    # No OPENAPI_SWAGGER_UI_PATH: flask-smorest's docs page configures Swagger UI in an
    # inline script, which the docs' Content-Security-Policy forbids. Academy serves
    # its own page at /docs (academy/operations/docs.py).


class TestConfig(Config):
    TESTING = True
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL", "sqlite://"))
    SECRET_KEY = "academy-test-secret"
    # The database keeps the counters (a test may point an app at TEST_REDIS_URL).
    RATELIMIT_STORAGE_URI = ""
    LOGIN_RATE_LIMIT = "5 per 15 minutes"
    LOGIN_ADDRESS_RATE_LIMIT = "8 per 15 minutes"
    SIGNUP_RATE_LIMIT = "5 per hour"
    PASSWORD_RESET_RATE_LIMIT = "3 per hour"
    PASSWORD_RESET_ADDRESS_RATE_LIMIT = "20 per hour"
    MAIL_URL = "console://"
    MAIL_FROM = "Academy <academy@test.invalid>"
    TRUSTED_PROXIES = 0
    # The test client's requests come from 127.0.0.1: there, it plays the proxy.
    TRUSTED_PROXY_ADDRESSES = ["127.0.0.1/32"]
    PUBLIC_URL = None
    REFRESH_REUSE_GRACE_SECONDS = 30
    HSTS_SECONDS = 0
    SIGNUP_ENABLED = True
    # A retry gives up on an in-flight first request sooner, so the suite stays quick.
    IDEMPOTENCY_WAIT_SECONDS = 1.0
    # Still Argon2id, with a small cost so the suite stays quick.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
