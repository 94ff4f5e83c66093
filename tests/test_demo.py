"""The demo academy of the quick start shows real figures the moment it is loaded."""

import sqlalchemy as sa

from academy import demo
from academy.assessments.models import Assessment
from academy.auth.models import User
from academy.checkins.models import CheckIn
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
    assert count_rows(Assignment) == 3 and count_rows(Assessment) == 2
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
