"""What a conditional read saves a phone: a client opening its program twice.

For each database: seed a client's 12-week program (bench/seed.py), serve the app under
gunicorn, then open ``GET /me/assignments/{id}`` twice in a row, many times over:

- unconditional: both opens download the whole answer (how the app was read before
  ETags);
- conditional: the second open sends the first answer's ``ETag`` in
  ``If-None-Match`` and is answered ``304 Not Modified`` with no body.

Prints the bytes received (status line, headers and body) and the median time of the
pair and of the second open alone, one connection per open as a phone waking up would.

    .venv/bin/python bench/conditional.py [--opens 200] [--databases sqlite,postgresql]
"""

import argparse
import http.client
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import options as bench_options
import seed
import servers

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
ROW = "{:<11} {:<14} {:>13} {:>13} {:>14} {:>14}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opens", type=bench_options.positive, default=200)
    parser.add_argument(
        "--databases", type=lambda text: text.split(","), default=list(bench_options.DATABASES)
    )
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432")
    options = parser.parse_args()
    bench_options.stop_on(signal.SIGTERM)
    RESULTS.mkdir(exist_ok=True)
    bench_options.warn_if_busy()
    print(
        ROW.format(
            "database", "two opens", "bytes (pair)", "bytes (2nd)", "ms p50 (pair)", "ms p50 (2nd)"
        )
    )
    for kind in options.databases:
        for row in _measure(kind, options):
            print(ROW.format(*row))
    return 0


def _measure(kind: str, options: argparse.Namespace) -> list[tuple]:
    with seed.fresh_database(kind, options.postgresql_url) as url:
        bench_options.progress(f"{kind}: migrating and seeding")
        fixture = seed.seed(url)
        env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
        with servers.gunicorn(
            "wsgi:app",
            directory=ROOT,
            env=env,
            workers=1,
            log_path=RESULTS / f"conditional-{kind}.log",
        ) as base_url:
            target = urlsplit(f"{base_url}/api/v1/me/assignments/{fixture.assignment_id}")
            token = {"Authorization": f"Bearer {fixture.client_token}"}
            rows = []
            for name, conditional in (("full, full", False), ("full, 304", True)):
                pairs, seconds, second_seconds, second_bytes = [], [], [], 0
                for _ in range(options.opens):
                    started = time.perf_counter()
                    status, size, etag = _open(target, token)
                    assert status == 200, status
                    headers = {**token, "If-None-Match": etag} if conditional else token
                    second_started = time.perf_counter()
                    status, second_bytes, _ = _open(target, headers)
                    assert status == (304 if conditional else 200), status
                    finished = time.perf_counter()
                    pairs.append(size + second_bytes)
                    seconds.append(finished - started)
                    second_seconds.append(finished - second_started)
                rows.append(
                    (
                        kind,
                        name,
                        f"{statistics.median(pairs):,.0f}",
                        f"{second_bytes:,}",
                        f"{statistics.median(seconds) * 1000:.1f}",
                        f"{statistics.median(second_seconds) * 1000:.1f}",
                    )
                )
            return rows


def _open(target, headers: dict) -> tuple[int, int, str]:
    """One GET on a fresh connection: its status, the bytes received and its ETag."""
    connection = http.client.HTTPConnection(target.hostname, target.port)
    try:
        connection.request("GET", target.path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        head = f"HTTP/1.1 {response.status} {response.reason}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in response.getheaders()
        )
        return response.status, len(head) + 2 + len(body), response.getheader("ETag")
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
