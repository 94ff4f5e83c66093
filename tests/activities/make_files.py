"""Writes the activity files the tests read (``python -m tests.activities.make_files``):
steady runs whose figures follow from their parameters (``academy.activities.samples``),
as GPX (gpxpy), TCX (a template) and FIT (fit-tool, an encoder independent of the
fitfast decoder that Academy reads FIT with)."""

from datetime import UTC, datetime
from pathlib import Path

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import Event, EventType, FileType, Manufacturer, Sport

from academy.activities.samples import SteadyRun, gpx, tcx

FILES = Path(__file__).parent / "files"

# 5 km at 5:00/km on Tuesday 10 March 2026 at 07:00 UTC, a point every 5 seconds:
# 1,500 s, 5 splits of 1,000 m in 300 s, heart rate 150 (max 152), 170 steps a minute,
# 75 m climbed.
FIVE_K = SteadyRun(datetime(2026, 3, 10, 7, 0, tzinfo=UTC), 1500, 300, every=5)
# 10 km at 5:30/km a day later, as a FIT file, a point a second: 3,300 s, HR 160.
TEN_K = SteadyRun(datetime(2026, 3, 11, 6, 30, tzinfo=UTC), 3300, 330, hr=160, cadence_rpm=88)
# One hour at 5:30/km, a point a second: the benchmark's file.
HOUR = SteadyRun(datetime(2026, 3, 9, 6, 0, tzinfo=UTC), 3600, 330, hr=155)


def _ms(moment: datetime) -> int:
    return round(moment.timestamp() * 1000)


def fit(run: SteadyRun) -> bytes:
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.DEVELOPMENT.value
    file_id.product = 0
    file_id.time_created = _ms(run.start)
    file_id.serial_number = 0x12345678
    builder.add(file_id)
    start = EventMessage()
    start.event, start.event_type, start.timestamp = Event.TIMER, EventType.START, _ms(run.start)
    builder.add(start)
    records = []
    for time, metres, lat, lon, elevation, hr, cadence in run.points():
        record = RecordMessage()
        record.timestamp = _ms(time)
        record.position_lat, record.position_long = lat, lon
        record.distance = metres
        record.altitude = elevation
        record.heart_rate = hr
        record.cadence = cadence
        records.append(record)
    builder.add_all(records)
    stop = EventMessage()
    last = records[-1].timestamp
    stop.event, stop.event_type, stop.timestamp = Event.TIMER, EventType.STOP, last
    builder.add(stop)
    session = SessionMessage()
    session.timestamp = last
    session.start_time = _ms(run.start)
    session.sport = Sport.RUNNING
    session.total_elapsed_time = run.seconds
    session.total_timer_time = run.seconds
    session.total_distance = run.distance_m
    builder.add(session)
    return builder.build().to_bytes()


def main() -> None:
    FILES.mkdir(exist_ok=True)
    (FILES / "five-k.gpx").write_bytes(gpx(FIVE_K))
    (FILES / "five-k.tcx").write_bytes(tcx(FIVE_K))
    (FILES / "ten-k.fit").write_bytes(fit(TEN_K))
    (FILES / "one-hour.fit").write_bytes(fit(HOUR))


if __name__ == "__main__":
    main()
