"""Programs, their assignment to clients and the client app's schedule.

The blueprint is in ``routes.py``; the app factory registers it.
"""
