"""When an assignment's sessions fall, and where a week starts: one rule each, the same
in Python and in the database's SQL."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.common.time import week_start
from academy.extensions import db
from academy.programs.dates import last_day, session_date, session_date_sql, week_and_day

MONDAY = date(2026, 3, 9)


class TestSessionDate:
    @pytest.mark.parametrize(
        "week, day, expected",
        [
            (1, 1, date(2026, 3, 9)),
            (1, 7, date(2026, 3, 15)),
            (2, 1, date(2026, 3, 16)),
            (12, 5, date(2026, 5, 29)),
        ],
    )
    def test_week_and_day_fall_on_start_plus_seven_weeks_plus_days(self, week, day, expected):
        assert session_date(MONDAY, week, day) == expected

    @pytest.mark.parametrize("offset", range(0, 14))
    def test_week_and_day_is_the_inverse(self, offset):
        on = date.fromordinal(MONDAY.toordinal() + offset)

        week, day = week_and_day(MONDAY, on, weeks=2)

        assert session_date(MONDAY, week, day) == on

    @pytest.mark.parametrize("on", [date(2026, 3, 8), date(2026, 3, 23)])
    def test_days_outside_the_program_have_no_slot(self, on):
        assert week_and_day(MONDAY, on, weeks=2) is None

    def test_the_last_day_is_day_seven_of_the_last_week(self):
        assert last_day(MONDAY, 2) == date(2026, 3, 22) == session_date(MONDAY, 2, 7)

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        start=st.dates(date(2000, 1, 1), date(2100, 12, 31)),
        week=st.integers(1, 52),
        day=st.integers(1, 7),
    )
    def test_the_database_dates_a_session_as_python_does(self, app, start, week, day):
        on = session_date_sql(
            sa.literal(start, sa.Date), sa.literal(week, sa.Integer), sa.literal(day, sa.Integer)
        )

        assert db.session.scalar(sa.select(on)) == session_date(start, week, day)


class TestWeekStart:
    @given(on=st.dates(date(2000, 1, 1), date(2100, 12, 31)))
    def test_a_week_runs_monday_to_sunday(self, on):
        monday = week_start(on)

        assert monday.weekday() == 0 and monday <= on < monday + timedelta(days=7)
