"""Benchmark check-ins over HTTP: ``POST /me/check-ins`` against a floor, and the
check-in reads on a database of 100 000 check-ins against one of 1 000.

For each database engine: build a small database (one academy, 10 clients of 100
check-ins each) and a large one (the same academy among 100 others alike: 1 000 clients
of 100), serve both under gunicorn and load each read with wrk, small and large in turns;
on PostgreSQL, EXPLAIN the slowest statement behind the reads on the large database;
then load ``POST /me/check-ins`` (each request with a new Idempotency-Key) on the large
database in turns with bench/checkin_floor.py, which stores the same rows with
hand-written SQL. Targets: each read's p50 latency on the large database at most 1.5
times that on the small one; the POST's requests per second at least 0.8 times the
floor's.

    .venv/bin/python bench/checkins.py [--seconds 10] [--databases sqlite,postgresql]
                                       [--workers 2] [--concurrency 8]

Exits 0 when every target is met, 1 when one is missed, 2 without wrk.
"""

import argparse
import json
import os
import signal
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import asdict
from pathlib import Path

import checkin_seed
import explain
import loadgen
import options as bench_options
import seed
import servers
import sqlalchemy as sa

from academy.checkins import summaries
from academy.checkins.models import ClientSummary

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
POST_SCRIPT = BENCH / "checkin_post.lua"
# Academies per database; each has 10 clients with 100 check-ins.
SIZES = {"small": 1, "large": 100}
POSTGRESQL_PREFIX = "academy_bench_checkins"
READ_TARGET = 1.5
POST_TARGET = 0.8
# Seeding, EXPLAIN and starting servers, per engine; the loads come on top.
SETUP_BUDGET_SECONDS = 600
# (name, path under /api/v1, who reads it)
READS = (
    ("GET /api/v1/clients/{id}/check-ins", "/clients/{client_id}/check-ins", "coach"),
    ("GET /api/v1/clients/{id}/adherence", "/clients/{client_id}/adherence", "coach"),
    ("GET /api/v1/clients/{id}/trends", "/clients/{client_id}/trends", "coach"),
    ("GET /api/v1/dashboard", "/dashboard", "coach"),
    ("GET /api/v1/me/check-ins", "/me/check-ins", "client"),
)
POST = "POST /api/v1/me/check-ins"
FLOOR = "floor: POST check-in, same rows"
# What differs between two stores of the same check-in.
CHANGING = ("id", "created_at", "updated_at")
READ_ROW = "{:<11} {:<36} {:<6} {:>8} {:>8} {:>8} {:>7}"
POST_ROW = "{:<11} {:<36} {:>8} {:>8} {:>8} {:>7}"


def main() -> int:
    options = bench_options.parse(__doc__.split("\n\n")[0], f"{POSTGRESQL_PREFIX}_*")
    # SIGALRM: the time budget ran out.
    bench_options.stop_on(signal.SIGTERM, signal.SIGALRM)
    wrk = loadgen.find_wrk()
    if wrk is None:
        print("wrk is not installed: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    load_at_start = bench_options.warn_if_busy()
    signal.alarm(_time_budget(options))
    engines = {kind: _bench_engine(kind, wrk, options) for kind in options.databases}
    signal.alarm(0)
    _print_report(engines)
    figures = {"databases": engines}
    bench_options.write_results(RESULTS / "checkins.json", options, load_at_start, figures)
    passed = all(v["passed"] for e in engines.values() for v in _verdicts(e))
    return 0 if passed else 1


def _time_budget(options: argparse.Namespace) -> int:
    """Seconds after which the whole run gives up: setup plus every wrk run, twice over."""
    targets = 2 * len(READS) + 2
    load = targets * (loadgen.WARMUP_SECONDS + options.seconds + loadgen.SLACK_SECONDS)
    return len(options.databases) * (SETUP_BUDGET_SECONDS + 2 * load)


# --- one engine ---------------------------------------------------------------------------


def _bench_engine(kind: str, wrk: str, options: argparse.Namespace) -> dict:
    """Seed a small and a large database of ``kind``, measure the reads on both, explain
    the heaviest statement (PostgreSQL), then measure the POST on the large one."""
    with ExitStack() as stack:
        urls = {
            size: stack.enter_context(
                seed.fresh_database(kind, options.postgresql_url, f"{POSTGRESQL_PREFIX}_{size}")
            )
            for size in SIZES
        }
        seeding, fixtures = {}, {}
        for size, url in urls.items():
            bench_options.progress(f"{kind}: migrating and seeding the {size} database")
            seeding[size], fixtures[size] = _seed(url, SIZES[size])
        reads = _bench_reads(kind, urls, fixtures, wrk, options)
        heaviest = None
        if kind == "postgresql":
            bench_options.progress(f"{kind}: explaining the slowest statement of the reads")
            heaviest = _explain_heaviest(urls["large"], fixtures["large"])
        posts = _bench_posts(kind, urls["large"], fixtures["large"], wrk, options)
    return {
        "seeding": seeding,
        "reads": reads,
        "read_ratios": _read_ratios(reads),
        "posts": posts,
        "post_ratio": _post_ratio(posts),
        "explain": heaviest,
    }


def _seed(url: str, academies: int) -> tuple[dict, checkin_seed.Fixture]:
    started = time.monotonic()
    fixture = checkin_seed.seed_academies(url, academies)
    seconds = round(time.monotonic() - started, 1)
    return {"seconds": seconds, "check_ins": fixture.check_ins}, fixture


def _serve(
    stack: ExitStack, app: str, directory: Path, url: str, log_name: str, workers: int
) -> str:
    """Serve ``app`` on the database at ``url`` until ``stack`` closes; answers its URL."""
    # LOG_LEVEL=WARNING: one log line per request would measure the terminal.
    # PYTHONPATH: the floor, served from bench/, imports this checkout's summaries.
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    server = servers.gunicorn(
        app, directory=directory, env=env, workers=workers, log_path=RESULTS / f"{log_name}.log"
    )
    return stack.enter_context(server)


def _take_turns(
    kind: str, wrk: str, targets: list[loadgen.Target], options: argparse.Namespace
) -> dict[str, loadgen.Figures]:
    return loadgen.take_turns(
        wrk,
        targets,
        seconds=options.seconds,
        connections=options.concurrency,
        threads=bench_options.wrk_threads(options),
        progress=lambda message: bench_options.progress(f"{kind}: {message}"),
    )


# --- the reads ----------------------------------------------------------------------------


def _bench_reads(
    kind: str,
    urls: dict[str, str],
    fixtures: dict[str, checkin_seed.Fixture],
    wrk: str,
    options: argparse.Namespace,
) -> list[dict]:
    """Every read on the small and the large database, loaded in turns."""
    with ExitStack() as stack:
        targets = []
        for size, url in urls.items():
            log_name = f"checkins-app-{kind}-{size}"
            base_url = _serve(stack, "wsgi:app", ROOT, url, log_name, options.workers)
            targets += [_read_target(read, size, base_url, fixtures[size]) for read in READS]
        _check_reads(targets)
        bench_options.progress(f"{kind}: loading the reads, small and large in turns")
        figures = _take_turns(kind, wrk, targets, options)
    return [
        {
            "database": kind,
            "read": name,
            "size": size,
            "check_ins": fixtures[size].check_ins,
            **asdict(figures[_label(name, size)]),
        }
        for name, _, _ in READS
        for size in SIZES
    ]


def _read_target(
    read: tuple[str, str, str], size: str, base_url: str, fixture: checkin_seed.Fixture
) -> loadgen.Target:
    path, token = _addressed(read, fixture)
    return loadgen.Target(
        _label(read[0], size), base_url + path, {"Authorization": f"Bearer {token}"}
    )


def _addressed(read: tuple[str, str, str], fixture: checkin_seed.Fixture) -> tuple[str, str]:
    """A read's path on the server, and the token of whoever makes it."""
    _, path, reader = read
    token = fixture.coach_token if reader == "coach" else fixture.client_token
    return "/api/v1" + path.format(client_id=fixture.client_id), token


def _label(read: str, size: str) -> str:
    return f"{read} [{size}]"


def _check_reads(targets: list[loadgen.Target]) -> None:
    """Each read answers 200 with content, the same on both databases.

    Without this, a wrong token or id would benchmark fast 401s and 404s, and a
    difference in the measured academy's data would blur what the size alone costs.
    """
    bodies = {target.name: _get_json(target.url, target.headers) for target in targets}
    for name, _, _ in READS:
        small, large = (bodies[_label(name, size)] for size in SIZES)
        if not small:
            raise RuntimeError(f"{name} answers nothing on the small database.")
        if small != large:
            raise RuntimeError(f"{name} answers differently on the small and large databases.")


def _read_ratios(rows: list[dict]) -> list[dict]:
    """Per read, its p50 on the large database ÷ its p50 on the small one."""
    p50 = {(row["read"], row["size"]): row["p50_ms"] for row in rows}
    ratios = []
    for name, _, _ in READS:
        ratio = p50[name, "large"] / p50[name, "small"]
        ratios.append(
            {"read": name, "ratio": ratio, "target": READ_TARGET, "passed": ratio <= READ_TARGET}
        )
    return ratios


def _explain_heaviest(url: str, fixture: checkin_seed.Fixture) -> dict:
    """The slowest statement behind the reads, with its plan; also written to a file."""
    reads = [explain.Read(read[0], *_addressed(read, fixture)) for read in READS]
    found = explain.statements(url, reads)
    slowest = max(found, key=lambda statement: statement.milliseconds)
    heaviest = {
        "read": slowest.read,
        "milliseconds": round(slowest.milliseconds, 2),
        "sql": slowest.sql,
        "parameters": slowest.parameters,
        "plan": explain.explain(url, slowest),
        "statements_per_read": _statements_per_read(found),
    }
    path = RESULTS / "checkins-explain.txt"
    path.write_text(_explain_text(heaviest) + "\n")
    heaviest["file"] = str(path.relative_to(ROOT))
    return heaviest


def _statements_per_read(found: list[explain.Statement]) -> list[dict]:
    timings = defaultdict(list)
    for statement in found:
        timings[statement.read].append(statement.milliseconds)
    return [
        {
            "read": read,
            "statements": len(ms),
            "ms": round(sum(ms), 2),
            "slowest_ms": round(max(ms), 2),
        }
        for read, ms in timings.items()
    ]


def _explain_text(heaviest: dict) -> str:
    lines = ["Statements per read (warm, in-process, large database):"]
    lines += [
        f"  {r['read']:<36} {r['statements']:>2} statements {r['ms']:>7.2f} ms,"
        f" slowest {r['slowest_ms']:.2f} ms"
        for r in heaviest["statements_per_read"]
    ]
    lines += [
        "",
        f"The slowest, {heaviest['milliseconds']} ms, of {heaviest['read']}:",
        heaviest["sql"],
        f"parameters: {heaviest['parameters']}",
        "",
        "EXPLAIN (ANALYZE, BUFFERS):",
        heaviest["plan"],
    ]
    return "\n".join(lines)


# --- the POST -----------------------------------------------------------------------------


def _bench_posts(
    kind: str, url: str, fixture: checkin_seed.Fixture, wrk: str, options: argparse.Namespace
) -> list[dict]:
    """The app's POST and the floor's, on the same database, loaded in turns."""
    body = _check_in_body(fixture)
    with tempfile.TemporaryDirectory(prefix="academy-bench-") as folder, ExitStack() as stack:
        body_path = Path(folder) / "check-in.json"
        body_path.write_text(json.dumps(body))
        workers = options.workers
        app_url = _serve(stack, "wsgi:app", ROOT, url, f"checkins-app-{kind}-post", workers)
        floor_url = _serve(
            stack, "checkin_floor:app", BENCH, url, f"checkins-floor-{kind}", workers
        )
        post = {"script": POST_SCRIPT, "script_args": (str(body_path),)}
        app = loadgen.Target(
            POST,
            f"{app_url}/api/v1/me/check-ins",
            {"Authorization": f"Bearer {fixture.client_token}"},
            **post,
        )
        floor = loadgen.Target(
            FLOOR,
            f"{floor_url}/academies/{fixture.academy_id}/clients/{fixture.client_id}/check-ins",
            **post,
        )
        _check_posts(app, floor, body)
        _check_summary(url, fixture.client_id)
        bench_options.progress(f"{kind}: loading the POSTs, app and floor in turns")
        figures = _take_turns(kind, wrk, [app, floor], options)
    return [{"database": kind, "endpoint": name, **asdict(f)} for name, f in figures.items()]


def _check_in_body(fixture: checkin_seed.Fixture) -> dict:
    """A check-in of the client's latest session day, in its assignment but naming no
    session (a session holds one check-in, and wrk posts this body thousands of times):
    4 ratings, wellness and a run."""
    session = fixture.last_session
    return {
        "date": session.on.isoformat(),
        "assignment_id": fixture.assignment_id,
        "completed": True,
        "rpe": 6,
        "duration_minutes": 35,
        "ratings": [
            {"region": "hip_flexors", "side": "left", "tightness": 5, "pain": 2},
            {"region": "hip_flexors", "side": "right", "tightness": 3, "pain": 0},
            {"region": "hamstrings", "side": "left", "tightness": 4, "pain": 1},
            {"region": "lower_back", "side": "both", "tightness": 2, "pain": 0},
        ],
        "wellness": {"sleep_hours": 7.5, "stress": 2, "energy": 4, "soreness": 2},
        "run": {"distance_km": 8.2, "duration_minutes": 45.5, "cadence_spm": 172},
        "notes": "Left hip flexor eased after the breathing work.",
    }


def _check_posts(app: loadgen.Target, floor: loadgen.Target, body: dict) -> None:
    """Both store the check-in (201) and answer it alike; the app reads the floor's
    exactly as its own, and replays the floor's Idempotency-Key as the answer it gives.

    So the floor does the same writes (the key's fingerprint, body and headers
    included), and a wrong token or body cannot benchmark fast 4xx answers.
    """
    by_app, app_headers = _post_json(app, body, "bench-check-app")
    by_floor, _ = _post_json(floor, body, "bench-check-floor")
    if _comparable(by_floor) != _comparable(by_app):
        raise RuntimeError("The floor answers a check-in otherwise than the app.")
    read_back = _get_json(f"{app.url}/{by_floor['id']}", app.headers)
    if _comparable(read_back) != _comparable(by_app):
        raise RuntimeError("The app reads the floor's check-in otherwise than its own.")
    replay, replay_headers = _post_json(app, body, "bench-check-floor")
    if replay_headers.get("Idempotent-Replayed") != "true" or replay != by_floor:
        raise RuntimeError("The app does not replay the floor's key as the floor answered.")
    for name in ("ETag", "Location", "Content-Type"):
        theirs = replay_headers.get(name, "").replace(str(by_floor["id"]), "{id}")
        if theirs != app_headers.get(name, "").replace(str(by_app["id"]), "{id}"):
            raise RuntimeError(f"The floor's key replays another {name} than the app's.")


def _check_summary(url: str, client_id: int) -> None:
    """The client's summary, last written by the floor, is the one the app works out."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            table = ClientSummary.__table__
            stored = connection.execute(
                sa.select(table).where(table.c.client_id == client_id)
            ).mappings()
            written = dict(stored.one())
            expected = summaries.compute(connection, [client_id])[0]
            connection.rollback()
    finally:
        engine.dispose()
    if written != expected:
        raise RuntimeError("The floor's client summary differs from the one the app works out.")


def _comparable(check_in: dict) -> dict:
    """A check-in less what differs between two stores of it: ids and timestamps."""
    same = {key: value for key, value in check_in.items() if key not in CHANGING}
    same["results"] = [{k: v for k, v in r.items() if k != "id"} for r in check_in["results"]]
    return same


def _post_ratio(rows: list[dict]) -> dict:
    rps = {row["endpoint"]: row["requests_per_second"] for row in rows}
    ratio = rps[POST] / rps[FLOOR]
    return {"ratio": ratio, "target": POST_TARGET, "passed": ratio >= POST_TARGET}


# --- HTTP ---------------------------------------------------------------------------------


def _get_json(url: str, headers: dict[str, str]):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # raises on 4xx/5xx
        return json.load(response)


def _post_json(target: loadgen.Target, body: dict, key: str) -> tuple[dict, dict[str, str]]:
    """The answer's JSON body and its headers."""
    headers = {**target.headers, "Content-Type": "application/json", "Idempotency-Key": key}
    data = json.dumps(body).encode()
    request = urllib.request.Request(target.url, data=data, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # raises on 4xx/5xx
        if response.status != 201:
            raise RuntimeError(f"{target.name} answered {response.status}, not 201.")
        return json.load(response), dict(response.headers)


# --- the report ---------------------------------------------------------------------------


def _verdicts(engine: dict) -> list[dict]:
    return [*engine["read_ratios"], engine["post_ratio"]]


def _print_report(engines: dict[str, dict]) -> None:
    _print_seeding(engines)
    _print_reads(engines)
    _print_posts(engines)
    for kind, engine in engines.items():
        if engine["explain"]:
            print(f"\n{kind}, large database ({engine['explain']['file']}):\n")
            print(_explain_text(engine["explain"]))


def _print_seeding(engines: dict[str, dict]) -> None:
    for kind, engine in engines.items():
        sizes = ", ".join(
            f"{size} ({s['check_ins']:,} check-ins) in {s['seconds']} s"
            for size, s in engine["seeding"].items()
        )
        print(f"{kind}: seeded {sizes}")


def _print_reads(engines: dict[str, dict]) -> None:
    print()
    print(READ_ROW.format("database", "read", "size", "req/s", "p50 ms", "p99 ms", "errors"))
    for engine in engines.values():
        for row in engine["reads"]:
            print(READ_ROW.format(row["database"], row["read"], row["size"], *_figures(row)))
    print()
    for kind, engine in engines.items():
        for ratio in engine["read_ratios"]:
            print(
                f"{kind}: {ratio['read']} p50 large ÷ small = {ratio['ratio']:.2f}"
                f"  {_verdict(ratio)} (target ≤ {READ_TARGET})"
            )


def _print_posts(engines: dict[str, dict]) -> None:
    print()
    print(POST_ROW.format("database", "endpoint", "req/s", "p50 ms", "p99 ms", "errors"))
    for engine in engines.values():
        for row in engine["posts"]:
            print(POST_ROW.format(row["database"], row["endpoint"], *_figures(row)))
    print()
    for kind, engine in engines.items():
        ratio = engine["post_ratio"]
        print(
            f"{kind}: {POST} req/s ÷ floor req/s = {ratio['ratio']:.3f}"
            f"  {_verdict(ratio)} (target ≥ {POST_TARGET})"
        )


def _figures(row: dict) -> tuple:
    return (
        f"{row['requests_per_second']:.1f}",
        f"{row['p50_ms']:.2f}",
        f"{row['p99_ms']:.2f}",
        row["errors"],
    )


def _verdict(ratio: dict) -> str:
    return "PASS" if ratio["passed"] else "FAIL"


if __name__ == "__main__":
    sys.exit(main())
