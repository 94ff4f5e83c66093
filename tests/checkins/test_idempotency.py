"""POST /me/check-ins with an Idempotency-Key: replays, clashes, scope, retention, and
concurrent retries against a real multi-worker server."""

import hashlib
import json
import os
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from flask_migrate import upgrade

from academy import create_app
from academy.checkins.models import CheckIn
from academy.common.idempotency import IdempotencyKey, holding_key
from academy.config import TestConfig, database_url
from academy.extensions import db
from academy.programs import service as programs
from academy.programs.models import ProgramSession
from tests.checkins.conftest import TODAY, check_in_for, iso, make_exercise, post_check_in
from tests.conftest import count_rows, make_academy, make_user, problem_of, sign_in
from tests.servers import TIMEOUT, gunicorn


def fingerprint(body: dict) -> str:
    """How academy.common.idempotency fingerprints a JSON body: its canonical form."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# What a first request stored as its answer: a check-in as the API answers one.
STORED_ANSWER = {
    "id": 42,
    "client_id": 7,
    "date": "2026-03-02",
    "assignment_id": None,
    "session_id": None,
    "session": None,
    "completed": True,
    "rpe": None,
    "duration_minutes": None,
    "results": [],
    "ratings": [],
    "wellness": {"sleep_hours": None, "stress": None, "energy": None, "soreness": None},
    "run": {"distance_km": None, "duration_minutes": None, "cadence_spm": None},
    "notes": "",
    "media": [],
    "created_at": "2026-03-02T07:00:00Z",
    "updated_at": "2026-03-02T07:00:00Z",
}


# The headers it stored with it, as the check-in's POST answers them.
STORED_HEADERS = [
    ["Content-Type", "application/json"],
    ["ETag", '"1"'],
    ["Location", "/api/v1/me/check-ins/42"],
]


def keys_of(user_id: int) -> list[IdempotencyKey]:
    db.session.expire_all()
    stmt = sa.select(IdempotencyKey).where(IdempotencyKey.user_id == user_id)
    return list(db.session.scalars(stmt))


def first_request_claims(connection, user_id, key, request_hash, answer=None) -> ExitStack:
    """A first request caught in flight: it holds its key (on SQLite, by the lock file
    beside the database) and claimed it in its own open transaction (and, with
    ``answer``, is about to commit it). Close what it answers when the first ends."""
    held = ExitStack()
    held.enter_context(holding_key(user_id, key, seconds=0))
    connection.execute(
        sa.insert(IdempotencyKey).values(
            user_id=user_id,
            key=key,
            request_hash=request_hash,
            created_at=datetime.now(UTC),
            response_status=201 if answer else None,
            response_body=answer,
            response_headers=json.dumps(STORED_HEADERS) if answer else None,
        )
    )
    return held


@pytest.fixture
def body(sessions, assignment) -> dict:
    return check_in_for(
        sessions[(1, 1)],
        assignment["id"],
        rpe=5,
        ratings=[{"region": "hip_flexors", "side": "left", "tightness": 4}],
    )


@pytest.fixture
def short_wait(app, monkeypatch):
    """Wait a fraction of a second for a first request still in flight (on SQLite; a
    PostgreSQL connection takes the suite's one-second lock timeout when it opens)."""
    monkeypatch.setitem(app.config, "IDEMPOTENCY_WAIT_SECONDS", 0.3)


class TestCreateCheckInWithIdempotencyKey:
    def test_the_same_key_and_body_replay_the_first_answer(self, http, client_user, body):
        first = post_check_in(http, client_user, body, key="retry-1")

        again = post_check_in(http, client_user, body, key="retry-1")

        assert (first.status_code, again.status_code) == (201, 201)
        assert again.get_data() == first.get_data()
        assert again.headers["Idempotent-Replayed"] == "true"
        assert count_rows(CheckIn) == 1
        [key] = keys_of(client_user.id)
        assert (key.key, key.response_status) == ("retry-1", 201)
        assert json.loads(key.response_body) == first.get_json()

    def test_key_order_and_spacing_of_the_body_do_not_matter(self, http, client_user, body):
        first = post_check_in(http, client_user, body, key="retry-1")
        reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)

        again = http.post(
            "/api/v1/me/check-ins",
            data=reordered,
            content_type="application/json",
            headers={**client_user.headers, "Idempotency-Key": "retry-1"},
        )

        assert again.status_code == 201
        assert again.get_data() == first.get_data()
        assert count_rows(CheckIn) == 1

    def test_the_same_key_with_another_body_is_422(self, http, client_user, body):
        first = post_check_in(http, client_user, body, key="retry-1")

        other = post_check_in(http, client_user, {**body, "rpe": 9}, key="retry-1")

        assert "Idempotency-Key" in problem_of(other, 422)["errors"]
        assert count_rows(CheckIn) == 1
        assert db.session.get(CheckIn, first.get_json()["id"]).rpe == 5

    def test_keys_belong_to_one_user(self, http, client_user, other_client_user):
        today = {"date": iso(TODAY), "rpe": 4}

        mine = post_check_in(http, client_user, today, key="shared-key")
        theirs = post_check_in(http, other_client_user, today, key="shared-key")

        assert (mine.status_code, theirs.status_code) == (201, 201)
        assert mine.get_json()["id"] != theirs.get_json()["id"]
        assert mine.get_json()["client_id"] == client_user.id
        assert theirs.get_json()["client_id"] == other_client_user.id
        assert count_rows(CheckIn) == 2
        assert len(keys_of(client_user.id)) == len(keys_of(other_client_user.id)) == 1

    def test_a_retry_while_the_first_is_in_flight_is_409(self, http, client_user, body, short_wait):
        with db.engine.connect() as first:
            held = first_request_claims(first, client_user.id, "retry-1", fingerprint(body))
            started = time.monotonic()

            response = post_check_in(http, client_user, body, key="retry-1")

            waited = time.monotonic() - started
            first.rollback()
            held.close()
        problem_of(response, 409)
        assert waited >= 0.3  # it waited for the first one
        assert count_rows(CheckIn) == 0
        assert keys_of(client_user.id) == []

    def test_a_retry_gets_the_first_answer_once_it_lands_during_the_wait(
        self, http, client_user, body
    ):
        answer = json.dumps(STORED_ANSWER)
        with db.engine.connect() as first:
            held = first_request_claims(first, client_user.id, "retry-1", fingerprint(body), answer)
            timer = threading.Timer(0.3, lambda: (first.commit(), held.close()))
            timer.start()
            try:
                response = post_check_in(http, client_user, body, key="retry-1")
            finally:
                timer.join(timeout=10)

        assert response.status_code == 201
        assert response.get_data(as_text=True) == answer
        assert response.headers["Idempotent-Replayed"] == "true"
        assert [response.headers[name] for name in ("ETag", "Location", "Cache-Control")] == [
            '"1"',
            "/api/v1/me/check-ins/42",
            "no-store",
        ]
        assert count_rows(CheckIn) == 0

    def test_a_key_stored_before_answers_kept_their_headers_replays_its_json(
        self, app, client_user, body
    ):
        answer = json.dumps(STORED_ANSWER)
        with db.engine.connect() as first:
            first_request_claims(
                first, client_user.id, "retry-1", fingerprint(body), answer
            ).close()
            first.execute(sa.update(IdempotencyKey).values(response_headers=None))
            first.commit()

        # The plain test client: such an answer lacks the ETag and Location the
        # document promises, for as long as the key is kept (a day) after the upgrade.
        response = FlaskClient(app, app.response_class).post(
            "/api/v1/me/check-ins",
            json=body,
            headers={**client_user.headers, "Idempotency-Key": "retry-1"},
        )

        assert response.status_code == 201
        assert response.get_data(as_text=True) == answer
        assert response.mimetype == "application/json"
        assert response.headers["Idempotent-Replayed"] == "true"
        assert count_rows(CheckIn) == 0

    def test_a_retry_does_the_work_when_the_first_fails(self, http, client_user, body):
        with db.engine.connect() as first:
            held = first_request_claims(first, client_user.id, "retry-1", fingerprint(body))
            timer = threading.Timer(0.3, lambda: (first.rollback(), held.close()))
            timer.start()
            try:
                response = post_check_in(http, client_user, body, key="retry-1")
            finally:
                timer.join(timeout=10)

        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
        assert count_rows(CheckIn) == 1
        [key] = keys_of(client_user.id)
        assert key.response_status == 201

    def test_a_key_another_request_of_another_body_holds_is_422_at_once(
        self, http, client_user, body
    ):
        db.session.add(
            IdempotencyKey(
                user_id=client_user.id,
                key="retry-1",
                request_hash=fingerprint({"date": iso(TODAY)}),
                created_at=datetime.now(UTC),
            )
        )
        db.session.commit()

        response = post_check_in(http, client_user, body, key="retry-1")

        assert "Idempotency-Key" in problem_of(response, 422)["errors"]
        assert count_rows(CheckIn) == 0

    def test_keys_older_than_the_retention_are_reusable(self, app, http, client_user, body):
        hours = app.config["IDEMPOTENCY_KEY_HOURS"]
        first = post_check_in(http, client_user, body, key="retry-1")
        [key] = keys_of(client_user.id)
        key.created_at = datetime.now(UTC) - timedelta(hours=hours, minutes=1)
        db.session.commit()

        # The first check-in was corrected away from the session, which is free again.
        db.session.get(CheckIn, first.get_json()["id"]).session_id = None
        db.session.commit()

        reused = post_check_in(http, client_user, {**body, "rpe": 9}, key="retry-1")

        assert hours >= 24
        assert reused.status_code == 201
        assert reused.get_json()["id"] != first.get_json()["id"]
        assert reused.get_json()["rpe"] == 9
        assert count_rows(CheckIn) == 2
        [key] = keys_of(client_user.id)
        assert key.request_hash == fingerprint({**body, "rpe": 9})
        assert json.loads(key.response_body) == reused.get_json()

    def test_keys_are_kept_at_least_24_hours(self, http, client_user, body):
        first = post_check_in(http, client_user, body, key="retry-1")
        [key] = keys_of(client_user.id)
        key.created_at = datetime.now(UTC) - timedelta(hours=23, minutes=59)
        db.session.commit()

        again = post_check_in(http, client_user, body, key="retry-1")
        other = post_check_in(http, client_user, {**body, "rpe": 9}, key="retry-1")

        assert again.get_data() == first.get_data()
        problem_of(other, 422)
        assert count_rows(CheckIn) == 1

    @pytest.mark.parametrize(
        "bad",
        [
            {"rpe": 11},  # refused by the schema
            {"date": iso(TODAY.replace(day=12))},  # refused by the service
        ],
    )
    def test_a_refused_first_attempt_does_not_hold_the_key(self, http, client_user, body, bad):
        refused = post_check_in(http, client_user, {**body, **bad}, key="retry-1")

        fixed = post_check_in(http, client_user, body, key="retry-1")

        problem_of(refused, 422)
        assert fixed.status_code == 201
        assert count_rows(CheckIn) == 1
        assert [k.response_status for k in keys_of(client_user.id)] == [201]

    def test_a_key_of_more_than_200_characters_is_422(self, http, client_user, body):
        response = post_check_in(http, client_user, body, key="k" * 201)

        assert "Idempotency-Key" in problem_of(response, 422)["errors"]
        assert count_rows(CheckIn) == count_rows(IdempotencyKey) == 0

    def test_without_a_key_every_post_is_a_new_check_in(self, http, client_user):
        unplanned = {"date": iso(TODAY), "notes": "An easy jog."}
        first = post_check_in(http, client_user, unplanned)

        second = post_check_in(http, client_user, unplanned)

        assert (first.status_code, second.status_code) == (201, 201)
        assert first.get_json()["id"] != second.get_json()["id"]
        assert count_rows(CheckIn) == 2
        assert count_rows(IdempotencyKey) == 0

    def test_without_a_key_a_second_check_in_of_a_session_is_409_naming_the_first(
        self, http, client_user, body
    ):
        first = post_check_in(http, client_user, body)

        second = post_check_in(http, client_user, body)

        problem = problem_of(second, 409)
        assert problem["existing_id"] == first.get_json()["id"]
        assert count_rows(CheckIn) == 1

    def test_a_coach_gets_403_and_no_key_is_kept(self, http, coach):
        response = post_check_in(http, coach, {"date": iso(TODAY)}, key="retry-1")

        problem_of(response, 403)
        assert count_rows(CheckIn) == count_rows(IdempotencyKey) == 0

    def test_it_needs_a_token_and_keeps_no_key(self, http):
        response = http.post(
            "/api/v1/me/check-ins", json={"date": iso(TODAY)}, headers={"Idempotency-Key": "k"}
        )

        problem_of(response, 401)
        assert count_rows(CheckIn) == count_rows(IdempotencyKey) == 0


# --- concurrent retries against a real server ----------------------------------------------

WORKERS = 3
THREADS = 8
ROUNDS = 3


@dataclass
class Served:
    base_url: str
    database_url: str
    token: str
    bodies: list[dict]


def _admin_engine(url: sa.URL) -> sa.Engine:
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def _served_database(tmp_path) -> str:
    """A database of its own for the server: a SQLite file, or `<suite db>_served` on
    PostgreSQL (the suite's database is chosen by TEST_DATABASE_URL)."""
    suite_url = os.environ.get("TEST_DATABASE_URL")
    if not suite_url:
        return f"sqlite:///{tmp_path}/served.db"
    base = sa.make_url(database_url(suite_url))
    served = base.set(database=f"{base.database}_served")
    admin = _admin_engine(base)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{served.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{served.database}"'))
    admin.dispose()
    return served.render_as_string(hide_password=False)


def _drop_served_database(url: str) -> None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return  # the SQLite file goes with tmp_path
    admin = _admin_engine(parsed)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


def _seed(url: str) -> tuple[str, list[dict]]:
    """Migrate the server's database and add a client with an assignment and a token;
    answers a check-in body for each round, each of its own session (a session holds
    one check-in).

    Dates come from the real clock: the server does not share the suite's frozen one.
    """
    app = create_app(type("ServedConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        upgrade()
        academy = make_academy("Served Academy")
        coach = make_user(academy, "owner", "Served Coach", "coach@served.test")
        client = make_user(academy, "client", "Served Client", "client@served.test")
        tucks = make_exercise(academy.id, "All 4s Pelvic Tucks", "position")
        program = programs.create_program(
            coach,
            {
                "name": "Served plan",
                "description": "",
                "goal": "",
                "weeks": 1,
                "sessions": [
                    {"week": 1, "day": day, "items": [{"exercise_id": tucks.id, "sets": 2}]}
                    for day in range(1, ROUNDS + 1)
                ],
            },
        )
        yesterday = datetime.now(UTC).date() - timedelta(days=1)
        assignment = programs.assign(
            coach, client.id, {"program_id": program.id, "start_date": yesterday, "notes": ""}
        )
        sessions = db.session.scalars(
            sa.select(ProgramSession)
            .where(ProgramSession.program_id == assignment.program_id)
            .order_by(ProgramSession.day)
        ).all()
        bodies = [
            {
                "date": iso(yesterday),
                "assignment_id": assignment.id,
                "session_id": session.id,
                "rpe": 6,
                "results": [{"item_id": session.items[0].id, "sets_done": 2}],
                "ratings": [{"region": "hip_flexors", "side": "left", "tightness": 5, "pain": 1}],
            }
            for session in sessions
        ]
        token = sign_in(client).token
        db.session.remove()
        db.engine.dispose()
    return token, bodies


@pytest.fixture
def served(tmp_path):
    """gunicorn with several workers on a database of its own; always stopped after."""
    url = _served_database(tmp_path)
    try:
        token, bodies = _seed(url)
        with gunicorn(url, WORKERS, tmp_path / "gunicorn.log") as base_url:
            yield Served(base_url, url, token, bodies)
    finally:
        _drop_served_database(url)


def _post(
    served: Served, key: str, body: dict, barrier: threading.Barrier
) -> tuple[int, bytes, bool]:
    """(status, body, replayed?) of one POST, sent when every thread is ready."""
    request = urllib.request.Request(
        f"{served.base_url}/api/v1/me/check-ins",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {served.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    barrier.wait(timeout=TIMEOUT)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            replayed = response.headers.get("Idempotent-Replayed") == "true"
            return response.status, response.read(), replayed
    except urllib.error.HTTPError as error:
        return error.code, error.read(), False


@pytest.mark.live
class TestConcurrentRetries:
    def test_concurrent_posts_with_one_key_store_one_check_in_and_answer_alike(self, served):
        answers_by_key = {}

        for n in range(ROUNDS):
            key = f"concurrent-{n}"
            barrier = threading.Barrier(THREADS)
            with ThreadPoolExecutor(THREADS) as pool:
                futures = [
                    pool.submit(_post, served, key, served.bodies[n], barrier)
                    for _ in range(THREADS)
                ]
                answers_by_key[key] = [f.result(timeout=2 * TIMEOUT) for f in futures]

        engine = sa.create_engine(served.database_url)
        try:
            with engine.connect() as connection:
                check_ins = connection.execute(sa.select(CheckIn.id)).scalars().all()
                keys = connection.execute(
                    sa.select(IdempotencyKey.key, IdempotencyKey.response_status)
                ).all()
        finally:
            engine.dispose()
        ids = set()
        for key, answers in answers_by_key.items():
            assert [status for status, _, _ in answers] == [201] * THREADS, (key, answers)
            assert len({body for _, body, _ in answers}) == 1, (key, answers)
            # One request did the work; every other one replayed its answer.
            assert sorted(replayed for _, _, replayed in answers) == [False] + [True] * (
                THREADS - 1
            )
            ids.add(json.loads(answers[0][1])["id"])
        assert len(check_ins) == ROUNDS and set(check_ins) == ids
        assert sorted(keys) == [(f"concurrent-{n}", 201) for n in range(ROUNDS)]


class TestPurgeKeys:
    def test_the_command_deletes_only_keys_past_their_retention(self, app, client_user):
        hours = app.config["IDEMPOTENCY_KEY_HOURS"]
        for key, age in (("old", hours + 1), ("fresh", 1)):
            db.session.add(
                IdempotencyKey(
                    user_id=client_user.id,
                    key=key,
                    request_hash="x" * 64,
                    created_at=datetime.now(UTC) - timedelta(hours=age),
                    response_status=201,
                    response_body="{}",
                )
            )
        db.session.commit()

        result = app.test_cli_runner().invoke(args=["academy", "purge-keys"])

        assert result.exit_code == 0 and "Deleted 1" in result.output
        assert [k.key for k in keys_of(client_user.id)] == ["fresh"]
