"""Activity files from watches: FIT, GPX and TCX, each leg's sport, summary and splits.

The blueprint is in ``routes.py``; the app factory registers it.
"""
