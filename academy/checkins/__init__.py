"""Check-ins, adherence, trends and the coach's dashboard.

The blueprint is in ``routes.py``; the app factory registers it.
"""
