"""The exercise catalogue: the global library and each academy's own exercises.

The blueprint is in ``routes.py``; the app factory registers it.
"""
