"""The scheduling rules and the assignment lifecycle, without HTTP."""

from datetime import UTC, date, datetime

import pytest

from academy.common.time import local_today
from academy.programs import documents
from academy.programs.service import TRANSITIONS
from academy.vocabularies import ASSIGNMENT_STATUSES


class TestSessionStatus:
    @pytest.mark.parametrize(
        "on, done, expected",
        [
            (date(2026, 3, 10), False, "missed"),
            (date(2026, 3, 11), False, "today"),
            (date(2026, 3, 12), False, "upcoming"),
            (date(2026, 3, 10), True, "done"),
            (date(2026, 3, 11), True, "done"),
        ],
    )
    def test_it_follows_the_date_and_the_check_in(self, on, done, expected):
        assert documents.session_status(on, date(2026, 3, 11), done) == expected


class TestLocalToday:
    @pytest.mark.parametrize(
        "timezone, expected",
        [
            ("UTC", date(2026, 3, 10)),
            ("Europe/London", date(2026, 3, 10)),
            ("Pacific/Auckland", date(2026, 3, 11)),
            ("America/Los_Angeles", date(2026, 3, 10)),
        ],
    )
    def test_it_is_the_calendar_day_where_the_client_lives(self, timezone, expected):
        now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)

        assert local_today(timezone, now) == expected


class TestTransitions:
    def test_every_status_has_its_rules(self):
        assert set(TRANSITIONS) == set(ASSIGNMENT_STATUSES)
        assert all(targets <= set(ASSIGNMENT_STATUSES) for targets in TRANSITIONS.values())

    def test_active_and_paused_swap_and_completed_and_cancelled_are_final(self):
        assert TRANSITIONS["active"] == {"paused", "completed", "cancelled"}
        assert TRANSITIONS["paused"] == {"active", "completed", "cancelled"}
        assert TRANSITIONS["completed"] == TRANSITIONS["cancelled"] == set()


class TestWhatTheClientReadsKeepsForTheProcess:
    """The client app's reads keep each decoded JSON text for the process, by the stored
    text itself: bounded, and never stale."""

    def test_the_decoded_texts_are_emptied_past_their_bound(self, monkeypatch):
        monkeypatch.setattr(documents, "_TEXTS", {str(n): n for n in range(5)})
        monkeypatch.setattr(documents, "_TEXTS_BOUND", 4)

        assert documents._decoded_texts() == {}
        documents._TEXTS["[1]"] = [1]
        assert documents._decoded_texts() == {"[1]": [1]}
