"""Check-ins: what a client reports after a session, and the summaries kept from them.

The blueprint is in ``routes.py``; the app factory registers it.
"""
