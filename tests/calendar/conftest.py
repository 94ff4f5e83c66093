"""Fixtures of the calendar suite: the catalogue and a frozen clock."""

from tests.programs.conftest import catalogue, catalogue_entries, ex, freeze_now  # noqa: F401
