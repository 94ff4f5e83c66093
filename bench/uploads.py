"""A 200 MB video uploaded to a real gunicorn worker, on each storage: how fast
(MB/s, from the first byte sent to the 201) and the worker's peak memory (VmHWM, its
resident set at its largest over its life), against the same worker's peak before.

One gunicorn worker (Academy's gunicorn.conf.py) on a fresh SQLite database seeded
with a coach and one of the academy's exercises; the video (an MP4 container of
``--megabytes`` of media data, written to disk in pieces) is sent from disk in 1 MB
pieces as one multipart body with its Content-Length, as a phone app would send it.
The S3 run keeps its files in nanio, started here as in the test suite.

    PYTHONPATH=. .venv/bin/python -m bench.uploads            # both storages
    PYTHONPATH=. .venv/bin/python -m bench.uploads --megabytes 50 --storage file
"""

import argparse
import http.client
import json
import os
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from bench import servers
from tests.files.samples import mp4_head
from tests.servers import s3_server, s3_settings

ROOT = Path(__file__).resolve().parent.parent
PIECE = 1024 * 1024
BOUNDARY = "academy-bench-boundary"


def _seed(database_url: str, environment: dict[str, str]) -> tuple[str, int]:
    """A coach's token and one of their academy's exercises, in a new database."""
    from flask_migrate import upgrade

    from academy import create_app
    from academy.auth.models import Academy, User
    from academy.auth.service import _issue
    from academy.exercises.models import Exercise
    from academy.extensions import db
    from academy.files.storage import storage

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **environment})
    with app.app_context():
        upgrade()
        storage().prepare()
        academy = Academy(name="Bench")
        db.session.add(academy)
        db.session.flush()
        coach = User(academy_id=academy.id, role="owner", name="Coach",
                     email="coach@bench.test", status="active", timezone="UTC")  # fmt: skip
        db.session.add(coach)
        exercise = Exercise(
            academy_id=academy.id, slug="heel-drops", name="Heel Drops", aliases=[], cues=[],
            category="feet", stage="strength", laterality="bilateral", equipment=[],
        )  # fmt: skip
        db.session.add(exercise)
        db.session.flush()
        token = _issue(coach).access_token
        db.session.commit()
        return token, exercise.id


def _video(folder: Path, megabytes: int) -> Path:
    """An MP4 file of about ``megabytes``, written in pieces."""
    path = folder / "video.mp4"
    media = megabytes * PIECE - 1024
    with path.open("wb") as out:
        out.write(mp4_head(media))
        left = media
        zeros = bytes(PIECE)
        while left:
            out.write(zeros[: min(PIECE, left)])
            left -= min(PIECE, left)
    return path


def _peak_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _send(base_url: str, token: str, exercise_id: int, video: Path) -> tuple[int, dict, float]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nvideo\r\n'
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="drill.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    size = len(head) + video.stat().st_size + len(tail)

    def body():
        yield head
        with video.open("rb") as stream:
            while piece := stream.read(PIECE):
                yield piece
        yield tail

    where = urlsplit(base_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=300)
    started = time.perf_counter()
    connection.request(
        "POST",
        f"/api/v1/exercises/{exercise_id}/media",
        body=body(),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            "Content-Length": str(size),
        },
    )
    response = connection.getresponse()
    answer = json.loads(response.read())
    took = time.perf_counter() - started
    connection.close()
    return response.status, answer, took


def _run(kind: str, folder: Path, megabytes: int, video: Path, endpoint: str | None) -> dict:
    database = f"sqlite:///{folder / f'{kind}.db'}"
    if kind == "s3":
        settings = s3_settings(endpoint, bucket="bench")
    else:
        settings = {"FILE_STORAGE_URL": f"file://{folder / 'files'}"}
    token, exercise_id = _seed(database, settings)
    env = {**os.environ, "DATABASE_URL": database, "LOG_LEVEL": "WARNING",
           "RATELIMIT_STORAGE_URI": "", **settings}  # fmt: skip
    env.pop("TEST_DATABASE_URL", None)
    log = folder / f"gunicorn-{kind}.log"
    with servers.gunicorn("wsgi:app", directory=ROOT, env=env, workers=1, log_path=log) as url:
        worker = servers.worker_pid(url)
        before = _peak_mb(worker)
        status, answer, took = _send(url, token, exercise_id, video)
        after = _peak_mb(worker)
    assert status == 201, answer
    return {
        "storage": kind,
        "megabytes": round(answer["bytes"] / PIECE, 1),
        "seconds": round(took, 2),
        "mb_per_s": round(answer["bytes"] / PIECE / took, 1),
        "worker_peak_before_mb": round(before, 1),
        "worker_peak_after_mb": round(after, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--storage", choices=("file", "s3", "both"), default="both")
    options = parser.parse_args()
    kinds = ("file", "s3") if options.storage == "both" else (options.storage,)
    rows = []
    with tempfile.TemporaryDirectory(prefix="academy-uploads-") as name:
        folder = Path(name)
        video = _video(folder, options.megabytes)
        for kind in kinds:
            if kind == "s3":
                with s3_server(folder / "nanio", folder / "nanio.log") as endpoint:
                    rows.append(_run(kind, folder, options.megabytes, video, endpoint))
            else:
                rows.append(_run(kind, folder, options.megabytes, video, None))
    print(f"{'storage':<8} {'MB':>7} {'seconds':>8} {'MB/s':>7} {'worker peak before':>19} "
          f"{'worker peak after':>18}")  # fmt: skip
    for row in rows:
        print(f"{row['storage']:<8} {row['megabytes']:>7} {row['seconds']:>8} "
              f"{row['mb_per_s']:>7} {row['worker_peak_before_mb']:>16} MB "
              f"{row['worker_peak_after_mb']:>15} MB")  # fmt: skip


if __name__ == "__main__":
    main()
