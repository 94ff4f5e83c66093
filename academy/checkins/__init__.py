"""Check-ins, adherence, trends and the coach's dashboard."""

from academy.checkins.routes import blp

__all__ = ["blp"]
