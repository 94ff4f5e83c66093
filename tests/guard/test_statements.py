"""The plan's guard reads take a fixed number of SQL statements whatever the client rated:
one pain rating or ten, over one day or five, in the coach's plan conflicts, the client's
assignment, today and schedule, the dashboard and the swap for the easier rung."""

import pytest

from academy.extensions import db
from tests.conftest import count_statements, measured
from tests.guard.conftest import (
    apply_easier,
    assign_program,
    assignment_etag,
    conflicts_of,
    long_block,
    rate_pain,
)

THURSDAY = "2026-03-12"
# Ten ratings of pain, two a day from Friday 6 to Tuesday 10 March: (date, region, side, pain).
TEN_RATINGS = [
    (f"2026-03-{day:02d}", region, side, pain)
    for day, pairs in (
        (6, (("calf", "left", 5), ("foot", "both", 4))),
        (7, (("achilles", "right", 6), ("shin", "left", 4))),
        (8, (("hamstrings", "right", 5), ("adductors", "left", 4))),
        (9, (("hip_flexors", "both", 5), ("quadriceps", "right", 4))),
        (10, (("knee", "left", 6), ("ankle", "right", 5))),
    )
    for region, side, pain in pairs
]


def rate_ten(http, client) -> None:
    by_day: dict[str, list] = {}
    for on, region, side, pain in TEN_RATINGS:
        by_day.setdefault(on, []).append({"region": region, "side": side, "pain": pain})
    for on, ratings in by_day.items():
        response = http.post(
            "/api/v1/me/check-ins", json={"date": on, "ratings": ratings}, headers=client.headers
        )
        assert response.status_code == 201, response.get_data(as_text=True)


@pytest.fixture
def one_and_ten(http, coach, client_user, other_client_user, ex, clock) -> list:
    """Cliff and Dana on the same twelve-week plan; Cliff rated his left knee's pain 6 on
    Tuesday, Dana ten regions over five days. ``[(client, assignment)]``, Cliff first."""
    cliff = assign_program(http, coach, client_user.id, long_block(ex))
    dana = assign_program(http, coach, other_client_user.id, long_block(ex))
    rate_pain(http, client_user, "2026-03-10", 6)
    rate_ten(http, other_client_user)
    return [(client_user, cliff), (other_client_user, dana)]


def counted(http, one_and_ten, url_of, reader=None) -> list[int]:
    """The statements of each client's read (by the client, or by ``reader``)."""
    counts = []
    for client, assignment in one_and_ten:
        actor = reader or client
        response, n = measured(http.get, url_of(client, assignment), headers=actor.headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        counts.append(n)
    return counts


class TestTenRatingsTakeAsManyStatementsAsOne:
    def test_the_plan_conflicts(self, http, coach, one_and_ten):
        one, ten = counted(
            http,
            one_and_ten,
            lambda client, _: f"/api/v1/clients/{client.id}/plan-conflicts?page_size=100",
            reader=coach,
        )

        assert one == ten

    def test_the_clients_assignment(self, http, one_and_ten):
        one, ten = counted(http, one_and_ten, lambda _, a: f"/api/v1/me/assignments/{a['id']}")

        assert one == ten

    def test_the_clients_today(self, http, one_and_ten):
        one, ten = counted(http, one_and_ten, lambda *_: f"/api/v1/me/today?date={THURSDAY}")

        assert one == ten

    def test_the_clients_schedule(self, http, one_and_ten):
        one, ten = counted(
            http,
            one_and_ten,
            lambda *_: "/api/v1/me/schedule?from=2026-03-09&to=2026-06-07&page_size=100",
        )

        assert one == ten

    def test_the_dashboard(self, http, coach, client_user, other_client_user, ex, clock):
        assign_program(http, coach, client_user.id, long_block(ex))
        rate_pain(http, client_user, "2026-03-10", 6)
        _, one = measured(http.get, "/api/v1/dashboard", headers=coach.headers)
        assign_program(http, coach, other_client_user.id, long_block(ex))
        rate_ten(http, other_client_user)

        response, ten = measured(http.get, "/api/v1/dashboard", headers=coach.headers)

        reasons = {e["client_id"]: {r["code"] for r in e["reasons"]} for e in response.get_json()}
        assert "plan_conflicts" in reasons[client_user.id] & reasons[other_client_user.id]
        assert one == ten

    def test_the_swap_for_the_easier_rung(self, http, coach, one_and_ten):
        statements = []
        for client, assignment in one_and_ten:
            items = [c["item_id"] for c in conflicts_of(http, coach, client.id).get_json()]
            etag = assignment_etag(http, coach, assignment["id"])
            db.session.expire_all()
            with count_statements() as swapped:
                response = apply_easier(http, coach, assignment["id"], items, etag)
            assert response.status_code == 200, response.get_data(as_text=True)
            statements.append(swapped)

        one, ten = statements
        if db.engine.dialect.name == "sqlite":
            # SQLite writes each new session and item in a statement of its own (it cannot
            # hand back the ids of a many-row INSERT in order); only those may differ.
            def rows_written(statement: str) -> bool:
                return statement.startswith(
                    ("INSERT INTO program_sessions", "INSERT INTO program_items")
                )

            one = [s for s in one if not rows_written(s)]
            ten = [s for s in ten if not rows_written(s)]
        assert len(one) == len(ten)
