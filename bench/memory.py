"""Whether one gunicorn worker's memory holds steady under a long mixed load.

For each database engine: a fresh database holding one client's 12-week program
(bench/seed.py), an own exercise of the academy and a check-in to correct (with knee
pain, so that the plan's guard holds items, and a form-check video), served by
one gunicorn worker (Academy's gunicorn.conf.py, files kept in a temporary folder).
Then ``--requests`` requests in a fixed mix, over keep-alive connections (the sync
worker closes each after its answer, and the client opens the next):

- reads: the client's assignment, today, schedule, check-ins, activities and a
  form-check video; the coach's dashboard, clients, program, the client's plan
  conflicts and running activities, and the exercise's media; the vocabularies;
- writes: check-ins, each with an Idempotency-Key of its own, and a PATCH of one;
- uploads: a ten-minute GPX or TCX run (each at a time of its own, so each is a new
  activity) and a small PNG as the exercise's media, removed by the next request.

Every answer must be 2xx. The worker's resident set (VmRSS in /proc/<pid>/status) is
read after ``--checkpoint`` requests and after all of them; the target is a growth of at
most ``--max-growth`` % between the two.

    .venv/bin/python bench/memory.py       # 50 000 requests, SQLite then PostgreSQL
    .venv/bin/python bench/memory.py --requests 20000 --checkpoint 2000 --databases sqlite

Exits 0 when the target is met with no failed request on every database, 1 otherwise.
"""

import argparse
import http.client
import io
import json
import os
import signal
import struct
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import options as bench_options
import seed
import servers
from PIL import Image

from academy.activities.samples import SteadyRun, gpx, tcx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
POSTGRESQL_DATABASE = "academy_bench_memory"
REQUESTS = 50_000
CHECKPOINT = 5_000
MAX_GROWTH_PERCENT = 10.0
# Client threads, each with its own connection: one waits while the worker answers
# the other, so the worker is never idle between two requests.
CONCURRENCY = 2
ANSWER_TIMEOUT_SECONDS = 30
# One turn of the mix, each name a request; a thread walks it round and round.
MIX = (
    "assignment",
    "check_in",
    "today",
    "dashboard",
    "conflicts",
    "assignment",
    "check_ins",
    "clients",
    "patch",
    "program",
    "activity",
    "schedule",
    "assignment",
    "today",
    "check_in",
    "my_activities",
    "exercise_media",
    "dashboard",
    "media",
    "media_removed",
    "clients",
    "form_check",
    "check_ins",
    "client_activities",
    "vocabularies",
    "check_in",
)
# How far back the check-ins are spread, so that no day piles up thousands of them.
CHECK_IN_DAYS = 60
# Activities: ten minutes at 5:30/km, a point every 5 s, one every 37 minutes back in time.
ACTIVITY_SECONDS = 600
ACTIVITY_SPACING = timedelta(minutes=37)
BOUNDARY = "academy-bench-memory"
ERRORS_SHOWN = 5
ROW = "{:<11} {:>9} {:>8} {:>7} {:>7} {:>12} {:>12} {:>8}"


def main() -> int:
    options = _options()
    bench_options.stop_on(signal.SIGTERM)
    RESULTS.mkdir(exist_ok=True)
    load_at_start = bench_options.warn_if_busy()
    rows = [_bench_database(kind, options) for kind in options.databases]
    _print_table(rows, options)
    document = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": {
            "requests": options.requests,
            "checkpoint": options.checkpoint,
            "concurrency": options.concurrency,
            "max_growth_percent": options.max_growth,
            "cpus": os.cpu_count(),
            "load_average_at_start": round(load_at_start, 2),
        },
        "databases": rows,
    }
    path = RESULTS / "memory.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nFigures written to {os.path.relpath(path)}")
    return 0 if all(row["passed"] for row in rows) else 1


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=bench_options.positive, default=REQUESTS)
    parser.add_argument(
        "--checkpoint",
        type=bench_options.positive,
        default=CHECKPOINT,
        help="the request after which the first resident set is read",
    )
    parser.add_argument(
        "--databases",
        type=lambda text: text.split(","),
        default=list(bench_options.DATABASES),
        help="comma-separated, from: " + ",".join(bench_options.DATABASES),
    )
    parser.add_argument(
        "--concurrency", type=bench_options.positive, default=CONCURRENCY, help="connections"
    )
    parser.add_argument(
        "--max-growth",
        type=float,
        default=MAX_GROWTH_PERCENT,
        help="the most the resident set may grow from the checkpoint to the end, in %%",
    )
    parser.add_argument(
        "--postgresql-url",
        default="postgresql://postgres@127.0.0.1:5432",
        help=f"the server on which to (re)create the {POSTGRESQL_DATABASE} database",
    )
    options = parser.parse_args()
    unknown = set(options.databases) - set(bench_options.DATABASES)
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    if options.checkpoint >= options.requests:
        parser.error("--checkpoint must be below --requests")
    return options


# --- one database -------------------------------------------------------------------------


def _bench_database(kind: str, options: argparse.Namespace) -> dict:
    with (
        seed.fresh_database(kind, options.postgresql_url, POSTGRESQL_DATABASE) as url,
        tempfile.TemporaryDirectory(prefix="academy-bench-files-") as files,
    ):
        bench_options.progress(f"{kind}: migrating and seeding")
        fixture = seed.seed(url)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "FILE_STORAGE_PATH": files,
        }
        env.pop("FILE_STORAGE_URL", None)
        log_path = RESULTS / f"memory-app-{kind}.log"
        server = servers.gunicorn("wsgi:app", directory=ROOT, env=env, workers=1, log_path=log_path)
        with server as base_url:
            worker = servers.worker_pid(base_url)
            load = Load(base_url, fixture, _prepare(base_url, fixture))
            started = time.monotonic()
            bench_options.progress(f"{kind}: {options.checkpoint} requests")
            load.send(0, options.checkpoint, options.concurrency)
            at_checkpoint = _rss_kb(worker)
            bench_options.progress(
                f"{kind}: worker at {at_checkpoint / 1024:.1f} MB;"
                f" {options.requests - options.checkpoint} requests more"
            )
            load.send(options.checkpoint, options.requests, options.concurrency)
            at_end = _rss_kb(worker)
            seconds = time.monotonic() - started
            if servers.worker_pid(base_url) != worker:
                raise RuntimeError(f"the worker was replaced during the run; see {log_path}")
    growth = (at_end - at_checkpoint) / at_checkpoint * 100
    errors = sum(load.errors.values())
    for line in load.error_samples:
        bench_options.progress(f"{kind}: {line}")
    return {
        "database": kind,
        "requests": load.sent,
        "seconds": round(seconds, 1),
        "requests_per_second": round(load.sent / seconds, 1),
        "requests_by_kind": dict(load.kinds),
        "mean_latency_ms_by_kind": {
            kind: round(load.seconds[kind] / count * 1000, 1) for kind, count in load.kinds.items()
        },
        "errors": errors,
        "errors_by_status": {str(status): n for status, n in load.errors.items()},
        "rss_at_checkpoint_mb": round(at_checkpoint / 1024, 1),
        "rss_at_end_mb": round(at_end / 1024, 1),
        "growth_percent": round(growth, 2),
        "passed": errors == 0 and growth <= options.max_growth,
    }


@dataclass
class Prepared:
    """What the mix needs beyond the seed: the academy's own exercise and the check-in
    the PATCHes correct."""

    exercise_id: int
    check_in_id: int
    check_in_etag: str
    video_id: int


def _prepare(base_url: str, fixture: seed.Fixture) -> Prepared:
    connection = _connection(base_url)
    coach, client = _bearer(fixture.coach_token), _bearer(fixture.client_token)
    exercise = _expect(201, _json(connection, "POST", "/exercises", _EXERCISE, coach))
    check_in = {
        "date": fixture.today.isoformat(),
        "ratings": [{"region": "knee", "side": "left", "pain": 6}],
        "notes": "To be corrected.",
    }
    check_in = _expect(201, _json(connection, "POST", "/me/check-ins", check_in, client))
    path = f"/me/check-ins/{check_in['id']}"
    video = ("file", "form.mp4", _VIDEO)
    video = _expect(201, _multipart(connection, f"{path}/media", {}, video, client))
    # The video moved the check-in's version on.
    etag = _get(connection, path, client)[1]["ETag"]
    connection.close()
    return Prepared(exercise["id"], check_in["id"], etag, video["id"])


def _expect(status: int, answer: tuple) -> dict:
    if answer[0] != status:
        raise RuntimeError(f"expected {status}, got {answer[0]}: {answer[2][:300]!r}")
    return json.loads(answer[2])


_EXERCISE = {
    "name": "Box Step-Down with Breath",
    "cues": ["Stand tall on the box", "Lower the free heel slowly"],
    "category": "glutes",
    "regions": ["glutes", "knee"],
    "stage": "strength",
    "laterality": "unilateral",
    "dosage": {"sets": 3, "reps": 8},
    "equipment": ["box"],
}


# --- the load -----------------------------------------------------------------------------


@dataclass
class Load:
    """Requests ``MIX[n % len(MIX)]`` for n in a range, shared out between threads."""

    base_url: str
    fixture: seed.Fixture
    prepared: Prepared
    sent: int = 0
    kinds: Counter = field(default_factory=Counter)
    seconds: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _patch_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, first: int, end: int, threads: int) -> None:
        """Requests number ``first`` to ``end`` - 1; thread t sends those with n % threads
        == t, over its own connection, walking the mix in order. Raises if a thread
        failed."""
        failures: list[BaseException] = []

        def run(offset: int) -> None:
            try:
                connection = _connection(self.base_url)
                media_id = None
                for n in range(first + offset, end, threads):
                    media_id = self._one(connection, n, threads, media_id)
                connection.close()
            except BaseException as error:  # reported by the caller
                failures.append(error)

        workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if failures:
            raise failures[0]

    def _one(
        self, connection: http.client.HTTPConnection, n: int, threads: int, media_id: int | None
    ):
        """Send request number ``n``, the next of its thread's walk through the mix;
        answers the exercise media this thread added and has yet to remove."""
        kind = MIX[(n // threads) % len(MIX)]
        if kind == "media_removed" and media_id is None:
            kind = "assignment"  # this thread's turn of the mix missed the upload
        client, coach = _bearer(self.fixture.client_token), _bearer(self.fixture.coach_token)
        started = time.monotonic()
        fixture, prepared = self.fixture, self.prepared
        if kind == "assignment":
            answer = _get(connection, f"/me/assignments/{fixture.assignment_id}", client)
        elif kind == "today":
            answer = _get(connection, f"/me/today?date={fixture.today.isoformat()}", client)
        elif kind == "check_ins":
            answer = _get(connection, "/me/check-ins", client)
        elif kind == "my_activities":
            answer = _get(connection, "/me/activities", client)
        elif kind == "dashboard":
            answer = _get(connection, "/dashboard", coach)
        elif kind == "clients":
            answer = _get(connection, "/clients", coach)
        elif kind == "program":
            answer = _get(connection, f"/programs/{fixture.program_id}", coach)
        elif kind == "schedule":
            end = fixture.today + timedelta(days=27)
            query = f"from={fixture.today.isoformat()}&to={end.isoformat()}"
            answer = _get(connection, f"/me/schedule?{query}", client)
        elif kind == "conflicts":
            answer = _get(connection, f"/clients/{fixture.client_id}/plan-conflicts", coach)
        elif kind == "client_activities":
            path = f"/clients/{fixture.client_id}/activities?sport=running"
            answer = _get(connection, path, coach)
        elif kind == "exercise_media":
            answer = _get(connection, f"/exercises/{prepared.exercise_id}/media", coach)
        elif kind == "form_check":
            path = f"/me/check-ins/{prepared.check_in_id}/media/{prepared.video_id}"
            answer = _get(connection, path, client)
        elif kind == "vocabularies":
            answer = _get(connection, "/vocabularies", client)
        elif kind == "check_in":
            headers = {**client, "Idempotency-Key": str(uuid.uuid4())}
            body = _check_in(fixture.today, n)
            answer = _json(connection, "POST", "/me/check-ins", body, headers)
        elif kind == "patch":
            answer = self._patch(connection, n, client)
        elif kind == "activity":
            name, data = _activity(n)
            answer = _multipart(connection, "/me/activities", {}, ("file", name, data), client)
        elif kind == "media":
            path = f"/exercises/{prepared.exercise_id}/media"
            picture = ("file", "drill.png", _PICTURE)
            answer = _multipart(connection, path, {"kind": "image"}, picture, coach)
            if 200 <= answer[0] < 300:
                media_id = json.loads(answer[2])["id"]
        else:
            path = f"/exercises/{prepared.exercise_id}/media/{media_id}"
            answer = _request(connection, "DELETE", path, None, coach)
            media_id = None
        status, _, body = answer
        with self._lock:
            self.sent += 1
            self.kinds[kind] += 1
            self.seconds[kind] += time.monotonic() - started
            if not 200 <= status < 300:
                self.errors[status] += 1
                if len(self.error_samples) < ERRORS_SHOWN:
                    self.error_samples.append(f"{kind} #{n}: {status} {body[:300]!r}")
        return media_id

    def _patch(self, connection: http.client.HTTPConnection, n: int, client: dict) -> tuple:
        """Correct the prepared check-in's notes; the threads take turns, since each
        PATCH needs the version the one before answered."""
        with self._patch_lock:
            headers = {**client, "If-Match": self.prepared.check_in_etag}
            body = {"notes": f"Corrected, time {n}.", "rpe": n % 10 + 1}
            path = f"/me/check-ins/{self.prepared.check_in_id}"
            answer = _json(connection, "PATCH", path, body, headers)
            if answer[0] == 200:
                self.prepared.check_in_etag = answer[1]["ETag"]
            return answer


def _check_in(today: date, n: int) -> dict:
    """A check-in of one of the last CHECK_IN_DAYS days: ratings, wellness and a run."""
    return {
        "date": (today - timedelta(days=n % CHECK_IN_DAYS)).isoformat(),
        "completed": True,
        "rpe": n % 10 + 1,
        "duration_minutes": 35,
        "ratings": [
            {"region": "hip_flexors", "side": "left", "tightness": n % 11, "pain": n % 3},
            {"region": "hamstrings", "side": "right", "tightness": 3, "pain": 0},
        ],
        "wellness": {"sleep_hours": 7.5, "stress": 2, "energy": 4, "soreness": 2},
        "run": {"distance_km": 8.2, "duration_minutes": 45.5, "cadence_spm": 172},
        "notes": "Left hip flexor eased after the breathing work.",
    }


def _activity(n: int) -> tuple[str, bytes]:
    """A ten-minute run of its own time, as GPX or TCX by turns."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1) - n * ACTIVITY_SPACING
    run = SteadyRun(start, ACTIVITY_SECONDS, 330, every=5)
    if (n // len(MIX)) % 2:
        return "run.tcx", tcx(run)
    return "run.gpx", gpx(run)


def _picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "PNG")
    return out.getvalue()


_PICTURE = _picture()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


# A 4 KB MP4: its type, a movie header and the media data.
_VIDEO = (
    _box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
    + _box(b"moov", _box(b"mvhd", b"\x00" * 100))
    + _box(b"mdat", b"\x00" * 4096)
)


# --- HTTP ---------------------------------------------------------------------------------


def _connection(base_url: str) -> http.client.HTTPConnection:
    address = urlsplit(base_url)
    return http.client.HTTPConnection(
        address.hostname, address.port, timeout=ANSWER_TIMEOUT_SECONDS
    )


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _get(connection, path: str, headers: dict) -> tuple:
    return _request(connection, "GET", path, None, headers)


def _json(connection, method: str, path: str, body, headers: dict) -> tuple:
    data = json.dumps(body).encode()
    return _request(connection, method, path, data, {**headers, "Content-Type": "application/json"})


def _multipart(connection, path: str, fields: dict, file: tuple, headers: dict) -> tuple:
    name, filename, data = file
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + data
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    return _request(
        connection, "POST", path, b"".join(parts), {**headers, "Content-Type": content_type}
    )


def _request(connection, method: str, path: str, body: bytes | None, headers: dict) -> tuple:
    """(status, headers, body) of one request under /api/v1; a connection the server
    closed is opened again."""
    connection.request(method, f"/api/v1{path}", body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.will_close:
        connection.close()
    return response.status, response.headers, data


# --- memory and the report ----------------------------------------------------------------


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def _print_table(rows: list[dict], options: argparse.Namespace) -> None:
    print()
    print(
        ROW.format(
            "database",
            "requests",
            "seconds",
            "req/s",
            "errors",
            f"RSS @{options.checkpoint}",
            f"RSS @{options.requests}",
            "growth",
        )
    )
    for row in rows:
        print(
            ROW.format(
                row["database"],
                row["requests"],
                row["seconds"],
                row["requests_per_second"],
                row["errors"],
                f"{row['rss_at_checkpoint_mb']} MB",
                f"{row['rss_at_end_mb']} MB",
                f"{row['growth_percent']:+.1f} %",
            )
        )
    print(f"\nTarget: growth at most {options.max_growth:g} % and no failed request.")
    for row in rows:
        verdict = "met" if row["passed"] else "MISSED"
        print(f"  {row['database']}: {verdict}")


if __name__ == "__main__":
    raise SystemExit(main())
