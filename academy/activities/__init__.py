"""Activity files from watches: FIT, GPX and TCX, their summaries and splits.

The blueprint is in ``routes.py``; the app factory registers it.
"""
