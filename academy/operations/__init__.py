"""Health checks, the docs page, metrics, request ids, the request log and the log's
format.

The blueprints are in ``routes.py`` (health checks), ``docs.py`` (the docs page) and
``metrics.py`` (``/metrics``); the app factory registers them. ``logs.py`` formats
every log line as JSON, for the app and for gunicorn (``gunicorn.conf.py``).
"""
