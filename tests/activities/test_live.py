"""Uploads against a real gunicorn with 4 worker processes on the suite's database (the
SQLite file, or TEST_DATABASE_URL): sixteen uploads of one file at once keep one
activity and answer it to all; sixteen runs of one day at once are all kept; the
hostile files of an attack are answered within the intake's budget while a coach's
reads go on, and no worker dies or grows past its bound."""

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from academy.activities import intake
from academy.activities.models import Activity
from academy.activities.samples import SteadyRun, gpx, tcx
from academy.checkins.models import CheckIn
from academy.extensions import db
from tests.activities.conftest import file_bytes
from tests.activities.hostile import ATTACKS
from tests.conftest import count_rows
from tests.programs.test_routes import assigned, created
from tests.programs.test_runs import running_body
from tests.servers import TIMEOUT, call, gunicorn

pytestmark = pytest.mark.live

WORKERS = 4
# A worker's memory at its largest, whatever it was sent (it starts near 120 MB; the
# compiled FIT decoder holds a 10 MB file's messages as arrays, about 250 MB more, before
# the intake counts them).
WORKER_RSS_MB = 512
# A coach's read while uploads run: a busy machine's answer, not a stalled server's.
READ_SECONDS = 3.0


@pytest.fixture
def served(app, tmp_path):
    log = tmp_path / "gunicorn.log"
    settings = {"FILE_STORAGE_PATH": str(tmp_path / "files"), "RATELIMIT_STORAGE_URI": ""}
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], WORKERS, log, **settings) as base_url:
        yield base_url, log


def post_file(base_url: str, token: str, data: bytes, name: str) -> tuple[int, dict, float]:
    """(status, body, seconds) of one upload."""
    boundary, body = encode_multipart({"file": FileStorage(BytesIO(data), filename=name)})
    request = urllib.request.Request(
        f"{base_url}/api/v1/me/activities",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, answer, kind = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, answer, kind = error.code, error.read(), error.headers
    took = time.perf_counter() - start
    assert kind.get_content_type() in ("application/json", "application/problem+json"), answer
    return status, json.loads(answer), took


def all_at_once(send, items: list) -> list:
    """``send(item)`` for each item, all sent at once from as many threads."""
    barrier = threading.Barrier(len(items))

    def one(item):
        barrier.wait(timeout=TIMEOUT)
        return send(item)

    with ThreadPoolExecutor(len(items)) as pool:
        return list(pool.map(one, items))


class TestConcurrentUploads:
    def test_sixteen_uploads_of_one_file_keep_one_activity_and_answer_it_to_all(
        self, served, client_user
    ):
        base_url, _ = served
        data = file_bytes("ten-k.fit")

        answers = all_at_once(
            lambda _: post_file(base_url, client_user.token, data, "run.fit"), list(range(16))
        )

        assert sorted(status for status, _, _ in answers) == [200] * 15 + [201]
        assert len({json.dumps(body, sort_keys=True) for _, body, _ in answers}) == 1
        db.session.expire_all()
        assert count_rows(Activity) == count_rows(CheckIn) == 1

    def test_sixteen_runs_of_a_run_sessions_day_are_all_kept_and_counted_once(
        self, served, http, coach, client_user, ex
    ):
        base_url, _ = served
        template = created(http, coach, running_body(ex))  # intervals on Wednesday 11 March
        assignment = assigned(http, coach, client_user.id, template["id"])
        runs = [
            SteadyRun(datetime(2026, 3, 11, 5, tzinfo=UTC) + timedelta(minutes=20 * n), 600, 300)
            for n in range(16)
        ]
        files = [
            (tcx(run), "run.tcx") if n % 2 else (gpx(run), "run.gpx") for n, run in enumerate(runs)
        ]

        answers = all_at_once(lambda file: post_file(base_url, client_user.token, *file), files)

        assert [status for status, _, _ in answers] == [201] * 16, answers
        db.session.expire_all()
        linked = db.session.scalars(sa.select(Activity.check_in_id)).all()
        assert len(linked) == len(set(linked)) == 16 and None not in linked
        check_ins = db.session.scalars(sa.select(CheckIn)).all()
        assert len(check_ins) == 16
        assert [c.assignment_id for c in check_ins if c.session_id is not None] == [
            assignment["id"]
        ]
        assert sum(c.run_distance_km for c in check_ins) == 16 * 2.0


def _booted_workers(log: Path) -> list[int]:
    pids = []
    for line in log.read_text().splitlines():
        try:
            message = json.loads(line).get("message", "")
        except ValueError:
            continue
        if message.startswith("Booting worker with pid: "):
            pids.append(int(message.rsplit(" ", 1)[1]))
    return pids


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no peak memory for worker {pid}")


# What each attack answers: more than Academy reads (413), or what no run can be (422).
EXPECTED = {
    "TCX 0 -> 1e13 m": 422,
    "TCX 0 -> 1e8 m": 422,
    "FIT, 1.6M minimal records": 413,
    "FIT, 1.6M minimal records, gzip": 413,
    "gzip of 2M nested elements": 422,
    "GPX of 195,000 points (45 MB), gzip": 413,
}


@pytest.fixture(scope="module")
def attacks() -> dict[str, bytes]:
    return {name: make() for name, make in ATTACKS.items()}


class TestHostileFiles:
    def test_each_is_refused_within_the_budget_while_a_coach_reads_and_no_worker_dies(
        self, served, coach, client_user, attacks
    ):
        base_url, log = served
        reads: list[float] = []
        done = threading.Event()

        def read_clients():
            headers = {"Authorization": f"Bearer {coach.token}"}
            while not done.wait(0.25):
                start = time.perf_counter()
                status, _, _ = call("GET", f"{base_url}/api/v1/clients", headers=headers)
                reads.append(time.perf_counter() - start)
                assert status == 200

        reader = threading.Thread(target=read_clients)
        reader.start()
        try:
            # Two at a time, as two attackers would: two workers busy, two free.
            with ThreadPoolExecutor(2) as pool:
                answers = dict(
                    zip(
                        attacks,
                        pool.map(
                            lambda data: post_file(base_url, client_user.token, data, "attack"),
                            attacks.values(),
                        ),
                        strict=True,
                    )
                )
        finally:
            done.set()
            reader.join(timeout=TIMEOUT)

        assert {name: status for name, (status, _, _) in answers.items()} == EXPECTED
        for name, (_, body, seconds) in answers.items():
            assert list(body["errors"]) == ["file"], name
            assert seconds < intake.READ_SECONDS + 5, (name, seconds)
        assert reads and max(reads) < READ_SECONDS, reads
        workers = _booted_workers(log)
        assert len(workers) == WORKERS, "a worker died and was replaced"
        assert "WORKER TIMEOUT" not in log.read_text()
        assert max(_peak_rss_mb(pid) for pid in workers) < WORKER_RSS_MB
        db.session.expire_all()
        assert count_rows(Activity) == count_rows(CheckIn) == 0
