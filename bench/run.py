"""Benchmark the program reads over HTTP, on SQLite and PostgreSQL, against a floor.

For each database: build a fresh one holding a client's 12-week program, serve the
app and the floor (bench/floor.py) under gunicorn with the same settings, load each
endpoint with wrk for a fixed time (in turns of a few seconds), then print requests
per second and p50/p99 latency. The target: ``GET /me/assignments/{id}`` reaches at
least half the floor's requests per second.

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
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import loadgen
import seed
import servers

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
DATABASES = ("sqlite", "postgresql")
TARGET_RATIO = 0.5
WARMUP_SECONDS = 2
ROUND_SECONDS = 2
# A one-minute load average above one per CPU: other work is competing for the machine.
BUSY_LOAD_PER_CPU = 1.0
# wrk's threads share the machine with the servers; two suffice to keep them busy.
WRK_THREADS = 2
PROGRAM = "GET /api/v1/programs/{id}"
ASSIGNMENT = "GET /api/v1/me/assignments/{id}"
TODAY = "GET /api/v1/me/today?date=…"
FLOOR = "floor: GET /programs/{id}"
TABLE_ROW = "{:<11} {:<34} {:>9} {:>8} {:>8} {:>7}"


@dataclass(frozen=True)
class Endpoint:
    name: str
    url: str
    token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def main() -> int:
    options = _parse_args()
    signal.signal(signal.SIGTERM, _exit_on_signal)
    wrk = loadgen.find_wrk()
    if wrk is None:
        print("wrk is not installed: apt-get update && apt-get install -y wrk", file=sys.stderr)
        return 2
    RESULTS.mkdir(exist_ok=True)
    load_at_start = os.getloadavg()[0]
    _warn_if_busy(load_at_start)
    rows = [row for kind in options.databases for row in _bench_database(kind, wrk, options)]
    ratios = {kind: _ratio(rows, kind) for kind in options.databases}
    _print_table(rows)
    _print_ratios(ratios)
    _write_results(options, rows, ratios, load_at_start)
    return 0 if all(r["passed"] for r in ratios.values()) else 1


def _exit_on_signal(signum: int, _frame) -> None:
    """Unwind on SIGTERM as on Ctrl-C, so that every server started is stopped."""
    raise SystemExit(128 + signum)


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=_positive, default=10, help="load time per endpoint")
    parser.add_argument(
        "--databases",
        type=lambda text: text.split(","),
        default=list(DATABASES),
        help="comma-separated, from: " + ",".join(DATABASES),
    )
    parser.add_argument("--workers", type=_positive, default=2, help="gunicorn workers per server")
    parser.add_argument("--concurrency", type=_positive, default=8, help="open connections")
    parser.add_argument(
        "--postgresql-url",
        default="postgresql://postgres@127.0.0.1:5432",
        help=f"the server on which to (re)create the {seed.POSTGRESQL_DATABASE} database",
    )
    options = parser.parse_args()
    unknown = set(options.databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    return options


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return number


def _warn_if_busy(load: float) -> None:
    """Other work on the machine (a test suite, a build) lowers every figure; taking
    turns keeps the ratio fair, but the absolute figures then mean little."""
    cpus = os.cpu_count() or 1
    if load > BUSY_LOAD_PER_CPU * cpus:
        _progress(
            f"warning: the load average is {load:.1f} on {cpus} CPUs before starting;"
            " other work will skew the figures"
        )


def _bench_database(kind: str, wrk: str, options: argparse.Namespace) -> list[dict]:
    """Seed a fresh ``kind`` database, serve it twice (app, floor), measure each endpoint."""
    with seed.fresh_database(kind, options.postgresql_url) as url:
        _progress(f"{kind}: migrating and seeding")
        fixture = seed.seed(url)
        # LOG_LEVEL=WARNING: one log line per request would measure the terminal.
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
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


def _endpoints(app_url: str, floor_url: str, fixture: seed.Fixture) -> list[Endpoint]:
    api = f"{app_url}/api/v1"
    return [
        Endpoint("GET /healthz", f"{app_url}/healthz"),
        Endpoint(PROGRAM, f"{api}/programs/{fixture.program_id}", fixture.coach_token),
        Endpoint(ASSIGNMENT, f"{api}/me/assignments/{fixture.assignment_id}", fixture.client_token),
        Endpoint(TODAY, f"{api}/me/today?date={fixture.today.isoformat()}", fixture.client_token),
        Endpoint(FLOOR, f"{floor_url}/programs/{fixture.program_id}"),
    ]


def _check_answers(endpoints: list[Endpoint]) -> None:
    """Each endpoint answers 200 with real content, and the floor serves the same program.

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


def _get_json(endpoint: Endpoint) -> dict:
    request = urllib.request.Request(endpoint.url, headers=endpoint.headers)
    with urllib.request.urlopen(request, timeout=10) as response:  # raises on 4xx/5xx
        return json.load(response)


def _load(
    kind: str, endpoints: list[Endpoint], wrk: str, options: argparse.Namespace
) -> list[dict]:
    """Load the endpoints in turn, ROUND_SECONDS each, until each had ``seconds``.

    Taking turns spreads every endpoint's measurement over the same stretch of time,
    so that other work on the machine weighs on all of them alike and the ratio to
    the floor stays fair.
    """
    load = {"connections": options.concurrency, "threads": _wrk_threads(options)}
    _progress(f"{kind}: warming up, {WARMUP_SECONDS} s per endpoint")
    for endpoint in endpoints:
        loadgen.run(wrk, endpoint.url, endpoint.headers, seconds=WARMUP_SECONDS, **load)
    samples: dict[str, list[loadgen.Sample]] = {endpoint.name: [] for endpoint in endpoints}
    rounds = _rounds(options.seconds)
    for number, seconds in enumerate(rounds, 1):
        _progress(f"{kind}: round {number}/{len(rounds)}, {seconds} s per endpoint")
        for endpoint in endpoints:
            sample = loadgen.run(wrk, endpoint.url, endpoint.headers, seconds=seconds, **load)
            samples[endpoint.name].append(sample)
    return [
        {"database": kind, "endpoint": name, **asdict(loadgen.summarise(runs))}
        for name, runs in samples.items()
    ]


def _rounds(seconds: int) -> list[int]:
    """``seconds`` cut into rounds of ROUND_SECONDS (wrk takes whole seconds)."""
    whole, rest = divmod(seconds, ROUND_SECONDS)
    return [ROUND_SECONDS] * whole + ([rest] if rest else [])


def _wrk_threads(options: argparse.Namespace) -> int:
    return min(WRK_THREADS, options.concurrency)


def _ratio(rows: list[dict], kind: str) -> dict:
    rps = {row["endpoint"]: row["requests_per_second"] for row in rows if row["database"] == kind}
    ratio = rps[ASSIGNMENT] / rps[FLOOR]
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
            f"{kind}: /me/assignments/{{id}} req/s ÷ floor req/s = {ratio['ratio']:.3f}"
            f"  {verdict} (target ≥ {TARGET_RATIO})"
        )


def _write_results(
    options: argparse.Namespace, rows: list[dict], ratios: dict, load_at_start: float
) -> None:
    settings = {
        "seconds": options.seconds,
        "warmup_seconds": WARMUP_SECONDS,
        "round_seconds": ROUND_SECONDS,
        "workers": options.workers,
        "concurrency": options.concurrency,
        "wrk_threads": _wrk_threads(options),
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load_at_start, 2),
    }
    document = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
        "results": rows,
        "ratios": ratios,
    }
    path = RESULTS / "latest.json"
    path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nFigures written to {path.relative_to(ROOT)}")


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
