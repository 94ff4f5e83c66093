"""Health checks, the docs page, request ids and the request log.

The blueprints are in ``routes.py`` (health checks) and ``docs.py`` (the docs page);
the app factory registers them.
"""
