"""The client app's schedule: assignments with every session dated, today and the
days ahead, each session done, missed, today or upcoming in the client's timezone.

The blueprint is in ``routes.py``; the app factory registers it.
"""
