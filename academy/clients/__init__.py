"""The academy's clients and their coaching profiles."""

from academy.clients.routes import blp

__all__ = ["blp"]
