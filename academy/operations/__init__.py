"""Health checks, the docs page's assets, request ids and the request log."""

from academy.operations.routes import blp, docs_assets

__all__ = ["blp", "docs_assets"]
