"""``flask academy recompute-activities``: activities kept as Academy once read them (a
ride as a run with its cadence doubled, a triathlon as one run across its legs) are
read again from their stored files, and the check-ins and load they fed set right."""

import sqlalchemy as sa

from academy.activities import storage
from academy.activities.models import Activity
from academy.checkins.models import CheckIn
from academy.extensions import db
from tests.activities.conftest import upload
from tests.activities.corpus import multisport
from tests.activities.test_sports import ride
from tests.conftest import count_rows


def recompute(app, *options: str) -> list[str]:
    result = app.test_cli_runner().invoke(args=["academy", "recompute-activities", *options])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output.splitlines()


def load_day(http, actor, on: str) -> dict:
    body = http.get(f"/api/v1/me/load?from={on}&to={on}", headers=actor.headers).get_json()
    return body["days"][0]


def as_once_read(activity_id: int, **figures) -> None:
    """The activity and its check-in as Academy once kept them: a run, whatever the
    sport, its figures in the check-in's run block."""
    activity = db.session.get(Activity, activity_id)
    for name, value in {"sport": "running", "kind": "run", **figures}.items():
        setattr(activity, name, value)
    check_in = db.session.get(CheckIn, activity.check_in_id)
    check_in.run_distance_km = round(activity.distance_m / 1000, 2)
    check_in.run_duration_minutes = round(activity.moving_seconds / 60, 1)
    check_in.cadence_spm = activity.avg_cadence_spm
    check_in.duration_minutes = None
    db.session.commit()


class TestRecompute:
    def test_a_ride_once_read_as_a_run_is_a_ride_and_its_run_block_goes(
        self, app, http, client_user
    ):
        body = upload(http, client_user, ride(), "ride.tcx", rpe=6).get_json()
        as_once_read(body["id"], avg_cadence_spm=176, avg_cadence_rpm=None)
        assert load_day(http, client_user, "2026-03-10")["distance_km"] == 27.0

        lines = recompute(app)

        activity = db.session.get(Activity, body["id"])
        assert (activity.sport, activity.kind) == ("cycling", "cross_training")
        assert (activity.avg_cadence_spm, activity.avg_cadence_rpm) == (None, 88)
        check_in = db.session.get(CheckIn, body["check_in_id"])
        assert (check_in.run_distance_km, check_in.run_duration_minutes) == (None, None)
        assert (check_in.cadence_spm, check_in.duration_minutes, check_in.rpe) == (None, 60, 6)
        day = load_day(http, client_user, "2026-03-10")
        assert (day["distance_km"], day["cross_training_load"]) == (0.0, 360.0)
        assert lines[0].endswith(
            "leg 1: running 27 km -> cycling (cross_training) 27 km; check-in "
            f"{check_in.id}: run_distance_km, run_duration_minutes, cadence_spm, "
            "duration_minutes."
        )

    def test_a_triathlon_once_one_run_is_three_legs_and_its_check_ins(
        self, app, http, client_user, stored
    ):
        body = upload(http, client_user, multisport(), "race.fit").get_json()
        first = body["legs"][0]["id"]
        db.session.execute(sa.delete(Activity).where(Activity.id != first))
        db.session.execute(sa.delete(CheckIn).where(CheckIn.id != body["check_in_id"]))
        db.session.commit()
        # Read once across every leg and its gaps: 28.9 km of running.
        as_once_read(first, distance_m=28_900.0)

        lines = recompute(app)

        legs = db.session.scalars(sa.select(Activity).order_by(Activity.leg)).all()
        assert [(a.leg, a.sport, a.distance_m) for a in legs] == [
            (1, "running", 4000.0),
            (2, "cycling", 36000.0),
            (3, "running", 3000.0),
        ]
        assert len({a.check_in_id for a in legs}) == 3
        assert load_day(http, client_user, "2026-03-10")["distance_km"] == 7.0
        assert lines[-1] == "3 line(s); saved."
        assert len(stored()) == 1

    def test_what_the_client_wrote_stays(self, app, http, client_user):
        body = upload(http, client_user, ride(), "ride.tcx").get_json()
        as_once_read(body["id"])
        check_in = db.session.get(CheckIn, body["check_in_id"])
        check_in.run_distance_km = 9.8  # the client's own figure
        db.session.commit()

        recompute(app)

        check_in = db.session.get(CheckIn, body["check_in_id"])
        assert (check_in.run_distance_km, check_in.run_duration_minutes) == (9.8, None)

    def test_a_dry_run_says_and_changes_nothing(self, app, http, client_user):
        body = upload(http, client_user, ride(), "ride.tcx").get_json()
        as_once_read(body["id"])

        lines = recompute(app, "--dry-run")

        assert "running 27 km -> cycling" in lines[0]
        assert lines[-1] == "1 line(s); nothing changed (dry run)."
        assert db.session.get(Activity, body["id"]).sport == "running"

    def test_a_missing_file_is_left_and_said(self, app, http, client_user):
        body = upload(http, client_user, ride(), "ride.tcx").get_json()
        key = db.session.get(Activity, body["id"]).file_key
        storage.remove_after_commit(db.session(), key)
        db.session.commit()

        lines = recompute(app)

        assert lines[0] == f"{key}: the file is missing; its activities are left as they were."
        assert count_rows(Activity) == 1
