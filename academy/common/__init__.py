"""Pieces every domain shares: schemas, blueprint, auth, tenancy, errors' helpers."""
