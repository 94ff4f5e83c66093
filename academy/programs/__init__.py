"""Programs and their assignment to clients.

The blueprint is in ``routes.py``; the app factory registers it.
"""
