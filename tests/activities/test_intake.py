"""The intake's bounds over HTTP: each bound met by a file just past it answers 413 (more
than Academy reads) or 422 (a file or a figure that cannot be), naming the file and
saying why, and stores nothing. Bounds that need megabytes to reach are lowered for the
test; the live tests send the full-size files."""

import gzip
import tracemalloc
from datetime import UTC, datetime

import pytest

from academy.activities import intake, parsing
from academy.activities.models import Activity
from academy.activities.samples import SteadyRun, gpx, tcx
from academy.checkins.models import CheckIn
from academy.extensions import db
from tests.activities import fitfile, hostile
from tests.activities.conftest import file_bytes, upload
from tests.activities.make_files import TEN_K
from tests.conftest import count_rows, problem_of


def refused(response, status: int, stored) -> str:
    """The one message of a refusal naming the file; nothing was kept."""
    body = problem_of(response, status)
    [message] = body["errors"]["file"]
    assert count_rows(Activity) == count_rows(CheckIn) == 0
    assert stored() == {}
    return message


def gpx_with(body: str) -> bytes:
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="x" '
        f'xmlns="http://www.topografix.com/GPX/1/1">{body}</gpx>'
    ).encode()


MARCH_8 = datetime(2026, 3, 8, 6, 0, tzinfo=UTC)


class TestWhatARunCanBe:
    def test_a_441_byte_tcx_of_ten_trillion_metres_is_422_naming_the_point(
        self, http, client_user, stored
    ):
        response = upload(http, client_user, hostile.tcx_distance_jump("1e13"), "far.tcx")

        message = refused(response, 422, stored)
        assert message.startswith("Point 2 (2026-03-10T07:01:00+00:00) is 10,000,000,000,000 m")
        assert "faster than anyone has run" in message

    def test_a_distance_that_runs_backwards_is_422_not_a_clash(self, http, client_user, stored):
        data = hostile.tcx_track([(0, "1000"), (60, "1100"), (120, "0")])

        response = upload(http, client_user, data, "back.tcx")

        message = refused(response, 422, stored)
        assert message == "Point 3 (2026-03-10T07:02:00+00:00) is 1,100 m behind the point " + (
            "before: the distance runs backwards."
        )

    def test_further_than_500_km_is_422(self, http, client_user, stored):
        # 501 km at 5:30/km, a point every half minute: plausible at every step.
        run = SteadyRun(MARCH_8, 165_330, 330, every=30)

        response = upload(http, client_user, gzip.compress(tcx(run)), "far.tcx.gz")

        assert refused(response, 422, stored) == (
            "The track covers more than 500 km: not one activity."
        )

    def test_longer_than_48_hours_is_422(self, http, client_user, stored):
        run = SteadyRun(MARCH_8, 49 * 3600, 1000, every=1800)

        response = upload(http, client_user, gpx(run), "long.gpx")

        assert refused(response, 422, stored) == (
            "The track lasts longer than 48 hours: not one activity."
        )

    def test_a_pace_beating_the_world_record_is_422_saying_so(self, http, client_user, stored):
        # 5 km in 12:00 (the record is 12:35), no step of it faster than a sprinter.
        run = SteadyRun(MARCH_8, 720, 144, every=5)

        response = upload(http, client_user, tcx(run), "fast.tcx")

        assert refused(response, 422, stored) == (
            "5.00 km in 12:00 beats the world record pace over that distance (at least 12:36)."
        )

    def test_a_fast_run_within_the_records_is_read(self, http, client_user):
        # 5 km in 13:20: a world-class run, and a possible one.
        run = SteadyRun(MARCH_8, 800, 160, every=5)

        response = upload(http, client_user, tcx(run), "fast.tcx")

        assert response.status_code == 201
        assert response.get_json()["distance_m"] == 5000.0

    def test_the_fastest_time_is_the_record_interpolated_between_records(self):
        assert intake.fastest_seconds(5_000) == 755.36
        assert intake.fastest_seconds(7_500) == pytest.approx((755.36 + 1_571) / 2)
        assert intake.fastest_seconds(639_228) == pytest.approx(2 * 86_400)
        assert intake.fastest_seconds(99) is None


class TestWatchClocks:
    def test_a_fit_whose_clock_was_never_set_is_422_saying_why(self, http, client_user, stored):
        response = upload(http, client_user, fitfile.steady(TEN_K, clock_set=False))

        assert refused(response, 422, stored) == (
            "The watch's clock was never set: the file's times count from when it was "
            "switched on, and none is a date and time."
        )

    def test_a_negative_fit_timestamp_is_422(self, http, client_user, stored):
        signed = fitfile.Message(20, ((253, "sint32"), (3, "uint8")))
        body = fitfile.define(0, signed) + b"".join(
            fitfile.data(0, signed, (-5 + n, 150)) for n in range(5)
        )

        response = upload(http, client_user, fitfile.framed(body))

        assert "clock was never set" in refused(response, 422, stored)

    def test_a_fit_written_byte_by_byte_reads_like_the_others(self, http, client_user):
        response = upload(http, client_user, fitfile.steady(TEN_K))

        assert response.status_code == 201
        body = response.get_json()
        figures = (body["distance_m"], body["duration_seconds"], body["avg_hr"])
        assert figures == (10000.0, 3300, 160)


class TestCompressedFiles:
    def test_a_gzip_unpacking_past_32_mb_is_413_without_holding_what_it_unpacks(
        self, http, client_user, stored
    ):
        data = gzip.compress(gpx_with(" " * (33 * 2**20)), compresslevel=1)
        tracemalloc.start()
        try:
            with pytest.raises(parsing.TooLarge, match="unpacks to more than 32 MB"):
                parsing.parse(data)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

        response = upload(http, client_user, data, "big.gpx.gz")

        assert refused(response, 413, stored) == "The file unpacks to more than 32 MB."
        assert peak < 2**20  # a chunk at a time, never the 33 MB

    def test_gzip_members_one_after_the_other_are_one_file(self, http, client_user):
        data = file_bytes("five-k.gpx")
        half = len(data) // 2

        two = gzip.compress(data[:half]) + gzip.compress(data[half:])

        response = upload(http, client_user, two, "two.gpx.gz")

        assert response.status_code == 201
        assert response.get_json()["distance_m"] == 5000.0

    @pytest.mark.parametrize(
        ("make", "message"),
        [
            (lambda d: gzip.compress(gzip.compress(d)), "A gzip file inside a gzip file"),
            (lambda d: gzip.compress(d)[:-100], "The gzip file is cut short."),
            (lambda d: gzip.compress(d) + b"junk", "The gzip file has bytes after its end."),
            (lambda d: gzip.compress(d)[:20] + b"\xff" * 50, "The gzip file is broken."),
        ],
        ids=["gzip in gzip", "cut short", "trailing bytes", "broken"],
    )
    def test_a_broken_or_doubled_gzip_is_422(self, http, client_user, stored, make, message):
        response = upload(http, client_user, make(file_bytes("five-k.gpx")), "x.gpx.gz")

        assert refused(response, 422, stored).startswith(message)


class TestXmlBounds:
    def test_nesting_deeper_than_32_is_422(self, http, client_user, stored):
        deep = "<extensions>" * 33 + "</extensions>" * 33

        response = upload(http, client_user, gpx_with(deep), "deep.gpx")

        assert refused(response, 422, stored) == "The XML nests deeper than 32 elements."

    def test_nesting_32_deep_is_read(self, http, client_user):
        data = file_bytes("five-k.gpx")
        deep = b"<extensions>" + b"<x>" * 27 + b"</x>" * 27 + b"</extensions></trkpt>"

        response = upload(http, client_user, data.replace(b"</trkpt>", deep, 1), "deep.gpx")

        assert response.status_code == 201

    def test_two_million_nested_elements_are_refused_at_the_33rd(self, http, client_user, stored):
        data = hostile.packed(hostile.nested_elements())

        response = upload(http, client_user, data, "nested.gpx.gz")

        assert refused(response, 422, stored) == "The XML nests deeper than 32 elements."

    def test_more_elements_than_the_bound_is_413(self, http, client_user, stored, monkeypatch):
        monkeypatch.setattr(intake, "MAX_XML_ELEMENTS", 50)

        response = upload(http, client_user, file_bytes("five-k.tcx"), "many.tcx")

        assert refused(response, 413, stored) == "The file holds more than 50 XML elements."

    def test_a_trackpoint_field_of_megabytes_is_422(self, http, client_user, stored):
        data = file_bytes("five-k.gpx").replace(b"<ele>", b"<ele>" + b"1" * 2000, 1)

        response = upload(http, client_user, data, "long.gpx")

        assert refused(response, 422, stored) == (
            "An element of a trackpoint holds more than 1,024 characters."
        )

    @pytest.mark.parametrize(
        ("name", "bound", "what"),
        [("five-k.gpx", "MAX_SEGMENTS", "tracks and segments"), ("five-k.tcx", "MAX_LAPS", "laps")],
    )
    def test_more_segments_or_laps_than_the_bound_is_413(
        self, http, client_user, stored, monkeypatch, name, bound, what
    ):
        monkeypatch.setattr(intake, bound, 0)

        response = upload(http, client_user, file_bytes(name), name)

        assert refused(response, 413, stored) == f"The file holds more than 0 {what}."


class TestCountsAndTime:
    @pytest.mark.parametrize("name", ["five-k.gpx", "five-k.tcx", "ten-k.fit"])
    def test_more_points_than_the_bound_is_413(self, http, client_user, stored, monkeypatch, name):
        monkeypatch.setattr(intake, "MAX_POINTS", 100)

        response = upload(http, client_user, file_bytes(name), name)

        assert refused(response, 413, stored) == "The file holds more than 100 points."

    def test_more_fit_messages_than_the_bound_is_413(self, http, client_user, stored, monkeypatch):
        monkeypatch.setattr(intake, "MAX_FIT_MESSAGES", 100)

        response = upload(http, client_user, file_bytes("ten-k.fit"))

        assert refused(response, 413, stored) == "The file holds more than 100 FIT messages."

    def test_more_fit_laps_than_the_bound_is_413(self, http, client_user, stored, monkeypatch):
        monkeypatch.setattr(intake, "MAX_LAPS", 2)
        start = fitfile.fit_time(MARCH_8)
        body = fitfile.define(0, fitfile.LAP) + b"".join(
            fitfile.data(0, fitfile.LAP, (start + n, start)) for n in range(3)
        )

        response = upload(http, client_user, fitfile.framed(body))

        assert refused(response, 413, stored) == "The file holds more than 2 laps."

    def test_a_file_taking_longer_than_the_budget_is_413(
        self, http, client_user, stored, monkeypatch
    ):
        monkeypatch.setattr(intake, "READ_SECONDS", 0.0)

        response = upload(http, client_user, file_bytes("ten-k.fit"))

        assert refused(response, 413, stored) == "The file takes more than 0 s to read."
        assert problem_of(response, 413)["detail"] == "The file is larger than Academy reads."


class TestSplitsInAnswers:
    def test_a_list_answers_at_most_500_splits_an_activity_whatever_a_row_holds(
        self, http, client_user
    ):
        body = upload(http, client_user, file_bytes("ten-k.fit")).get_json()
        activity = db.session.get(Activity, body["id"])
        split = activity.splits[0]
        activity.splits = [{**split, "index": n} for n in range(1, 601)]
        db.session.commit()

        listed = http.get("/api/v1/me/activities", headers=client_user.headers).get_json()
        one = http.get(f"/api/v1/me/activities/{body['id']}", headers=client_user.headers)

        assert len(listed[0]["splits"]) == 500
        assert [s["index"] for s in one.get_json()["splits"]] == list(range(1, 501))
