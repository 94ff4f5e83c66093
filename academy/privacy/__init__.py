"""Privacy: a person's export of their data, and erasing a client's personal data.

The blueprint is in ``routes.py``; the app factory registers it.
"""
