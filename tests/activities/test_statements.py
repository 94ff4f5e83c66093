"""The activity reads take a fixed number of SQL statements, however many activities,
sports and legs they answer: the client's list (filtered by sport or kind or not), the
coach's list of a client's, and one activity with its legs."""

from datetime import timedelta

import pytest

from tests.activities.conftest import upload
from tests.activities.corpus import at, multisport
from tests.activities.test_sports import ride, run_gpx
from tests.conftest import measured


def uploaded(http, client, data: bytes, name: str) -> dict:
    response = upload(http, client, data, name)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


@pytest.fixture
def one_and_ten(http, client_user, other_client_user) -> tuple[list, list]:
    """Cliff has one ride; Dana has ten activities of two sports and three kinds of file:
    a race of three legs (run, ride, run) and, on the days before it, four rides and three
    runs. ``(Cliff's activities, Dana's)``, each as uploaded."""
    cliffs = [uploaded(http, client_user, ride(at(18)), "ride.tcx")]
    danas = [uploaded(http, other_client_user, multisport(), "race.fit")]
    for days in range(1, 5):
        danas.append(uploaded(http, other_client_user, ride(at(18) - timedelta(days)), "r.tcx"))
    for days in range(5, 8):
        danas.append(uploaded(http, other_client_user, run_gpx(at(7) - timedelta(days)), "r.gpx"))
    return cliffs, danas


def read(http, actor, url: str):
    response, statements = measured(http.get, url, headers=actor.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(), statements


class TestClientsList:
    @pytest.mark.parametrize("query", ["", "&sport=cycling", "&kind=cross_training"])
    def test_ten_of_two_sports_take_as_many_statements_as_one(
        self, http, client_user, other_client_user, one_and_ten, query
    ):
        url = f"/api/v1/me/activities?page_size=100{query}"

        one, one_statements = read(http, client_user, url)
        many, many_statements = read(http, other_client_user, url)

        assert len(one) == 1
        assert len(many) == (10 if not query else 5)
        # The token, the count, the page, the legs of its files.
        assert one_statements == many_statements <= 4


class TestCoachsList:
    @pytest.mark.parametrize("query", ["", "&sport=running", "&kind=run"])
    def test_ten_of_two_sports_take_as_many_statements_as_one(
        self, http, coach, client_user, other_client_user, one_and_ten, query
    ):
        url = "/api/v1/clients/{}/activities?page_size=100" + query
        # Cliff's one activity is a ride: a run of his for the filters to answer.
        if query:
            uploaded(http, client_user, run_gpx(at(7)), "run.gpx")

        one, one_statements = read(http, coach, url.format(client_user.id))
        many, many_statements = read(http, coach, url.format(other_client_user.id))

        assert len(one) == 1
        assert len(many) == (10 if not query else 5)
        assert one_statements == many_statements <= 5


class TestOneActivity:
    @pytest.mark.parametrize("reader", ["client", "coach"])
    def test_a_leg_of_three_takes_as_many_statements_as_an_activity_alone(
        self, http, coach, client_user, other_client_user, one_and_ten, reader
    ):
        cliffs, danas = one_and_ten
        bike_leg = danas[0]["legs"][1]["id"]
        if reader == "client":
            alone = (client_user, f"/api/v1/me/activities/{cliffs[0]['id']}")
            leg = (other_client_user, f"/api/v1/me/activities/{bike_leg}")
        else:
            alone = (coach, f"/api/v1/activities/{cliffs[0]['id']}")
            leg = (coach, f"/api/v1/activities/{bike_leg}")

        one, one_statements = read(http, *alone)
        three, three_statements = read(http, *leg)

        assert (len(one["legs"]), len(three["legs"])) == (1, 3)
        assert one_statements == three_statements <= 4
