"""Benchmark the coach's academy-wide reads for a large academy beside a small one.

For each database: seed a fresh one holding an academy of 20 clients and one of
``--clients`` (2 000) clients, each client following a year-long program with a year of
check-ins; serve the app under gunicorn; then time, for both academies, ``GET
/dashboard``, ``GET /clients?page=1``, ``GET /clients?page=50&sort=compliance_7d`` (the
small academy's only page) and ``GET /clients/{id}/adherence``: first alone (one request
at a time, the median of ``--repeat``), then under load (wrk, ``--concurrency``
connections, ``--seconds`` per read, one read after another). It prints a table of both
and each read's ratio of large to small. The target: every ratio within 3.

    .venv/bin/python bench/dashboard.py [--clients 2000] [--days 365] [--repeat 15]
        [--seconds 6] [--concurrency 2] [--workers 2] [--databases sqlite,postgresql]

Accounts and the two academies' templates are written through the API; the clients,
their program copies, assignments, check-ins and ratings, in bulk (COPY on PostgreSQL),
as the API writes them. Then the clients' summaries are rebuilt (``flask academy
rebuild-summaries``, where Academy has them) and the planner's statistics refreshed.

Exits 0 when every ratio meets the target, 1 when one misses it, 2 without wrk.
"""

import argparse
import json
import os
import signal
import statistics
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import checkin_seed
import loadgen
import options as bench_options
import seed
import servers
import sqlalchemy as sa

from academy.auth.models import User
from academy.checkins.models import CheckIn, CheckInRating
from academy.clients.models import Client
from academy.common.time import utcnow
from academy.extensions import db
from academy.programs.dates import session_date
from academy.programs.models import Assignment, Program, ProgramSession

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
POSTGRESQL_DATABASE = "academy_bench_dashboard"
SMALL = 20
TARGET = 3.0
# A program of 52 weeks, sessions on Monday, Wednesday, Friday and Saturday, started 340
# days ago: three weeks of it are still ahead.
WEEKS, DAYS, STARTED_DAYS_AGO = 52, (1, 3, 5, 6), 340
TIMEZONES = ("Europe/London", "America/New_York", "Asia/Tokyo", "Australia/Sydney")
# One request waits this long at most; past it the read "did not answer".
ANSWER_SECONDS = 60
# The servers' bound on each statement: long enough to see how long a slow read takes.
SERVER_DB_TIMEOUT_SECONDS = ANSWER_SECONDS
ROW = "{:<10} {:<44} {:>10} {:>10} {:>7} {:>9} {:>9} {:>7}"


@dataclass(frozen=True)
class Academy:
    name: str
    token: str
    client_ids: list[int]


def main() -> int:
    options = _options()
    bench_options.stop_on(signal.SIGTERM)
    wrk = loadgen.find_wrk()
    if wrk is None:
        print("wrk is not installed: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    load_at_start = bench_options.warn_if_busy()
    rows = [row for kind in options.databases for row in _bench_database(kind, wrk, options)]
    _print_table(rows, options.clients)
    passed = all(row["passed"] for row in rows)
    bench_options.write_results(
        RESULTS / "dashboard.json", options, load_at_start, {"results": rows, "passed": passed}
    )
    return 0 if passed else 1


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=bench_options.positive, default=2000)
    parser.add_argument(
        "--days", type=bench_options.positive, default=365, help="days of check-ins per client"
    )
    parser.add_argument(
        "--repeat", type=bench_options.positive, default=15, help="requests per read, one at a time"
    )
    parser.add_argument(
        "--seconds", type=bench_options.positive, default=6, help="wrk's load time per read"
    )
    parser.add_argument("--concurrency", type=bench_options.positive, default=2)
    parser.add_argument("--workers", type=bench_options.positive, default=2)
    parser.add_argument(
        "--databases", type=lambda text: text.split(","), default=list(bench_options.DATABASES)
    )
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432")
    return parser.parse_args()


# --- seeding ------------------------------------------------------------------------------


def _seed(url: str, options: argparse.Namespace) -> tuple[Academy, Academy]:
    """The small academy, then the large one, each with its clients' history."""
    today = date.today()
    start = today - timedelta(days=STARTED_DAYS_AGO)
    with seed.migrated_app(url, **checkin_seed.SEEDING) as app:
        http = app.test_client()
        academies = [_academy(http, "small", SMALL), _academy(http, "large", options.clients)]
        catalogue = seed.call(http, "GET", "/exercises?page_size=100", token=academies[0].token)
        templates = [
            seed.call(http, "POST", "/programs", _template(catalogue), token=a.token)["id"]
            for a in academies
        ]
        with db.engine.begin() as connection:
            for academy, template_id in zip(academies, templates, strict=True):
                _history(connection, academy, template_id, start, today, options.days)
        with db.engine.begin() as connection:
            _summarise(app, connection)
    _analyze(url)
    return academies[0], academies[1]


def _academy(http, name: str, clients: int) -> Academy:
    """An owner signs up; their clients go in in bulk, active, with accounts."""
    signed_up = seed.call(
        http,
        "POST",
        "/auth/signup",
        {
            "academy_name": f"Bench {name} academy",
            "name": f"Coach {name}",
            "email": f"coach-{name}@bench.test",
            "password": seed.PASSWORD,
        },
    )
    academy_id = signed_up["user"]["academy"]["id"]
    now = utcnow()
    with db.engine.begin() as connection:
        users = [
            {
                "academy_id": academy_id,
                "role": "client",
                "name": f"Client {name} {n:05d}",
                "email": f"client-{name}-{n}@bench.test",
                "password_hash": None,
                "timezone": TIMEZONES[n % len(TIMEZONES)],
                "status": "active",
                "search_text": f"client {name} {n:05d} client-{name}-{n}@bench.test",
                "created_at": now,
                "updated_at": now,
            }
            for n in range(clients)
        ]
        ids = checkin_seed._insert(connection, User, users)
        _insert_as_given(
            connection,
            Client,
            [
                {
                    "id": i,
                    "academy_id": academy_id,
                    "goals": "",
                    "coach_notes": "",
                    "status": "active",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                    "weekly_volume_km": None,
                    "target_race": None,
                    "target_race_date": None,
                    "birth_date": None,
                }
                for i in ids
            ],
        )
    return Academy(name, signed_up["access_token"], ids)


def _insert_as_given(connection, model, rows: list[dict]) -> None:
    """Rows whose ids are given (a client's is its user's)."""
    if connection.dialect.name == "postgresql":
        checkin_seed._copy_rows(connection, model.__table__, rows)
    else:
        connection.execute(sa.insert(model.__table__), rows)


def _template(catalogue: list[dict]) -> dict:
    exercises = [e for e in catalogue if e["stage"] in ("position", "breathing")]
    return {
        "name": "A year of foundations",
        "weeks": WEEKS,
        "sessions": [
            {
                "week": week,
                "day": day,
                "title": f"Week {week}, day {day}",
                "items": [seed.item(exercises[(week + day) % len(exercises)])],
            }
            for week in range(1, WEEKS + 1)
            for day in DAYS
        ],
    }


def _history(connection, academy: Academy, template_id: int, start, today, days: int) -> None:
    """Each client's copy of the template, assigned from ``start``; check-ins on most of
    its sessions of the last ``days`` days and a run on Sundays, with ratings."""
    template = checkin_seed._template(connection, template_id)
    academy_id = connection.scalar(sa.select(Program.academy_id).where(Program.id == template_id))
    owners = [(academy_id, client_id, template_id) for client_id in academy.client_ids]
    program_ids = checkin_seed._copy_program(connection, template, owners)
    now = utcnow()
    assignment_ids = checkin_seed._insert(
        connection,
        Assignment,
        [
            {
                "academy_id": academy_id,
                "client_id": client_id,
                "program_id": program_id,
                "template_id": template_id,
                "start_date": start,
                "status": "active",
                "notes": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for (_, client_id, _), program_id in zip(owners, program_ids, strict=True)
        ],
    )
    sessions = {}
    for program_id, session_id, week, day in connection.execute(
        sa.select(
            ProgramSession.program_id, ProgramSession.id, ProgramSession.week, ProgramSession.day
        ).where(ProgramSession.program_id.in_(program_ids))
    ):
        sessions.setdefault(program_id, []).append((session_id, week, day))
    check_ins, ratings = [], []
    first = today - timedelta(days=days)
    for n, (client_id, program_id, assignment_id) in enumerate(
        zip(academy.client_ids, program_ids, assignment_ids, strict=True)
    ):
        quiet_for = 10 if n % 9 == 4 else 0  # one client in nine stopped a while ago
        for session_id, week, day in sessions[program_id]:
            on = session_date(start, week, day)
            if not first <= on < today - timedelta(days=quiet_for) or (n + week * day) % 7 == 0:
                continue
            check_ins.append(_check_in(academy_id, client_id, on, n, assignment_id, session_id))
        for offset in range(days):
            on = first + timedelta(days=offset)
            if on.weekday() == 6 and on < today - timedelta(days=quiet_for):
                check_ins.append(_check_in(academy_id, client_id, on, n, None, None))
    ids = checkin_seed._insert(connection, CheckIn, check_ins)
    for check_in_id, row in zip(ids, check_ins, strict=True):
        spread = check_in_id % 23
        ratings.append(
            {
                "check_in_id": check_in_id,
                "academy_id": academy_id,
                "client_id": row["client_id"],
                "date": row["date"],
                "position": 0,
                "region": "hip_flexors",
                "side": "left",
                "tightness": spread % 8,
                "pain": 7 if spread == 0 else spread % 4,
            }
        )
    checkin_seed._insert(connection, CheckInRating, ratings)


def _check_in(academy_id, client_id, on, n, assignment_id, session_id) -> dict:
    at = datetime.combine(on, clock(18), UTC)
    run = session_id is None
    distance = 8.0 + (n + on.toordinal()) % 9 if run else None
    return {
        "academy_id": academy_id,
        "client_id": client_id,
        "date": on,
        "assignment_id": assignment_id,
        "session_id": session_id,
        "completed": (n + on.toordinal()) % 11 != 0,
        "rpe": 3 + (n + on.day) % 6,
        "duration_minutes": None if run else 30 + n % 20,
        "sleep_hours": 7.5,
        "stress": 2,
        "energy": 3,
        "soreness": 2,
        "run_distance_km": distance,
        "run_duration_minutes": distance * 6 if run else None,
        "cadence_spm": 170 if run else None,
        "notes": "",
        "version": 1,
        "created_at": at,
        "updated_at": at,
    }


def _summarise(app, connection) -> None:
    """The clients' summaries, where this version of Academy keeps them."""
    if not sa.inspect(connection).has_table("client_summaries"):
        bench_options.progress("no client summaries in this version of Academy")
        return
    from academy.checkins import summaries

    summaries.rebuild(connection)


def _analyze(url: str) -> None:
    """Fresh planner statistics after the bulk load: VACUUM ANALYZE on PostgreSQL, ANALYZE
    on SQLite."""
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("VACUUM ANALYZE")
            else:
                connection.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()


# --- measuring ----------------------------------------------------------------------------


def _bench_database(kind: str, wrk: str, options: argparse.Namespace) -> list[dict]:
    with seed.fresh_database(kind, options.postgresql_url, POSTGRESQL_DATABASE) as url:
        bench_options.progress(f"{kind}: seeding {SMALL} and {options.clients} clients")
        started = time.monotonic()
        small, large = _seed(url, options)
        bench_options.progress(f"{kind}: seeded in {time.monotonic() - started:.0f} s")
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "DB_TIMEOUT_SECONDS": str(SERVER_DB_TIMEOUT_SECONDS),
            # A worker is given as long as a read may take.
            "GUNICORN_CMD_ARGS": f"--timeout {ANSWER_SECONDS + 30}",
        }
        with servers.gunicorn(
            "wsgi:app",
            directory=ROOT,
            env=env,
            workers=options.workers,
            log_path=RESULTS / f"dashboard-{kind}.log",
        ) as base:
            reads = {
                name: _reads(f"{base}/api/v1", academy)
                for name, academy in (("small", small), ("large", large))
            }
            alone = {
                (size, read): _alone(target, options.repeat)
                for size, targets in reads.items()
                for read, target in targets.items()
            }
            answering = [
                t
                for (size, read), ms in alone.items()
                if ms is not None
                for t in [reads[size][read]]
            ]
            loaded = {}
            for target in answering:  # one at a time: one that never answers spoils no other
                try:
                    loaded |= loadgen.take_turns(
                        wrk,
                        [target],
                        seconds=options.seconds,
                        connections=options.concurrency,
                        threads=min(2, options.concurrency),
                        progress=lambda message: bench_options.progress(f"{kind}: {message}"),
                    )
                except ValueError:  # no request answered within wrk's timeout
                    bench_options.progress(f"{kind}: {target.name}: no answer under load")
    return [_row(kind, read, alone, loaded, reads) for read in reads["small"]]


def _reads(api: str, academy: Academy) -> dict[str, loadgen.Target]:
    headers = {"Authorization": f"Bearer {academy.token}"}
    page = 50 if len(academy.client_ids) >= 50 * 20 else 1
    paths = {
        "GET /dashboard": "/dashboard",
        "GET /clients?page=1": "/clients?page=1",
        "GET /clients?page=50&sort=compliance_7d": f"/clients?page={page}&sort=compliance_7d",
        "GET /clients/{id}/adherence": f"/clients/{academy.client_ids[1]}/adherence",
    }
    return {
        read: loadgen.Target(f"{academy.name} {read}", api + path, headers)
        for read, path in paths.items()
    }


def _alone(target: loadgen.Target, repeat: int) -> float | None:
    """The median milliseconds of ``repeat`` requests one at a time after one to warm
    up; None when the read does not answer 200 within ANSWER_SECONDS."""
    timings = []
    for _ in range(repeat + 1):
        request = urllib.request.Request(target.url, headers=target.headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=ANSWER_SECONDS) as response:
                json.load(response)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            bench_options.progress(f"{target.name}: no answer ({error})")
            return None
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings[1:])


def _row(kind, read, alone, loaded, reads) -> dict:
    small_ms, large_ms = alone[("small", read)], alone[("large", read)]
    small_load = loaded.get(reads["small"][read].name)
    large_load = loaded.get(reads["large"][read].name)
    ratio_alone = large_ms / small_ms if small_ms and large_ms else None
    ratio_load = (
        small_load.requests_per_second / large_load.requests_per_second
        if small_load and large_load and large_load.requests_per_second
        else None
    )
    return {
        "database": kind,
        "read": read,
        "small_ms": small_ms,
        "large_ms": large_ms,
        "ratio_alone": ratio_alone,
        "small_load": asdict(small_load) if small_load else None,
        "large_load": asdict(large_load) if large_load else None,
        "ratio_load": ratio_load,
        "passed": all(r is not None and r <= TARGET for r in (ratio_alone, ratio_load)),
    }


def _print_table(rows: list[dict], clients: int) -> None:
    print(
        ROW.format(
            "database", "read", f"{SMALL} ms", f"{clients} ms", "x",
            f"{SMALL} req/s", f"{clients} r/s", "x",
        )
    )  # fmt: skip
    for row in rows:
        print(
            ROW.format(
                row["database"],
                row["read"],
                _ms(row["small_ms"]),
                _ms(row["large_ms"]),
                _times(row["ratio_alone"]),
                _rps(row["small_load"]),
                _rps(row["large_load"]),
                _times(row["ratio_load"]),
            )
        )
    print(f"\nTarget: each large academy's figure within {TARGET:g} times of the small one's.")


def _ms(value: float | None) -> str:
    return "no answer" if value is None else f"{value:.1f}"


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rps(figures: dict | None) -> str:
    return "-" if figures is None else f"{figures['requests_per_second']:.1f}"


if __name__ == "__main__":
    sys.exit(main())
