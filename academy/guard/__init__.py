"""The plan's guard: the method's safety rules over the sessions still ahead of a client.

The blueprint is in ``routes.py``; the app factory registers it.
"""
