"""Accounts, academies, sign-in tokens and invitations."""

from academy.auth.routes import blp

__all__ = ["blp"]
