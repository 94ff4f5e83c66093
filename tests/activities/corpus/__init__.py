"""The activity files Academy's tests read, made here: FIT written message by message
(``tests.activities.fitfile``), GPX and TCX from templates. Each has the shape of a
real watch's file that Academy once read wrong, and the figures it must be read as,
worked out by hand from how it is made (see each maker's docstring).

Every run, walk and swim goes due north from ``BASE`` at a steady speed, so that the
distance between two points is the speed times the time between them: the tests'
haversine (gpxpy's, a sphere of radius 6,378,137 m) is exact along a meridian.

``python -m tests.activities.corpus [FOLDER]`` writes the files (by default to
``tests/activities/corpus/files``, which git ignores) and prints each one's figures
as read next to what is expected.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from xml.sax.saxutils import escape

from tests.activities import fitfile

BASE = (51.5, -0.12)
_EARTH_RADIUS = 6378137.0
# Tuesday 10 March 2026, the day before the tests' frozen "now".
DAY = datetime(2026, 3, 10, tzinfo=UTC)


def north(metres: float) -> tuple[float, float]:
    """The position ``metres`` due north of ``BASE``."""
    return BASE[0] + math.degrees(metres / _EARTH_RADIUS), BASE[1]


def east(position: tuple[float, float], metres: float) -> tuple[float, float]:
    """A position ``metres`` east of ``position``."""
    lat, lon = position
    return lat, lon + math.degrees(metres / (_EARTH_RADIUS * math.cos(math.radians(lat))))


def at(hour: int, minute: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute)


@dataclass
class Case:
    """A file of the corpus: what shape it has, its bytes, and each activity it holds
    as expected (a leg a dict, of the answer's fields), or the refusal it earns."""

    name: str
    shape: str
    make: Callable[[], bytes]
    expected: list[dict] = field(default_factory=list)
    refused: str | None = None
    # Whether the file carries its own totals (FIT sessions, TCX laps).
    summarised: bool = False


# --- Templates --------------------------------------------------------------------------


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Point:
    """A trackpoint: when, where, and what the sensors read (None: not recorded)."""

    time: datetime
    position: tuple[float, float] | None = None
    metres: float | None = None
    hr: int | None = None
    cadence: int | None = None
    elevation: float | None = None


def gpx(tracks: list[tuple[str | None, list[list[Point]]]]) -> bytes:
    """A GPX of tracks, each a ``<type>`` (or none) and its segments of points."""
    body = []
    for kind, segments in tracks:
        body.append("<trk>")
        if kind is not None:
            body.append(f"<type>{escape(kind)}</type>")
        for points in segments:
            body.append("<trkseg>")
            for p in points:
                lat, lon = p.position
                extras = "".join(
                    f"<gpxtpx:{tag}>{value}</gpxtpx:{tag}>"
                    for tag, value in (("hr", p.hr), ("cad", p.cadence))
                    if value is not None
                )
                body.append(
                    f'<trkpt lat="{lat:.8f}" lon="{lon:.8f}">'
                    + ("" if p.elevation is None else f"<ele>{p.elevation:.1f}</ele>")
                    + f"<time>{_z(p.time)}</time>"
                    + (
                        f"<extensions><gpxtpx:TrackPointExtension>{extras}"
                        "</gpxtpx:TrackPointExtension></extensions>"
                        if extras
                        else ""
                    )
                    + "</trkpt>"
                )
            body.append("</trkseg>")
        body.append("</trk>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="Academy tests" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        + "".join(body)
        + "</gpx>\n"
    ).encode()


@dataclass
class Lap:
    start: datetime
    seconds: float
    metres: float | None
    tracks: list[list[Point]]


def tcx(activities: list[tuple[str, list[Lap]]], *, bike_cadence: bool = False) -> bytes:
    """A TCX of activities, each a ``Sport`` and its laps (their totals and tracks).
    Cadence is written as a run's (``RunCadence``, one foot), or with
    ``bike_cadence`` as a ride's (``Cadence``, revolutions)."""
    body = []
    for sport, laps in activities:
        body.append(f'<Activity Sport="{sport}"><Id>{_z(laps[0].start)}</Id>')
        for lap in laps:
            body.append(
                f'<Lap StartTime="{_z(lap.start)}"><TotalTimeSeconds>{lap.seconds:g}'
                "</TotalTimeSeconds>"
                + (
                    ""
                    if lap.metres is None
                    else f"<DistanceMeters>{lap.metres:.2f}</DistanceMeters>"
                )
            )
            for track in lap.tracks:
                body.append("<Track>")
                for p in track:
                    body.append(tcx_point(p, bike_cadence))
                body.append("</Track>")
            body.append("</Lap>")
        body.append("</Activity>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase xmlns="http://www.'
        'garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
        + "".join(body)
        + "</Activities></TrainingCenterDatabase>\n"
    ).encode()


def tcx_point(p: Point, bike_cadence: bool) -> str:
    parts = [f"<Trackpoint><Time>{_z(p.time)}</Time>"]
    if p.position is not None:
        parts.append(
            f"<Position><LatitudeDegrees>{p.position[0]:.8f}</LatitudeDegrees>"
            f"<LongitudeDegrees>{p.position[1]:.8f}</LongitudeDegrees></Position>"
        )
    if p.metres is not None:
        parts.append(f"<DistanceMeters>{p.metres:.2f}</DistanceMeters>")
    if p.hr is not None:
        parts.append(f"<HeartRateBpm><Value>{p.hr}</Value></HeartRateBpm>")
    if p.cadence is not None and bike_cadence:
        parts.append(f"<Cadence>{p.cadence}</Cadence>")
    elif p.cadence is not None:
        parts.append(
            '<Extensions><TPX xmlns="http://www.garmin.com/xmlschemas/ActivityExtension/v2">'
            f"<RunCadence>{p.cadence}</RunCadence></TPX></Extensions>"
        )
    parts.append("</Trackpoint>")
    return "".join(parts)


def steady(
    start: datetime,
    seconds: int,
    speed: float,
    *,
    every: int = 5,
    from_metres: float = 0.0,
    offset: int = 0,
    hr: int | None = 150,
    cadence: int | None = 85,
    positions: bool = True,
    distances: bool = False,
    restart: bool = False,
) -> list[Point]:
    """Points ``every`` seconds for ``seconds`` (both ends included) at ``speed`` m/s due
    north, from ``offset`` seconds after ``start`` and ``from_metres`` north of ``BASE``;
    with ``distances``, each records the distance from ``BASE`` (from its first point
    with ``restart``)."""
    points = []
    for t in range(0, seconds + 1, every):
        metres = from_metres + t * speed
        points.append(
            Point(
                time=start + timedelta(seconds=offset + t),
                position=north(metres) if positions else None,
                metres=(t * speed if restart else metres) if distances else None,
                hr=hr,
                cadence=cadence,
            )
        )
    return points


def _fit_points(file: fitfile.FitFile, points: list[Point]) -> None:
    for p in points:
        lat, lon = p.position if p.position is not None else (None, None)
        file.record(
            fitfile.fit_time(p.time), lat=lat, lon=lon, metres=p.metres, hr=p.hr,
            cadence=p.cadence,
        )  # fmt: skip


# --- The files ----------------------------------------------------------------------------

RUN_SPEED = 1000 / 300  # 5:00 a kilometre


def multisport() -> bytes:
    """Run 1,200 s at 5:00/km (4,000 m), a 60 s transition, ride 3,600 s at 10 m/s
    (36,000 m, 90 rpm), a 60 s transition, run 900 s (3,000 m): five sessions, the
    watch's distance restarting at each. Records every second on foot, every 5 s on
    the bike, every 10 s in the transitions."""
    start = at(6)
    t0 = fitfile.fit_time(start)
    f = fitfile.FitFile(created=t0)
    f.timer(t0, fitfile.TIMER_START)
    legs = [
        steady(start, 1200, RUN_SPEED, every=1, distances=True, restart=True),
        steady(start, 40, 1.5, every=10, offset=1210, from_metres=4000, distances=True,
               restart=True, cadence=None),
        steady(start, 3600, 10.0, every=5, offset=1260, from_metres=4060, distances=True,
               restart=True, hr=140, cadence=90),
        steady(start, 40, 1.5, every=10, offset=4870, from_metres=40060, distances=True,
               restart=True, cadence=None),
        steady(start, 900, RUN_SPEED, every=1, offset=4920, from_metres=40120,
               distances=True, restart=True),
    ]  # fmt: skip
    for points in legs:
        _fit_points(f, points)
    f.session(t0, 1200, sport=1, metres=4000)
    f.session(t0 + 1200, 60, sport=3)
    f.session(t0 + 1260, 3600, sport=2, metres=36000)
    f.session(t0 + 4860, 60, sport=3)
    f.session(t0 + 4920, 900, sport=1, metres=3000)
    f.timer(t0 + 5820, fitfile.TIMER_STOP_ALL)
    return f.bytes()


def pool_swim() -> bytes:
    """A 25 m pool, no GPS: four sets of ten 30 s lengths, a 60 s rest between sets
    (rests are lengths of type 0). 40 x 25 = 1,000 m; swimming 40 x 30 = 1,200 s of
    1,200 + 3 x 60 = 1,380 s. Records of heart rate every 10 s; a lap a set."""
    start = at(7)
    t0 = fitfile.fit_time(start)
    f = fitfile.FitFile(created=t0)
    f.timer(t0, fitfile.TIMER_START)
    for t in range(0, 1381, 10):
        f.record(t0 + t, hr=130)
    clock = 0
    for number in range(4):
        began = clock
        for _ in range(10):
            f.length(t0 + clock, 30, swum=True)
            clock += 30
        if number < 3:
            f.length(t0 + clock, 60, swum=False)
            clock += 60
        f.lap(t0 + began, clock - began, metres=250, lengths=10, timer=300)
    f.session(t0, 1380, sport=5, sub_sport=17, timer=1200, metres=1000, pool=25)
    f.timer(t0 + 1380, fitfile.TIMER_STOP_ALL)
    return f.bytes()


def pool_swim_laps() -> bytes:
    """A 25 m pool, no GPS and no lengths: four laps of 300 s, two with their distance
    (250 m) and two with their lengths only (10 x 25 m). 1,000 m in 1,200 s."""
    start = at(7, 30)
    t0 = fitfile.fit_time(start)
    f = fitfile.FitFile(created=t0)
    for t in range(0, 1201, 10):
        f.record(t0 + t, hr=128)
    f.lap(t0, 300, metres=250)
    f.lap(t0 + 300, 300, metres=250)
    f.lap(t0 + 600, 300, lengths=10)
    f.lap(t0 + 900, 300, lengths=10)
    f.session(t0, 1200, sport=5, sub_sport=17, metres=1000, pool=25)
    return f.bytes()


def open_water_swim() -> bytes:
    """1,200 s at 1.25 m/s, positions every 5 s and no distance field: 1,500 m."""
    start = at(8)
    t0 = fitfile.fit_time(start)
    f = fitfile.FitFile(created=t0)
    _fit_points(f, steady(start, 1200, 1.25, hr=140, cadence=None))
    f.session(t0, 1200, sport=5, sub_sport=18, metres=1500)
    return f.bytes()


def bike_ride() -> bytes:
    """TCX, Sport "Biking": 3,600 s at 7.5 m/s (27 km/h), a point every 5 s with the
    distance, 88 revolutions a minute, heart rate 135: 27,000 m."""
    start = at(9)
    points = steady(start, 3600, 7.5, hr=135, cadence=88, distances=True)
    return tcx([("Biking", [Lap(start, 3600, 27000, [points])])], bike_cadence=True)


def walk() -> bytes:
    """GPX, type "walking": 2,400 s at 1.25 m/s, 55 strides a minute: 3,000 m, 110
    steps a minute."""
    points = steady(at(10), 2400, 1.25, hr=100, cadence=55)
    return gpx([("walking", [points])])


def multi_track() -> bytes:
    """GPX of three running tracks, the GPS off between them while the runner ran on:
    0-300 s from 0 to 1,000 m; 900-1,200 s from 3,000 to 4,000 m; then two segments,
    1,800-1,950 s from 6,000 to 6,500 m and 2,010-2,160 s from 6,700 to 7,200 m.
    Within tracks and segments: 1,000 + 1,000 + 500 + 500 = 3,000 m in 900 s moving, of
    2,160 s (7,200 m joined across the gaps)."""
    start = at(11)
    return gpx(
        [
            ("running", [steady(start, 300, RUN_SPEED)]),
            ("running", [steady(start, 300, RUN_SPEED, offset=900, from_metres=3000)]),
            (
                "running",
                [
                    steady(start, 150, RUN_SPEED, offset=1800, from_metres=6000),
                    steady(start, 150, RUN_SPEED, offset=2010, from_metres=6700),
                ],
            ),
        ]
    )


POWER_ON = 1000  # the device clock's seconds at the start: since it was switched on


def device_clock(anchor: str) -> bytes:
    """A watch whose clock was never set: 1,800 s at 5,000 m / 1,800 s from a footpod
    (no GPS), every time counted from power-on. Its start is read from
    ``anchor``: a ``timestamp_correlation`` (12:00), the file's ``time_created``
    (12:45), the records' own change to dates mid-run (13:30: the first 60 records
    count from power-on, the rest are dates), or nothing (refused)."""
    start = {"correlation": at(12), "created": at(12, 45), "mid-run": at(13, 30),
             "none": at(14)}[anchor]  # fmt: skip
    absolute = fitfile.fit_time(start)
    f = fitfile.FitFile(created=absolute if anchor == "created" else POWER_ON)
    if anchor == "correlation":
        f.write(fitfile.TIMESTAMP_CORRELATION, (absolute + 5, POWER_ON + 5))
    for t in range(0, 1801):
        moment = POWER_ON + t if anchor != "mid-run" or t < 60 else absolute + t
        f.record(moment, metres=t * 5000 / 1800, hr=150, cadence=85)
    session_start = absolute if anchor == "mid-run" else POWER_ON
    f.session(session_start, 1800, sport=1, metres=5000)
    return f.bytes()


GLITCHED = (60, 150, 240)


def glitches(points_off: tuple[int, ...] = GLITCHED) -> bytes:
    """GPX, 1,500 s at 5:00/km (5,000 m), a point every 5 s (301), those at
    ``points_off`` 1,000 m east of the way (a satellite's glitch). Dropped, the rest
    lie on one line: 5,000 m."""
    start = at(14)
    points = steady(start, 1500, RUN_SPEED)
    for index in points_off:
        points[index].position = east(points[index].position, 1000)
    return gpx([("running", [points])])


def last_point_out_of_order() -> bytes:
    """GPX, 1,500 s at 5:00/km, and after the last point one more: at the finish's
    position (5,000 m) with the time 12 s after the start. 5,000 m in 1,500 s."""
    start = at(15)
    points = steady(start, 1500, RUN_SPEED)
    points.append(Point(time=start + timedelta(seconds=12), position=north(5000), hr=150))
    return gpx([("running", [points])])


def laps_without_distance() -> bytes:
    """TCX, Sport "Other": two laps of 600 s, heart rate every 5 s and no distance nor
    position: 0-595 s and 600-1,200 s. Moving 595 + 600 = 1,195 s of 1,200 s."""
    start = at(16)
    still = {"hr": 120, "cadence": None, "positions": False}
    return tcx(
        [
            (
                "Other",
                [
                    Lap(start, 600, None, [steady(start, 595, 0, **still)]),
                    Lap(start + timedelta(seconds=600), 600, None,
                        [steady(start, 600, 0, offset=600, **still)]),
                ],
            )
        ]
    )  # fmt: skip


def timer_pauses() -> bytes:
    """FIT, positions only: 600 s at 5:00/km (0-2,000 m), the timer stopped 120 s while
    the runner walked 300 m (one record written meanwhile), 600 s more (2,300-4,300
    m). 4,000 m, 1,200 s moving of 1,320 s."""
    start = at(17)
    t0 = fitfile.fit_time(start)
    f = fitfile.FitFile(created=t0)
    f.timer(t0, fitfile.TIMER_START)
    _fit_points(f, steady(start, 600, RUN_SPEED, every=1))
    f.timer(t0 + 600, fitfile.TIMER_STOP)
    _fit_points(f, [Point(start + timedelta(seconds=660), north(2150), hr=110)])
    f.timer(t0 + 720, fitfile.TIMER_START)
    _fit_points(f, steady(start, 600, RUN_SPEED, every=1, offset=720, from_metres=2300))
    f.timer(t0 + 1320, fitfile.TIMER_STOP_ALL)
    f.session(t0, 1320, sport=1, timer=1200, metres=4000)
    return f.bytes()


def treadmill() -> bytes:
    """FIT, running on a treadmill: 1,800 s at 6:00/km from a footpod, no GPS, 84
    strides a minute: 5,000 m, 168 steps a minute."""
    start = at(18)
    t0 = fitfile.fit_time(start)
    f = fitfile.FitFile(created=t0)
    points = steady(start, 1800, 1000 / 360, every=1, positions=False, distances=True,
                    hr=145, cadence=84)  # fmt: skip
    _fit_points(f, points)
    f.session(t0, 1800, sport=1, sub_sport=1, metres=5000)
    return f.bytes()


def untyped() -> bytes:
    """GPX without a ``<type>``: 1,200 s at 5:00/km, 4,000 m, of a sport unknown."""
    return gpx([(None, [steady(at(19), 1200, RUN_SPEED)])])


def _leg(sport, kind, start, metres, seconds, moving, **more) -> dict:
    return {
        "sport": sport,
        "kind": kind,
        "started_at": start,
        "distance_m": metres,
        "duration_seconds": seconds,
        "moving_seconds": moving,
        **more,
    }


CASES = [
    Case("multisport.fit", "multisport: run-bike-run with two transitions (FIT, five "
         "sessions, distance restarting a leg)", multisport, [
        _leg("running", "run", at(6), 4000.0, 1200, 1200, avg_cadence_spm=170,
             avg_cadence_rpm=None),
        _leg("cycling", "cross_training", at(6, 21), 36000.0, 3600, 3600,
             avg_cadence_spm=None, avg_cadence_rpm=90),
        _leg("running", "run", at(7, 22), 3000.0, 900, 900, avg_cadence_spm=170),
    ], summarised=True),
    Case("pool-swim.fit", "pool swim, 25 m, lengths and rests, no GPS (FIT)", pool_swim,
         [_leg("swimming", "cross_training", at(7), 1000.0, 1380, 1200, avg_hr=130)],
         summarised=True),
    Case("pool-swim-laps.fit", "pool swim, laps only (distance, or lengths x pool), no "
         "GPS (FIT)", pool_swim_laps,
         [_leg("swimming", "cross_training", at(7, 30), 1000.0, 1200, 1200)],
         summarised=True),
    Case("open-water.fit", "open-water swim, positions and no distance field (FIT)",
         open_water_swim,
         [_leg("swimming", "cross_training", at(8), 1500.0, 1200, 1200)], summarised=True),
    Case("ride.tcx", "bike ride with cadence in rpm (TCX, Biking)", bike_ride,
         [_leg("cycling", "cross_training", at(9), 27000.0, 3600, 3600,
               avg_cadence_spm=None, avg_cadence_rpm=88, avg_hr=135)], summarised=True),
    Case("walk.gpx", "walk (GPX, walking)", walk,
         [_leg("walking", "cross_training", at(10), 3000.0, 2400, 2400,
               avg_cadence_spm=110)]),
    Case("multi-track.gpx", "three tracks, GPS off between them, one of two segments "
         "(GPX)", multi_track, [_leg("running", "run", at(11), 3000.0, 2160, 900)]),
    Case("clock-correlated.fit", "device clock never set, a timestamp_correlation (FIT)",
         lambda: device_clock("correlation"),
         [_leg("running", "run", at(12), 5000.0, 1800, 1800)], summarised=True),
    Case("clock-created.fit", "device clock never set, time_created a date (FIT)",
         lambda: device_clock("created"),
         [_leg("running", "run", at(12, 45), 5000.0, 1800, 1800)], summarised=True),
    Case("clock-set-mid-run.fit", "device clock set a minute into the run (FIT)",
         lambda: device_clock("mid-run"),
         [_leg("running", "run", at(13, 30), 5000.0, 1800, 1800)], summarised=True),
    Case("clock-never-set.fit", "device clock never set, no date anywhere (FIT)",
         lambda: device_clock("none"), refused="The watch's clock was never set"),
    Case("glitches.gpx", "three GPS glitches 1 km off the way (GPX)", glitches,
         [_leg("running", "run", at(14), 5000.0, 1500, 1500)]),
    Case("glitches-too-many.gpx", "20 glitches of 301 points (GPX)",
         lambda: glitches(tuple(range(10, 301, 15))),
         refused="Point 11 (2026-03-10T14:00:50+00:00) is 1,000 m from the point before, "
         "5 s earlier: faster than anyone has run; 20 of the track's 301 points"),
    Case("last-point-out-of-order.gpx", "a last point out of order: the finish's place "
         "at the start's time (GPX)", last_point_out_of_order,
         [_leg("running", "run", at(15), 5000.0, 1500, 1500)]),
    Case("laps-without-distance.tcx", "two laps without distance or position (TCX, Other)",
         laps_without_distance,
         [_leg("other", "cross_training", at(16), 0.0, 1200, 1195, avg_hr=120)],
         summarised=True),
    Case("timer-pauses.fit", "run with a timer pause, moved 300 m while paused, "
         "positions only (FIT)", timer_pauses,
         [_leg("running", "run", at(17), 4000.0, 1320, 1200)], summarised=True),
    Case("treadmill.fit", "treadmill: no GPS, distance from the footpod (FIT)", treadmill,
         [_leg("treadmill_running", "run", at(18), 5000.0, 1800, 1800,
               avg_cadence_spm=168, avg_hr=145)], summarised=True),
    Case("untyped.gpx", "GPX without a type", untyped,
         [_leg("other", "cross_training", at(19), 4000.0, 1200, 1200)]),
]  # fmt: skip


# A record as the richest watches write it: position, distance, speeds and altitudes,
# heart rate, cadence, power and the running dynamics, the satellites' accuracy and the
# battery (59 bytes with its header).
RICH_RECORD = fitfile.Message(
    20,
    (
        (253, "uint32"),  # timestamp
        (0, "sint32"),  # position_lat
        (1, "sint32"),  # position_long
        (5, "uint32"),  # distance, cm
        (73, "uint32"),  # enhanced_speed, mm/s
        (78, "uint32"),  # enhanced_altitude, (m + 500) x 5
        (2, "uint16"),  # altitude
        (6, "uint16"),  # speed, mm/s
        (3, "uint8"),  # heart_rate
        (4, "uint8"),  # cadence
        (53, "uint8"),  # fractional_cadence
        (7, "uint16"),  # power
        (29, "uint32"),  # accumulated_power
        (13, "sint8"),  # temperature
        (39, "uint16"),  # vertical_oscillation
        (40, "uint16"),  # stance_time_percent
        (41, "uint16"),  # stance_time
        (83, "uint16"),  # vertical_ratio
        (84, "uint16"),  # stance_time_balance
        (85, "uint16"),  # step_length
        (10, "uint8"),  # resistance
        (30, "uint8"),  # left_right_balance
        (19, "uint32"),  # total_cycles
        (31, "uint8"),  # gps_accuracy
        (81, "uint8"),  # battery_soc
    ),
)


def long_run(hours: float = 48, pace_s_per_km: float = 432) -> bytes:
    """A run of ``hours`` at ``pace_s_per_km``, a record a second in ``RICH_RECORD``'s
    shape: 48 hours is 172,801 records, 9.7 MB (the upload's bound is 10 MB), the
    largest FIT a client sends. Its distance is 48 x 3,600 / 432 = 400 km."""
    import struct

    start = at(0) - timedelta(days=3)
    t0 = fitfile.fit_time(start)
    seconds = round(hours * 3600)
    speed = 1000 / pace_s_per_km
    head = fitfile.define(1, RICH_RECORD)
    pack = struct.Struct("<B" + RICH_RECORD.format[1:]).pack
    lon = round(BASE[1] * 2**31 / 180)
    scale = 2**31 / 180
    body = [fitfile.define(0, fitfile.FILE_ID)]
    body.append(fitfile.data(0, fitfile.FILE_ID, (4, 255, 0, 1, t0)))
    body.append(head)
    for t in range(seconds + 1):
        metres = t * speed
        lat = round((BASE[0] + math.degrees(metres / _EARTH_RADIUS)) * scale)
        body.append(
            pack(1, t0 + t, lat, lon, round(metres * 100), round(speed * 1000), 3000,
                 3000, round(speed * 1000), 150 + t % 10, 85, 0, 250, 250 * t % 2**32, 20,
                 90, 3400, 240, 80, 5000, 1100, 0, 50, t * 85 // 60, 3, 180 - t // 1000)
        )  # fmt: skip
    session = fitfile.SESSION_FULL
    body.append(fitfile.define(2, session))
    body.append(
        fitfile.data(2, session, (t0 + seconds, t0, 1, 0, seconds * 1000, seconds * 1000,
                                  round(seconds * speed * 100), None))
    )  # fmt: skip
    return fitfile.framed(b"".join(body))
