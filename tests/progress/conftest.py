"""The progress reads are read from check-ins: the check-ins' clock, catalogue and
program fixtures serve them."""

from tests.checkins.conftest import assignment, clock, exercises, program, sessions  # noqa: F401
