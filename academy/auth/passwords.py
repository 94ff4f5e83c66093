"""Passwords: Argon2id hashing, with the cost parameters from configuration, and the one
rule every new password meets (NIST SP 800-63B), wherever it is set."""

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from zxcvbn import matching, zxcvbn

from academy.errors import Unprocessable

EXTENSION = "academy.password_hasher"

MIN_LENGTH, MAX_LENGTH = 10, 256
# zxcvbn's scores run 0-4; 3 means "safely unguessable" against an online attack.
MIN_SCORE = 3
# Names and email local parts shorter than this ("Al", "jo@...") are left out of the
# "contains" rule: they would refuse far too many good passwords.
MIN_PERSONAL_LENGTH = 3
# zxcvbn's work grows with the square of the length, and for every combination of
# look-alike characters it tries ("p@55w0rd": @ for a, 5 for s...): up to 736, each
# one more pass over every substring. Unbounded, a 256-character password took 40 s.
# So the estimate reads the first 64 characters (more only ever adds strength) and
# tries at most 8 combinations; the worst input then costs about 0.1 s.
ESTIMATE_PREFIX = 64
MAX_L33T_COMBINATIONS = 8

_enumerate_l33t_subs = matching.enumerate_l33t_subs


def _bounded_l33t_subs(table):
    return _enumerate_l33t_subs(table)[:MAX_L33T_COMBINATIONS]


# zxcvbn looks the function up at each call, from every matcher (repeats included).
matching.enumerate_l33t_subs = _bounded_l33t_subs
# zxcvbn keeps the user's own words in a module-level dictionary while it estimates.
_ESTIMATE = threading.Lock()


def init_app(app: Flask) -> None:
    # argon2-cffi hashes with Argon2id; the defaults are RFC 9106's low-memory profile.
    hasher = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"], memory_cost=app.config["ARGON2_MEMORY_KIB"]
    )
    # Verified against when no user matches, so that a wrong email costs as long as a
    # wrong password and timing does not reveal which emails exist.
    app.extensions[EXTENSION] = (hasher, hasher.hash("academy-no-such-user"))


def hash_password(password: str) -> str:
    hasher, _ = current_app.extensions[EXTENSION]
    return hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher, dummy = current_app.extensions[EXTENSION]
    try:
        return hasher.verify(password_hash or dummy, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other Argon2 parameters than the configured
    ones (``ARGON2_TIME_COST``, ``ARGON2_MEMORY_KIB``): raised costs reach every
    account as its owner next signs in."""
    hasher, _ = current_app.extensions[EXTENSION]
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def _long_enough(words) -> list[str]:
    return [word.casefold() for word in words if len(word) >= MIN_PERSONAL_LENGTH]


def strength_score(password: str, user_inputs=()) -> int:
    """zxcvbn's score (0-4) of the password's first ``ESTIMATE_PREFIX`` characters."""
    with _ESTIMATE:
        result = zxcvbn(password[:ESTIMATE_PREFIX], user_inputs=list(user_inputs))
    return result["score"]


def password_problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """What is wrong with ``password`` as a new password of the person with that email
    and name; empty when it may be used."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return [f"Must be {MIN_LENGTH} to {MAX_LENGTH} characters long."]
    if len(set(password)) == 1:
        return ["Must not be one character repeated."]
    lowered = password.casefold()
    local_parts = _long_enough([email.partition("@")[0]])
    names = _long_enough(name.split())
    problems = []
    if any(part in lowered for part in local_parts):
        problems.append("Must not contain your email address.")
    if any(word in lowered for word in names):
        problems.append("Must not contain your name.")
    if not problems and strength_score(password, [email, *local_parts, *names]) < MIN_SCORE:
        problems.append(
            "Too common or too easy to guess: try a few unrelated words, or a longer phrase."
        )
    return problems


def ensure_strong(password: str, *, field: str, email: str = "", name: str = "") -> None:
    """Unprocessable naming ``field`` when ``password`` may not be used."""
    problems = password_problems(password, email=email, name=name)
    if problems:
        raise Unprocessable("Choose another password.", errors={field: problems})
