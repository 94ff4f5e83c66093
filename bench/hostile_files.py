"""What each hostile activity file costs a real gunicorn: the upload's answer and time,
the workers' largest memory while it ran, whether a worker died, and how long a coach's
``GET /clients`` took meanwhile (sent every quarter second from another thread; none
when the upload was over sooner).

Each file goes to a fresh server (2 workers, Academy's gunicorn.conf.py: a 30 s
timeout) on one SQLite database seeded with a coach and a client, so that a worker
killed by one file does not weigh on the next. ``--code`` serves another checkout, to
compare before and after, e.g. main's:

    mkdir /tmp/academy-main && git archive main | tar -x -C /tmp/academy-main
    PYTHONPATH=. .venv/bin/python -m bench.hostile_files --code /tmp/academy-main
    PYTHONPATH=. .venv/bin/python -m bench.hostile_files
"""

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from bench import servers
from tests.activities.hostile import ATTACKS

ROOT = Path(__file__).resolve().parent.parent
# The attacks also sent twice at once.
TWICE = ("TCX 0 -> 1e13 m", "FIT, 1.6M minimal records")
UPLOAD_TIMEOUT_SECONDS = 120

# Run in the served checkout's folder, so that it imports that checkout's Academy.
_SEED = """
import json
from flask_migrate import upgrade
from academy import create_app
from academy.auth.models import Academy, User
from academy.auth.service import _issue
from academy.clients.models import Client
from academy.extensions import db

app = create_app()
with app.app_context():
    upgrade()
    academy = Academy(name="Bench")
    db.session.add(academy)
    db.session.flush()
    people = {}
    for role, email in (("owner", "coach@bench.test"), ("client", "runner@bench.test")):
        user = User(academy_id=academy.id, role=role, name=role, email=email,
                    password_hash=None, status="active", timezone="UTC")
        db.session.add(user)
        db.session.flush()
        if role == "client":
            db.session.add(Client(id=user.id, academy_id=academy.id, status="active"))
        people[role] = _issue(user).access_token
    db.session.commit()
    print(json.dumps(people))
"""


def _seed(code: Path, env: dict) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", _SEED], cwd=code, env=env, capture_output=True, text=True,
        check=True, timeout=300,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _workers(master: int) -> set[int]:
    """The processes whose parent is ``master``."""
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                children.add(int(entry.name))
    return children


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _call(request: urllib.request.Request) -> int:
    try:
        with urllib.request.urlopen(request, timeout=UPLOAD_TIMEOUT_SECONDS) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.read()
        return error.code
    except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
        return -1 if "timed out" not in str(error) else -2


def _upload(base_url: str, token: str, data: bytes, name: str) -> urllib.request.Request:
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return urllib.request.Request(
        f"{base_url}/api/v1/me/activities", data=body, method="POST",
        headers={"Authorization": f"Bearer {token}",
                 "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )  # fmt: skip


def _boots(log: Path) -> int:
    """Workers gunicorn has started so far (one more each time one died)."""
    return log.read_text(errors="replace").count("Booting worker with pid")


def _died(log: Path, boots: int) -> bool:
    time.sleep(1)  # the arbiter notices a dead worker within a second
    text = log.read_text(errors="replace")
    return _boots(log) > boots or "WORKER TIMEOUT" in text or "was sent SIGKILL" in text


def _attack(base_url: str, master: int, log: Path, tokens: dict, data: bytes, at_once: int) -> dict:
    """Send ``data`` (``at_once`` times together); meanwhile watch the workers' memory
    and time a coach's reads."""
    workers, boots = _workers(master), _boots(log)
    done = threading.Event()
    peaks = {pid: _rss_mb(pid) for pid in workers}
    reads: list[float] = []

    def watch():
        while not done.is_set():
            for pid in _workers(master) | workers:
                peaks[pid] = max(peaks.get(pid, 0.0), _rss_mb(pid))
            time.sleep(0.05)

    def read_clients():
        request = urllib.request.Request(
            f"{base_url}/api/v1/clients", headers={"Authorization": f"Bearer {tokens['owner']}"}
        )
        while not done.wait(0.25):
            start = time.perf_counter()
            _call(request)
            reads.append(time.perf_counter() - start)

    threads = [threading.Thread(target=watch), threading.Thread(target=read_clients)]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    with ThreadPoolExecutor(at_once) as pool:
        statuses = list(
            pool.map(lambda _: _call(_upload(base_url, tokens["client"], data, "attack")),
                     range(at_once))
        )  # fmt: skip
    took = time.perf_counter() - start
    done.set()
    for thread in threads:
        thread.join()
    return {
        "status": "/".join(str(status) for status in sorted(set(statuses))),
        "seconds": took,
        "peak_rss_mb": max(peaks.values()),
        "died": _died(log, boots),
        "slowest_read": max(reads, default=None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout to serve")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="attacks whose name holds this text")
    arguments = parser.parse_args()
    code = arguments.code.resolve()
    folder = Path(tempfile.mkdtemp(prefix="academy-hostile-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder}/bench.db",
        "FILE_STORAGE_PATH": str(folder / "files"),
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_STORAGE_URI": "",
        "PYTHONPATH": str(code),
    }
    tokens = _seed(code, env)
    print(f"Serving {code} with {arguments.workers} workers (gunicorn timeout 30 s)\n")
    print(f"{'attack':<51} {'bytes':>11} {'status':>7} {'seconds':>8} {'worker RSS':>11} "
          f"{'died':>5} {'GET /clients':>13}")  # fmt: skip
    runs = [(name, make, 1) for name, make in ATTACKS.items()]
    # Two attackers at once, as many as the server has workers.
    runs += [(f"2 at once: {name}", ATTACKS[name], 2) for name in TWICE]
    for name, make, at_once in runs:
        if arguments.only and arguments.only not in name:
            continue
        data = make()
        log = folder / f"gunicorn-{len(os.listdir(folder))}.log"
        with servers.gunicorn(
            "wsgi:app", directory=code, env=env, workers=arguments.workers, log_path=log
        ) as base_url:
            master = _master_of(base_url)
            found = _attack(base_url, master, log, tokens, data, at_once)
        read = found["slowest_read"]
        print(f"{name:<51} {len(data):>11,} {found['status']:>7} {found['seconds']:>8.1f} "
              f"{found['peak_rss_mb']:>8.0f} MB {'yes' if found['died'] else 'no':>5} "
              f"{'-' if read is None else f'{read:.2f} s':>13}", flush=True)  # fmt: skip


def _master_of(base_url: str) -> int:
    """The gunicorn master listening on ``base_url``'s port (the oldest process with
    the listening socket among gunicorn's)."""
    port = int(base_url.rsplit(":", 1)[1])
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if int(parts[1].split(":")[1], 16) == port and parts[3] == "0A":
            inodes.add(parts[9])
    owners = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            links = {os.readlink(fd) for fd in (entry / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            owners.append(int(entry.name))
    # The master and its workers all hold the socket; the workers' parent is the master.
    for pid in owners:
        if any(pid in _workers(other) for other in owners):
            continue
        return pid
    raise RuntimeError(f"no gunicorn listens on {base_url}")


if __name__ == "__main__":
    main()
