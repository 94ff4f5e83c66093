"""Drive one URL with wrk for a fixed time, and merge several such runs into figures.

wrk is a C load generator: it keeps the client side cheap, so on a small machine
the figures describe the server rather than the benchmark. ``report.lua`` makes it
print its totals and its whole latency histogram, so that runs of one endpoint
taken at different moments can be merged into exact percentiles.
"""

import json
import math
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPORT_SCRIPT = Path(__file__).with_name("report.lua")
MARKER = "BENCH_RESULT "
# wrk gives up on a request after this long and counts it as an error.
REQUEST_TIMEOUT_SECONDS = 5
# Beyond the run itself, how long wrk may take to start and report.
SLACK_SECONDS = 30
# take_turns: an unmeasured first run per target, then measured runs of this length.
WARMUP_SECONDS = 2
ROUND_SECONDS = 2


@dataclass(frozen=True)
class Sample:
    """One wrk run: its totals and how many requests took each latency."""

    requests: int
    duration_us: int
    errors: int  # socket errors, timeouts and answers other than 2xx/3xx
    latencies_us: Counter[int]


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


@dataclass(frozen=True)
class Target:
    """One thing to load: a URL with its headers and, for other than GETs, a script."""

    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    script: Path = REPORT_SCRIPT
    script_args: tuple[str, ...] = ()


def find_wrk() -> str | None:
    return shutil.which("wrk")


def take_turns(
    wrk: str,
    targets: Sequence[Target],
    *,
    seconds: int,
    connections: int,
    threads: int,
    progress: Callable[[str], None],
) -> dict[str, Figures]:
    """Each target's figures, loaded in turn, ROUND_SECONDS each, until each had ``seconds``.

    Taking turns spreads every target's measurement over the same stretch of time, so
    that other work on the machine weighs on all of them alike and their ratios stay
    fair. A warm-up run per target first keeps start-up costs out of the figures.
    """

    def load(target: Target, length: int) -> Sample:
        return run(
            wrk,
            target.url,
            target.headers,
            seconds=length,
            connections=connections,
            threads=threads,
            script=target.script,
            script_args=target.script_args,
        )

    progress(f"warming up, {WARMUP_SECONDS} s per target")
    for target in targets:
        load(target, WARMUP_SECONDS)
    samples: dict[str, list[Sample]] = {target.name: [] for target in targets}
    lengths = rounds(seconds)
    for number, length in enumerate(lengths, 1):
        progress(f"round {number}/{len(lengths)}, {length} s per target")
        for target in targets:
            samples[target.name].append(load(target, length))
    return {name: summarise(runs) for name, runs in samples.items()}


def rounds(seconds: int) -> list[int]:
    """``seconds`` cut into rounds of ROUND_SECONDS (wrk takes whole seconds)."""
    whole, rest = divmod(seconds, ROUND_SECONDS)
    return [ROUND_SECONDS] * whole + ([rest] if rest else [])


def run(
    wrk: str,
    url: str,
    headers: dict[str, str],
    *,
    seconds: int,
    connections: int,
    threads: int,
    script: Path = REPORT_SCRIPT,
    script_args: Sequence[str] = (),
) -> Sample:
    """Load ``url`` for ``seconds`` with ``connections`` open connections.

    ``script`` replaces the plain GETs by other requests; it must define report.lua's
    ``done``. wrk hands ``script_args`` to its ``init``.
    """
    command = [
        wrk,
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={REQUEST_TIMEOUT_SECONDS}s",
        f"--script={script}",
        *(f"--header={name}: {value}" for name, value in headers.items()),
        url,
        *(["--", *script_args] if script_args else []),
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + SLACK_SECONDS
    )
    return _parse(completed.stdout)


def _parse(output: str) -> Sample:
    line = next((line for line in output.splitlines() if line.startswith(MARKER)), None)
    if line is None:
        raise RuntimeError(f"wrk printed no {MARKER.strip()} line:\n{output}")
    report = json.loads(line.removeprefix(MARKER))
    return Sample(
        requests=report["requests"],
        duration_us=report["duration_us"],
        errors=report["errors"],
        latencies_us=Counter(dict(report["latency_us"])),
    )


def summarise(samples: list[Sample]) -> Figures:
    """Requests per second over the runs' total time; percentiles of all their requests."""
    latencies = sum((sample.latencies_us for sample in samples), Counter())
    requests = sum(sample.requests for sample in samples)
    seconds = sum(sample.duration_us for sample in samples) / 1e6
    return Figures(
        requests_per_second=requests / seconds,
        p50_ms=_percentile(latencies, 50) / 1000,
        p99_ms=_percentile(latencies, 99) / 1000,
        requests=requests,
        errors=sum(sample.errors for sample in samples),
    )


def _percentile(histogram: Counter[int], percent: float) -> int:
    """The smallest latency that at least ``percent`` % of the requests did not exceed."""
    rank = max(1, math.ceil(histogram.total() * percent / 100))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise ValueError("no latencies recorded")
