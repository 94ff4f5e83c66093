"""The append-only audit log of writes to clients, programs, check-ins and assessments.

The blueprint is in ``routes.py``; the app factory registers it.
"""
