"""Messages between a client and the academy's coaches: one thread per client.

The blueprint is in ``routes.py``; the app factory registers it.
"""
