"""The hostile activity files of an attack on the upload, built on demand (the largest
are megabytes): a few hundred bytes that claim a distance past any bound, a FIT of a
million and more minimal records and its gzip, a gzip of two million nested elements,
and a GPX of 195,000 points (45 MB) gzipped to a megabyte and a half. The live tests
and ``bench/hostile_files.py`` send them to a real gunicorn."""

import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from tests.activities import fitfile

START = datetime(2026, 3, 10, 7, 0, tzinfo=UTC)


def _z(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def tcx_track(points: list[tuple[float, str]], *, laps: int = 1) -> bytes:
    """A TCX of trackpoints (seconds after ``START``, distance as written), in ``laps``
    laps of one track each (the points in the first)."""
    track = "".join(
        f"<Trackpoint><Time>{_z(START + timedelta(seconds=seconds))}</Time>"
        f"<DistanceMeters>{distance}</DistanceMeters></Trackpoint>"
        for seconds, distance in points
    )
    laps_xml = "".join(
        f'<Lap StartTime="{_z(START)}"><Track>{track if n == 0 else ""}</Track></Lap>'
        for n in range(laps)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running">'
        f"<Id>{_z(START)}</Id>{laps_xml}</Activity></Activities></TrainingCenterDatabase>"
    ).encode()


def tcx_distance_jump(metres: str = "1e13") -> bytes:
    """Two trackpoints a minute apart, the second ``metres`` from the first."""
    return tcx_track([(0, "0"), (60, metres)])


def fit_minimal_records(count: int = 1_600_000) -> bytes:
    """A FIT of ``count`` records of a time and a heart rate (9.6 MB for 1.6 million)."""
    return fitfile.minimal_records(count, START)


def nested_elements(count: int = 2_000_000) -> bytes:
    """A GPX whose root holds ``count`` elements each inside the one before."""
    return (
        b'<?xml version="1.0"?><gpx version="1.1" creator="x">'
        + b"<a>" * count
        + b"</a>" * count
        + b"</gpx>"
    )


def gpx_points(count: int = 195_000) -> bytes:
    """A GPX of ``count`` points a second apart at a jog, with heart rate and cadence."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="x" '
        'xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><type>running</type><trkseg>"
    )
    points = (
        f'<trkpt lat="{51.5 + n * 2.5e-5:.7f}" lon="-0.1200000"><ele>{100 + n % 50}</ele>'
        f"<time>{_z(START + timedelta(seconds=n))}</time><extensions>"
        f"<gpxtpx:TrackPointExtension><gpxtpx:hr>{140 + n % 20}</gpxtpx:hr>"
        f"<gpxtpx:cad>85</gpxtpx:cad></gpxtpx:TrackPointExtension></extensions></trkpt>"
        for n in range(count)
    )
    return (head + "".join(points) + "</trkseg></trk></gpx>").encode()


def packed(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=6, mtime=0)


# The attacks, by name: what each sends.
ATTACKS: dict[str, Callable[[], bytes]] = {
    "TCX 0 -> 1e13 m": tcx_distance_jump,
    "TCX 0 -> 1e8 m": lambda: tcx_distance_jump("1e8"),
    "FIT, 1.6M minimal records": fit_minimal_records,
    "FIT, 1.6M minimal records, gzip": lambda: packed(fit_minimal_records()),
    "gzip of 2M nested elements": lambda: packed(nested_elements()),
    "GPX of 195,000 points (45 MB), gzip": lambda: packed(gpx_points()),
}
