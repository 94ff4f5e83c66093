"""The client's training calendar as a secret .ics address their phone subscribes to.

The blueprint is in ``routes.py``; the app factory registers it.
"""
