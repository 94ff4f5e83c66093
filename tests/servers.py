"""A real gunicorn serving the app, for tests that need several worker processes."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 60  # seconds, for any one wait; every wait is bounded


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(base_url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not become ready in {TIMEOUT}s:\n{log.read_text()}")


def workers_in(log: Path, path: str) -> set[int]:
    """The worker processes that answered ``path``, from the request lines of ``log``
    (one JSON object per line, each with the process that wrote it)."""
    workers = set()
    for line in log.read_text().splitlines():
        with suppress(ValueError):
            record = json.loads(line)
            if record.get("message") == "request" and record.get("path") == path:
                workers.add(record["process"])
    return workers


def _wait_for_every_worker(base_url: str, workers: int, log: Path) -> None:
    """Until each of the ``workers`` processes has answered: the first one ready is not
    proof that the others are, and a test of what they share needs them all."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with ThreadPoolExecutor(4 * workers) as pool:
            list(pool.map(lambda _: call("GET", f"{base_url}/readyz"), range(4 * workers)))
        answered = workers_in(log, "/readyz")
        if len(answered) >= workers:
            return
        time.sleep(0.2)
    pytest.fail(f"not every one of {workers} workers answered in {TIMEOUT}s:\n{log.read_text()}")


@contextmanager
def gunicorn(
    database_url: str,
    workers: int,
    log: Path,
    *,
    bind: tuple[str, int] | None = None,
    **settings: str,
) -> Iterator[str]:
    """Serve ``wsgi:app`` on ``database_url`` with ``workers`` processes, configured by
    the environment plus ``settings``, on ``bind`` (a free port of 127.0.0.1 unless
    given); yields the base URL and always stops the server. Each request's line in
    ``log`` names the worker process that answered it."""
    # INFO: the request lines tell which worker answered.
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "INFO", **settings}
    env.pop("TEST_DATABASE_URL", None)
    host, port = bind or ("127.0.0.1", _free_port())
    server = None
    try:
        with log.open("w") as output:
            server = subprocess.Popen(
                [
                    str(Path(sys.executable).with_name("gunicorn")),
                    *("-w", str(workers), "-b", f"{host}:{port}", "--timeout", str(TIMEOUT)),
                    "wsgi:app",
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://{host}:{port}"
        _wait_until_ready(base_url, server, log)
        _wait_for_every_worker(base_url, workers, log)
        yield base_url
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=TIMEOUT)


def call(
    method: str, url: str, body: dict | None = None, headers: dict | None = None
) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request; error statuses are answers too."""
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --- an S3-compatible server ----------------------------------------------------------

S3_ACCESS_KEY, S3_SECRET_KEY = "academy-tests", "academy-tests-secret-key"


@contextmanager
def s3_server(folder: Path, log: Path) -> Iterator[str]:
    """nanio (a real S3-compatible server from PyPI: SigV4 checked, presigned URLs,
    multipart uploads) on a free port of 127.0.0.1, keeping its buckets in ``folder``;
    yields its endpoint and always stops it."""
    binary = Path(sys.executable).with_name("nanio")
    if not binary.exists():
        pytest.fail(
            "The object storage tests need nanio, an S3-compatible server: it is in "
            "requirements-dev.lock (source scripts/bootstrap installs it).",
            pytrace=False,
        )
    port = _free_port()
    env = {
        **os.environ,
        "NANIO_ACCESS_KEY": S3_ACCESS_KEY,
        "NANIO_SECRET_KEY": S3_SECRET_KEY,
    }
    server = None
    try:
        with log.open("w") as output:
            server = subprocess.Popen(
                [str(binary), "serve", "--data-dir", str(folder), "--host", "127.0.0.1",
                 "--port", str(port)],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"nanio exited with {server.returncode}:\n{log.read_text()}")
            with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"nanio did not listen in {TIMEOUT}s:\n{log.read_text()}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=TIMEOUT)


def s3_settings(endpoint: str, bucket: str = "academy", prefix: str = "files") -> dict:
    """The configuration of an app whose files are in ``bucket`` of that server."""
    return {
        "FILE_STORAGE_URL": f"s3://{bucket}/{prefix}",
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
    }
