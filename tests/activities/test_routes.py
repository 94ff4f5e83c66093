"""Activity files from watches over HTTP: real FIT, GPX and TCX files whose figures the
tests know from how they were made (``tests/activities/make_files.py``)."""

import base64
import gzip
import io
import zipfile
from datetime import datetime

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from academy.activities.models import Activity
from academy.checkins.models import CheckIn
from academy.clients.models import Client
from academy.common.time import as_utc
from academy.extensions import db
from tests.activities.conftest import file_bytes, upload
from tests.assessments.conftest import recorded
from tests.conftest import PASSWORD, count_rows, measured, problem_of
from tests.programs.test_routes import assigned, created
from tests.programs.test_runs import running_body

# 5 km in 25:00 at 5:00/km, HR 148/152, 85 strides (170 steps) a minute, 75 m up.
FIVE_K = {
    "sport": "running",
    "started_at": "2026-03-10T07:00:00Z",
    "date": "2026-03-10",
    "distance_m": 5000.0,
    "duration_seconds": 1500,
    "moving_seconds": 1500,
    "elevation_gain_m": 75.0,
    "avg_hr": 150,
    "max_hr": 152,
    "avg_cadence_spm": 170,
    "splits": [
        {"index": i, "distance_m": 1000.0, "duration_seconds": 300, "avg_hr": 150,
         "avg_cadence_spm": 170}
        for i in range(1, 6)
    ],
}  # fmt: skip
# 10 km in 55:00 at 5:30/km, HR 158/162, 88 strides (176 steps) a minute, 165 m up.
TEN_K = {
    "sport": "running",
    "started_at": "2026-03-11T06:30:00Z",
    "date": "2026-03-11",
    "distance_m": 10000.0,
    "duration_seconds": 3300,
    "moving_seconds": 3300,
    "elevation_gain_m": 165.0,
    "avg_hr": 160,
    "max_hr": 162,
    "avg_cadence_spm": 176,
}


def figures(body: dict, expected: dict) -> dict:
    return {key: body[key] for key in expected}


class TestUploadActivity:
    @pytest.mark.parametrize(
        ("name", "kind", "expected"),
        [("five-k.gpx", "gpx", FIVE_K), ("five-k.tcx", "tcx", FIVE_K), ("ten-k.fit", "fit", TEN_K)],
    )
    def test_it_reads_the_files_summary_and_splits(
        self, http, client_user, stored, name, kind, expected
    ):
        data = file_bytes(name)

        response = upload(http, client_user, data, name)

        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        assert body["format"] == kind
        assert figures(body, expected) == expected
        assert response.headers["Location"].endswith(f"/api/v1/me/activities/{body['id']}")
        assert (body["file_name"], body["file_size"]) == (name, len(data))
        assert list(stored().values()) == [data]

    def test_the_ten_k_has_ten_kilometre_splits(self, http, client_user):
        body = upload(http, client_user, file_bytes("ten-k.fit")).get_json()

        assert [(s["index"], s["distance_m"], s["duration_seconds"]) for s in body["splits"]] == [
            (i, 1000.0, 330) for i in range(1, 11)
        ]

    def test_without_a_run_session_it_makes_a_check_in_for_its_date(self, http, client_user):
        body = upload(http, client_user, file_bytes("five-k.gpx"), "five-k.gpx").get_json()

        check_in = db.session.get(CheckIn, body["check_in_id"])
        assert (check_in.date.isoformat(), check_in.assignment_id, check_in.session_id) == (
            "2026-03-10",
            None,
            None,
        )
        assert (check_in.run_distance_km, check_in.run_duration_minutes, check_in.cadence_spm) == (
            5.0,
            25.0,
            170,
        )

    def test_the_same_file_again_is_200_with_the_same_activity(self, http, client_user, stored):
        first = upload(http, client_user, file_bytes("ten-k.fit"))

        again = upload(http, client_user, file_bytes("ten-k.fit"), "renamed.fit")

        assert (first.status_code, again.status_code) == (201, 200)
        assert again.get_json() == first.get_json()
        assert count_rows(Activity) == 1
        assert count_rows(CheckIn) == 1
        assert len(stored()) == 1

    def test_another_client_may_upload_the_same_file(self, http, client_user, other_client_user):
        upload(http, client_user, file_bytes("ten-k.fit"))

        response = upload(http, other_client_user, file_bytes("ten-k.fit"))

        assert response.status_code == 201
        assert response.get_json()["client_id"] == other_client_user.id

    def test_a_gzip_compressed_file_is_read(self, http, client_user):
        response = upload(http, client_user, gzip.compress(file_bytes("ten-k.fit")), "r.fit.gz")

        assert response.status_code == 201
        assert figures(response.get_json(), TEN_K) == TEN_K

    def test_a_file_name_keeps_only_what_can_be_stored(self, http, client_user):
        response = upload(http, client_user, file_bytes("ten-k.fit"), "my\x00run\x1f.fit")

        assert response.get_json()["file_name"] == "myrun.fit"

    def test_an_upload_leaves_the_clients_own_record_as_it_was(self, http, client_user):
        before = db.session.get(Client, client_user.id)
        stamp, version = before.updated_at, before.version

        upload(http, client_user, file_bytes("ten-k.fit"))

        db.session.expire_all()
        after = db.session.get(Client, client_user.id)
        assert (after.updated_at, after.version) == (stamp, version)

    def test_a_coach_cannot_upload(self, http, coach):
        problem_of(upload(http, coach, file_bytes("ten-k.fit")), 403)


class TestUploadIntoTheProgram:
    def test_it_checks_in_the_days_run_session(self, http, coach, client_user, ex):
        template = created(http, coach, running_body(ex))  # intervals on week 1 day 3
        mine = assigned(http, coach, client_user.id, template["id"])  # from Monday 9 March

        body = upload(http, client_user, file_bytes("ten-k.fit")).get_json()

        check_in = db.session.get(CheckIn, body["check_in_id"])
        assert check_in.assignment_id == mine["id"]
        today = http.get("/api/v1/me/today", headers=client_user.headers).get_json()
        [session] = today["sessions"]
        assert (session["id"], session["status"]) == (check_in.session_id, "done")
        assert check_in.run_distance_km == 10.0

    def test_an_existing_check_in_of_the_session_records_it(self, http, coach, client_user, ex):
        template = created(http, coach, running_body(ex))
        mine = assigned(http, coach, client_user.id, template["id"])
        [session] = http.get("/api/v1/me/today", headers=client_user.headers).get_json()["sessions"]
        posted = http.post(
            "/api/v1/me/check-ins",
            json={"date": "2026-03-11", "assignment_id": mine["id"], "session_id": session["id"],
                  "rpe": 7, "run": {"distance_km": 9.8}},
            headers=client_user.headers,
        ).get_json()  # fmt: skip

        body = upload(http, client_user, file_bytes("ten-k.fit")).get_json()

        assert body["check_in_id"] == posted["id"]
        check_in = db.session.get(CheckIn, posted["id"])
        # The client's own distance stays; what they left out comes from the watch.
        assert (check_in.run_distance_km, check_in.run_duration_minutes, check_in.cadence_spm) == (
            9.8,
            55.0,
            176,
        )
        # A change like any other: the check-in's version and updated_at move on.
        assert check_in.version == 2
        assert as_utc(check_in.updated_at) > datetime.fromisoformat(posted["updated_at"])
        assert count_rows(CheckIn) == 1

    def test_a_named_check_in_records_it(self, http, client_user):
        posted = http.post(
            "/api/v1/me/check-ins", json={"date": "2026-03-10", "rpe": 4},
            headers=client_user.headers,
        ).get_json()  # fmt: skip

        body = upload(
            http, client_user, file_bytes("five-k.gpx"), "a.gpx", check_in_id=posted["id"]
        ).get_json()

        assert body["check_in_id"] == posted["id"]
        assert db.session.get(CheckIn, posted["id"]).run_distance_km == 5.0

    def test_another_clients_check_in_is_422(self, http, client_user, other_client_user, stored):
        theirs = http.post(
            "/api/v1/me/check-ins", json={"date": "2026-03-10"}, headers=other_client_user.headers
        ).get_json()

        response = upload(http, client_user, file_bytes("ten-k.fit"), check_in_id=theirs["id"])

        assert problem_of(response, 422)["errors"] == {
            "check_in_id": ["No such check-in of yours."]
        }
        assert count_rows(Activity) == 0
        assert stored() == {}


def _billion_laughs(root: str) -> bytes:
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    return f'<?xml version="1.0"?><!DOCTYPE {root} [{entities}]><{root}>&a9;</{root}>'.encode()


def _zip(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("run.fit", data)
    return out.getvalue()


HOSTILE = {
    "truncated FIT": lambda: file_bytes("ten-k.fit")[:40_000],
    "FIT with a bad checksum": lambda: file_bytes("ten-k.fit")[:-2] + b"\x00\x00",
    "not an activity": lambda: b"%PDF-1.7 this is not a run",
    "empty": lambda: b"",
    "broken GPX": lambda: file_bytes("five-k.gpx")[:5000],
    "GPX entity expansion": lambda: _billion_laughs("gpx"),
    "TCX entity expansion": lambda: _billion_laughs("TrainingCenterDatabase"),
    "TCX external entity": lambda: (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<TrainingCenterDatabase>&e;</TrainingCenterDatabase>"
    ),
    "zip archive": lambda: _zip(file_bytes("ten-k.fit")),
    "GPX without a track": lambda: b'<?xml version="1.0"?><gpx version="1.1" creator="x"></gpx>',
    "GPX with an infinite heart rate": lambda: file_bytes("five-k.gpx").replace(
        b"<gpxtpx:hr>148</gpxtpx:hr>", b"<gpxtpx:hr>1e999</gpxtpx:hr>", 1
    ),
    "TCX with a distance that is not a number": lambda: file_bytes("five-k.tcx").replace(
        b"<DistanceMeters>16.67</DistanceMeters>", b"<DistanceMeters>nan</DistanceMeters>", 1
    ),
    "GPX lasting into the year 2100": lambda: file_bytes("five-k.gpx").replace(
        b"2026-03-10T07:25:00Z", b"2100-03-10T07:25:00Z"
    ),
    "GPX from 1985": lambda: file_bytes("five-k.gpx").replace(b"2026-03-10T", b"1985-03-10T"),
}


class TestHostileFiles:
    @pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
    def test_it_is_422_and_nothing_is_stored(self, http, client_user, stored, make):
        response = upload(http, client_user, make())

        body = problem_of(response, 422)
        assert list(body["errors"]) == ["file"]
        assert count_rows(Activity) == count_rows(CheckIn) == 0
        assert stored() == {}

    def test_a_gzip_bomb_is_413_and_nothing_is_stored(self, http, client_user, stored):
        response = upload(http, client_user, gzip.compress(b"\0" * (60 * 2**20), compresslevel=9))

        assert problem_of(response, 413)["errors"] == {
            "file": ["The file unpacks to more than 32 MB."]
        }
        assert count_rows(Activity) == count_rows(CheckIn) == 0
        assert stored() == {}

    def test_a_file_over_10_mb_is_413_and_nothing_is_stored(self, http, client_user, stored):
        response = upload(http, client_user, b"\0" * (10 * 1024 * 1024 + 1))

        problem_of(response, 413)
        assert count_rows(Activity) == count_rows(CheckIn) == 0
        assert stored() == {}

    def test_a_body_far_over_the_bound_is_413(self, http, client_user):
        problem_of(upload(http, client_user, b"\0" * (11 * 1024 * 1024)), 413)

    @pytest.mark.parametrize(("size", "status"), [(2 * 1024 * 1024, 422), (11 * 1024 * 1024, 413)])
    def test_a_file_sent_in_chunks_is_held_to_the_upload_bound(
        self, http, client_user, stored, size, status
    ):
        """Over the bound of a JSON body, a chunked upload still reaches the file check
        (these bytes are no activity: 422); over the upload's own bound it is 413."""
        file = FileStorage(io.BytesIO(b"\0" * size), filename="run.fit")
        boundary, body = encode_multipart({"file": file})

        response = http.post(
            "/api/v1/me/activities",
            input_stream=io.BytesIO(body),
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={**client_user.headers, "Transfer-Encoding": "chunked"},
            environ_overrides={"wsgi.input_terminated": True},
        )

        problem_of(response, status)
        assert count_rows(Activity) == count_rows(CheckIn) == 0
        assert stored() == {}

    def test_a_text_field_in_place_of_the_file_is_422(self, http, client_user, stored):
        response = http.post(
            "/api/v1/me/activities", data={"file": "<gpx/>"}, headers=client_user.headers,
            content_type="multipart/form-data",
        )  # fmt: skip

        assert "file" in problem_of(response, 422)["errors"]
        assert count_rows(Activity) == count_rows(CheckIn) == 0
        assert stored() == {}

    def test_no_file_is_422(self, http, client_user):
        response = http.post(
            "/api/v1/me/activities", data={}, headers=client_user.headers,
            content_type="multipart/form-data",
        )  # fmt: skip

        assert "file" in problem_of(response, 422)["errors"]


class TestReadingActivities:
    @pytest.fixture
    def two(self, http, client_user):
        return [
            upload(http, client_user, file_bytes(n), n).get_json()
            for n in ("five-k.gpx", "ten-k.fit")
        ]

    def test_the_client_lists_theirs_newest_first(self, http, client_user, other_client_user, two):
        upload(http, other_client_user, file_bytes("five-k.tcx"), "theirs.tcx")

        response = http.get("/api/v1/me/activities", headers=client_user.headers)

        assert response.status_code == 200
        assert [a["id"] for a in response.get_json()] == [two[1]["id"], two[0]["id"]]
        assert '"total": 2' in response.headers["X-Pagination"]

    def test_the_client_reads_one(self, http, client_user, two):
        response = http.get(f"/api/v1/me/activities/{two[0]['id']}", headers=client_user.headers)

        assert response.get_json() == two[0]

    def test_another_clients_activity_is_404(self, http, other_client_user, two):
        response = http.get(
            f"/api/v1/me/activities/{two[0]['id']}", headers=other_client_user.headers
        )

        problem_of(response, 404)

    def test_the_coach_reads_a_clients_activities(self, http, coach, client_user, two):
        listed = http.get(f"/api/v1/clients/{client_user.id}/activities", headers=coach.headers)
        one = http.get(f"/api/v1/activities/{two[1]['id']}", headers=coach.headers)

        assert [a["id"] for a in listed.get_json()] == [two[1]["id"], two[0]["id"]]
        assert one.get_json() == two[1]

    def test_another_academys_coach_gets_404(self, http, other_academy_coach, client_user, two):
        listed = http.get(
            f"/api/v1/clients/{client_user.id}/activities", headers=other_academy_coach.headers
        )
        one = http.get(f"/api/v1/activities/{two[1]['id']}", headers=other_academy_coach.headers)

        problem_of(listed, 404)
        problem_of(one, 404)

    def test_a_page_takes_as_many_statements_for_three_activities_as_for_one(
        self, http, coach, client_user, other_client_user
    ):
        upload(http, other_client_user, file_bytes("ten-k.fit"))
        for name in ("five-k.gpx", "one-hour.fit", "ten-k.fit"):
            upload(http, client_user, file_bytes(name), name)

        def page(client_id):
            return http.get(f"/api/v1/clients/{client_id}/activities", headers=coach.headers)

        one, few = measured(page, other_client_user.id)
        three, many = measured(page, client_user.id)

        assert (len(one.get_json()), len(three.get_json())) == (1, 3)
        assert few == many


class TestDeleteActivity:
    def test_the_activity_and_its_file_go_and_the_check_in_stays(self, http, client_user, stored):
        body = upload(http, client_user, file_bytes("ten-k.fit")).get_json()

        response = http.delete(f"/api/v1/me/activities/{body['id']}", headers=client_user.headers)

        assert response.status_code == 204
        assert count_rows(Activity) == 0
        assert stored() == {}
        assert db.session.get(CheckIn, body["check_in_id"]).run_distance_km == 10.0

    def test_deleting_the_check_in_keeps_the_activity(self, http, client_user):
        body = upload(http, client_user, file_bytes("ten-k.fit")).get_json()
        url = f"/api/v1/me/check-ins/{body['check_in_id']}"
        etag = http.get(url, headers=client_user.headers).headers["ETag"]

        http.delete(url, headers={**client_user.headers, "If-Match": etag})

        db.session.expire_all()
        assert db.session.scalar(sa.select(Activity.check_in_id)) is None


class TestPrivacy:
    def test_the_export_carries_the_original_file(self, http, client_user):
        data = file_bytes("five-k.gpx")
        body = upload(http, client_user, data, "five-k.gpx").get_json()

        exported = http.get("/api/v1/me/export", headers=client_user.headers).get_json()

        [activity] = exported["activities"]
        assert activity["id"] == body["id"]
        assert activity["distance_m"] == 5000.0
        assert activity["file"]["name"] == "five-k.gpx"
        assert base64.b64decode(activity["file"]["content_base64"]) == data

    def test_erasing_the_client_erases_activities_and_files(self, http, client_user, stored):
        upload(http, client_user, file_bytes("five-k.gpx"), "five-k.gpx")

        response = http.delete(
            "/api/v1/me", json={"password": PASSWORD}, headers=client_user.headers
        )

        assert response.status_code == 204
        assert count_rows(Activity) == 0
        assert stored() == {}


class TestCadenceInTrends:
    def test_the_watchs_cadence_stands_next_to_the_assessed_gait_cadence(
        self, http, coach, client_user
    ):
        assessment = recorded(
            http,
            coach,
            client_user.id,
            assessed_on="2026-03-01",
            gait={"cadence_spm": 162, "overstride": True, "notes": ""},
        )
        run = upload(http, client_user, file_bytes("ten-k.fit")).get_json()
        upload(http, client_user, file_bytes("five-k.tcx"), "five-k.tcx")

        response = http.get(
            f"/api/v1/clients/{client_user.id}/trends?from=2026-02-01&to=2026-03-11",
            headers=coach.headers,
        )

        assert response.status_code == 200
        cadence = response.get_json()["cadence"]
        assert cadence["assessments"] == [
            {"date": "2026-03-01", "assessment_id": assessment["id"], "cadence_spm": 162}
        ]
        assert [(c["date"], c["cadence_spm"]) for c in cadence["activities"]] == [
            ("2026-03-10", 170),
            ("2026-03-11", 176),
        ]
        assert cadence["activities"][1]["activity_id"] == run["id"]
