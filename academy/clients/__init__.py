"""The academy's clients and their coaching profiles.

The blueprint is in ``routes.py``; the app factory registers it.
"""
