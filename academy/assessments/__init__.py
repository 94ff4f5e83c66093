"""Posture assessments, exercise suggestions and program drafts.

The blueprint is in ``routes.py``; the app factory registers it.
"""
