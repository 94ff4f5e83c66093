"""The reads that answer pictures and videos take a fixed number of SQL statements, however
many an exercise or a check-in holds: an exercise's media (listed, one, the exercise and
the catalogue carrying them) and a check-in's form-check videos (one, the check-in, and
the client's and the coach's lists of check-ins)."""

import pytest

from academy.checkins.models import CheckIn, CheckInMedia
from academy.exercises.models import ExerciseMedia
from academy.extensions import db
from tests.checkins.conftest import make_exercise, post_check_in
from tests.conftest import measured

# A check-in holds at most this many form-check videos.
MOST_VIDEOS = 3


def add_exercise_media(academy_id: int, exercise_id: int, count: int) -> list[int]:
    """``count`` pictures of an exercise, as rows (their files are never read here)."""
    rows = [
        ExerciseMedia(
            academy_id=academy_id,
            exercise_id=exercise_id,
            kind="image",
            caption=f"Side {n}",
            content_type="image/jpeg",
            bytes=1000 + n,
            file_key=f"exercises/{academy_id}/{exercise_id}/{n}.jpg",
            thumbnail_key=f"exercises/{academy_id}/{exercise_id}/{n}-thumb.jpg",
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def add_videos(check_in_id: int, count: int) -> list[int]:
    """``count`` form-check videos of a check-in, as rows."""
    check_in = db.session.get(CheckIn, check_in_id)
    rows = [
        CheckInMedia(
            check_in_id=check_in_id,
            academy_id=check_in.academy_id,
            client_id=check_in.client_id,
            caption=f"Set {n}",
            content_type="video/mp4",
            bytes=4096 + n,
            file_key=f"check-ins/{check_in_id}/{n}.mp4",
        )
        for n in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def check_ins_with_videos(http, client, days: int, videos: int) -> list[int]:
    """``days`` check-ins of the client, from 2 March 2026 on, each with ``videos`` videos."""
    ids = []
    for day in range(days):
        body = {"date": f"2026-03-{day + 2:02d}", "rpe": 5}
        response = post_check_in(http, client, body)
        assert response.status_code == 201, response.get_data(as_text=True)
        ids.append(response.get_json()["id"])
        add_videos(ids[-1], videos)
    return ids


def read(http, actor, url: str):
    response, statements = measured(http.get, url, headers=actor.headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json(), statements


# --- an exercise's media ------------------------------------------------------------------


@pytest.fixture
def one_and_ten(academy) -> tuple[dict, dict]:
    """Two of the academy's exercises, one with a picture and one with ten:
    ``({"id", "media"}, {"id", "media"})``."""
    few = make_exercise(academy.id, "Heel Drops", "strength").id
    many = make_exercise(academy.id, "Tibialis Raises", "strength").id
    return (
        {"id": few, "media": add_exercise_media(academy.id, few, 1)},
        {"id": many, "media": add_exercise_media(academy.id, many, 10)},
    )


class TestExerciseMediaReads:
    def test_the_list_takes_as_many_statements_for_ten_as_for_one(self, http, coach, one_and_ten):
        few, many = one_and_ten
        url = "/api/v1/exercises/{}/media?page_size=100"

        one, one_statements = read(http, coach, url.format(few["id"]))
        ten, ten_statements = read(http, coach, url.format(many["id"]))

        assert (len(one), len(ten)) == (1, 10)
        # The token, the exercise, the page and its count.
        assert one_statements == ten_statements <= 4

    def test_one_takes_as_many_statements_among_ten_as_alone(self, http, coach, one_and_ten):
        few, many = one_and_ten
        url = "/api/v1/exercises/{}/media/{}"

        _, alone = read(http, coach, url.format(few["id"], few["media"][0]))
        _, among_ten = read(http, coach, url.format(many["id"], many["media"][-1]))

        assert alone == among_ten <= 3

    def test_the_exercise_carries_ten_in_as_many_statements_as_one(self, http, coach, one_and_ten):
        few, many = one_and_ten

        one, one_statements = read(http, coach, f"/api/v1/exercises/{few['id']}")
        ten, ten_statements = read(http, coach, f"/api/v1/exercises/{many['id']}")

        assert (len(one["media"]), len(ten["media"])) == (1, 10)
        assert one_statements == ten_statements <= 8

    def test_the_catalogue_carries_a_hundred_in_as_many_statements_as_one(
        self, http, coach, academy
    ):
        first = make_exercise(academy.id, "Heel Drops", "strength").id
        add_exercise_media(academy.id, first, 1)
        one, one_statements = read(http, coach, "/api/v1/exercises?page_size=100")
        for n in range(10):
            exercise = make_exercise(academy.id, f"Drill {n}", "strength").id
            add_exercise_media(academy.id, exercise, 10)

        many, many_statements = read(http, coach, "/api/v1/exercises?page_size=100")

        assert sum(len(e["media"]) for e in one) == 1
        assert sum(len(e["media"]) for e in many) == 101
        assert one_statements == many_statements <= 8


# --- a check-in's form-check videos -------------------------------------------------------


@pytest.fixture
def one_and_three(http, client_user) -> tuple[dict, dict]:
    """Two of the client's check-ins, one with a video and one with the most a check-in
    holds: ``({"id", "media"}, {"id", "media"})``."""
    few, many = check_ins_with_videos(http, client_user, 2, 0)
    return (
        {"id": few, "media": add_videos(few, 1)},
        {"id": many, "media": add_videos(many, MOST_VIDEOS)},
    )


class TestFormCheckReads:
    def test_one_takes_as_many_statements_among_three_as_alone(
        self, http, client_user, one_and_three
    ):
        few, many = one_and_three
        url = "/api/v1/me/check-ins/{}/media/{}"

        _, alone = read(http, client_user, url.format(few["id"], few["media"][0]))
        _, among_three = read(http, client_user, url.format(many["id"], many["media"][-1]))

        # The token, the check-in with its results and ratings, the video.
        assert alone == among_three <= 5

    @pytest.mark.parametrize("reader", ["client", "coach"])
    def test_the_check_in_carries_three_in_as_many_statements_as_one(
        self, http, coach, client_user, one_and_three, reader
    ):
        actor, url = {
            "client": (client_user, "/api/v1/me/check-ins/{}"),
            "coach": (coach, "/api/v1/check-ins/{}"),
        }[reader]
        few, many = one_and_three

        one, one_statements = read(http, actor, url.format(few["id"]))
        three, three_statements = read(http, actor, url.format(many["id"]))

        assert (len(one["media"]), len(three["media"])) == (1, MOST_VIDEOS)
        assert one_statements == three_statements <= 5

    @pytest.mark.parametrize("reader", ["client", "coach"])
    def test_a_page_of_ten_check_ins_of_three_videos_takes_as_many_as_one_of_one(
        self, http, coach, client_user, other_client_user, reader
    ):
        check_ins_with_videos(http, client_user, 1, 1)
        check_ins_with_videos(http, other_client_user, 10, MOST_VIDEOS)
        if reader == "client":
            few, few_url = client_user, "/api/v1/me/check-ins?page_size=100"
            many, many_url = other_client_user, few_url
        else:
            few, few_url = coach, f"/api/v1/clients/{client_user.id}/check-ins?page_size=100"
            many = coach
            many_url = f"/api/v1/clients/{other_client_user.id}/check-ins?page_size=100"

        one, one_statements = read(http, few, few_url)
        ten, ten_statements = read(http, many, many_url)

        assert [len(c["media"]) for c in one] == [1]
        assert [len(c["media"]) for c in ten] == [MOST_VIDEOS] * 10
        # The token, (the coach's client), the count, the page, its results, ratings and
        # videos.
        assert one_statements == ten_statements <= 7
