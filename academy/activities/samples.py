"""Steady runs written as GPX (with gpxpy) and TCX files: the demo's activities and the
tests', whose distance, duration, heart rate and cadence follow from their parameters.

A run goes due north from its start at a steady pace, one point a second, its heart
rate alternating between ``hr - 2`` and ``hr + 2`` (an even number of points
long, less one) and its elevation climbing
``climb_m_per_s`` for the first half and coming down again, so that:
distance = seconds / pace x 1000 m; average heart rate = ``hr``; maximum ``hr + 2``;
elevation gain = climb x seconds / 2; cadence = 2 x ``cadence_rpm`` steps a minute.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from xml.sax.saxutils import escape

import gpxpy.gpx

# gpxpy's haversine radius: due north, its distance between two points is exact.
_EARTH_RADIUS = 6378137.0


@dataclass(frozen=True)
class SteadyRun:
    start: datetime
    seconds: int
    pace_s_per_km: float
    hr: int = 150
    cadence_rpm: int = 85
    climb_m_per_s: float = 0.1
    lat: float = 51.5
    lon: float = -0.12
    name: str = "Steady run"
    every: int = 1  # seconds between points; ``seconds`` must be a multiple of it

    @property
    def distance_m(self) -> float:
        return self.seconds / self.pace_s_per_km * 1000

    def points(self):
        """(time, metres, lat, lon, elevation, hr, cadence_rpm) ``every`` seconds apart."""
        half = self.seconds / 2
        for index, t in enumerate(range(0, self.seconds + 1, self.every)):
            metres = t / self.pace_s_per_km * 1000
            climbed = self.climb_m_per_s * (t if t <= half else self.seconds - t)
            yield (
                self.start + timedelta(seconds=t),
                metres,
                self.lat + math.degrees(metres / _EARTH_RADIUS),
                self.lon,
                100 + climbed,
                self.hr - 2 if index % 2 == 0 else self.hr + 2,
                self.cadence_rpm,
            )


def gpx(run: SteadyRun) -> bytes:
    document = gpxpy.gpx.GPX()
    document.nsmap["gpxtpx"] = "http://www.garmin.com/xmlschemas/TrackPointExtension/v1"
    track = gpxpy.gpx.GPXTrack(name=run.name)
    track.type = "running"  # type: ignore[assignment]  # gpxpy types it by its None default
    segment = gpxpy.gpx.GPXTrackSegment()
    for time, _, lat, lon, elevation, hr, cadence in run.points():
        point = gpxpy.gpx.GPXTrackPoint(lat, lon, elevation=round(elevation, 2), time=time)
        point.extensions.append(_extension(hr, cadence))
        segment.points.append(point)
    track.segments.append(segment)
    document.tracks.append(track)
    return document.to_xml(version="1.1").encode()


def _extension(hr: int, cadence: int):
    from xml.etree import ElementTree

    root = ElementTree.Element("gpxtpx:TrackPointExtension")
    ElementTree.SubElement(root, "gpxtpx:hr").text = str(hr)
    ElementTree.SubElement(root, "gpxtpx:cad").text = str(cadence)
    return root


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def tcx(run: SteadyRun) -> bytes:
    points = "".join(
        f"<Trackpoint><Time>{_z(time)}</Time><Position><LatitudeDegrees>{lat:.8f}"
        f"</LatitudeDegrees><LongitudeDegrees>{lon:.8f}</LongitudeDegrees></Position>"
        f"<AltitudeMeters>{elevation:.2f}</AltitudeMeters><DistanceMeters>{metres:.2f}"
        f"</DistanceMeters><HeartRateBpm><Value>{hr}</Value></HeartRateBpm><Extensions>"
        f'<TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2"><RunCadence>'
        f"{cadence}</RunCadence></TPX></Extensions></Trackpoint>"
        for time, metres, lat, lon, elevation, hr, cadence in run.points()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f'<Id>{_z(run.start)}</Id><Lap StartTime="{_z(run.start)}"><TotalTimeSeconds>'
        f"{run.seconds}</TotalTimeSeconds><DistanceMeters>{run.distance_m:.2f}</DistanceMeters>"
        f"<Track>{points}</Track></Lap><Notes>{escape(run.name)}</Notes></Activity>"
        "</Activities></TrainingCenterDatabase>\n"
    ).encode()
