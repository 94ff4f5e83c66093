"""The exercise catalogue: the global library and each academy's own exercises."""

from academy.exercises.routes import blp

__all__ = ["blp"]
