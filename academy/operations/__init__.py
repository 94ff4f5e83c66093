"""Health checks, the docs page's assets, request ids and the request log.

The blueprint is in ``routes.py``; the app factory registers it.
"""
