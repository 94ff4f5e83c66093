"""Reading a watch's activity file into its legs, and each leg into a summary with
per-kilometre splits: FIT with fitfast (the rustyfit decoder, compiled: a 10 MB file
in well under a second, where the pure-Python decoders took four seconds a megabyte);
GPX and TCX from their elements, read as a stream (GPX times with gpxpy).

Every reader reads through ``academy.activities.intake``: the file's bytes as a
bounded stream (gzip undone within its bound), XML as a stream of trackpoints, a FIT
file's messages counted before any is decoded into Python, each point and message
counted against its bound and the upload's time budget. A reader answers the file's
legs (``Leg``): one per sport of a multisport file, transitions left out. Each leg is
then held to what an activity of its sport can be before its summary is computed.

How a leg is read:

- **Segments.** A GPX track or track segment, a TCX track, the records of a FIT file
  between two timer stops: the watch recorded without a break within one. Distance
  is summed within segments, never across the gap between two, and no time between
  two segments is moving time.
- **Distance** is the watch's own (FIT records' and TCX trackpoints' cumulative
  distance), or else the way between the points' positions. A pool swim without
  either takes its distance from its lengths (FIT ``length`` messages, the active
  ones, times the pool's length) or else its laps.
- **Glitches.** A point further from the last one kept than its sport's top speed
  reaches is dropped (``intake.kept_points``).
- **Moving time** is the time between two points of a segment at most
  ``PAUSE_SECONDS`` apart, at ``MOVING_SPEED`` or faster where the leg has a distance
  (where it has none, a treadmill without a footpod or a strength session, every such
  stretch counts); a pool swim's is the time of its active lengths.
- **Cadence** on foot is steps a minute (the watch counts one foot's strides, doubled
  here); in the other sports it is kept as the watch counts it (pedal revolutions,
  strokes) and never doubled.
- **A watch whose clock was never set** writes FIT times below 0x10000000, seconds
  since it was switched on. They are read against the first absolute time the file
  holds: a ``timestamp_correlation`` message, the first record whose time is a date,
  the file's ``time_created``, or the earliest ``device_info`` time; a file with none
  is refused.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import fitfast
import gpxpy.gpx
import gpxpy.gpxfield
import numpy as np

from academy.activities import intake, sports
from academy.activities.intake import Budget, TooLarge, UnreadableFile, too_many

__all__ = ["Budget", "TooLarge", "UnreadableFile", "parse"]

# Points further apart than this are a pause, not moving time.
PAUSE_SECONDS = 30
# Slower than this between two points is standing still.
MOVING_SPEED = 0.5  # m/s
# What a body and a planet allow: readings outside these are a sensor's noise, and
# left out.
HEART_RATE = (20, 260)
CADENCE = (1, 300)
LATITUDE = (-90.0, 90.0)
LONGITUDE = (-180.0, 180.0)
ELEVATION = (-500.0, 9_000.0)
# gpxpy's earth, so that a distance reads alike whichever measures it.
_EARTH_RADIUS = 6378137.0
_NAN = math.nan


@dataclass(slots=True)
class Pool:
    """A swim's track from its lengths or laps: at each one's end, the time (Unix
    seconds) and the metres swum so far; and the time spent swimming."""

    seconds: np.ndarray
    metres: np.ndarray
    moving: float


@dataclass(slots=True)
class Leg:
    """One sport's part of a file as read: its points' columns, in any order (NaN
    where a point has no such reading). ``segment`` numbers the stretches the watch
    recorded without a break; ``distance`` is cumulative metres as the watch recorded
    them; ``cadence`` as the watch counts it."""

    sport: str
    seconds: np.ndarray
    segment: np.ndarray
    distance: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    elevation: np.ndarray
    hr: np.ndarray
    cadence: np.ndarray
    pool: Pool | None = None


class _Counter:
    """How many of one thing a reader has met, refused past its bound."""

    __slots__ = ("bound", "count", "what")

    def __init__(self, bound: int, what: str):
        self.bound, self.what, self.count = bound, what, 0

    def add(self) -> None:
        self.count += 1
        if self.count > self.bound:
            raise too_many(self.bound, self.what)


class _Points:
    """A streamed file's points, column by column, each with the part of the file it
    belongs to (a GPX track, a TCX activity) and its segment."""

    FIELDS = ("seconds", "segment", "distance", "lat", "lon", "elevation", "hr", "cadence")

    def __init__(self):
        self.part: list[int] = []
        self.columns: dict[str, list] = {name: [] for name in self.FIELDS}

    def add(self, part: int, segment: int, moment: datetime, **values) -> None:
        if len(self.part) >= intake.MAX_POINTS:
            raise too_many(intake.MAX_POINTS, "points")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        self.part.append(part)
        columns = self.columns
        columns["seconds"].append(moment.timestamp())
        columns["segment"].append(segment)
        for name in self.FIELDS[2:]:
            value = values.get(name)
            columns[name].append(_NAN if value is None else value)

    def legs(self, sports_of_parts: list[str | None], *, joined: bool = True) -> list[Leg]:
        """A leg for each part, or with ``joined`` for each run of consecutive parts of
        one sport; a part whose sport is None (a transition) is left out."""
        part = np.asarray(self.part, dtype=np.int64)
        arrays = {
            name: np.asarray(values, dtype=np.int64 if name == "segment" else np.float64)
            for name, values in self.columns.items()
        }
        legs, start = [], 0
        for index in range(1, len(sports_of_parts) + 1):
            if (
                joined
                and index < len(sports_of_parts)
                and sports_of_parts[index] == sports_of_parts[start]
            ):
                continue
            sport = sports_of_parts[start]
            if sport is not None:
                inside = (part >= start) & (part < index)
                parts = {name: array[inside] for name, array in arrays.items()}
                legs.append(Leg(sport, **parts))  # type: ignore[arg-type]  # arrays by name
            start = index
        return legs


def _decoded(decode: Callable, *args):
    """A FIT decoder's answer. Whatever the decoder trips on in hostile bytes (its own
    error, or a panic of its compiled core) means the file is broken."""
    try:
        return decode(*args)
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException as error:  # a compiled decoder's panic is no Exception
        raise UnreadableFile("The FIT file is broken.") from error


# FIT counts seconds from 1989-12-31 00:00 UTC; the decoder answers Unix seconds.
_FIT_EPOCH = 631_065_600
# Below this a FIT time counts from the device's power-on; from this up (as a signed
# number, below zero) it is no date either.
_FIT_ABSOLUTE = 0x10000000
_FIT_SIGNED = 0x80000000
# FIT ``event`` 0 is the timer; its ``event_type`` 0 starts it, these stop it.
_TIMER_STOPS = (1.0, 4.0, 8.0, 9.0)  # stop, stop_all, stop_disable, stop_disable_all
_CLOCK_NEVER_SET = (
    "The watch's clock was never set: the file's times count from when it was switched "
    "on, and none is a date and time."
)


def _column(table: dict, name: str, count: int) -> np.ndarray:
    column = table.get(name)
    return np.full(count, _NAN) if column is None else np.asarray(column, dtype=np.float64)


def _rows(table: dict) -> int:
    return len(next(iter(table.values()))) if table else 0


class _FitClock:
    """A FIT file's times as Unix seconds, relative ones moved by the offset of the
    file's first absolute time."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    @staticmethod
    def fit_seconds(unix: np.ndarray) -> np.ndarray:
        """FIT seconds, those written as negative numbers below zero."""
        fit = unix - _FIT_EPOCH
        return np.where(fit >= _FIT_SIGNED, fit - 2**32, fit)

    @staticmethod
    def relative(unix: np.ndarray) -> np.ndarray:
        fit = _FitClock.fit_seconds(unix)
        return ~np.isnan(fit) & (fit < _FIT_ABSOLUTE)

    def __call__(self, unix: np.ndarray) -> np.ndarray:
        fit = self.fit_seconds(unix)
        return np.where(fit < _FIT_ABSOLUTE, fit + self.offset, fit) + _FIT_EPOCH


def _fit_clock(record_times: np.ndarray, other_times: np.ndarray, read) -> _FitClock:
    """The clock to read a FIT file's times by: as written when they are dates, else
    against the first absolute time the file holds."""
    everything = np.concatenate([record_times, other_times])
    relative = _FitClock.relative(everything)
    if not relative.any():
        return _FitClock()
    fit = _FitClock.fit_seconds(everything)
    first_relative = float(fit[relative].min())
    correlation = read("timestamp_correlation")
    if correlation:
        absolute = _FitClock.fit_seconds(_column(correlation, "timestamp", 1)[:1])
        device = _FitClock.fit_seconds(_column(correlation, "system_timestamp", 1)[:1])
        if absolute[0] >= _FIT_ABSOLUTE and device[0] < _FIT_ABSOLUTE:
            return _FitClock(float(absolute[0] - device[0]))
    records = _FitClock.fit_seconds(record_times)
    timed = ~np.isnan(records)
    records, in_order = records[timed], _FitClock.relative(record_times[timed])
    changes = np.flatnonzero(in_order[1:] != in_order[:-1])
    if len(changes):
        # The clock was set while recording: the records either side of the change
        # are one recording interval apart.
        before, after = int(changes[0]), int(changes[0]) + 1
        steps = np.diff(records[in_order]) if in_order.sum() > 1 else np.array([1.0])
        step = max(float(np.median(steps)), 1.0)
        if in_order[before]:
            return _FitClock(float(records[after] - step - records[before]))
        return _FitClock(float(records[before] + step - records[after]))
    for kind, field in (("file_id", "time_created"), ("device_info", "timestamp")):
        table = read(kind)
        times = _FitClock.fit_seconds(_column(table, field, _rows(table)))
        absolute = times[~np.isnan(times) & (times >= _FIT_ABSOLUTE)]
        if len(absolute):
            # Written when the recording began.
            return _FitClock(float(absolute.min()) - first_relative)
    raise UnreadableFile(_CLOCK_NEVER_SET)


def _fit(stream, budget: Budget) -> list[Leg]:
    data = stream.read(intake.MAX_FIT_BYTES + 1)
    if len(data) > intake.MAX_FIT_BYTES:
        raise TooLarge(f"The FIT file is larger than {intake.MAX_FIT_BYTES // 2**20} MB.")
    counts = _decoded(fitfast.message_counts, data)
    budget.check()
    if sum(counts.values()) > intake.MAX_FIT_MESSAGES:
        raise too_many(intake.MAX_FIT_MESSAGES, "FIT messages")
    for kind, bound, what in (
        ("lap", intake.MAX_LAPS, "laps"),
        ("record", intake.MAX_POINTS, "points"),
        ("length", intake.MAX_POINTS, "lengths"),
        ("session", intake.MAX_SEGMENTS, "sessions"),
    ):
        if counts.get(kind, 0) > bound:
            raise too_many(bound, what)

    def read(kind: str) -> dict:
        if not counts.get(kind):
            return {}
        table = _decoded(fitfast.records, data, kind)
        budget.check()
        return table

    records, sessions, events, lengths = (read(k) for k in ("record", "session", "event", "length"))
    count = _rows(records)
    times = _column(records, "timestamp", count)
    session_times = [
        _column(sessions, name, _rows(sessions)) for name in ("start_time", "timestamp")
    ]
    clock = _fit_clock(times, np.concatenate(session_times), read)
    times = clock(times)

    legs_sports, starts, ends, pools = _fit_sessions(sessions, read, clock)
    # A record belongs to the leg whose session holds its time (a leg's, rather than a
    # transition's, where two meet), else to the last session begun before it.
    boundaries = np.nan_to_num(starts[1:], nan=np.inf)
    leg_of = np.searchsorted(boundaries, times, side="right")
    for index, sport in enumerate(legs_sports):
        if sport is not None:
            leg_of[(times >= starts[index]) & (times <= ends[index])] = index
    segment, keep = _timer_segments(events, clock, times)

    cadence = _column(records, "cadence", count)
    fraction = records.get("fractional_cadence")
    if fraction is not None:
        cadence = cadence + np.nan_to_num(np.asarray(fraction, dtype=np.float64))
    elevation = _column(records, "enhanced_altitude", count)
    elevation = np.where(np.isnan(elevation), _column(records, "altitude", count), elevation)
    columns = {
        "seconds": times,
        "segment": segment,
        "distance": _column(records, "distance", count),
        "lat": _column(records, "position_lat", count),
        "lon": _column(records, "position_long", count),
        "elevation": elevation,
        "hr": _column(records, "heart_rate", count),
        "cadence": cadence,
    }
    swim_lengths = None
    legs = []
    for index, sport in enumerate(legs_sports):
        if sport is None:
            continue
        inside = keep & (leg_of == index)
        leg = Leg(sport, **{name: column[inside] for name, column in columns.items()})
        if sport == "swimming":
            if swim_lengths is None:
                swim_lengths = _fit_lengths(lengths, read("lap") if not lengths else {}, clock)
            leg.pool = _pool(swim_lengths, starts, index, float(pools[index]))
        legs.append(leg)
    return legs


def _fit_sessions(sessions: dict, read, clock: _FitClock) -> tuple:
    """The legs of a FIT file, one a session in time order: each one's sport (None for
    a transition), start, end (Unix seconds) and pool length. A file without sessions
    is one leg of the sport its ``sport`` message names."""
    if not sessions:
        described = read("sport")
        sport = _column(described, "sport", 1)[0]
        sub_sport = _column(described, "sub_sport", 1)[0]
        only = sports.from_fit(_int(sport), _int(sub_sport))
        return [only], np.array([-np.inf]), np.array([np.inf]), np.array([_NAN])
    rows = _rows(sessions)
    elapsed = _column(sessions, "total_elapsed_time", rows)
    ended = clock(_column(sessions, "timestamp", rows))
    starts = clock(_column(sessions, "start_time", rows))
    starts = np.where(np.isnan(starts), ended - elapsed, starts)
    ends = np.where(np.isnan(elapsed), ended, starts + elapsed)
    order = np.argsort(starts, kind="stable")
    numbers = _column(sessions, "sport", rows)[order].tolist()
    subs = _column(sessions, "sub_sport", rows)[order].tolist()
    legs_sports = [
        None if number == sports.FIT_TRANSITION else sports.from_fit(_int(number), _int(sub))
        for number, sub in zip(numbers, subs, strict=True)
    ]
    if sum(sport is not None for sport in legs_sports) > intake.MAX_LEGS:
        raise too_many(intake.MAX_LEGS, "legs")
    pools = _column(sessions, "pool_length", rows)[order]
    return legs_sports, starts[order], ends[order], pools


def _timer_segments(events: dict, clock: _FitClock, times: np.ndarray) -> tuple:
    """Each record's segment (the timer's stops and starts part them) and whether it
    is kept: a record while the timer was stopped is not, nor one without a time."""
    segment = np.zeros(len(times), dtype=np.int64)
    keep = ~np.isnan(times)
    if not events:
        return segment, keep
    rows = _rows(events)
    is_timer = _column(events, "event", rows) == 0
    kinds = _column(events, "event_type", rows)[is_timer]
    at = clock(_column(events, "timestamp", rows))[is_timer]
    order = np.argsort(at, kind="stable")
    pauses, stopped_at = [], None
    for moment, kind in zip(at[order].tolist(), kinds[order].tolist(), strict=True):
        if kind in _TIMER_STOPS and stopped_at is None:
            stopped_at = moment
        elif kind == 0 and stopped_at is not None:
            pauses.append((stopped_at, moment))
            stopped_at = None
    if stopped_at is not None:
        pauses.append((stopped_at, math.inf))
    if pauses:
        begun, ended = np.array(pauses).T
        segment = np.searchsorted(ended, times, side="right")
        last_stop = np.searchsorted(begun, times, side="left") - 1
        keep &= ~((last_stop >= 0) & (times < ended[np.maximum(last_stop, 0)]))
    return segment, keep


def _int(number: float) -> int | None:
    return None if math.isnan(number) else int(number)


def _fit_lengths(lengths: dict, laps: dict, clock: _FitClock) -> dict:
    """A swim's lengths (else its laps): each one's start and end (Unix seconds),
    whether it was swum, its time swimming and its distance where the file says."""
    table, swum_from = (lengths, "length_type") if lengths else (laps, None)
    rows = _rows(table)
    start = clock(_column(table, "start_time", rows))
    elapsed = _column(table, "total_elapsed_time", rows)
    end = start + elapsed
    end = np.where(np.isnan(end), clock(_column(table, "timestamp", rows)), end)
    timer = _column(table, "total_timer_time", rows)
    active = _column(table, "num_active_lengths", rows)
    swum = np.ones(rows, dtype=bool)
    if swum_from:
        # Length type 0 is a rest at the wall; 1 a length swum.
        swum = _column(table, swum_from, rows) != 0
    return {
        "start": start,
        "end": end,
        "moving": np.where(np.isnan(timer), elapsed, timer),
        "swum": swum,
        "metres": _column(table, "total_distance", rows),
        "lengths": np.where(np.isnan(active), _column(table, "num_lengths", rows), active),
        "are_lengths": bool(lengths),
    }


def _pool(found: dict, starts: np.ndarray, index: int, pool_length: float) -> Pool | None:
    """The pool track of leg ``index`` (whose sessions start at ``starts``)."""
    if not len(found["start"]):
        return None
    boundaries = np.nan_to_num(starts[1:], nan=np.inf)
    inside = np.searchsorted(boundaries, found["start"], side="right") == index
    inside &= ~np.isnan(found["start"]) & ~np.isnan(found["end"])
    if not inside.any():
        return None
    if found["are_lengths"]:
        if math.isnan(pool_length) or pool_length <= 0:
            return None
        metres = np.where(found["swum"][inside], pool_length, 0.0)
    else:
        metres = found["metres"][inside]
        counted = found["lengths"][inside] * (pool_length if pool_length > 0 else _NAN)
        metres = np.nan_to_num(np.where(np.isnan(metres), counted, metres))
    start, end = found["start"][inside], found["end"][inside]
    moving = found["moving"][inside]
    order = np.argsort(start, kind="stable")
    return Pool(
        seconds=np.concatenate([start[order][:1], end[order]]),
        metres=np.concatenate([[0.0], np.cumsum(metres[order])]),
        moving=float(np.nansum(np.where(metres[order] > 0, moving[order], 0.0))),
    )


_GPX_KEPT = frozenset({"trkpt", "trk/type"})
_GPX_MARKED = frozenset({"trk", "trkseg"})


def _gpx(stream, budget: Budget) -> list[Leg]:
    points = _Points()
    names: list[str | None] = []
    segment = 0
    segments = _Counter(intake.MAX_SEGMENTS, "tracks and segments")
    for event, element in intake.xml_elements(stream, budget, kept=_GPX_KEPT, marked=_GPX_MARKED):
        if event == "close":
            continue
        if event == "start":
            segments.add()
            segment += 1
            if element.tag == "trk":
                names.append(None)
        elif element.tag == "type":
            names[-1] = (element.text or "").strip() or None
        elif names:
            _gpx_point(points, len(names) - 1, segment, element)
    return points.legs(_track_sports(names))


def _track_sports(names: list[str | None]) -> list[str | None]:
    """Each GPX track's sport: its type's, or else the nearest typed track's before it
    (after it, for the first); ``other`` when no track has a type. A transition's
    track is None."""
    named = [
        None if name is None else "transition" if sports.is_transition(name) else name
        for name in names
    ]
    answer: list[str | None] = []
    last = next((name for name in named if name is not None), None)
    for name in named:
        last = name if name is not None else last
        answer.append(last)
    return [None if name == "transition" else sports.from_name(name) for name in answer]


def _gpx_point(points: _Points, track: int, segment: int, element) -> None:
    """A trackpoint's figures. Its time is read by gpxpy (GPX's time forms and zones);
    gpxpy's reader of whole trackpoints is left out, as it tries every field GPX
    defines and took three quarters of an upload's time."""
    try:
        moment = gpxpy.gpxfield.parse_time(element.findtext("time"))
    except (gpxpy.gpx.GPXException, ValueError) as error:
        raise UnreadableFile("A GPX trackpoint's time is not a time.") from error
    if moment is None:
        return
    extras = {}
    for extension in element.iterfind("extensions"):
        for child in extension.iter():
            extras[child.tag] = child.text
    points.add(
        track,
        segment,
        moment,
        lat=_float(element.get("lat")),
        lon=_float(element.get("lon")),
        elevation=_float(element.findtext("ele")),
        hr=_float(extras.get("hr")),
        cadence=_float(extras.get("cad")),
    )


_TCX_KEPT = frozenset({"Trackpoint"})
_TCX_MARKED = frozenset({"Activity", "Lap", "Track", "Transition"})


def _tcx(stream, budget: Budget) -> list[Leg]:
    points = _Points()
    names: list[str] = []
    segment, transition = 0, 0
    laps = _Counter(intake.MAX_LAPS, "laps")
    segments = _Counter(intake.MAX_SEGMENTS, "activities and tracks")
    for event, element in intake.xml_elements(stream, budget, kept=_TCX_KEPT, marked=_TCX_MARKED):
        tag = element.tag
        if tag == "Transition":
            transition += 1 if event == "start" else -1
            continue
        if event == "close":
            continue
        if event == "start":
            if tag == "Lap":
                laps.add()
                continue
            segments.add()
            segment += 1
            if tag == "Activity":
                names.append(element.get("Sport") or "")
            continue
        if transition or not names:
            continue
        time = element.findtext("Time")
        if not time:
            continue
        try:
            moment = datetime.fromisoformat(time.strip())
        except ValueError as error:
            message = f"A TCX trackpoint's time is not a time: {time[:40]!r}."
            raise UnreadableFile(message) from error
        points.add(
            len(names) - 1,
            segment,
            moment,
            distance=_float(element.findtext("DistanceMeters")),
            lat=_float(element.findtext("Position/LatitudeDegrees")),
            lon=_float(element.findtext("Position/LongitudeDegrees")),
            elevation=_float(element.findtext("AltitudeMeters")),
            hr=_float(element.findtext("HeartRateBpm/Value")),
            cadence=_float(
                element.findtext("Extensions/TPX/RunCadence") or element.findtext("Cadence")
            ),
        )
    if len(names) > intake.MAX_LEGS:
        raise too_many(intake.MAX_LEGS, "legs")
    # Each activity is a leg of its own, even beside another of its sport.
    return points.legs([sports.from_name(name) for name in names], joined=False)


def _float(text) -> float | None:
    if text is None or not text.strip():
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Not a number: {text[:40]!r}")
    return value


_READERS = {"fit": _fit, "gpx": _gpx, "tcx": _tcx}


def parse(data: bytes, budget: Budget | None = None) -> dict:
    """The activities in ``data``: the file's format, and each leg's sport, kind and
    summary with per-kilometre splits, in time order. Refuses (``UnreadableFile``,
    ``TooLarge``) what the intake's bounds refuse."""
    budget = budget or Budget()
    stream = intake.opened(data, budget)
    kind = intake.sniff(stream)
    try:
        legs = _READERS[kind](stream, budget)
        if len(legs) > intake.MAX_LEGS:
            raise too_many(intake.MAX_LEGS, "legs")
        found = [figures for leg in legs if (figures := summary(leg, budget)) is not None]
        budget.check()
    except UnreadableFile:
        raise
    except (ValueError, TypeError, OverflowError, ArithmeticError) as error:
        raise UnreadableFile(f"The {kind.upper()} file holds values that cannot be.") from error
    if not found:
        raise UnreadableFile("The file holds no track: fewer than two timed points.")
    found.sort(key=lambda leg: leg["started_at"])
    return {"format": kind, "legs": found}


def _plausible(values: np.ndarray, bounds: tuple) -> np.ndarray:
    return np.where((values >= bounds[0]) & (values <= bounds[1]), values, _NAN)


def _haversine(lat1, lon1, lat2, lon2):
    """Metres between positions (arrays or numbers), as gpxpy measures them."""
    d_lon = np.radians(lon1 - lon2)
    lat1, lat2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((lat1 - lat2) / 2) ** 2 + np.sin(d_lon / 2) ** 2 * np.cos(lat1) * np.cos(lat2)
    return _EARTH_RADIUS * 2 * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _in_order(leg: Leg, budget: Budget) -> Leg:
    """The leg's timed points in time order within segments, segments in the order
    they began; readings outside what a body and a planet allow left out."""
    timed = np.isfinite(leg.seconds)
    columns = {name: getattr(leg, name)[timed] for name in _Points.FIELDS}
    seconds, segment = columns["seconds"], columns["segment"]
    budget.spend(len(seconds))
    if len(seconds):
        labels, inverse = np.unique(segment, return_inverse=True)
        began = np.full(len(labels), np.inf)
        np.minimum.at(began, inverse, seconds)
        order = np.lexsort((seconds, inverse, began[inverse]))
        columns = {name: column[order] for name, column in columns.items()}
        columns["segment"] = np.unique(columns["segment"], return_inverse=True)[1]
    for name in ("distance", "lat", "lon", "elevation", "hr", "cadence"):
        if not np.isfinite(columns[name][~np.isnan(columns[name])]).all():
            raise ValueError("A number that is not finite.")
    if leg.sport in sports.ON_FOOT:
        columns["cadence"] = columns["cadence"] * 2
    columns["hr"] = _plausible(columns["hr"], HEART_RATE)
    columns["cadence"] = _plausible(columns["cadence"], CADENCE)
    columns["elevation"] = _plausible(columns["elevation"], ELEVATION)
    placed = ~np.isnan(_plausible(columns["lat"], LATITUDE)) & ~np.isnan(
        _plausible(columns["lon"], LONGITUDE)
    )
    columns["lat"] = np.where(placed, columns["lat"], _NAN)
    columns["lon"] = np.where(placed, columns["lon"], _NAN)
    return Leg(leg.sport, pool=leg.pool, **columns)


def _travelled(leg: Leg, budget: Budget) -> tuple[Leg, np.ndarray]:
    """The leg without its glitches, and the metres travelled by each point from the
    leg's first: the recorded distance where the leg records one (where it has no
    positions, or every point has one), else the way between positions; summed within
    segments only."""
    recorded = ~np.isnan(leg.distance)
    placed = ~np.isnan(leg.lat)
    by_record = bool(recorded.any()) and (bool(recorded.all()) or not placed.any())
    measured = np.flatnonzero(recorded if by_record else placed)
    count = len(leg.seconds)
    if len(measured) < 2:
        return leg, np.zeros(count)
    if by_record:
        metres = leg.distance[measured]
        steps = np.concatenate([[0.0], np.diff(metres)])

        def between(i: int, j: int) -> float:
            return float(metres[j] - metres[i])
    else:
        lat, lon = leg.lat[measured], leg.lon[measured]
        steps = np.concatenate([[0.0], _haversine(lat[:-1], lon[:-1], lat[1:], lon[1:])])

        def between(i: int, j: int) -> float:
            return float(_haversine(lat[i], lon[i], lat[j], lon[j]))

    kept = intake.kept_points(
        leg.seconds[measured],
        leg.segment[measured],
        steps,
        between,
        leg.sport,
        budget,
        recorded=by_record,
    )
    if not kept.all():
        remaining = np.ones(count, dtype=bool)
        remaining[measured[~kept]] = False
        leg = Leg(
            leg.sport,
            pool=leg.pool,
            **{name: getattr(leg, name)[remaining] for name in _Points.FIELDS},
        )
        count = len(leg.seconds)
        measured = np.flatnonzero(~np.isnan(leg.distance if by_record else leg.lat))
        if by_record:
            steps = np.concatenate([[0.0], np.diff(leg.distance[measured])])
        else:
            lat, lon = leg.lat[measured], leg.lon[measured]
            steps = np.concatenate([[0.0], _haversine(lat[:-1], lon[:-1], lat[1:], lon[1:])])
    segment = leg.segment[measured]
    steps[1:][segment[1:] != segment[:-1]] = 0.0
    reached = np.cumsum(steps)
    at = np.searchsorted(measured, np.arange(count), side="right") - 1
    return leg, np.where(at >= 0, reached[np.maximum(at, 0)], 0.0)


def _mean(values: np.ndarray) -> int | None:
    values = values[~np.isnan(values) & (values != 0)]
    return round(float(values.sum()) / len(values)) if len(values) else None


def summary(leg: Leg, budget: Budget) -> dict | None:
    """The leg's figures, held to what an activity of its sport can be; None for a leg
    of fewer than two timed points (and no pool track)."""
    leg = _in_order(leg, budget)
    pool = leg.pool
    if len(leg.seconds) < 2 and pool is None:
        return None
    leg, metres = _travelled(leg, budget)
    seconds, segment = leg.seconds, leg.segment
    pooled = pool is not None and (not len(metres) or metres[-1] == 0)
    if pool is not None and pooled:
        track_seconds, track_metres = pool.seconds, pool.metres
    else:
        track_seconds, track_metres = seconds, metres
    everything = np.concatenate([seconds, pool.seconds]) if pool is not None and pooled else seconds
    start, end = float(everything.min()), float(everything.max())
    if end <= start:
        raise UnreadableFile(
            "Every point of the file holds the same time: there is no duration to read."
        )
    distance = float(track_metres[-1] - track_metres[0])
    intake.check_figures(leg.sport, distance, end - start)
    budget.spend(len(seconds))
    if pool is not None and pooled:
        moving = pool.moving
    else:
        gaps = np.diff(seconds)
        moving_pairs = (segment[1:] == segment[:-1]) & (gaps > 0) & (gaps <= PAUSE_SECONDS)
        if distance > 0:
            moving_pairs &= np.diff(metres) >= MOVING_SPEED * gaps
        moving = float(gaps[moving_pairs].sum())
    elevations = leg.elevation[~np.isnan(leg.elevation)]
    gain = float(np.clip(np.diff(elevations), 0, None).sum()) if len(elevations) >= 2 else None
    hr = leg.hr[~np.isnan(leg.hr)]
    on_foot = leg.sport in sports.ON_FOOT
    cadence = _mean(leg.cadence)
    return {
        "sport": leg.sport,
        "kind": sports.kind_of(leg.sport),
        "started_at": datetime.fromtimestamp(start, UTC),
        "distance_m": round(distance, 1),
        "duration_seconds": round(end - start),
        "moving_seconds": round(moving),
        "elevation_gain_m": None if gain is None else round(gain, 1),
        "avg_hr": _mean(leg.hr),
        "max_hr": round(float(hr.max())) if len(hr) else None,
        "avg_cadence_spm": cadence if on_foot else None,
        "avg_cadence_rpm": None if on_foot else cadence,
        "splits": splits(
            track_seconds,
            track_metres,
            seconds,
            leg.hr,
            leg.cadence if on_foot else np.full(len(seconds), _NAN),
            budget,
        ),
    }


def splits(
    seconds: np.ndarray,
    metres: np.ndarray,
    point_seconds: np.ndarray,
    hr: np.ndarray,
    cadence: np.ndarray,
    budget: Budget,
) -> list[dict]:
    """Each whole kilometre of a track (``seconds``, cumulative ``metres``), and the
    part of one at the end: its distance, the time it took (the crossing interpolated
    between points), and the mean heart rate and cadence of the points recorded in it
    (at ``point_seconds``). There are at most ``intake.MAX_SPLITS`` (the distance is
    bounded before)."""
    origin, last = float(metres[0]), float(metres[-1])
    whole = int((last - origin) // 1000)
    if whole > intake.MAX_SPLITS:
        raise too_many(intake.MAX_SPLITS, "kilometre splits")
    budget.spend(whole + len(seconds))
    marks = origin + 1000.0 * np.arange(1, whole + 1)
    # A recorded distance may dip a little (rounding): the search reads it as level.
    metres = np.maximum.accumulate(metres)
    after = np.searchsorted(metres, marks, side="left")
    before = after - 1
    share = (marks - metres[before]) / (metres[after] - metres[before])
    crossed = seconds[before] + share * (seconds[after] - seconds[before])
    times = np.concatenate([[seconds[0]], crossed])
    distances = np.concatenate([[origin], marks])
    if last - distances[-1] >= 1:
        times = np.append(times, seconds[-1])
        distances = np.append(distances, last)
    # The points of a split: those after the one where the split before ended, up to
    # and including the one where it ends.
    ends = np.concatenate([[0], after, [len(seconds) - 1]])[: len(times)]
    bounds = np.searchsorted(point_seconds, seconds[ends], side="right")
    bounds[0] = 1
    answer = []
    for index in range(1, len(times)):
        inside = slice(bounds[index - 1], bounds[index])
        answer.append(
            {
                "index": index,
                "distance_m": round(float(distances[index] - distances[index - 1]), 1),
                "duration_seconds": round(float(times[index] - times[index - 1])),
                "avg_hr": _mean(hr[inside]),
                "avg_cadence_spm": _mean(cadence[inside]),
            }
        )
    return answer
