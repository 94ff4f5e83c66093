"""What the benchmark scripts share: their command line, progress lines, the checks
and signals around a run, and the file its figures go to."""

import argparse
import json
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import loadgen

DATABASES = ("sqlite", "postgresql")
# A one-minute load average above one per CPU: other work is competing for the machine.
BUSY_LOAD_PER_CPU = 1.0
# wrk's threads share the machine with the servers; two suffice to keep them busy.
WRK_THREADS = 2


def parse(description: str, postgresql_databases: str) -> argparse.Namespace:
    """--seconds, --databases, --workers, --concurrency and --postgresql-url."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--seconds", type=positive, default=10, help="load time per target")
    parser.add_argument(
        "--databases",
        type=lambda text: text.split(","),
        default=list(DATABASES),
        help="comma-separated, from: " + ",".join(DATABASES),
    )
    parser.add_argument("--workers", type=positive, default=2, help="gunicorn workers per server")
    parser.add_argument("--concurrency", type=positive, default=8, help="open connections")
    parser.add_argument(
        "--postgresql-url",
        default="postgresql://postgres@127.0.0.1:5432",
        help=f"the server on which to (re)create the {postgresql_databases} database(s)",
    )
    options = parser.parse_args()
    unknown = set(options.databases) - set(DATABASES)
    if unknown:
        parser.error(f"unknown databases: {', '.join(sorted(unknown))}")
    return options


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return number


def wrk_threads(options: argparse.Namespace) -> int:
    return min(WRK_THREADS, options.concurrency)


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def warn_if_busy() -> float:
    """The load average at the start. Other work on the machine lowers every figure;
    taking turns keeps the ratios fair, but the absolute figures then mean little."""
    load = os.getloadavg()[0]
    cpus = os.cpu_count() or 1
    if load > BUSY_LOAD_PER_CPU * cpus:
        progress(
            f"warning: the load average is {load:.1f} on {cpus} CPUs before starting;"
            " other work will skew the figures"
        )
    return load


def stop_on(*signals: signal.Signals) -> None:
    """Unwind on these signals as on Ctrl-C: every server started is stopped and every
    database created is dropped."""

    def stop(signum: int, _frame) -> None:
        progress(f"stopping on {signal.Signals(signum).name}")
        raise SystemExit(128 + signum)

    for number in signals:
        signal.signal(number, stop)


def write_results(
    path: Path, options: argparse.Namespace, load_at_start: float, figures: dict
) -> None:
    """Write ``figures`` to ``path`` as JSON, with when and how they were measured."""
    settings = {
        "seconds": options.seconds,
        "warmup_seconds": loadgen.WARMUP_SECONDS,
        "round_seconds": loadgen.ROUND_SECONDS,
        "workers": options.workers,
        "concurrency": options.concurrency,
        "wrk_threads": wrk_threads(options),
        "cpus": os.cpu_count(),
        "load_average_at_start": round(load_at_start, 2),
    }
    document = {
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "settings": settings,
        **figures,
    }
    # default=str: some figures hold dates (an explained statement's parameters).
    path.write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"\nFigures written to {os.path.relpath(path)}")
