"""Two app instances (two gunicorns, as two hosts would run them) on the suite's
database and one S3 bucket: a file one instance stored, the other hands out and
removes."""

import json
import urllib.request
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from academy.files import storage as files
from tests.checkins.conftest import make_exercise
from tests.files.samples import picture
from tests.servers import TIMEOUT, call, gunicorn, s3_settings

pytestmark = [pytest.mark.live, pytest.mark.s3]


def upload(base_url: str, token: str, exercise_id: int, data: bytes) -> tuple[int, dict]:
    boundary, body = encode_multipart(
        {"file": FileStorage(BytesIO(data), filename="side.jpg"), "kind": "image"}
    )
    request = urllib.request.Request(
        f"{base_url}/api/v1/exercises/{exercise_id}/media",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return response.status, json.loads(response.read())


def test_a_file_one_instance_stored_is_served_and_removed_by_another(
    app, coach, tmp_path, s3_endpoint
):
    exercise = make_exercise(coach.academy_id, "Heel Drops", "strength").id
    settings = {**s3_settings(s3_endpoint, bucket="two-hosts"), "RATELIMIT_STORAGE_URI": ""}
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    auth = {"Authorization": f"Bearer {coach.token}"}
    data = picture("JPEG", (800, 600), gps=True)
    # What `flask academy prepare-storage` does before the instances start.
    files.S3Storage("two-hosts", "files/", {**app.config, **settings}).prepare()

    with (
        gunicorn(database, 1, tmp_path / "first.log", **settings) as first,
        gunicorn(database, 1, tmp_path / "second.log", **settings) as second,
    ):
        status, stored = upload(first, coach.token, exercise, data)
        assert status == 201

        _, _, body = call("GET", f"{second}/api/v1/exercises/{exercise}", headers=auth)
        (media,) = json.loads(body)["media"]
        assert media["id"] == stored["id"] and media["url"].startswith(s3_endpoint)
        with urllib.request.urlopen(media["url"], timeout=TIMEOUT) as response:
            served = response.read()
        assert len(served) == stored["bytes"] and served[:3] == b"\xff\xd8\xff"
        print(
            f"\nstored by {first}, served by {second} from s3://two-hosts: "
            f"{len(served)} bytes, presigned link {media['url'][:60]}..."
        )

        removed, _, _ = call(
            "DELETE", f"{second}/api/v1/exercises/{exercise}/media/{media['id']}", headers=auth
        )
        assert removed == 204
        _, _, body = call("GET", f"{first}/api/v1/exercises/{exercise}", headers=auth)
        assert json.loads(body)["media"] == []
        gone = call("GET", media["url"])[0]
        assert gone == 404
