"""Benchmark the program reads over HTTP, on SQLite and PostgreSQL, against a floor.

For each database: build a fresh one holding a client's 12-week program, serve the
app and the floor (bench/floor.py) under gunicorn with the same settings, load each
endpoint with wrk for a fixed time (in turns of a few seconds), then print requests
per second and p50/p99 latency. The target: ``GET /me/assignments/{id}`` reaches at
least 0.8 of the requests per second of the floor serving the same body from the
same rows (each session dated, each item with its exercise's cues and what the
client's safety rules hold back). Beside them, without a target: the client's schedule
and the coach's plan conflicts (the plan's guard at work) and the vocabularies.

    .venv/bin/python bench/run.py [--seconds 10] [--databases sqlite,postgresql]
                                  [--workers 2] [--concurrency 8]

Exits 0 when every database meets the target, 1 when one misses it, 2 without wrk.
"""

import argparse
import json
import os
import signal
import sys
import urllib.request
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import loadgen
import options as bench_options
import seed
import servers

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
TARGET_RATIO = 0.8
PROGRAM = "GET /api/v1/programs/{id}"
ASSIGNMENT = "GET /api/v1/me/assignments/{id}"
TODAY = "GET /api/v1/me/today?date=…"
SCHEDULE = "GET /api/v1/me/schedule?from=…&to=…"
CONFLICTS = "GET /api/v1/clients/{id}/plan-conflicts"
VOCABULARIES = "GET /api/v1/vocabularies"
FLOOR = "floor: GET /programs/{id}"
CLIENT_FLOOR = "floor: the same, for the client"
TABLE_ROW = "{:<11} {:<40} {:>9} {:>8} {:>8} {:>7}"


def _target(name: str, url: str, token: str | None = None) -> loadgen.Target:
    return loadgen.Target(name, url, {"Authorization": f"Bearer {token}"} if token else {})


def main() -> int:
    options = bench_options.parse(__doc__.split("\n\n")[0], seed.POSTGRESQL_DATABASE)
    bench_options.stop_on(signal.SIGTERM)
    wrk = loadgen.find_wrk()
    if wrk is None:
        print("wrk is not installed: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    load_at_start = bench_options.warn_if_busy()
    rows = [row for kind in options.databases for row in _bench_database(kind, wrk, options)]
    ratios = {kind: _ratio(rows, kind) for kind in options.databases}
    _print_table(rows)
    _print_ratios(ratios)
    figures = {"results": rows, "ratios": ratios}
    bench_options.write_results(RESULTS / "latest.json", options, load_at_start, figures)
    return 0 if all(r["passed"] for r in ratios.values()) else 1


def _bench_database(kind: str, wrk: str, options: argparse.Namespace) -> list[dict]:
    """Seed a fresh ``kind`` database, serve it twice (app, floor), measure each endpoint."""
    with seed.fresh_database(kind, options.postgresql_url) as url:
        bench_options.progress(f"{kind}: migrating and seeding")
        fixture = seed.seed(url)
        # LOG_LEVEL=WARNING: one log line per request would measure the terminal.
        # PYTHONPATH: the floor, served from bench/, imports this checkout's rules.
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
        serve = {"env": env, "workers": options.workers}
        with (
            servers.gunicorn(
                "wsgi:app", directory=ROOT, log_path=RESULTS / f"app-{kind}.log", **serve
            ) as app_url,
            servers.gunicorn(
                "floor:app", directory=BENCH, log_path=RESULTS / f"floor-{kind}.log", **serve
            ) as floor_url,
        ):
            endpoints = _endpoints(app_url, floor_url, fixture)
            _check_answers(endpoints)
            return _load(kind, endpoints, wrk, options)


def _endpoints(app_url: str, floor_url: str, fixture: seed.Fixture) -> list[loadgen.Target]:
    api = f"{app_url}/api/v1"
    coach = fixture.coach_token
    return [
        _target("GET /healthz", f"{app_url}/healthz"),
        _target(PROGRAM, f"{api}/programs/{fixture.program_id}", fixture.coach_token),
        _target(ASSIGNMENT, f"{api}/me/assignments/{fixture.assignment_id}", fixture.client_token),
        _target(TODAY, f"{api}/me/today?date={fixture.today.isoformat()}", fixture.client_token),
        _target(SCHEDULE, f"{api}/me/schedule?{_schedule_dates(fixture)}", fixture.client_token),
        _target(CONFLICTS, f"{api}/clients/{fixture.client_id}/plan-conflicts", coach),
        _target(VOCABULARIES, f"{api}/vocabularies", fixture.client_token),
        _target(FLOOR, f"{floor_url}/programs/{fixture.program_id}"),
        _target(CLIENT_FLOOR, f"{floor_url}/assignments/{fixture.assignment_id}/for-client"),
    ]


def _schedule_dates(fixture: seed.Fixture) -> str:
    """The query of the client's next four weeks."""
    end = fixture.today + timedelta(days=27)
    return f"from={fixture.today.isoformat()}&to={end.isoformat()}"


def _check_answers(endpoints: list[loadgen.Target]) -> None:
    """Each endpoint answers 200 with real content, the floor serves the same program and
    the same assignment, body for body, and the client's safety rules hold something
    back (so that both do that work).

    Without this, a wrong token or id would benchmark fast 401s and 404s.
    """
    bodies = {endpoint.name: _get_json(endpoint) for endpoint in endpoints}
    program = bodies[PROGRAM]
    if len(program["sessions"]) != seed.WEEKS * len(seed.DAYS):
        raise RuntimeError(f"The seeded program has {len(program['sessions'])} sessions.")
    if not bodies[TODAY]["sessions"]:
        raise RuntimeError("No session is due on the date used for /me/today.")
    if bodies[FLOOR]["sessions"] != program["sessions"]:
        raise RuntimeError(f"The floor's sessions differ from those of {PROGRAM}.")
    if bodies[CLIENT_FLOOR] != bodies[ASSIGNMENT]:
        raise RuntimeError(f"The client floor's body differs from that of {ASSIGNMENT}.")
    held = [item["held"] for session in bodies[ASSIGNMENT]["sessions"] for item in session["items"]]
    if not any(held):
        raise RuntimeError(f"The client's safety rules hold nothing back in {ASSIGNMENT}.")


def _get_json(endpoint: loadgen.Target) -> dict:
    request = urllib.request.Request(endpoint.url, headers=endpoint.headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # raises on 4xx/5xx
        return json.load(response)


def _load(
    kind: str, endpoints: list[loadgen.Target], wrk: str, options: argparse.Namespace
) -> list[dict]:
    figures = loadgen.take_turns(
        wrk,
        endpoints,
        seconds=options.seconds,
        connections=options.concurrency,
        threads=bench_options.wrk_threads(options),
        progress=lambda message: bench_options.progress(f"{kind}: {message}"),
    )
    return [{"database": kind, "endpoint": name, **asdict(f)} for name, f in figures.items()]


def _ratio(rows: list[dict], kind: str) -> dict:
    rps = {row["endpoint"]: row["requests_per_second"] for row in rows if row["database"] == kind}
    ratio = rps[ASSIGNMENT] / rps[CLIENT_FLOOR]
    return {"ratio": ratio, "target": TARGET_RATIO, "passed": ratio >= TARGET_RATIO}


def _print_table(rows: list[dict]) -> None:
    print(TABLE_ROW.format("database", "endpoint", "req/s", "p50 ms", "p99 ms", "errors"))
    for row in rows:
        print(
            TABLE_ROW.format(
                row["database"],
                row["endpoint"],
                f"{row['requests_per_second']:.1f}",
                f"{row['p50_ms']:.2f}",
                f"{row['p99_ms']:.2f}",
                row["errors"],
            )
        )


def _print_ratios(ratios: dict[str, dict]) -> None:
    print()
    for kind, ratio in ratios.items():
        verdict = "PASS" if ratio["passed"] else "FAIL"
        print(
            f"{kind}: /me/assignments/{{id}} req/s ÷ client floor req/s = {ratio['ratio']:.3f}"
            f"  {verdict} (target ≥ {TARGET_RATIO})"
        )


if __name__ == "__main__":
    sys.exit(main())
