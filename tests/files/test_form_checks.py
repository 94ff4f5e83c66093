"""A client's form-check videos: attached to their own check-ins, read beside the check-in
by the client and the coach (who answers in its message thread), removed with the
check-in, erased with the client and listed in their export."""

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from academy.checkins import service
from academy.checkins.models import CheckIn, CheckInMedia
from academy.extensions import db
from tests.conftest import PASSWORD, count_rows, problem_of
from tests.files.conftest import attach_video, keys
from tests.files.samples import mp4, picture, webm


@pytest.fixture(autouse=True)
def _empty(empty_storage):
    return empty_storage


def fetch(http, url: str):
    parts = urlsplit(url)
    return http.get(f"{parts.path}?{parts.query}")


class TestAttachAFormCheck:
    def test_the_client_and_the_coach_read_it_beside_the_check_in(
        self, app, http, coach, client_user, my_check_in
    ):
        video = webm(20_000)

        response = attach_video(http, client_user, my_check_in, video, caption="Second set")

        assert response.status_code == 201, response.get_data(True)
        media = response.get_json()
        assert (media["kind"], media["content_type"], media["bytes"]) == (
            "video",
            "video/webm",
            20_000 + len(webm(0)),
        )
        assert media["caption"] == "Second set" and media["thumbnail_url"] is None
        mine = http.get(f"/api/v1/me/check-ins/{my_check_in}", headers=client_user.headers)
        theirs = http.get(f"/api/v1/check-ins/{my_check_in}", headers=coach.headers)
        listed = http.get("/api/v1/me/check-ins", headers=client_user.headers)
        assert mine.get_json()["media"] == theirs.get_json()["media"] == [media]
        assert listed.get_json()[0]["media"] == [media]
        assert fetch(http, media["url"]).data == video
        found = http.get(response.headers["Location"], headers=client_user.headers)
        assert found.get_json() == media

    def test_the_coach_answers_in_the_check_ins_thread(self, http, coach, client_user, my_check_in):
        attach_video(http, client_user, my_check_in)

        answer = http.post(
            f"/api/v1/clients/{client_user.id}/messages",
            json={
                "body": "Knee drifts in on the left: slow the lowering.",
                "check_in_id": my_check_in,
            },
            headers=coach.headers,
        )

        assert answer.status_code == 201
        assert answer.get_json()["check_in_id"] == my_check_in

    def test_the_check_in_moves_on_so_that_a_sync_sees_it(self, http, client_user, my_check_in):
        before = db.session.get(CheckIn, my_check_in).version

        attach_video(http, client_user, my_check_in)

        db.session.expire_all()
        assert db.session.get(CheckIn, my_check_in).version == before + 1

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (picture(), "Not a file Academy takes; send video/mp4, video/webm."),
            (mp4()[:-10], "cut short"),
            (b"\x00" * 1000, "Not a file Academy takes"),
        ],
    )
    def test_anything_but_a_whole_video_is_422(
        self, app, http, client_user, my_check_in, data, message
    ):
        response = attach_video(http, client_user, my_check_in, data, name="form.mp4")

        assert message in problem_of(response, 422)["errors"]["file"][0]
        assert count_rows(CheckInMedia) == 0 and keys(app) == set()

    def test_a_video_over_the_limit_is_413(self, app, http, client_user, my_check_in, monkeypatch):
        monkeypatch.setitem(app.config, "FORM_CHECK_MAX_BYTES", 100_000)

        response = attach_video(http, client_user, my_check_in, mp4(150_000))

        problem_of(response, 413)
        assert count_rows(CheckInMedia) == 0 and keys(app) == set()

    def test_another_clients_check_in_is_404(self, app, http, client_user, other_client_user):
        from tests.checkins.conftest import post_check_in

        theirs = post_check_in(http, other_client_user, {"date": "2026-03-02"}).get_json()["id"]

        response = attach_video(http, client_user, theirs)

        problem_of(response, 404)
        assert count_rows(CheckInMedia) == 0 and keys(app) == set()

    def test_a_check_in_holds_a_bounded_number(self, http, client_user, my_check_in, monkeypatch):
        monkeypatch.setattr(service, "MAX_FORM_CHECKS", 1)
        attach_video(http, client_user, my_check_in)

        problem_of(attach_video(http, client_user, my_check_in), 409)


class TestRemoveFormChecks:
    def test_the_client_removes_one_and_its_file(self, app, http, client_user, my_check_in):
        media = attach_video(http, client_user, my_check_in).get_json()

        response = http.delete(
            f"/api/v1/me/check-ins/{my_check_in}/media/{media['id']}", headers=client_user.headers
        )

        assert response.status_code == 204
        assert count_rows(CheckInMedia) == 0 and keys(app) == set()
        assert fetch(http, media["url"]).status_code == 404

    def test_deleting_the_check_in_removes_its_videos(self, app, http, client_user, my_check_in):
        attach_video(http, client_user, my_check_in)

        response = http.delete(
            f"/api/v1/me/check-ins/{my_check_in}",
            headers={**client_user.headers, "If-Match": "*"},
        )

        assert response.status_code == 204
        assert count_rows(CheckInMedia) == 0 and keys(app) == set()


class TestPrivacy:
    def test_the_export_lists_them_with_links(self, http, client_user, my_check_in):
        media = attach_video(http, client_user, my_check_in).get_json()

        export = http.get("/api/v1/me/export", headers=client_user.headers).get_json()

        (check_in,) = export["check_ins"]
        assert [m["id"] for m in check_in["media"]] == [media["id"]]
        assert fetch(http, check_in["media"][0]["url"]).data == mp4()

    def test_erasure_deletes_the_clients_videos_and_their_files(
        self, app, http, client_user, other_client_user, my_check_in
    ):
        from tests.checkins.conftest import post_check_in

        attach_video(http, client_user, my_check_in)
        theirs = post_check_in(http, other_client_user, {"date": "2026-03-02"}).get_json()["id"]
        kept = attach_video(http, other_client_user, theirs).get_json()

        response = http.delete(
            "/api/v1/me", json={"password": PASSWORD}, headers=client_user.headers
        )

        assert response.status_code == 204
        assert db.session.scalars(sa.select(CheckInMedia.client_id)).all() == [other_client_user.id]
        assert keys(app) == {urlsplit(kept["url"]).path.removeprefix("/files/")}


class TestAudit:
    def test_attaching_and_removing_a_video_are_updates_of_the_check_in(
        self, http, coach, client_user, my_check_in
    ):
        media = attach_video(http, client_user, my_check_in).get_json()
        http.delete(
            f"/api/v1/me/check-ins/{my_check_in}/media/{media['id']}", headers=client_user.headers
        )

        entries = http.get("/api/v1/audit?resource=check_in", headers=coach.headers).get_json()

        updates = [e for e in entries if e["resource_id"] == my_check_in and "media" in e["fields"]]
        assert len(updates) == 2
        assert [(e["action"], e["actor_role"]) for e in updates] == [("update", "client")] * 2
