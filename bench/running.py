"""Running benchmarks, in-process (Flask's test client), on SQLite or ``DATABASE_URL``:

1. Parsing a one-hour FIT file (a point a second) and answering its upload, p50.
2. ``GET /clients/{id}/load`` (90 days) for a client with 500 check-ins, p50, on a
   database with only theirs and again once it holds 100,000 check-ins (199 other
   clients' besides): the second should stay within 1.5x of the first.

Run: ``PYTHONPATH=. .venv/bin/python -m bench.running``.
"""

import io
import os
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import upgrade

from academy import create_app
from academy.activities import parsing
from academy.auth.models import Academy, User
from academy.auth.service import _issue
from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.extensions import db

HOUR_FIT = Path(__file__).resolve().parent.parent / "tests/activities/files/one-hour.fit"
TOTAL_CHECK_INS = 100_000
PER_CLIENT = 500


def _p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _timed(call, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def _person(academy: Academy, role: str, n: int) -> User:
    user = User(academy_id=academy.id, role=role, name=f"{role} {n}", email=f"{role}{n}@b.test",
                password_hash=None, status="active", timezone="UTC")  # fmt: skip
    db.session.add(user)
    db.session.flush()
    if role == "client":
        db.session.add(Client(id=user.id, academy_id=academy.id, status="active"))
    return user


def _check_ins(academy_id: int, client_id: int, today: date) -> list[dict]:
    now = datetime.now(UTC)
    return [
        {"academy_id": academy_id, "client_id": client_id, "date": today - timedelta(days=n),
         "completed": True, "rpe": 3 + n % 6, "duration_minutes": 30 + n % 40,
         "run_distance_km": 5 + n % 10, "notes": "", "version": 1, "created_at": now,
         "updated_at": now}
        for n in range(PER_CLIENT)
    ]  # fmt: skip


def main() -> None:
    folder = tempfile.mkdtemp(prefix="academy-running-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "FILE_STORAGE_PATH": f"{folder}/files",
                      "LOG_LEVEL": "WARNING"})  # fmt: skip
    with app.app_context():
        db.drop_all()
        db.session.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
        academy = Academy(name="Bench")
        db.session.add(academy)
        db.session.flush()
        coach, runner = _person(academy, "owner", 0), _person(academy, "client", 1)
        db.session.flush()
        coach_token, runner_token = _issue(coach).access_token, _issue(runner).access_token
        db.session.commit()
        http = app.test_client()

        data = HOUR_FIT.read_bytes()
        parse = _timed(lambda: parsing.parse(data), 20)

        def upload_and_tidy():
            start = time.perf_counter()
            response = http.post(
                "/api/v1/me/activities", data={"file": (io.BytesIO(data), "hour.fit")},
                headers={"Authorization": f"Bearer {runner_token}"},
                content_type="multipart/form-data",
            )  # fmt: skip
            took = time.perf_counter() - start
            assert response.status_code == 201, response.get_data(as_text=True)
            db.session.execute(sa.text("DELETE FROM activities"))
            db.session.execute(sa.text("DELETE FROM audit_entries"))
            db.session.execute(sa.text("DELETE FROM check_ins"))
            db.session.commit()
            return took

        uploads = [upload_and_tidy() for _ in range(20)]
        print(f"one-hour FIT ({len(data):,} bytes, 3,601 points): parse p50 "
              f"{_p50(parse):.0f} ms; POST /me/activities p50 {_p50(uploads):.0f} ms")  # fmt: skip

        today = date.today()
        db.session.execute(sa.insert(CheckIn.__table__), _check_ins(academy.id, runner.id, today))
        db.session.commit()
        path = f"/api/v1/clients/{runner.id}/load"
        headers = {"Authorization": f"Bearer {coach_token}"}

        def load():
            response = http.get(path, headers=headers)
            assert response.status_code == 200

        _timed(load, 5)
        small = _timed(load, 50)
        others = [_person(academy, "client", n) for n in range(2, 2 + 199)]
        db.session.flush()
        for other in others:
            db.session.execute(
                sa.insert(CheckIn.__table__), _check_ins(academy.id, other.id, today)
            )
        db.session.commit()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(CheckIn))
        _timed(load, 5)
        large = _timed(load, 50)
        ratio = _p50(large) / _p50(small)
        print(f"GET /clients/{{id}}/load: p50 {_p50(small):.1f} ms with {PER_CLIENT} check-ins; "
              f"{_p50(large):.1f} ms with {total:,} ({ratio:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
