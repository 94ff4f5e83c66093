"""Reads a phone repeats answer an ETag; sent back in If-None-Match, they are 304 with
no body while nothing changed, and 200 with a new ETag once something did."""

import pytest

from tests.checkins.conftest import check_in_for, post_check_in
from tests.conftest import problem_of

# (who reads, path): the reads an app repeats, each answering an ETag to If-None-Match.
READS = [
    ("client", "/api/v1/me/assignments"),
    ("client", "/api/v1/me/assignments/{assignment}"),
    ("client", "/api/v1/me/today?date=2026-03-02"),
    ("client", "/api/v1/me/schedule?from=2026-03-02&to=2026-03-15"),
    ("coach", "/api/v1/exercises"),
    ("coach", "/api/v1/exercises/{exercise}"),
    ("coach", "/api/v1/programs/{program}"),
    ("coach", "/api/v1/clients/{client}"),
]


@pytest.fixture
def world(coach, client_user, assignment, exercises) -> dict:
    return {
        "coach": coach,
        "client": client_user,
        "assignment": assignment["id"],
        "program": assignment["program"]["id"],
        "exercise": exercises["tucks"],
        "client_id": client_user.id,
    }


def _url(path: str, world: dict) -> str:
    return path.format(**{**world, "client": world["client_id"]})


@pytest.mark.parametrize(("who", "path"), READS, ids=[p for _, p in READS])
class TestConditionalReads:
    def test_a_read_answers_an_etag_to_keep_privately(self, http, world, who, path):
        response = http.get(_url(path, world), headers=world[who].headers)

        assert response.status_code == 200
        assert response.headers["ETag"].startswith('"')
        assert response.headers["Cache-Control"] == "private, no-cache"

    def test_the_same_etag_back_is_304_with_no_body(self, http, world, who, path):
        first = http.get(_url(path, world), headers=world[who].headers)

        again = http.get(
            _url(path, world),
            headers={**world[who].headers, "If-None-Match": first.headers["ETag"]},
        )

        assert again.status_code == 304
        assert again.data == b""
        assert "Content-Type" not in again.headers
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == "private, no-cache"

    def test_another_etag_is_the_whole_answer(self, http, world, who, path):
        first = http.get(_url(path, world), headers=world[who].headers)

        other = http.get(
            _url(path, world), headers={**world[who].headers, "If-None-Match": '"stale", W/"x"'}
        )

        assert other.status_code == 200
        assert other.data == first.data


def test_a_check_in_changes_the_assignments_etag(http, client_user, assignment, sessions):
    url = f"/api/v1/me/assignments/{assignment['id']}"
    before = http.get(url, headers=client_user.headers)

    post_check_in(http, client_user, check_in_for(sessions[(1, 1)], assignment["id"]))
    after = http.get(url, headers={**client_user.headers, "If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert next(s["status"] for s in after.get_json()["sessions"]) == "done"


def test_a_refused_read_is_no_304(http, client_user):
    response = http.get(
        "/api/v1/me/assignments/999999", headers={**client_user.headers, "If-None-Match": "*"}
    )

    problem_of(response, 404)


def test_updated_since_lists_assignments_whose_program_changed(
    http, coach, client_user, assignment
):
    from datetime import UTC, datetime

    from academy.extensions import db
    from academy.programs.models import Assignment, Program

    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    stored = db.session.get(Assignment, assignment["id"])
    stored.updated_at = long_ago
    db.session.get(Program, stored.program_id).updated_at = long_ago
    db.session.commit()
    url = "/api/v1/me/assignments?updated_since=2026-02-01T00:00:00Z"
    before = http.get(url, headers=client_user.headers).get_json()
    program = f"/api/v1/programs/{assignment['program']['id']}"
    document = http.get(program, headers=coach.headers)
    body = {k: document.get_json()[k] for k in ("name", "description", "goal", "weeks")}
    body["goal"] = "Tailored for Cliff."
    body["sessions"] = [
        {"week": s["week"], "day": s["day"], "title": s["title"],
         "items": [{"exercise_id": i["exercise_id"]} for i in s["items"]]}
        for s in document.get_json()["sessions"]
    ]  # fmt: skip
    http.put(program, json=body, headers={**coach.headers, "If-Match": document.headers["ETag"]})

    after = http.get(url, headers=client_user.headers).get_json()

    assert before == []
    assert [a["id"] for a in after] == [assignment["id"]]
