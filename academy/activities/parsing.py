"""Reading a watch's activity file: FIT (fitdecode), GPX (gpxpy) or TCX (the XML
standard library behind defusedxml), into one summary with per-kilometre splits.

Hostile files are refused before any library reads them: XML with a DTD (so no
entity expansion and no external entities), gzip that unpacks past a bound (a
"zip bomb"), zip archives, and anything whose format is not recognised.
"""

import gzip
import io
import itertools
import math
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import fitdecode
import gpxpy
import gpxpy.gpx
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeTree
from gpxpy.geo import haversine_distance

# How far a gzip-compressed file may unpack.
MAX_UNPACKED = 50 * 1024 * 1024
# The longest activity read: an ultra's is days, never weeks.
LONGEST = timedelta(days=7)
# Points further apart than this are a pause, not moving time.
PAUSE_SECONDS = 30
# Slower than this between two points is standing still.
MOVING_SPEED = 0.5  # m/s


class UnreadableFile(ValueError):
    """The file is broken, hostile or of a format Academy does not read."""


@dataclass
class Point:
    time: datetime
    distance: float | None = None  # cumulative metres, when the file records it
    lat: float | None = None
    lon: float | None = None
    elevation: float | None = None
    hr: int | None = None
    cadence: int | None = None  # steps per minute (both feet)


def unpacked(data: bytes) -> bytes:
    """The file's own bytes: gzip undone within a bound; zip refused."""
    if data[:4] == b"PK\x03\x04":
        raise UnreadableFile("Zip archives are not read; send the FIT, GPX or TCX file itself.")
    if data[:2] != b"\x1f\x8b":
        return data
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as packed:
            inner = packed.read(MAX_UNPACKED + 1)
    except (OSError, EOFError, zlib.error) as error:
        raise UnreadableFile("The gzip file is broken.") from error
    if len(inner) > MAX_UNPACKED:
        raise UnreadableFile(f"The file unpacks to more than {MAX_UNPACKED // 2**20} MB.")
    return unpacked(inner) if inner[:2] == b"\x1f\x8b" else inner


def sniff(data: bytes) -> str:
    """``fit``, ``gpx`` or ``tcx`` from the content, whatever the file's name says."""
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"<gpx" in head:
            return "gpx"
        if b"<TrainingCenterDatabase" in head:
            return "tcx"
    raise UnreadableFile("Not a FIT, GPX or TCX file.")


def _safe_xml(data: bytes):
    """The document's tree, refusing a DTD (entity expansion, external entities)."""
    try:
        return SafeTree.fromstring(data, forbid_dtd=True)
    except DefusedXmlException as error:
        raise UnreadableFile("XML with a DTD or entities is refused.") from error
    except SafeTree.ParseError as error:
        raise UnreadableFile("The XML is broken.") from error


def _fit(data: bytes) -> tuple[str, list[Point]]:
    points, sport = [], "running"
    try:
        with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
            for frame in reader:
                if frame.frame_type != fitdecode.FIT_FRAME_DATA:
                    continue
                if frame.name == "session" and frame.has_field("sport"):
                    sport = str(frame.get_value("sport") or sport)
                if frame.name != "record":
                    continue
                # Each field read once: asking a frame field by field costs a search each.
                values = {field.name: field.value for field in frame.fields}
                if values.get("timestamp") is None:
                    continue
                cadence = values.get("cadence")
                lat, lon = values.get("position_lat"), values.get("position_long")
                elevation = values.get("enhanced_altitude")
                points.append(
                    Point(
                        time=values["timestamp"],
                        distance=values.get("distance"),
                        lat=None if lat is None else lat * 180 / 2**31,
                        lon=None if lon is None else lon * 180 / 2**31,
                        elevation=values.get("altitude") if elevation is None else elevation,
                        hr=values.get("heart_rate"),
                        # FIT counts one foot's strides: steps are twice as many.
                        cadence=None if cadence is None else 2 * int(cadence),
                    )
                )
    except (fitdecode.FitError, ValueError, TypeError, KeyError, IndexError) as error:
        raise UnreadableFile("The FIT file is broken.") from error
    return sport, points


_TPX = "{http://www.garmin.com/xmlschemas/TrackPointExtension/v1}"


def _gpx(data: bytes) -> tuple[str, list[Point]]:
    _safe_xml(data)
    try:
        document = gpxpy.parse(data.decode("utf-8"))
    except (gpxpy.gpx.GPXException, UnicodeDecodeError, ValueError, OverflowError) as error:
        raise UnreadableFile("The GPX file is broken.") from error
    points, sport = [], "running"
    for track in document.tracks:
        sport = (track.type or sport).lower()
        for segment in track.segments:
            for p in segment.points:
                if p.time is None:
                    continue
                extras = {}
                for extension in p.extensions:
                    for element in extension.iter():
                        extras[element.tag.replace(_TPX, "")] = element.text
                points.append(
                    Point(
                        time=p.time,
                        lat=p.latitude,
                        lon=p.longitude,
                        elevation=p.elevation,
                        hr=_int(extras.get("hr")),
                        cadence=_double(extras.get("cad")),
                    )
                )
    return sport, points


_TCX = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
_TCX_EXT = "{http://www.garmin.com/xmlschemas/ActivityExtension/v2}"


def _tcx(data: bytes) -> tuple[str, list[Point]]:
    root = _safe_xml(data)
    points, sport = [], "running"
    try:
        for activity in root.iter(f"{_TCX}Activity"):
            sport = (activity.get("Sport") or sport).lower()
            for point in activity.iter(f"{_TCX}Trackpoint"):
                time = point.findtext(f"{_TCX}Time")
                if not time:
                    continue
                lat = point.findtext(f"{_TCX}Position/{_TCX}LatitudeDegrees")
                lon = point.findtext(f"{_TCX}Position/{_TCX}LongitudeDegrees")
                points.append(
                    Point(
                        time=datetime.fromisoformat(time.replace("Z", "+00:00")),
                        distance=_float(point.findtext(f"{_TCX}DistanceMeters")),
                        lat=_float(lat),
                        lon=_float(lon),
                        elevation=_float(point.findtext(f"{_TCX}AltitudeMeters")),
                        hr=_int(point.findtext(f"{_TCX}HeartRateBpm/{_TCX}Value")),
                        cadence=_double(
                            point.findtext(f"{_TCX}Extensions/{_TCX_EXT}TPX/{_TCX_EXT}RunCadence")
                            or point.findtext(f"{_TCX}Cadence")
                        ),
                    )
                )
    except ValueError as error:
        raise UnreadableFile("The TCX file is broken.") from error
    return sport, points


def _float(text) -> float | None:
    if text in (None, ""):
        return None
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"Not a number: {text!r}")
    return value


def _int(text) -> int | None:
    value = _float(text)
    return None if value is None else round(value)


def _double(text) -> int | None:
    """Steps per minute from one foot's cadence, as GPX and TCX record it."""
    value = _int(text)
    return None if value is None else 2 * value


# What a body can do: readings outside these are a sensor's noise, and left out.
HEART_RATE = (20, 260)
CADENCE = (1, 300)


def _plausible(value, bounds):
    return value if value is not None and bounds[0] <= value <= bounds[1] else None


_READERS = {"fit": _fit, "gpx": _gpx, "tcx": _tcx}


def parse(data: bytes) -> dict:
    """The activity in ``data``: its format and summary, with per-kilometre splits."""
    data = unpacked(data)
    kind = sniff(data)
    try:
        sport, points = _READERS[kind](data)
        points = _checked(points)
        _fill_distance(points)
        found = summary(points)
    except (ValueError, TypeError, OverflowError, ArithmeticError) as error:
        if isinstance(error, UnreadableFile):
            raise
        raise UnreadableFile(f"The {kind.upper()} file holds values that cannot be.") from error
    return {"format": kind, "sport": sport[:40], **found}


def _checked(points: list[Point]) -> list[Point]:
    """The timed points in order, every number finite, implausible readings left out."""
    points = [p for p in points if p.time is not None]
    if len(points) < 2:
        raise UnreadableFile("The file holds no track: fewer than two timed points.")
    for p in points:
        if p.time.tzinfo is None:
            p.time = p.time.replace(tzinfo=UTC)
        for number in (p.distance, p.lat, p.lon, p.elevation):
            if number is not None and not math.isfinite(number):
                raise ValueError("A number that is not finite.")
        p.hr, p.cadence = _plausible(p.hr, HEART_RATE), _plausible(p.cadence, CADENCE)
    points.sort(key=lambda p: p.time)
    if points[-1].time - points[0].time > LONGEST:
        raise UnreadableFile("The track lasts longer than a week: not one activity.")
    return points


def _fill_distance(points: list[Point]) -> None:
    """Cumulative distance at every point: as recorded, or from the positions."""
    if all(p.distance is not None for p in points):
        return
    travelled, previous = 0.0, None
    for p in points:
        if p.lat is not None and p.lon is not None:
            if previous is not None:
                travelled += haversine_distance(previous.lat, previous.lon, p.lat, p.lon)
            previous = p
        p.distance = travelled


def _mean(values) -> int | None:
    values = [v for v in values if v]
    return round(sum(values) / len(values)) if values else None


def summary(points: list[Point]) -> dict:
    start = points[0].time
    moving = 0.0
    gain, last_elevation = None, None
    for before, after in itertools.pairwise(points):
        gap = (after.time - before.time).total_seconds()
        if 0 < gap <= PAUSE_SECONDS and (after.distance - before.distance) / gap >= MOVING_SPEED:
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
        "distance_m": round(points[-1].distance - points[0].distance, 1),
        "duration_seconds": round((points[-1].time - start).total_seconds()),
        "moving_seconds": round(moving),
        "elevation_gain_m": None if gain is None else round(gain, 1),
        "avg_hr": _mean(heart),
        "max_hr": max((h for h in heart if h), default=None),
        "avg_cadence_spm": _mean(p.cadence for p in points),
        "splits": splits(points),
    }


def splits(points: list[Point]) -> list[dict]:
    """Each whole kilometre, and the part of one at the end: its distance, the time it
    took (the crossing interpolated between points), and its mean heart rate and
    cadence."""
    answer, origin = [], points[0].distance
    mark_time, mark_distance, inside = points[0].time, 0.0, []

    def close(distance_to: float, time_to: datetime) -> None:
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
        inside.append(after)
        start, end = before.distance - origin, after.distance - origin
        while end >= mark_distance + 1000:
            crossing = mark_distance + 1000
            share = (crossing - start) / (end - start) if end > start else 1
            at = before.time + (after.time - before.time) * share
            close(crossing, at)
            mark_time, mark_distance, inside = at, crossing, []
    last = points[-1].distance - origin
    if last - mark_distance >= 1:
        close(last, points[-1].time)
    return answer
