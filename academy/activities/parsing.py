"""Reading a watch's activity file into one track of points, and the track into a
summary with per-kilometre splits: FIT with fitdecode; GPX and TCX from their elements,
read as a stream (GPX times with gpxpy).

Every reader reads through ``academy.activities.intake``: the file's bytes as a
bounded stream (gzip undone within its bound), XML as a stream of trackpoints, each
message, element and point counted against its bound and the upload's time budget;
the track is then held to what a run can be (``intake.check_track``) before its
summary is computed. A reader answers ``(sport, points)``; a new format, or a faster
decoder, is one more reader in ``_READERS``.
"""

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import fitdecode
import gpxpy.gpx
import gpxpy.gpxfield
from gpxpy.geo import haversine_distance

from academy.activities import intake
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


@dataclass(slots=True)
class Point:
    time: datetime
    distance: float | None = None  # cumulative metres, when the file records it
    lat: float | None = None
    lon: float | None = None
    elevation: float | None = None
    hr: int | None = None
    cadence: int | None = None  # steps per minute (both feet)


class _Counter:
    """How many of one thing a reader has met, refused past its bound."""

    __slots__ = ("bound", "count", "what")

    def __init__(self, bound: int, what: str):
        self.bound, self.what, self.count = bound, what, 0

    def add(self) -> None:
        self.count += 1
        if self.count > self.bound:
            raise too_many(self.bound, self.what)


def _decoded(items: Iterator, kind: str) -> Iterator:
    """A decoder's items. Whatever a decoder trips on in hostile bytes (its own errors,
    or a struct, index or key error deep inside it) means the file is broken; the
    intake's refusals pass as they are."""
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except (UnreadableFile, MemoryError):
            raise
        except Exception as error:
            raise UnreadableFile(f"The {kind} file is broken.") from error
        yield item


def _fit(stream, budget: Budget) -> tuple[str, list[Point]]:
    points: list[Point] = []
    sport, device_clock = "running", 0
    messages = _Counter(intake.MAX_FIT_MESSAGES, "FIT messages")
    laps = _Counter(intake.MAX_LAPS, "laps")
    reader = fitdecode.FitReader(
        stream,
        check_crc=fitdecode.CrcCheck.RAISE,
        # What fitdecode can read past (an odd field size, an unknown developer field) it
        # reads past without a warning in the log for each.
        error_handling=fitdecode.ErrorHandling.IGNORE,
    )
    for frame in _decoded(iter(reader), "FIT"):
        budget.spend()
        messages.add()
        if frame.frame_type != fitdecode.FIT_FRAME_DATA:
            continue
        if frame.name == "lap":
            laps.add()
        elif frame.name == "session" and frame.has_field("sport"):
            sport = str(frame.get_value("sport") or sport)
        if frame.name != "record":
            continue
        # Each field read once: asking a frame field by field costs a search each.
        values = {field.name: field.value for field in frame.fields}
        stamp = values.get("timestamp")
        if not isinstance(stamp, datetime):
            # Below 0x10000000 a FIT time counts from the device's power-on, not 1989:
            # fitdecode leaves it a number.
            device_clock += isinstance(stamp, int | float)
            continue
        cadence = values.get("cadence")
        lat, lon = values.get("position_lat"), values.get("position_long")
        elevation = values.get("enhanced_altitude")
        points.append(
            Point(
                time=stamp,
                distance=values.get("distance"),
                lat=None if lat is None else lat * 180 / 2**31,
                lon=None if lon is None else lon * 180 / 2**31,
                elevation=values.get("altitude") if elevation is None else elevation,
                hr=values.get("heart_rate"),
                # FIT counts one foot's strides: steps are twice as many.
                cadence=None if cadence is None else 2 * int(cadence),
            )
        )
        if len(points) > intake.MAX_POINTS:
            raise too_many(intake.MAX_POINTS, "points")
    if len(points) < 2 and device_clock:
        raise UnreadableFile(
            "The watch's clock was never set: the file's times count from when it was "
            "switched on, and none is a date and time."
        )
    return sport, points


_GPX_KEPT = frozenset({"trkpt", "trk/type"})
_GPX_MARKED = frozenset({"trk", "trkseg"})


def _gpx(stream, budget: Budget) -> tuple[str, list[Point]]:
    points: list[Point] = []
    sport = "running"
    segments = _Counter(intake.MAX_SEGMENTS, "tracks and segments")
    for event, element in intake.xml_elements(stream, budget, kept=_GPX_KEPT, marked=_GPX_MARKED):
        if event == "start":
            segments.add()
        elif element.tag == "type":
            sport = (element.text or sport).strip().lower() or sport
        elif (point := _gpx_point(element)) is not None:
            points.append(point)
            if len(points) > intake.MAX_POINTS:
                raise too_many(intake.MAX_POINTS, "points")
    return sport, points


def _gpx_point(element) -> Point | None:
    """A trackpoint's figures. Its time is read by gpxpy (GPX's time forms and zones);
    gpxpy's reader of whole trackpoints is left out, as it tries every field GPX
    defines and took three quarters of an upload's time."""
    try:
        moment = gpxpy.gpxfield.parse_time(element.findtext("time"))
    except (gpxpy.gpx.GPXException, ValueError) as error:
        raise UnreadableFile("A GPX trackpoint's time is not a time.") from error
    if moment is None:
        return None
    extras = {}
    for extension in element.iterfind("extensions"):
        for child in extension.iter():
            extras[child.tag] = child.text
    return Point(
        time=moment,
        lat=_float(element.get("lat")),
        lon=_float(element.get("lon")),
        elevation=_float(element.findtext("ele")),
        hr=_int(extras.get("hr")),
        cadence=_double(extras.get("cad")),
    )


_TCX_KEPT = frozenset({"Trackpoint"})
_TCX_MARKED = frozenset({"Activity", "Lap", "Track"})


def _tcx(stream, budget: Budget) -> tuple[str, list[Point]]:
    points: list[Point] = []
    sport = "running"
    laps = _Counter(intake.MAX_LAPS, "laps")
    segments = _Counter(intake.MAX_SEGMENTS, "activities and tracks")
    for event, element in intake.xml_elements(stream, budget, kept=_TCX_KEPT, marked=_TCX_MARKED):
        if event == "start":
            if element.tag == "Lap":
                laps.add()
                continue
            segments.add()
            if element.tag == "Activity":
                sport = (element.get("Sport") or sport).lower()
            continue
        time = element.findtext("Time")
        if not time:
            continue
        try:
            moment = datetime.fromisoformat(time.strip())
        except ValueError as error:
            message = f"A TCX trackpoint's time is not a time: {time[:40]!r}."
            raise UnreadableFile(message) from error
        points.append(
            Point(
                time=moment,
                distance=_float(element.findtext("DistanceMeters")),
                lat=_float(element.findtext("Position/LatitudeDegrees")),
                lon=_float(element.findtext("Position/LongitudeDegrees")),
                elevation=_float(element.findtext("AltitudeMeters")),
                hr=_int(element.findtext("HeartRateBpm/Value")),
                cadence=_double(
                    element.findtext("Extensions/TPX/RunCadence") or element.findtext("Cadence")
                ),
            )
        )
        if len(points) > intake.MAX_POINTS:
            raise too_many(intake.MAX_POINTS, "points")
    return sport, points


def _float(text) -> float | None:
    if text is None or not text.strip():
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Not a number: {text[:40]!r}")
    return value


def _int(text) -> int | None:
    value = _float(text)
    return None if value is None else round(value)


def _double(text) -> int | None:
    """Steps per minute from one foot's cadence, as GPX and TCX record it."""
    value = _int(text)
    return None if value is None else 2 * value


def _plausible(value, bounds):
    return value if value is not None and bounds[0] <= value <= bounds[1] else None


_READERS = {"fit": _fit, "gpx": _gpx, "tcx": _tcx}


def parse(data: bytes, budget: Budget | None = None) -> dict:
    """The activity in ``data``: its format and summary, with per-kilometre splits.
    Refuses (``UnreadableFile``, ``TooLarge``) what the intake's bounds refuse."""
    budget = budget or Budget()
    stream = intake.opened(data, budget)
    kind = intake.sniff(stream)
    try:
        sport, points = _READERS[kind](stream, budget)
        points = _in_order(points, budget)
        _fill_distance(points, budget)
        intake.check_track(points, budget)
        found = summary(points, budget)
        budget.check()
    except UnreadableFile:
        raise
    except (ValueError, TypeError, OverflowError, ArithmeticError) as error:
        raise UnreadableFile(f"The {kind.upper()} file holds values that cannot be.") from error
    return {"format": kind, "sport": sport[:40], **found}


def _in_order(points: list[Point], budget: Budget) -> list[Point]:
    """The points in time order, in UTC, every number finite, implausible readings left
    out."""
    if len(points) < 2:
        raise UnreadableFile("The file holds no track: fewer than two timed points.")
    for p in points:
        budget.spend()
        p.time = p.time.replace(tzinfo=UTC) if p.time.tzinfo is None else p.time.astimezone(UTC)
        for number in (p.distance, p.lat, p.lon, p.elevation):
            if number is not None and not math.isfinite(number):
                raise ValueError("A number that is not finite.")
        p.hr, p.cadence = _plausible(p.hr, HEART_RATE), _plausible(p.cadence, CADENCE)
        p.elevation = _plausible(p.elevation, ELEVATION)
        if _plausible(p.lat, LATITUDE) is None or _plausible(p.lon, LONGITUDE) is None:
            p.lat = p.lon = None
    points.sort(key=lambda p: p.time)
    return points


def _fill_distance(points: list[Point], budget: Budget) -> None:
    """Cumulative distance at every point: as recorded, or from the positions."""
    if all(p.distance is not None for p in points):
        return
    travelled, previous = 0.0, None
    for p in points:
        budget.spend()
        if p.lat is not None and p.lon is not None:
            if previous is not None:
                travelled += haversine_distance(*previous, p.lat, p.lon)
            previous = p.lat, p.lon
        p.distance = travelled


def _along(point: Point) -> float:
    """A point's cumulative distance, which ``_fill_distance`` has set on every point."""
    return point.distance or 0.0


def _mean(values) -> int | None:
    values = [v for v in values if v]
    return round(sum(values) / len(values)) if values else None


def summary(points: list[Point], budget: Budget) -> dict:
    start = points[0].time
    moving = 0.0
    gain, last_elevation = None, None
    for before, after in itertools.pairwise(points):
        budget.spend()
        gap = (after.time - before.time).total_seconds()
        if 0 < gap <= PAUSE_SECONDS and (_along(after) - _along(before)) / gap >= MOVING_SPEED:
            moving += gap
    for p in points:
        if p.elevation is not None:
            if last_elevation is not None and p.elevation > last_elevation:
                gain = (gain or 0) + p.elevation - last_elevation
            elif last_elevation is not None and gain is None:
                gain = 0.0
            last_elevation = p.elevation
    heart = [p.hr for p in points]
    return {
        "started_at": start,
        "distance_m": round(_along(points[-1]) - _along(points[0]), 1),
        "duration_seconds": round((points[-1].time - start).total_seconds()),
        "moving_seconds": round(moving),
        "elevation_gain_m": None if gain is None else round(gain, 1),
        "avg_hr": _mean(heart),
        "max_hr": max((h for h in heart if h), default=None),
        "avg_cadence_spm": _mean(p.cadence for p in points),
        "splits": splits(points, budget),
    }


def splits(points: list[Point], budget: Budget) -> list[dict]:
    """Each whole kilometre, and the part of one at the end: its distance, the time it
    took (the crossing interpolated between points), and its mean heart rate and
    cadence. The loop runs once a point and once a split, and there are at most
    ``intake.MAX_SPLITS`` (the track's distance is bounded before)."""
    answer: list[dict] = []
    origin = _along(points[0])
    mark_time, mark_distance, inside = points[0].time, 0.0, list[Point]()

    def close(distance_to: float, time_to: datetime) -> None:
        if len(answer) >= intake.MAX_SPLITS:
            raise too_many(intake.MAX_SPLITS, "kilometre splits")
        answer.append(
            {
                "index": len(answer) + 1,
                "distance_m": round(distance_to - mark_distance, 1),
                "duration_seconds": round((time_to - mark_time).total_seconds()),
                "avg_hr": _mean(p.hr for p in inside),
                "avg_cadence_spm": _mean(p.cadence for p in inside),
            }
        )

    for before, after in itertools.pairwise(points):
        budget.spend()
        inside.append(after)
        start, end = _along(before) - origin, _along(after) - origin
        while end >= mark_distance + 1000:
            crossing = mark_distance + 1000
            share = (crossing - start) / (end - start) if end > start else 1
            at = before.time + (after.time - before.time) * share
            close(crossing, at)
            mark_time, mark_distance, inside = at, crossing, []
    last = _along(points[-1]) - origin
    if last - mark_distance >= 1:
        close(last, points[-1].time)
    return answer
