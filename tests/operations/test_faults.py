"""Faults against a live server: a throwaway PostgreSQL that is frozen and then stopped,
and a SQLite file made read-only, each under a real gunicorn with three workers.

Every outage must answer 503 problem+json with Retry-After within DB_TIMEOUT_SECONDS
plus one second (never a hang, never gunicorn's HTML 500), /healthz must stay fast, the
server must serve again once the database is back without being restarted, and a
check-in retried with its Idempotency-Key must be stored exactly once. The timings are
printed (run with -s to see them).

The PostgreSQL is the test's own (initdb into a temporary folder, a port of its own in
5400-5499); the shared server is never touched. As root, PostgreSQL runs as the
`postgres` user (initdb refuses root), in a folder of its own outside the checkout.
The SQLite server runs as whoever runs the suite; as root, without the two
capabilities that let root read and write through any file mode (CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH, dropped with util-linux's `setpriv`), so that the modes bind it as
they bind anyone, while no other user needs to reach the checkout: the suite runs from a
folder only its owner can enter. Marked `fault` (about a minute); CI runs it once.
"""

import contextlib
import json
import os
import pwd
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from academy.checkins.models import CheckIn
from academy.common.idempotency import IdempotencyKey
from tests.checkins.test_idempotency import _seed

pytestmark = pytest.mark.fault

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
DB_TIMEOUT = 2
BOUND = DB_TIMEOUT + 1  # seconds: every answer about an outage comes within this
HEALTHZ_BOUND = 0.1
LOG_REPEAT = 2  # seconds between two tracebacks of the same error, for this test only
WORKERS = 3
PORTS = range(5400, 5500)
START_TIMEOUT = 60


# --- helpers ------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float

    @property
    def json(self):
        return json.loads(self.body)


def call(base_url: str, method: str, path: str, *, token=None, body=None, key=None) -> Answer:
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base_url + path, data=data, method=method, headers=headers)
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=START_TIMEOUT) as response:
            status, answer_headers, payload = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, payload = error.code, error.headers, error.read()
    return Answer(status, dict(answer_headers), payload, time.monotonic() - started)


def assert_unavailable(answer: Answer, what: str) -> None:
    assert answer.status == 503, (what, answer)
    assert answer.headers["Content-Type"] == "application/problem+json", (what, answer)
    assert answer.json["type"].endswith("/database-unavailable"), (what, answer)
    assert int(answer.headers["Retry-After"]) >= 1, (what, answer)
    assert answer.seconds < BOUND, (what, answer.seconds)


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"no free port in {PORTS}")


def unprivileged(name: str) -> pwd.struct_passwd | None:
    """The user to run a server as: ``name`` when we are root, else ourselves (None)."""
    return pwd.getpwnam(name) if os.geteuid() == 0 else None


def private_folder(owner: pwd.struct_passwd | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="academy-fault-", dir="/tmp"))
    if owner is not None:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    return folder


def run_as(owner: pwd.struct_passwd | None) -> dict:
    if owner is None:
        return {}
    return {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}


# Bits of /proc/<pid>/status's CapEff: what lets root write a 444 file or search a 000
# folder.
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2
BOUND_BY_FILE_MODES = "-dac_override,-dac_read_search"


def bound_by_file_modes() -> list[str]:
    """The command prefix that runs a program so that file modes bind it: none for a
    user other than root; for root, util-linux's setpriv dropping CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH from the bounding set (so from what the program it runs may
    have) and from the inheritable set."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail(
            "The read-only SQLite test runs its server as root without the capabilities "
            "that override file modes, with setpriv: install util-linux."
        )
    return [
        setpriv,
        f"--bounding-set={BOUND_BY_FILE_MODES}",
        f"--inh-caps={BOUND_BY_FILE_MODES}",
        "--",
    ]


def effective_capabilities(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no CapEff for {pid}")


def print_timings(title: str, rows: dict[str, float]) -> None:
    print(f"\n{title}")
    for what, seconds in rows.items():
        print(f"  {what:<44} {seconds * 1000:8.1f} ms")


# --- a throwaway PostgreSQL -----------------------------------------------------------


def postgres_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: p.parts[-3])
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        pytest.fail(
            "The fault test needs PostgreSQL's server binaries (initdb, pg_ctl): install "
            "Debian's postgresql package (./scripts/test-prerequisites does it), or leave "
            "it out with -m 'not fault'.",
            pytrace=False,
        )
    return Path(initdb).parent


class ThrowawayPostgres:
    """A PostgreSQL of the test's own: stopped, frozen and thawed at will."""

    def __init__(self):
        self.owner = unprivileged("postgres")
        self.folder = private_folder(self.owner)
        self.data = self.folder / "data"
        self.port = free_port()
        self.bin = postgres_bin()
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/academy"

    def _run(self, tool: str, *args) -> None:
        subprocess.run(
            [self.bin / tool, *map(str, args)],
            cwd=self.folder,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            timeout=START_TIMEOUT,
            **run_as(self.owner),
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            "pg_ctl", "-D", self.data, "-l", self.folder / "log", "-o", options, "-w", "start"
        )

    def stop_immediately(self) -> None:
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")

    def create_database(self) -> None:
        engine = sa.create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres",
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as connection:
            connection.exec_driver_sql("CREATE DATABASE academy")
        engine.dispose()

    def processes(self) -> list[int]:
        """The postmaster, then its children (the backends and helpers)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == postmaster:
                children.append(int(stat.parent.name))
        return [postmaster, *children]

    @contextmanager
    def frozen(self):
        """SIGSTOP the postmaster and every backend: connections stay open, nothing
        answers (as with a hung host or a storage stall)."""
        stopped = self.processes()
        for pid in stopped:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in stopped:
                os.kill(pid, signal.SIGCONT)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop_immediately()
        shutil.rmtree(self.folder, ignore_errors=True)


# --- a real gunicorn ----------------------------------------------------------------


@dataclass
class Served:
    base_url: str
    database_url: str
    token: str
    body: dict
    log: Path
    process: subprocess.Popen

    def call(self, method: str, path: str, **kwargs) -> Answer:
        return call(self.base_url, method, path, token=self.token, **kwargs)

    def check_in(self, key: str) -> Answer:
        return self.call("POST", "/api/v1/me/check-ins", body=self.body, key=key)

    def log_lines(self, since: int = 0) -> list[dict]:
        with self.log.open("rb") as log:
            log.seek(since)
            return [json.loads(line) for line in log.read().splitlines() if line.strip()]

    def stored(self, key: str) -> int:
        """The check-ins stored for the key's answer (0 or 1), read from the database."""
        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                answer = connection.scalar(
                    sa.select(IdempotencyKey.response_body).where(IdempotencyKey.key == key)
                )
                if answer is None:
                    return 0
                return connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(CheckIn)
                    .where(CheckIn.id == json.loads(answer)["id"])
                )
        finally:
            engine.dispose()


def seed(database_url: str) -> tuple[str, dict]:
    """Migrate, add a client with a token; answer the token and a check-in to post (a
    plain one of yesterday: any number of them may be stored)."""
    token, seeded = _seed(database_url)
    return token, {"date": seeded[0]["date"], "rpe": 6, "notes": "Left hip tight"}


@contextmanager
def gunicorn(database_url: str, folder: Path, token: str, body: dict, prefix=()):
    """A gunicorn on ``database_url`` with its log in ``folder``; ``prefix`` goes
    before its command (setpriv, to bind it by file modes)."""
    log = folder / f"gunicorn-{time.monotonic_ns()}.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DB_TIMEOUT_SECONDS": str(DB_TIMEOUT),
        "LOG_REPEAT_SECONDS": str(LOG_REPEAT),
        "LOG_LEVEL": "INFO",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("TEST_DATABASE_URL", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                *prefix,
                str(GUNICORN),
                *("-c", str(ROOT / "gunicorn.conf.py")),
                *("-w", str(WORKERS), "-b", f"127.0.0.1:{port}"),
                "wsgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
            try:
                if call(base_url, "GET", "/healthz").status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log.read_text()}")
                time.sleep(0.1)
        yield Served(base_url, database_url, token, body, log, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def wait_until_ready(served: Served, seconds: float = 30) -> float:
    """Seconds until /readyz answers 200 again."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if served.call("GET", "/readyz").status == 200:
            return time.monotonic() - started
        time.sleep(0.2)
    pytest.fail(f"not ready {seconds} s after the database came back")


def _retried(served: Served, key: str, attempts: int = 10):
    """The answer to a check-in sent again with its key, as a client app does after a
    503: the worker that answers may still be letting go of the outage's connection."""
    for _ in range(attempts):
        answer = served.check_in(key)
        if answer.status != 503:
            return answer
        time.sleep(0.2)
    return answer


def assert_stored_once(served: Served, keys: list[str]) -> None:
    """Retried with their keys, the check-ins are stored, once each."""
    for key in keys:
        first, again = _retried(served, key), _retried(served, key)
        assert first.status == again.status == 201, (key, first, again)
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert first.body == again.body
        assert served.stored(key) == 1


# --- PostgreSQL ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def postgres():
    database = ThrowawayPostgres()
    try:
        database.start()
        database.create_database()
        yield database
    finally:
        database.remove()


@pytest.fixture(scope="module")
def served(postgres):
    with gunicorn(postgres.url, postgres.folder, *seed(postgres.url)) as served:
        yield served


def metric(served: Served, name: str, **labels) -> float:
    text = served.call("GET", "/metrics").body.decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


class TestPostgreSQL:
    def test_metrics_count_every_request_whichever_worker_answered(self, served):
        me = {"route": "/api/v1/me", "method": "GET", "status": "200"}
        before = metric(served, "academy_http_requests_total", **me)
        log_from = served.log.stat().st_size
        answers, workers = [], set()

        # Rounds of concurrent requests until more than one worker has answered some.
        for _ in range(10):
            with ThreadPoolExecutor(6) as pool:
                answers += pool.map(lambda _: served.call("GET", "/api/v1/me"), range(30))
            workers = {
                line["process"]
                for line in served.log_lines(since=log_from)
                if line.get("route") == "/api/v1/me"
            }
            if len(workers) > 1:
                break

        after = metric(served, "academy_http_requests_total", **me)
        print(
            f"\n/metrics: {after - before:.0f} GET /api/v1/me counted of {len(answers)} sent, "
            f"answered by {len(workers)} workers"
        )
        assert all(a.status == 200 for a in answers)
        assert after - before == len(answers)
        assert len(workers) > 1

    def test_a_frozen_database_is_503_within_the_bound_and_healthz_stays_fast(
        self, postgres, served
    ):
        for _ in range(2 * WORKERS):  # every worker holds a pooled connection
            assert served.call("GET", "/readyz").status == 200

        with postgres.frozen():
            ready = served.call("GET", "/readyz")
            with ThreadPoolExecutor(1) as pool:
                waiting = pool.submit(served.check_in, "frozen-1")
                time.sleep(0.3)  # the check-in now waits on the database in one worker
                healthz = [served.call("GET", "/healthz") for _ in range(5)]
                check_in = waiting.result()
        back = wait_until_ready(served)

        print_timings(
            f"frozen PostgreSQL (SIGSTOP), DB_TIMEOUT_SECONDS={DB_TIMEOUT}",
            {
                "GET /readyz (503)": ready.seconds,
                "POST /me/check-ins (503)": check_in.seconds,
                "GET /healthz, slowest of 5 meanwhile": max(a.seconds for a in healthz),
                "ready again after SIGCONT": back,
            },
        )
        assert_unavailable(ready, "readyz")
        assert_unavailable(check_in, "check-in")
        assert all(a.status == 200 and a.seconds < HEALTHZ_BOUND for a in healthz), healthz
        assert_stored_once(served, ["frozen-1"])

    def test_a_stopped_database_is_503_and_served_again_once_it_is_back(self, postgres, served):
        log_from = served.log.stat().st_size
        keys = [f"stopped-{n}" for n in range(24)]

        postgres.stop_immediately()
        try:
            ready = served.call("GET", "/readyz")
            with ThreadPoolExecutor(3) as pool:
                first = list(pool.map(served.check_in, keys[:12]))
            healthz = [served.call("GET", "/healthz") for _ in range(5)]
            time.sleep(LOG_REPEAT + 0.5)  # the next of the same error is logged again
            with ThreadPoolExecutor(3) as pool:
                second = list(pool.map(served.check_in, keys[12:]))
            outage_answers = [ready, *first, *second]
        finally:
            postgres.start()
        back = wait_until_ready(served)

        print_timings(
            f"stopped PostgreSQL (pg_ctl stop -m immediate), DB_TIMEOUT_SECONDS={DB_TIMEOUT}",
            {
                "GET /readyz (503)": ready.seconds,
                "POST /me/check-ins (503), slowest of 24": max(a.seconds for a in first + second),
                "GET /healthz, slowest of 5": max(a.seconds for a in healthz),
                "ready again after pg_ctl start": back,
            },
        )
        assert_unavailable(ready, "readyz")
        for answer in first + second:
            assert_unavailable(answer, "check-in")
        assert all(a.status == 200 and a.seconds < HEALTHZ_BOUND for a in healthz), healthz
        assert served.process.poll() is None  # the same gunicorn, never restarted
        assert_stored_once(served, keys)

        # The log: JSON lines; the traceback once per worker and window, the rest counted.
        lines = served.log_lines(since=log_from)
        tracebacks = [line for line in lines if line["message"].startswith("database unavailable")]
        repeats = sum(line.get("repeats", 0) for line in tracebacks)
        kinds = sorted({line["message"].split(" in: ")[0] for line in tracebacks})
        print(
            f"  log: {len(outage_answers)} failed requests, {len(tracebacks)} tracebacks "
            f"({', '.join(kinds)}), {repeats} repeats counted on them"
        )
        # Once per worker in each of the two windows, whichever request met it first.
        assert 1 <= len(tracebacks) <= 2 * WORKERS * len(kinds)
        assert repeats >= 1 and len(tracebacks) + repeats <= len(outage_answers)
        assert all('File "' in line["message"] and line["request_id"] for line in tracebacks)
        assert {line["status"] for line in lines if line["message"] == "request"} >= {503}


# --- SQLite -------------------------------------------------------------------------


class TestSQLite:
    def test_a_read_only_file_is_503_for_writes_while_reads_go_on(self):
        """The file and its folder are made read-only before the server opens them:
        SQLite checks permissions when it opens the file, so a connection opened
        earlier would go on writing. The server is bound by file modes (as root, it
        runs without the capabilities that override them). Once the modes are
        restored, the same server writes again: a connection that met a read-only file
        is not kept."""
        prefix = bound_by_file_modes()
        folder = private_folder(None)
        database_file = folder / "academy.db"
        url = f"sqlite:///{database_file}"
        try:
            token, body = seed(url)
            with gunicorn(url, folder, token, body, prefix) as served:
                assert served.check_in("before").status == 201
            # SQLite reads a WAL database from a read-only folder only through its -wal
            # and -shm files, which the server's own connections would have left: a
            # connection of the test's keeps them there.
            holder = sqlite3.connect(database_file)
            holder.execute("SELECT count(*) FROM heartbeat").fetchall()
            for path in folder.glob("academy.db*"):
                path.chmod(0o444)
            folder.chmod(0o555)

            with gunicorn(url, folder, token, body, prefix) as served:
                # The server (setpriv has exec'd it: the same process) holds neither.
                capabilities = effective_capabilities(served.process.pid)
                reads = [
                    served.call("GET", "/api/v1/me"),
                    served.call("GET", "/api/v1/me/check-ins"),
                ]
                write = served.check_in("read-only-1")
                ready = served.call("GET", "/readyz")
                healthz = served.call("GET", "/healthz")
                folder.chmod(0o755)
                for path in folder.glob("academy.db*"):
                    path.chmod(0o644)
                back = wait_until_ready(served)
                holder.close()

                print_timings(
                    "read-only SQLite file (chmod 444, folder 555, server bound by file modes: "
                    f"uid {os.geteuid()}, CapEff {capabilities:#x})",
                    {
                        "GET /api/v1/me (200)": reads[0].seconds,
                        "POST /me/check-ins (503)": write.seconds,
                        "GET /readyz (503)": ready.seconds,
                        "GET /healthz": healthz.seconds,
                        "ready again after chmod back": back,
                    },
                )
                assert not capabilities & (1 << CAP_DAC_OVERRIDE | 1 << CAP_DAC_READ_SEARCH)
                assert [r.status for r in reads] == [200, 200]
                assert_unavailable(write, "check-in")
                assert_unavailable(ready, "readyz")
                assert healthz.status == 200 and healthz.seconds < HEALTHZ_BOUND
                assert_stored_once(served, ["read-only-1"])
        finally:
            folder.chmod(0o755)
            shutil.rmtree(folder, ignore_errors=True)
