"""Accounts, academies, sign-in tokens and invitations.

The blueprint is in ``routes.py``; the app factory registers it.
"""
