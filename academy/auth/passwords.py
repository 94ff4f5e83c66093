"""Argon2id password hashing, with the cost parameters from configuration."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

EXTENSION = "academy.password_hasher"


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
