"""Starting and stopping the gunicorn servers under test, each bounded in time.

Every server listens on a free port of 127.0.0.1 only, runs in its own process group
(so that stopping it stops its workers too) and writes its output to a log file
rather than to the benchmark's table.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from gunicorn.config import KNOWN_SETTINGS

GUNICORN = Path(sys.executable).with_name("gunicorn")
# Academy's gunicorn settings (JSON logs, no access log), for the app and the floor alike.
SETTINGS = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15
# Recent gunicorns open a control socket at one path per user, which the app, the floor
# and any gunicorn a developer is running would fight over; the benchmark needs none.
NO_CONTROL_SOCKET = (
    ["--no-control-socket"]
    if any(setting.name == "control_socket_disable" for setting in KNOWN_SETTINGS)
    else []
)


@contextmanager
def gunicorn(
    app: str, *, directory: Path, env: dict[str, str], workers: int, log_path: Path
) -> Iterator[str]:
    """Serve ``app`` (``module:variable``) until the block ends; yields its base URL.

    The URL is handed out only once the server answers ``/healthz``, so that no
    measurement includes the workers' start-up.
    """
    port = _free_port()
    command = [
        str(GUNICORN),
        f"--config={SETTINGS}",
        *NO_CONTROL_SOCKET,
        f"--workers={workers}",
        f"--bind={HOST}:{port}",
        app,
    ]
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command,
            cwd=directory,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base_url = f"http://{HOST}:{port}"
            _wait_until_healthy(process, f"{base_url}/healthz", log_path)
            yield base_url
        finally:
            _stop(process)


def worker_pid(url: str) -> int:
    """The one gunicorn worker serving ``url``: of the processes started with its
    address (the master and its forks), the one whose parent is another of them."""
    bind = f"--bind={urlsplit(url).netloc}".encode()
    parents = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if bind in (entry / "cmdline").read_bytes().split(b"\0"):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(stat[1])
        except OSError:
            continue
    (worker,) = [pid for pid, parent in parents.items() if parent in parents]
    return worker


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_healthy(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_SECONDS} s; see {log_path}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (a graceful stop), SIGKILL it if that hangs."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except ProcessLookupError:
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_TIMEOUT_SECONDS)
