"""Programs, their assignment to clients and the client app's schedule."""

from academy.programs.routes import blp

__all__ = ["blp"]
