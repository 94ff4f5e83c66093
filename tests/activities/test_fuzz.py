"""The activity parsers fuzzed with generated files, through the upload itself: FIT, GPX
and TCX, each from valid files mutated (bytes flipped, cut short, chunks repeated,
numbers made huge or not numbers, the whole gzipped) and from grammars (XML trees of
hostile values and nesting; FIT definitions and records of any shape). Whatever is
sent, the answer is 201 or 200 with an activity, or 413 or 422 problem+json naming the
file; each case answers within the intake's budget (lowered to 2 s here) plus the
database's share, and the process's peak memory grows by less than ``MEMORY_MB``.

2,100 cases in all, in about a minute on an idle machine. They run once per CI run,
on SQLite (marker ``parsers``): the parsers never reach the database, and what they
answer does not depend on which one keeps the activities.
"""

import gzip
import os
import re
import resource
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape, quoteattr

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from academy.activities import intake
from academy.activities.samples import SteadyRun, gpx, tcx
from tests.activities import fitfile
from tests.activities.conftest import upload

pytestmark = pytest.mark.parsers

# Cases per fuzzer; raise it for a longer hunt (PARSER_FUZZ_SCALE=10).
SCALE = float(os.environ.get("PARSER_FUZZ_SCALE", "1"))
BUDGET_SECONDS = 2.0
# What a case may take beyond the budget: the upload's database work on a busy machine.
CASE_SECONDS = BUDGET_SECONDS + 2.0
MEMORY_MB = 150

START = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
# A four-minute run, a point every 10 s: small files, so that mutations reach every part.
SEED_RUN = SteadyRun(START, 240, 300, every=10)
SEEDS = {"fit": fitfile.steady(SEED_RUN), "gpx": gpx(SEED_RUN), "tcx": tcx(SEED_RUN)}

HOSTILE_NUMBERS = [
    "", " ", "0", "-0", "1e308", "-1e308", "1e309", "1e-400", "nan", "NaN", "inf", "-inf",
    "0x1F", "\uff11\uff12", "+5", ".5", "5.", "12,5", "1_000", "9" * 300, "1" * 1100, "-" * 20,
]  # fmt: skip
numbers = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**40), 10**40).map(str),
)
# Almost any text, XML's forbidden characters and lone surrogates included.
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


times = st.one_of(
    st.integers(-(10**6), 10**6).map(lambda s: _z(START + timedelta(seconds=s))),
    st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    st.sampled_from(["2026-02-30T07:00:00Z", "2026-03-10T25:00:00Z", "2026-03-10", "0000"]),
    texts,
)


# --- Mutations of valid files -----------------------------------------------------------

_XML_NUMBER = re.compile(rb'(?<=[>"])-?\d+(?:\.\d+)?(?=[<"])')


@st.composite
def mutated(draw, kind: str) -> bytes:
    """A valid file of ``kind`` changed one to four times, then perhaps gzipped (and the
    gzip perhaps changed too); a FIT perhaps given back its size and checksums, so that
    its values are read and not only its checksum refused."""
    data = bytearray(SEEDS[kind])
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        how = draw(st.sampled_from(["flip", "cut", "repeat", "drop", "number"]))
        at = draw(st.integers(0, len(data) - 1))
        if how == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif how == "cut":
            del data[at:]
        elif how == "repeat":
            end = draw(st.integers(at, min(len(data), at + 400)))
            data[at:at] = data[at:end] * draw(st.integers(1, 200))
        elif how == "drop":
            del data[at : draw(st.integers(at, len(data)))]
        elif kind == "fit":
            width, value = draw(
                st.sampled_from([(1, 0xFF), (1, 0x80), (2, 0xFFFF), (2, 0x8000), (4, 0xFFFFFFFF),
                                 (4, 0x7FFFFFFF), (4, 0x80000000), (4, 0x0FFFFFFF), (4, 0)])
            )  # fmt: skip
            data[at : at + width] = value.to_bytes(width, "little")
        else:
            found = list(_XML_NUMBER.finditer(data))
            if found:
                match = found[draw(st.integers(0, len(found) - 1))]
                data[match.start() : match.end()] = escape(draw(numbers)).encode()
    if kind == "fit" and len(data) >= 16 and draw(st.booleans()):
        data = bytearray(fitfile.reframed(bytes(data)))
    if draw(st.integers(0, 3)) == 0:
        data = bytearray(gzip.compress(bytes(data), mtime=0))
        if draw(st.booleans()):
            data[draw(st.integers(0, len(data) - 1))] ^= draw(st.integers(1, 255))
    return bytes(data)


# --- Grammars ---------------------------------------------------------------------------


def _element(tag: str, text: str) -> str:
    return f"<{tag}>{escape(text)}</{tag}>"


@st.composite
def junk(draw) -> str:
    """What a hostile document puts between a reader's elements: nesting of any depth,
    comments, CDATA, processing instructions, entities defined or not, foreign names."""
    return draw(
        st.one_of(
            st.integers(1, 40).map(lambda depth: "<x>" * depth + "</x>" * depth),
            st.integers(1, 40).map(lambda n: "<e a='1'/>" * n),
            texts.map(lambda text: f"<!--{escape(text).replace('--', '- -')}-->"),
            texts.map(lambda text: f"<![CDATA[{text.replace(']]>', '')}]]>"),
            st.just("<?pi some data?>"),
            st.sampled_from(["&amp;", "&lt;", "&#x10FFFF;", "&#0;", "&undefined;", "&#65;"]),
            st.builds(lambda name, value: f"<{name} {name}={quoteattr(value)}/>",
                      st.from_regex(r"\A[A-Za-z_][A-Za-z0-9_.\-]{0,10}\Z"), texts),
            st.just("<ns:odd xmlns:ns='urn:x'><ns:Time>1</ns:Time></ns:odd>"),
        )
    )  # fmt: skip


def _maybe(draw, text: str, tag: str) -> str:
    return _element(tag, text) if draw(st.booleans()) else ""


# Elevation, heart rate and cadence a body and a planet allow.
PLAUSIBLE = ((-50, 3000), (40, 210), (60, 100))


@st.composite
def pace(draw) -> tuple[int, float]:
    """A document's clean points: seconds between them, and metres a second."""
    return draw(st.integers(1, 5)), draw(st.floats(0, 6))


@st.composite
def gpx_point(draw, n: int, hostile: bool, every: int, speed: float) -> str:
    if not hostile or draw(st.integers(0, 3)):  # a point a run could have
        lat, lon = repr(51.5 + n * every * speed / 111_320), "-0.12"
        time = _z(START + timedelta(seconds=n * every))
        ele, hr, cad = (str(draw(st.integers(low, high))) for low, high in PLAUSIBLE)
    else:
        lat, lon, time = draw(numbers), draw(numbers), draw(times)
        ele, hr, cad = draw(numbers), draw(numbers), draw(numbers)
    extras = _maybe(draw, hr, "gpxtpx:hr") + _maybe(draw, cad, "gpxtpx:cad")
    return (
        f"<trkpt lat={quoteattr(lat)} lon={quoteattr(lon)}>{_maybe(draw, ele, 'ele')}"
        f"{_element('time', time) if not hostile or draw(st.integers(0, 5)) else ''}"
        f"<extensions><gpxtpx:TrackPointExtension>{extras}</gpxtpx:TrackPointExtension>"
        f"</extensions>{draw(junk()) if hostile and draw(st.integers(0, 3)) == 0 else ''}</trkpt>"
    )


@st.composite
def gpx_document(draw) -> str:
    hostile, (every, speed) = draw(st.booleans()), draw(pace())
    segments, n = [], 0
    for _ in range(draw(st.integers(1, 3))):
        points = []
        for _ in range(draw(st.integers(0, 30))):
            points.append(draw(gpx_point(n, hostile, every, speed)))
            n += 1
        segments.append(f"<trkseg>{''.join(points)}</trkseg>")
    kind = draw(texts) if hostile else "running"
    return _documented(
        draw,
        hostile,
        '<gpx version="1.1" creator="fuzz" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        f"{draw(junk()) if hostile and draw(st.booleans()) else ''}"
        f"<trk>{_element('type', kind)}{''.join(segments)}</trk></gpx>",
    )


@st.composite
def tcx_point(draw, n: int, hostile: bool, every: int, speed: float) -> str:
    if not hostile or draw(st.integers(0, 3)):
        time = _z(START + timedelta(seconds=n * every))
        distance = repr(round(n * every * speed, 2))
        lat, lon = repr(51.5 + n * every * speed / 111_320), "-0.12"
        altitude, hr, cadence = (str(draw(st.integers(low, high))) for low, high in PLAUSIBLE)
    else:
        time, distance, lat, lon = draw(times), draw(numbers), draw(numbers), draw(numbers)
        altitude, hr, cadence = draw(numbers), draw(numbers), draw(numbers)
    position = (
        f"<Position>{_element('LatitudeDegrees', lat)}{_element('LongitudeDegrees', lon)}"
        "</Position>"
        if draw(st.booleans())
        else ""
    )
    return (
        f"<Trackpoint>{_element('Time', time)}{position}"
        f"{_element('DistanceMeters', distance) if not hostile or draw(st.integers(0, 5)) else ''}"
        f"{_maybe(draw, altitude, 'AltitudeMeters')}"
        f"<HeartRateBpm>{_maybe(draw, hr, 'Value')}</HeartRateBpm>"
        f"<Extensions><TPX xmlns='http://www.garmin.com/xmlschemas/ActivityExtension/v2'>"
        f"{_maybe(draw, cadence, 'RunCadence')}</TPX></Extensions>"
        f"{draw(junk()) if hostile and draw(st.integers(0, 3)) == 0 else ''}</Trackpoint>"
    )


@st.composite
def tcx_document(draw) -> str:
    hostile, (every, speed) = draw(st.booleans()), draw(pace())
    laps, n = [], 0
    for _ in range(draw(st.integers(1, 3))):
        points = []
        for _ in range(draw(st.integers(0, 30))):
            points.append(draw(tcx_point(n, hostile, every, speed)))
            n += 1
        laps.append(f"<Lap StartTime='{_z(START)}'><Track>{''.join(points)}</Track></Lap>")
    sport = "Running"
    if hostile:
        sport = draw(st.sampled_from(["Running", "Biking", "Other", ""]) | texts)
    return _documented(
        draw,
        hostile,
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        f'TrainingCenterDatabase/v2"><Activities><Activity Sport={quoteattr(sport)}>'
        f"<Id>{_z(START)}</Id>{''.join(laps)}</Activity></Activities></TrainingCenterDatabase>",
    )


def _documented(draw, hostile: bool, root: str) -> str:
    """The declaration and, in a hostile document now and then, a DTD (to be refused)."""
    dtd = ""
    if hostile:
        dtd = draw(st.sampled_from(["", "", '<!DOCTYPE x [<!ENTITY e "ha">]>',
                                    '<!DOCTYPE x SYSTEM "file:///etc/passwd">']))  # fmt: skip
    return f'<?xml version="1.0" encoding="UTF-8"?>{dtd}{root}'


def _xml_bytes(document: str) -> bytes:
    return document.encode("utf-8", "surrogatepass")


BASE_TYPE_CODES = [code for code, _, _ in fitfile.BASE_TYPES.values()] + [0x07, 0x0D, 0x88, 0x89]
RECORD_FIELDS = [253, 0, 1, 2, 3, 4, 5, 6, 7, 13, 78]


@st.composite
def fit_records(draw) -> bytes:
    """Records a run could have, each field there or not: a file that should be read."""
    every, speed = draw(pace())
    first = fitfile.fit_time(START)
    body = [fitfile.define(0, fitfile.RECORD)]
    for n in range(draw(st.integers(0, 60))):
        metres = n * every * speed
        values = [
            first + n * every,
            round((51.5 + metres / 111_320) * 2**31 / 180),
            round(-0.12 * 2**31 / 180),
            round((draw(st.integers(*PLAUSIBLE[0])) + 500) * 5),
            draw(st.integers(*PLAUSIBLE[1])),
            draw(st.integers(*PLAUSIBLE[2])) // 2,
            round(metres * 100),
        ]
        for index in draw(st.sets(st.integers(1, 6), max_size=3)):
            values[index] = None
        body.append(fitfile.data(0, fitfile.RECORD, values))
    return fitfile.framed(b"".join(body))


@st.composite
def fit_document(draw) -> bytes:
    """FIT messages of any shape: definitions of any message with any fields (sizes
    that do not fit their type, big-endian, unknown types), data messages of defined and
    undefined local types with any bytes, compressed-timestamp records, and proper
    records with extreme values; checksums right, mostly. A third are records a run
    could have."""
    if draw(st.integers(0, 2)) == 0:
        return draw(fit_records())
    body, sizes = [], {}
    first = fitfile.fit_time(START)
    for n in range(draw(st.integers(1, 40))):
        how = draw(st.sampled_from(["define", "data", "record", "compressed", "raw"]))
        if how == "define":
            local = draw(st.integers(0, 15))
            fields = draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(RECORD_FIELDS) | st.integers(0, 255),
                        st.integers(0, 12),
                        st.sampled_from(BASE_TYPE_CODES) | st.integers(0, 255),
                    ),
                    max_size=12,
                )
            )
            number = draw(st.sampled_from([0, 18, 19, 20, 21, 23]) | st.integers(0, 0xFFFF))
            big = draw(st.booleans())
            body.append(fitfile.definition(local, number, fields, big_endian=big))
            sizes[local] = sum(size for _, size, _ in fields)
        elif how in ("data", "compressed") and sizes:
            local = draw(st.sampled_from(sorted(sizes)))
            size = sizes[local] if draw(st.integers(0, 7)) else draw(st.integers(0, 20))
            head = local
            if how == "compressed":  # local types 0-3 only, with a 5-bit time offset
                head = 0x80 | (local & 3) << 5 | draw(st.integers(0, 31))
            body.append(bytes([head]) + draw(st.binary(min_size=size, max_size=size)))
        elif how == "record":
            stamp = draw(
                st.just(first + n) | st.integers(0, 0xFFFFFFFF) | st.sampled_from([0, 0x0FFFFFFF])
            )
            values = (
                stamp,
                draw(st.integers(-(2**31), 2**31 - 1)),
                draw(st.integers(-(2**31), 2**31 - 1)),
                draw(st.integers(0, 0xFFFF)),
                draw(st.integers(0, 255)),
                draw(st.integers(0, 255)),
                draw(st.just(n * 300) | st.integers(0, 0xFFFFFFFF)),
            )
            record = fitfile.data(15, fitfile.RECORD, values)
            body.append(fitfile.define(15, fitfile.RECORD) + record)
        else:
            body.append(draw(st.binary(max_size=16)))
    return fitfile.framed(b"".join(body), with_crc=draw(st.integers(0, 5)) > 0)


# --- The fuzzing ------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.fixture
def fuzz(http, client_user, monkeypatch, capsys):
    """Send each generated file as an upload and hold its answer to the contract; answers
    the runner, which reports its cases when the test ends."""
    monkeypatch.setattr(intake, "READ_SECONDS", BUDGET_SECONDS)

    class Run:
        def __init__(self):
            self.statuses: Counter = Counter()
            self.slowest = 0.0
            self.start = time.perf_counter()
            self.memory = _peak_rss_mb()

        def send(self, data: bytes, name: str) -> None:
            began = time.perf_counter()
            response = upload(http, client_user, data, name)
            took = time.perf_counter() - began
            status = response.status_code
            assert status in (200, 201, 413, 422), response.get_data(as_text=True)[:500]
            body = response.get_json()
            if status >= 400:
                assert response.mimetype == "application/problem+json"
                assert list(body["errors"]) == ["file"], body
            else:
                assert body["format"] in ("fit", "gpx", "tcx")
                assert len(body["splits"]) <= intake.MAX_SPLITS
                assert 0 <= body["distance_m"] <= intake.MAX_DISTANCE_M
            assert took < CASE_SECONDS, (took, status, body)
            assert _peak_rss_mb() - self.memory < MEMORY_MB
            self.statuses[status] += 1
            self.slowest = max(self.slowest, took)

        def report(self, label: str, wanted: int) -> None:
            cases = sum(self.statuses.values())
            took = time.perf_counter() - self.start
            with capsys.disabled():
                print(
                    f"\nparsers fuzz, {label}: {cases} cases in {took:.1f} s, answers "
                    f"{dict(sorted(self.statuses.items()))}, slowest {self.slowest * 1000:.0f} ms,"
                    f" peak memory +{_peak_rss_mb() - self.memory:.0f} MB"
                )
            assert cases >= wanted

    return Run()


def _examples(count: int) -> int:
    return max(1, round(count * SCALE))


def _settings(count: int):
    return settings(
        max_examples=_examples(count),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


MUTATED = {"fit": 500, "gpx": 300, "tcx": 300}
GRAMMARS = {"fit": (fit_document, 400), "gpx": (gpx_document, 300), "tcx": (tcx_document, 300)}


@pytest.mark.parametrize("kind", sorted(MUTATED))
def test_a_valid_file_mutated_answers_within_the_contract(fuzz, kind):
    @_settings(MUTATED[kind])
    @given(mutated(kind))
    def case(data):
        fuzz.send(data, f"run.{kind}")

    case()

    fuzz.report(f"{kind.upper()} mutated", _examples(MUTATED[kind]))


@pytest.mark.parametrize("kind", sorted(GRAMMARS))
def test_a_file_from_the_grammar_answers_within_the_contract(fuzz, kind):
    strategy, count = GRAMMARS[kind]

    @_settings(count)
    @given(strategy())
    def case(document):
        data = document if isinstance(document, bytes) else _xml_bytes(document)
        fuzz.send(data, f"run.{kind}")

    case()

    fuzz.report(f"{kind.upper()} grammar", _examples(count))
