"""The demo academy of the quick start shows real figures the moment it is loaded."""

import io

import sqlalchemy as sa

from academy import demo
from academy.activities.models import Activity
from academy.assessments.models import Assessment
from academy.auth.models import User
from academy.checkins.models import CheckIn
from academy.exercises.models import Exercise
from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db
from academy.programs.models import Assignment
from tests.conftest import count_rows, sign_in


def _token(email):
    return sign_in(db.session.scalar(sa.select(User).where(User.email == email))).headers


def test_the_demo_loads_a_working_academy_and_reloads_without_duplicates(http):
    load_catalogue(read_catalogue())

    lines = demo.load()
    again = demo.load()

    assert any("coach@demo.academy" in line and "password" in line for line in lines)
    assert lines[1] != again[1]  # new passwords each time
    assert count_rows(Assignment) == 4 and count_rows(Assessment) == 3
    assert count_rows(CheckIn) > 10
    coach, sam = _token("coach@demo.academy"), _token("sam@demo.academy")
    today = http.get("/api/v1/me/today", headers=sam).get_json()
    assert today["sessions"] and today["sessions"][0]["items"]
    sam_id = db.session.scalar(sa.select(User.id).where(User.email == "sam@demo.academy"))
    adherence = http.get(f"/api/v1/clients/{sam_id}/adherence", headers=coach).get_json()
    assert adherence["completed"] > 0 and adherence["rate"] > 0.5
    trends = http.get(
        f"/api/v1/clients/{sam_id}/trends?region=hip_flexors", headers=coach
    ).get_json()
    left = [point["tightness"] for point in trends["regions"][0]["left"]]
    assert left[0] > left[-1]  # the left side eases
    dashboard = http.get("/api/v1/dashboard", headers=coach).get_json()
    assert dashboard and dashboard[0]["reasons"]
    thread = http.get("/api/v1/me/messages", headers=sam).get_json()
    assert [m["author"]["role"] for m in thread] == ["client", "owner", "client"]
    assert all("hip" in m["body"] for m in thread) and thread[-1]["check_in_id"]
    assert http.get("/api/v1/me", headers=coach).get_json()["unread_messages"] == 1
    sam_listed = http.get("/api/v1/clients?q=sam", headers=coach).get_json()
    assert sam_listed[0]["unread_messages"] == 1
    compare = http.get(f"/api/v1/clients/{sam_id}/assessments/compare", headers=coach)
    assert any(c["change"] == "improved" for c in compare.get_json()["changes"])
    alex_id = db.session.scalar(sa.select(User.id).where(User.email == "alex@demo.academy"))
    alex_assessment = db.session.scalar(
        sa.select(Assessment.id).where(Assessment.client_id == alex_id)
    )
    suggestions = http.get(
        f"/api/v1/assessments/{alex_assessment}/suggestions", headers=coach
    ).get_json()
    assert "Pogo Jumps" in [h["name"] for h in suggestions["held_back"]]
    assert suggestions["bias"] == "left"


def test_the_demo_has_a_run_block_with_watch_files_and_a_load_spike(http):
    load_catalogue(read_catalogue())
    demo.load()
    coach, sam = _token("coach@demo.academy"), _token("sam@demo.academy")
    sam_id = db.session.scalar(sa.select(User.id).where(User.email == "sam@demo.academy"))
    alex_id = db.session.scalar(sa.select(User.id).where(User.email == "alex@demo.academy"))

    runs = http.get("/api/v1/me/activities", headers=sam).get_json()
    schedule = http.get("/api/v1/me/schedule", headers=sam).get_json()
    load = http.get(f"/api/v1/clients/{alex_id}/load", headers=coach).get_json()
    dashboard = http.get("/api/v1/dashboard", headers=coach).get_json()
    trends = http.get(f"/api/v1/clients/{sam_id}/trends", headers=coach).get_json()

    assert sorted(a["format"] for a in runs) == ["gpx", "gpx", "tcx"]
    assert all(a["check_in_id"] and a["splits"] for a in runs)
    assert count_rows(Activity) == 3
    assert any(e["planned_distance_m"] for e in schedule)
    assert load["acwr"]["rolling"] > 1.5
    [alex] = [entry for entry in dashboard if entry["client_id"] == alex_id]
    assert "load_spike" in {r["code"] for r in alex["reasons"]}
    assert len(trends["cadence"]["activities"]) == 3 and trends["cadence"]["assessments"]


def test_a_refresh_ends_the_demos_old_sessions(http):
    load_catalogue(read_catalogue())
    demo.load()
    before = {email: _token(email) for email in ("coach@demo.academy", "sam@demo.academy")}
    assert all(http.get("/api/v1/me", headers=h).status_code == 200 for h in before.values())

    demo.load()
    db.session.commit()

    for headers in before.values():
        assert http.get("/api/v1/me", headers=headers).status_code == 401
    assert http.get("/api/v1/me", headers=_token("sam@demo.academy")).status_code == 200


def test_the_signature_exercises_carry_a_drawing_each(http):
    from urllib.parse import urlsplit

    from PIL import Image

    from academy.exercises.models import ExerciseMedia
    from academy.files import storage

    load_catalogue(read_catalogue())
    demo.load()
    demo.load()
    db.session.commit()

    coach = _token("coach@demo.academy")
    tucks = db.session.scalar(sa.select(Exercise.id).where(Exercise.slug == "all-4s-pelvic-tucks"))
    (media,) = http.get(f"/api/v1/exercises/{tucks}", headers=coach).get_json()["media"]
    assert media["kind"] == "image" and media["content_type"] == "image/png"
    link = urlsplit(media["url"])
    drawing = Image.open(io.BytesIO(http.get(f"{link.path}?{link.query}").data))
    assert drawing.size == (640, 400)
    slugs = db.session.scalars(
        sa.select(Exercise.slug).join(ExerciseMedia, ExerciseMedia.exercise_id == Exercise.id)
    ).all()
    assert sorted(slugs) == sorted(
        ["all-4s-pelvic-tucks", "90-90-breathing", "90-90-breathing-left-bias",
         "bridge-with-hip-flexor-pulls"]
    )  # fmt: skip
    for key in list(storage.storage().keys("exercises/")):
        storage.storage().delete(key)
