"""How fast each decoder reads a watch's file: megabytes a second of CPU time, per
decoder and format, on files made like the tests' corpus (``tests/activities/corpus``).

- FIT: a run recorded every second with every sensor (``long_run``: 48 hours is 9.7
  MB, the upload's bound). fitfast (compiled, rustyfit), fitdecode and garmin-fit-sdk
  (pure Python), and fitparse and pyfitparsernative when installed, each reading every
  record's fields; then Academy's whole reading (``parsing.parse``: the decoder, the
  bounds, glitches, distance, splits).
- GPX and TCX: a steady run a point a second with heart rate and cadence. gpxpy's
  parser (the whole document as objects) and the standard library's ElementTree
  against Academy's reading (expat as a stream, ``intake.xml_elements``).

CPU time (``time.process_time``), the best of ``--repeat`` reads, so that other work
on the machine weighs little. The pure-Python FIT decoders read a shorter file
(``--slow-hours``): they take some four seconds a megabyte. ``--code DIR`` also times
another checkout's ``parsing.parse`` on the same files, to compare before and after:

    mkdir /tmp/academy-main && git archive main | tar -x -C /tmp/academy-main
    PYTHONPATH=. .venv/bin/python -m bench.decoders --code /tmp/academy-main
"""

import argparse
import io
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree

from academy.activities import intake, parsing
from academy.activities.samples import SteadyRun, gpx, tcx
from tests.activities.corpus import long_run


def _cpu(read, data: bytes, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.process_time()
        read(data)
        best = min(best, time.process_time() - began)
    return best


def _fitfast(data: bytes) -> None:
    import fitfast

    fitfast.message_counts(data)
    fitfast.records(data, "record")


def _fitdecode(data: bytes) -> None:
    import fitdecode

    for frame in fitdecode.FitReader(io.BytesIO(data)):
        if frame.frame_type == fitdecode.FIT_FRAME_DATA:
            {field.name: field.value for field in frame.fields}


def _garmin(data: bytes) -> None:
    from garmin_fit_sdk import Decoder, Stream

    Decoder(Stream.from_byte_array(bytearray(data))).read()


def _fitparse(data: bytes) -> None:
    import fitparse

    for message in fitparse.FitFile(io.BytesIO(data)).get_messages():
        message.get_values()


def _pyfitparsernative(data: bytes) -> None:
    import pyfitparsernative

    pyfitparsernative.parse_fit_bytes(data)


def _gpxpy(data: bytes) -> None:
    import gpxpy

    gpxpy.parse(data.decode())


def _elementtree(data: bytes) -> None:
    ElementTree.fromstring(data)


def _academy_stream(reader):
    def read(data: bytes) -> None:
        budget = intake.Budget(3600)
        reader(intake.opened(data, budget), budget)

    return read


def _installed(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _files(hours: float, slow_hours: float, xml_hours: float) -> dict[str, bytes]:
    run = SteadyRun(datetime(2026, 3, 9, 6, tzinfo=UTC), round(xml_hours * 3600), 330, every=1)
    return {
        "fit": long_run(hours),
        "fit (short)": long_run(slow_hours),
        "gpx": gpx(run),
        "tcx": tcx(run),
    }


_BEFORE = """
import sys, time
from academy.activities import intake, parsing
intake.READ_SECONDS = 3600.0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    best = float("inf")
    for _ in range({repeat}):
        began = time.process_time()
        try:
            parsing.parse(data)
            answer = "read"
        except parsing.UnreadableFile as error:
            answer = f"refused: {{error}}"
        best = min(best, time.process_time() - began)
    print(path, best, answer[:80])
"""


def main() -> None:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--hours", type=float, default=48, help="the FIT file's hours")
    options.add_argument("--xml-hours", type=float, default=4, help="the GPX and TCX files'")
    options.add_argument("--slow-hours", type=float, default=2, help="for pure-Python FIT")
    options.add_argument("--repeat", type=int, default=3)
    options.add_argument("--code", type=Path, help="another checkout to time parse() of")
    args = options.parse_args()
    intake.READ_SECONDS = 3600.0  # measured here, not bounded
    files = _files(args.hours, args.slow_hours, args.xml_hours)
    measured = [
        ("fit", "fitfast 0.1 (rustyfit, compiled)", _fitfast, "fit", "fitfast"),
        ("fit", "fitdecode (pure Python)", _fitdecode, "fit (short)", "fitdecode"),
        ("fit", "garmin-fit-sdk (pure Python)", _garmin, "fit (short)", "garmin_fit_sdk"),
        ("fit", "fitparse (pure Python)", _fitparse, "fit (short)", "fitparse"),
        ("fit", "pyfitparsernative (compiled)", _pyfitparsernative, "fit", "pyfitparsernative"),
        ("fit", "Academy: parsing.parse", parsing.parse, "fit", None),
        ("gpx", "gpxpy.parse (whole document)", _gpxpy, "gpx", "gpxpy"),
        ("gpx", "ElementTree.fromstring (whole document)", _elementtree, "gpx", None),
        ("gpx", "Academy: expat stream (reader only)", _academy_stream(parsing._gpx), "gpx", None),
        ("gpx", "Academy: parsing.parse", parsing.parse, "gpx", None),
        ("tcx", "ElementTree.fromstring (whole document)", _elementtree, "tcx", None),
        ("tcx", "Academy: expat stream (reader only)", _academy_stream(parsing._tcx), "tcx", None),
        ("tcx", "Academy: parsing.parse", parsing.parse, "tcx", None),
    ]
    print(f"{'format':6} {'decoder':44} {'MB':>6} {'CPU s':>7} {'MB/s':>7}")
    for kind, name, read, file, module in measured:
        if module and not _installed(module):
            print(f"{kind:6} {name:44} (not installed)")
            continue
        data = files[file]
        repeat = 1 if file == "fit (short)" else args.repeat
        seconds = _cpu(read, data, repeat)
        megabytes = len(data) / 2**20
        print(f"{kind:6} {name:44} {megabytes:6.2f} {seconds:7.2f} {megabytes / seconds:7.2f}")
    if args.code:
        with tempfile.TemporaryDirectory() as folder:
            paths = []
            for kind in ("fit", "gpx", "tcx"):
                path = Path(folder) / f"bench.{kind}"
                path.write_bytes(files[kind])
                paths.append(str(path))
            found = subprocess.run(
                [sys.executable, "-c", _BEFORE.format(repeat=1), *paths],
                env={"PYTHONPATH": str(args.code)},
                cwd=args.code,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for line in found.splitlines():
                path, seconds, answer = line.split(" ", 2)
                megabytes = Path(path).stat().st_size / 2**20
                kind = Path(path).suffix[1:]
                name = f"{args.code}: parsing.parse ({answer})"
                print(f"{kind:6} {name[:44]:44} {megabytes:6.2f} {float(seconds):7.2f} "
                      f"{megabytes / float(seconds):7.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
