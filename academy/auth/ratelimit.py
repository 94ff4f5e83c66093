"""Rate limits every worker and instance shares: failed sign-ins, sign-ups,
password-reset requests and an academy's invitations.

A limit is a `limits` string ("10 per 15 minutes", or several separated by ";"),
counted in a moving window per key. The hits live in the database (``rate_limit_hits``)
unless ``RATELIMIT_STORAGE_URI`` names a Redis server.

A request takes its hit *before* the work it guards: the count and the new hit are one
atomic step, so of any number of concurrent requests exactly as many as the limit
allows get through. A hit that must not count after all is given back (a sign-in's,
once its password proved right). Hits are written outside the request's transaction,
so a request that fails (a wrong password's 401) keeps its hit. Expired hits are
deleted along the way and by ``flask academy purge-keys``.
"""

import math
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from limits import RateLimitItem, parse_many

from academy.auth.models import RateLimitHit
from academy.common.auth import digest
from academy.common.time import as_utc, utcnow
from academy.errors import TooManyRequests
from academy.extensions import db

EXTENSION = "academy.rate_limits"


@dataclass(frozen=True)
class Rule:
    limits: list[RateLimitItem]
    refusal: str

    @property
    def longest(self) -> int:
        return max(limit.get_expiry() for limit in self.limits)


def _rules(config) -> dict[str, Rule]:
    sign_ins = "Too many failed sign-ins; wait a while before trying again."
    invitations = "The academy has sent as many invitations as it may for now; try again later."
    return {
        # One email from one address: a guesser is stopped, the owner elsewhere is not.
        "sign-in": Rule(parse_many(config["LOGIN_RATE_LIMIT"]), sign_ins),
        # One address, whatever the email: a guesser trying many accounts.
        "sign-in-address": Rule(parse_many(config["LOGIN_ADDRESS_RATE_LIMIT"]), sign_ins),
        "sign-up": Rule(
            parse_many(config["SIGNUP_RATE_LIMIT"]),
            "Too many sign-ups from your address; try again later.",
        ),
        # Reset mails for one email, and asked from one address whatever the email.
        "password-reset": Rule(
            parse_many(config["PASSWORD_RESET_RATE_LIMIT"]),
            "Too many password resets asked for this email; try again later.",
        ),
        "password-reset-address": Rule(
            parse_many(config["PASSWORD_RESET_ADDRESS_RATE_LIMIT"]),
            "Too many password resets asked from your address; try again later.",
        ),
        # One academy's invitations, and tighter in its first day.
        "invitation": Rule(
            parse_many(
                f"{config['CLIENT_INVITES_PER_HOUR']} per hour;"
                f"{config['CLIENT_INVITES_PER_DAY']} per day"
            ),
            invitations,
        ),
        "invitation-first-day": Rule(
            parse_many(f"{config['CLIENT_INVITES_FIRST_DAY_PER_HOUR']} per hour"), invitations
        ),
    }


@dataclass(frozen=True)
class Hit:
    """A hit taken: ``handle`` names it in its store, to give it back."""

    key: str
    handle: int | str  # the database's row id, or Redis's member


class DatabaseStore:
    """One row per hit, written in a short transaction of its own (on its own connection)
    that holds the key's lock from the count to the insert: a count sees every hit taken
    before it, so the limit is exact however many workers count at once."""

    table = RateLimitHit.__table__

    def take(self, key: str, rule: Rule) -> tuple[Hit | None, int | None]:
        """A hit when it fits under every limit, else None and the seconds until one
        would."""
        now = utcnow()
        table = self.table
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_id(key))))
            # On SQLite this first write takes the database's write lock, to the same end.
            connection.execute(table.delete().where(table.c.key == key, table.c.expires_at <= now))
            since = now - timedelta(seconds=rule.longest)
            times: sa.ScalarResult[datetime] = connection.execute(
                sa.select(table.c.at).where(table.c.key == key, table.c.at > since)
            ).scalars()
            wait = _wait(rule, [(now - as_utc(at)).total_seconds() for at in times])
            if wait is not None:
                return None, wait
            hit_id: int = connection.execute(
                table.insert()
                .values(key=key, at=now, expires_at=now + timedelta(seconds=rule.longest))
                .returning(table.c.id)
            ).scalar_one()
        return Hit(key, hit_id), None

    def give_back(self, hits: list[Hit]) -> None:
        if hits:
            with db.engine.begin() as connection:
                ids = [hit.handle for hit in hits]
                connection.execute(self.table.delete().where(self.table.c.id.in_(ids)))

    def purge(self) -> int:
        with db.engine.begin() as connection:
            return connection.execute(
                self.table.delete().where(self.table.c.expires_at <= utcnow())
            ).rowcount


def _lock_id(key: str) -> int:
    """A PostgreSQL advisory lock's number for a key (60 bits of its hex digest)."""
    return int(key[:15], 16)


class RedisStore:
    """A sorted set per key (hit ids scored by time), expiring with its longest window."""

    PREFIX = "academy:rate-limit:"

    def __init__(self, url: str):
        import redis

        self.redis = redis.Redis.from_url(url)

    def take(self, key: str, rule: Rule) -> tuple[Hit | None, int | None]:
        name, member, now = self.PREFIX + key, uuid.uuid4().hex, time.time()
        # MULTI/EXEC: added and counted at once, so a count sees every hit added before
        # it. A refused hit is removed just after; meanwhile it can only refuse others
        # that its own refusal shows to be over the limit anyway.
        pipe = self.redis.pipeline(transaction=True)
        pipe.zremrangebyscore(name, "-inf", now - rule.longest)
        pipe.zadd(name, {member: now})
        pipe.zrange(name, 0, -1, withscores=True)
        pipe.expire(name, rule.longest)
        _, _, entries, _ = pipe.execute()
        wait = _wait(rule, [now - at for hit, at in entries if hit.decode() != member])
        if wait is not None:
            self.redis.zrem(name, member)
            return None, wait
        return Hit(name, member), None

    def give_back(self, hits: list[Hit]) -> None:
        for hit in hits:
            self.redis.zrem(hit.key, hit.handle)

    def purge(self) -> int:
        return 0  # every key expires by itself


def _wait(rule: Rule, ages: list[float]) -> int | None:
    """Given the ages (seconds) of the key's other hits, how long until one more fits
    under every limit; None when it fits now."""
    wait = 0.0
    for limit in rule.limits:
        window = limit.get_expiry()
        recent = sorted(age for age in ages if age < window)  # youngest first
        if len(recent) >= limit.amount:
            # Room for one more once all but amount - 1 of them have left the window.
            leaving = recent[limit.amount - 1] if limit.amount else 0
            wait = max(wait, window - leaving, 1)
    return math.ceil(wait) if wait else None


def _store(url: str):
    if not url:
        return DatabaseStore()
    if url.startswith(("redis://", "rediss://", "unix://")):
        return RedisStore(url)
    raise ValueError(
        "RATELIMIT_STORAGE_URI must be empty (the counters live in the database) or a "
        f"Redis URL (redis://host:6379/0), not {url.split(':', 1)[0]!r}: the counters "
        "must be shared by every worker."
    )


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = (_store(app.config["RATELIMIT_STORAGE_URI"]), _rules(app.config))


def take(*requests: tuple[str, *tuple[str | None, ...]]) -> list[Hit]:
    """Take a hit for each ``(rule, key parts...)``; 429 (and nothing kept) when any of
    them is over its limit."""
    store, rules = current_app.extensions[EXTENSION]
    taken: list[Hit] = []
    for rule_name, *parts in requests:
        rule = rules[rule_name]
        # Hashed: the table holds no email or address, and every key is 64 characters.
        key = digest("\n".join([rule_name, *(part or "unknown" for part in parts)]))
        hit, wait = store.take(key, rule)
        if hit is None:
            store.give_back(taken)
            raise TooManyRequests(rule.refusal, retry_after=wait)
        taken.append(hit)
    return taken


def give_back(hits: list[Hit]) -> None:
    """The hits must not count after all (a sign-in whose password was right)."""
    store, _ = current_app.extensions[EXTENSION]
    store.give_back(hits)


def purge() -> int:
    """Delete expired hits; the number deleted."""
    store, _ = current_app.extensions[EXTENSION]
    return store.purge()
