"""Time writing and copying the largest program Academy accepts (2,000 items).

For each database: a fresh one, migrated, with the catalogue; a coach signs up; then
the largest allowed program is created with ``POST /programs`` and copied with
``POST /programs/{id}/copy``, in two shapes (few full sessions, and many short ones),
a few times each, through the API in-process. Prints the median and the slowest time
of each. The target: every write and every copy under 2 seconds.

    .venv/bin/python bench/largest_program.py [--repeat 3] [--databases sqlite,postgresql]

Exits 0 when every time meets the target, 1 otherwise.
"""

import argparse
import statistics
import sys
import time

import options as bench_options
import seed

from academy.programs.schemas import MAX_ITEMS, MAX_ITEMS_PER_SESSION, MAX_WEEKS

TARGET_SECONDS = 2.0
# (sessions, items in each): 50 full sessions, or a session on almost every day.
SHAPES = {
    "50 sessions x 40 items": (MAX_ITEMS // MAX_ITEMS_PER_SESSION, MAX_ITEMS_PER_SESSION),
    "334 sessions x 6 items": (334, 6),
}


def _program(exercises: list[dict], sessions: int, per_session: int) -> dict:
    slots = [(week, day) for week in range(1, MAX_WEEKS + 1) for day in range(1, 8)]
    items = iter(range(MAX_ITEMS))
    document = []
    for week, day in slots[:sessions]:
        picked = [next(items, None) for _ in range(per_session)]
        document.append(
            {
                "week": week,
                "day": day,
                "title": f"Week {week}, day {day}",
                "items": [
                    seed.item(exercises[n % len(exercises)]) for n in picked if n is not None
                ],
            }
        )
    return {"name": "The largest program", "weeks": MAX_WEEKS, "sessions": document}


def _timed(http, path: str, body: dict, token: str) -> tuple[dict, float]:
    """One POST's answer and how long it took."""
    started = time.perf_counter()
    answer = seed.call(http, "POST", path, body, token=token)
    return answer, time.perf_counter() - started


def _bench(kind: str, options) -> list[dict]:
    rows = []
    with (
        seed.fresh_database(kind, options.postgresql_url, "academy_bench_programs") as url,
        seed.migrated_app(url) as app,
    ):
        http = app.test_client()
        token = seed.call(
            http,
            "POST",
            "/auth/signup",
            {
                "academy_name": "Bench Running Academy",
                "name": "Bea Bench",
                "email": "coach@bench.test",
                "password": seed.PASSWORD,
            },
        )["access_token"]
        exercises = seed.call(http, "GET", "/exercises?page_size=100", token=token)
        for shape, (sessions, per_session) in SHAPES.items():
            body = _program(exercises, sessions, per_session)
            times: dict[str, list[float]] = {"create": [], "copy": []}
            for _ in range(options.repeat):
                program, took = _timed(http, "/programs", body, token)
                times["create"].append(took)
                times["copy"].append(_timed(http, f"/programs/{program['id']}/copy", {}, token)[1])
            rows.extend(
                {
                    "database": kind,
                    "shape": shape,
                    "operation": operation,
                    "median_s": round(statistics.median(taken), 3),
                    "slowest_s": round(max(taken), 3),
                }
                for operation, taken in times.items()
            )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=bench_options.positive, default=3)
    parser.add_argument(
        "--databases", type=lambda text: text.split(","), default=list(bench_options.DATABASES)
    )
    parser.add_argument("--postgresql-url", default="postgresql://postgres@127.0.0.1:5432")
    options = parser.parse_args()
    rows = [row for kind in options.databases for row in _bench(kind, options)]
    print(f"{'database':<11} {'program':<24} {'operation':<9} {'median':>8} {'slowest':>8}")
    for row in rows:
        print(
            f"{row['database']:<11} {row['shape']:<24} {row['operation']:<9}"
            f" {row['median_s']:>7.2f}s {row['slowest_s']:>7.2f}s"
        )
    met = all(row["slowest_s"] < TARGET_SECONDS for row in rows)
    print(
        f"\nTarget: every write and copy under {TARGET_SECONDS:.0f} s: {'met' if met else 'MISSED'}"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
