"""What an activity was, and what it fills: the sport vocabulary from FIT, GPX and TCX
names; cross-training kept apart from running (its own check-in, no run block, its own
load, no running distance, no running cadence); a multisport file's legs; the same
activity from other bytes; speeds no activity of its sport reaches."""

import gzip
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from academy.activities import intake, parsing, sports
from academy.activities.models import Activity
from academy.activities.samples import SteadyRun, tcx
from academy.checkins.models import CheckIn
from academy.extensions import db
from academy.vocabularies import ACTIVITY_SPORTS
from tests.activities.conftest import upload
from tests.activities.corpus import (
    RUN_SPEED,
    Lap,
    at,
    glitches,
    gpx,
    long_run,
    multisport,
    steady,
    tcx_point,
)
from tests.activities.corpus import tcx as tcx_of
from tests.activities.make_files import FIVE_K, TEN_K
from tests.conftest import count_rows, problem_of
from tests.programs.test_routes import assigned, created
from tests.programs.test_runs import running_body


class TestTheSportVocabulary:
    @pytest.mark.parametrize(
        ("name", "sport"),
        [
            ("running", "running"),
            ("Run", "running"),
            ("9", "running"),  # Strava's number for a run
            ("trail_running", "trail_running"),
            ("TrailRun", "trail_running"),
            ("treadmill_running", "treadmill_running"),
            ("VirtualRun", "treadmill_running"),
            ("track running", "track_running"),
            ("walking", "walking"),
            ("Walk", "walking"),
            ("10", "walking"),
            ("hiking", "hiking"),
            ("Biking", "cycling"),  # TCX
            ("Ride", "cycling"),
            ("road_biking", "cycling"),
            ("1", "cycling"),
            ("VirtualRide", "cycling"),
            ("lap_swimming", "swimming"),
            ("open_water_swimming", "swimming"),
            ("Swim", "swimming"),
            ("indoor_rowing", "rowing"),
            ("strength_training", "strength"),
            ("WeightTraining", "strength"),
            ("Other", "other"),  # TCX
            ("fitness_equipment", "other"),
            ("stand_up_paddleboarding", "other"),
            ("cross_country_skiing", "other"),
            ("", "other"),
            (None, "other"),
        ],
    )
    def test_gpx_and_tcx_names_come_to_one_word(self, name, sport):
        assert sports.from_name(name) == sport

    @pytest.mark.parametrize(
        ("sport", "sub_sport", "word"),
        [
            (1, 0, "running"),
            (1, 1, "treadmill_running"),
            (1, 3, "trail_running"),
            (1, 4, "track_running"),
            (1, 45, "treadmill_running"),
            (2, 7, "cycling"),
            (2, 6, "cycling"),
            (21, 0, "cycling"),  # e-biking
            (4, 14, "rowing"),  # fitness equipment: indoor rowing
            (4, 15, "other"),  # elliptical
            (4, 20, "strength"),
            (10, 20, "strength"),
            (5, 17, "swimming"),
            (5, 18, "swimming"),
            (11, 0, "walking"),
            (17, 0, "hiking"),
            (15, 0, "rowing"),
            (12, 0, "other"),  # cross-country skiing
            (37, 0, "other"),  # stand-up paddleboarding
            (0, 0, "other"),
            (None, None, "other"),
        ],
    )
    def test_fit_numbers_come_to_one_word(self, sport, sub_sport, word):
        assert sports.from_fit(sport, sub_sport) == word

    @settings(max_examples=300, deadline=None)
    @given(st.text(max_size=60))
    def test_any_name_is_a_word_of_the_vocabulary_and_only_running_ones_are_runs(self, name):
        sport = sports.from_name(name)

        assert sport in ACTIVITY_SPORTS
        assert (sports.kind_of(sport) == "run") == sport.endswith("running")

    def test_the_vocabularies_serve_the_sports_and_kinds(self, http, coach):
        body = http.get("/api/v1/vocabularies", headers=coach.headers).get_json()

        assert body["run"]["activity_sports"] == list(ACTIVITY_SPORTS)
        assert body["run"]["activity_kinds"] == ["run", "cross_training"]


def ride(start=None, seconds=3600, speed=7.5) -> bytes:
    """A TCX ride: 3,600 s at 7.5 m/s is 27 km, 88 rpm."""
    start = start or at(9)
    points = steady(start, seconds, speed, hr=135, cadence=88, distances=True)
    return tcx_of([("Biking", [Lap(start, seconds, seconds * speed, [points])])], bike_cadence=True)


def run_gpx(start, seconds=1800, kind="running", cadence=85) -> bytes:
    return gpx([(kind, [steady(start, seconds, RUN_SPEED, cadence=cadence)])])


def load_day(http, actor, on: str) -> dict:
    body = http.get(f"/api/v1/me/load?from={on}&to={on}", headers=actor.headers).get_json()
    return body


class TestCrossTraining:
    def test_a_ride_is_a_check_in_of_its_minutes_and_rpe_and_no_run(self, http, client_user):
        response = upload(http, client_user, ride(), "ride.tcx", rpe=6)

        assert response.status_code == 201
        body = response.get_json()
        assert (body["sport"], body["kind"], body["avg_cadence_rpm"]) == (
            "cycling",
            "cross_training",
            88,
        )
        assert body["avg_cadence_spm"] is None
        assert all(split["avg_cadence_spm"] is None for split in body["splits"])
        check_in = db.session.get(CheckIn, body["check_in_id"])
        assert (check_in.duration_minutes, check_in.rpe) == (60, 6)
        assert (check_in.run_distance_km, check_in.run_duration_minutes) == (None, None)
        assert check_in.cadence_spm is None

    def test_a_ride_and_a_run_on_one_day_count_apart_in_the_load(self, http, client_user):
        # A 60-minute ride at RPE 6 and a 30-minute run at RPE 4 (6 km) on Tuesday.
        upload(http, client_user, ride(), "ride.tcx", rpe=6)
        upload(http, client_user, run_gpx(at(18)), "run.gpx", rpe=4)

        body = load_day(http, client_user, "2026-03-10")

        [day] = body["days"]
        assert day == {
            "date": "2026-03-10",
            "srpe_load": 4 * 30.0,
            "cross_training_load": 6 * 60.0,
            "distance_km": 6.0,
            "duration_minutes": 30.0,
            "cross_training_minutes": 60.0,
        }
        [week] = body["weeks"]
        assert (week["load"], week["cross_training_load"], week["distance_km"]) == (
            120.0,
            360.0,
            6.0,
        )
        # The ratios read the body's whole load: 480 in the acute week, 480 / 4 chronic.
        assert (body["acwr"]["acute"], body["acwr"]["chronic"]) == (480.0, 120.0)

    def test_a_ride_without_an_rpe_counts_at_rpe_5(self, http, client_user):
        upload(http, client_user, ride(), "ride.tcx")

        [day] = load_day(http, client_user, "2026-03-10")["days"]

        assert (day["cross_training_load"], day["srpe_load"], day["distance_km"]) == (
            300.0,
            0.0,
            0.0,
        )

    def test_the_clients_rpe_given_later_on_the_check_in_counts(self, http, client_user):
        body = upload(http, client_user, ride(), "ride.tcx").get_json()
        url = f"/api/v1/me/check-ins/{body['check_in_id']}"
        etag = http.get(url, headers=client_user.headers).headers["ETag"]

        http.patch(url, json={"rpe": 8}, headers={**client_user.headers, "If-Match": etag})

        [day] = load_day(http, client_user, "2026-03-10")["days"]
        assert day["cross_training_load"] == 8 * 60.0

    def test_a_ride_never_takes_the_days_run_session(self, http, coach, client_user, ex):
        template = created(http, coach, running_body(ex))  # intervals on Wednesday 11 March
        assigned(http, coach, client_user.id, template["id"])

        body = upload(http, client_user, ride(TEN_K.start), "ride.tcx").get_json()

        check_in = db.session.get(CheckIn, body["check_in_id"])
        assert (check_in.assignment_id, check_in.session_id) == (None, None)
        today = http.get("/api/v1/me/today", headers=client_user.headers).get_json()
        assert [session["status"] for session in today["sessions"]] == ["today"]

    def test_a_named_check_in_takes_the_rides_minutes_and_rpe_and_no_run(self, http, client_user):
        posted = http.post(
            "/api/v1/me/check-ins", json={"date": "2026-03-10", "notes": "Hills on the bike"},
            headers=client_user.headers,
        ).get_json()  # fmt: skip

        upload(http, client_user, ride(), "ride.tcx", check_in_id=posted["id"], rpe=7)

        check_in = db.session.get(CheckIn, posted["id"])
        assert (check_in.duration_minutes, check_in.rpe, check_in.run_distance_km) == (
            60,
            7,
            None,
        )

    def test_a_ride_is_no_running_cadence_in_the_trends(self, http, coach, client_user):
        upload(http, client_user, ride(), "ride.tcx")
        run = upload(http, client_user, run_gpx(at(18), cadence=86), "run.gpx").get_json()

        response = http.get(
            f"/api/v1/clients/{client_user.id}/trends?from=2026-03-01&to=2026-03-11",
            headers=coach.headers,
        )

        assert response.get_json()["cadence"]["activities"] == [
            {"date": "2026-03-10", "activity_id": run["id"], "cadence_spm": 172}
        ]

    def test_a_week_of_rides_is_no_distance_jump_but_is_load(self, http, coach, client_user):
        # Last week nothing; this week (Monday 9 to Wednesday 11 March) three 27 km rides.
        for day in (9, 10, 11):
            start = at(6) + timedelta(days=day - 10)
            upload(http, client_user, ride(start), f"ride-{day}.tcx", rpe=7)

        dashboard = http.get("/api/v1/dashboard", headers=coach.headers).get_json()

        [entry] = dashboard
        codes = [reason["code"] for reason in entry["reasons"]]
        assert "distance_jump" not in codes
        assert "load_spike" in codes  # 3 x 7 x 60 this week on nothing before

    def test_kind_and_sport_filter_the_list(self, http, client_user):
        upload(http, client_user, ride(), "ride.tcx")
        run = upload(http, client_user, run_gpx(at(18)), "run.gpx").get_json()

        runs = http.get("/api/v1/me/activities?kind=run", headers=client_user.headers)
        rides = http.get("/api/v1/me/activities?sport=cycling", headers=client_user.headers)
        wrong = http.get("/api/v1/me/activities?sport=skiing", headers=client_user.headers)

        assert [a["id"] for a in runs.get_json()] == [run["id"]]
        assert [a["sport"] for a in rides.get_json()] == ["cycling"]
        [message] = problem_of(wrong, 422)["errors"]["query.sport"]
        assert message.startswith("Must be one of: running")

    def test_an_rpe_out_of_range_is_422_and_nothing_is_kept(self, http, client_user, stored):
        response = upload(http, client_user, ride(), "ride.tcx", rpe=11)

        assert "rpe" in problem_of(response, 422)["errors"]
        assert count_rows(Activity) == count_rows(CheckIn) == 0
        assert stored() == {}


class TestMultisport:
    def test_it_is_an_activity_a_leg_answered_with_the_first_and_its_legs(
        self, http, client_user, stored
    ):
        response = upload(http, client_user, multisport(), "race.fit")

        assert response.status_code == 201
        body = response.get_json()
        assert (body["leg"], body["sport"]) == (1, "running")
        assert [(leg["leg"], leg["sport"], leg["distance_m"]) for leg in body["legs"]] == [
            (1, "running", 4000.0),
            (2, "cycling", 36000.0),
            (3, "running", 3000.0),
        ]
        assert body["legs"][0]["id"] == body["id"]
        assert len(stored()) == 1  # one file for its three activities
        check_ins = {a.check_in_id for a in db.session.query(Activity)}
        runs = db.session.query(CheckIn).filter(CheckIn.id.in_(check_ins)).all()
        recorded = {(c.run_distance_km, c.duration_minutes) for c in runs}
        assert recorded == {(4.0, None), (None, 60), (3.0, None)}

    def test_each_leg_reads_its_legs_and_the_file_again_answers_the_first(self, http, client_user):
        first = upload(http, client_user, multisport(), "race.fit").get_json()
        bike = first["legs"][1]

        read = http.get(f"/api/v1/me/activities/{bike['id']}", headers=client_user.headers)
        again = upload(http, client_user, multisport(), "race-again.fit")

        assert read.get_json()["legs"] == first["legs"]
        assert again.status_code == 200
        assert again.get_json() == first
        assert count_rows(Activity) == 3

    def test_a_tcx_multisport_session_is_a_leg_an_activity_its_transition_left_out(self):
        start = at(6)
        run = steady(start, 600, RUN_SPEED, distances=True)
        moving_on = steady(start, 60, 1.5, offset=605, from_metres=2000)
        bike = steady(start, 1200, 10.0, offset=670, from_metres=2100, distances=True,
                      restart=True, hr=140, cadence=90)  # fmt: skip
        data = tcx_of([("Running", [Lap(start, 600, 2000, [run])])]).replace(
            b"<Activities><Activity", b"<Activities><MultiSportSession><FirstSport><Activity"
        )
        data = data.replace(
            b"</Activity></Activities>",
            b"</Activity></FirstSport><NextSport><Transition>"
            + b"<Track>" + b"".join(tcx_point(p, False).encode() for p in moving_on)
            + b"</Track></Transition>"
            + tcx_of([("Biking", [Lap(at(6, 11) + timedelta(seconds=10), 1200, 12000, [bike])])],
                     bike_cadence=True).split(b"<Activities>")[1].split(b"</Activities>")[0]
            + b"</NextSport></MultiSportSession></Activities>",
        )  # fmt: skip

        legs = parsing.parse(data)["legs"]

        assert [(leg["sport"], leg["distance_m"], leg["duration_seconds"]) for leg in legs] == [
            ("running", 2000.0, 600),
            ("cycling", 12000.0, 1200),
        ]

    def test_gpx_tracks_of_two_sports_are_two_legs(self):
        start = at(6)
        data = gpx(
            [
                ("running", [steady(start, 600, RUN_SPEED)]),
                ("transition", [steady(start, 60, 1.5, offset=620, from_metres=2000)]),
                ("cycling", [steady(start, 1200, 10.0, offset=700, from_metres=2100)]),
                (None, [steady(start, 300, 10.0, offset=1920, from_metres=14100)]),
            ]
        )

        legs = parsing.parse(data)["legs"]

        # The untyped last track is the ride's, as the track before it.
        assert [(leg["sport"], leg["distance_m"], leg["duration_seconds"]) for leg in legs] == [
            ("running", 2000.0, 600),
            ("cycling", 15000.0, 1520),
        ]

    def test_deleting_one_leg_keeps_the_file_for_the_others(self, http, client_user, stored):
        body = upload(http, client_user, multisport(), "race.fit").get_json()

        http.delete(f"/api/v1/me/activities/{body['id']}", headers=client_user.headers)
        left = http.get(
            f"/api/v1/me/activities/{body['legs'][1]['id']}", headers=client_user.headers
        ).get_json()

        assert len(stored()) == 1
        assert [leg["sport"] for leg in left["legs"]] == ["cycling", "running"]
        for leg in left["legs"]:
            http.delete(f"/api/v1/me/activities/{leg['id']}", headers=client_user.headers)
        assert stored() == {}


def gpx_variants() -> list[bytes]:
    """One run as four GPX files of different bytes: as written; with its extensions
    left out; with six decimals of position and another creator; with a name, a
    description and elevation."""
    points = steady(FIVE_K.start, 1500, RUN_SPEED)
    plain = gpx([("running", [points])])
    bare = gpx([("running", [steady(FIVE_K.start, 1500, RUN_SPEED, hr=None, cadence=None)])])
    rounded = plain.replace(b'creator="Academy tests"', b'creator="Another app"')
    rounded = rounded.replace(b'00" lon=', b'" lon=')
    for p in points:
        p.elevation = 42.0
    named = gpx([("Run", [points])]).replace(b"<trk>", b"<trk><name>Tuesday</name>", 1)
    return [plain, bare, rounded, named]


class TestTheSameActivityFromOtherBytes:
    def test_four_gpx_variants_are_one_activity(self, http, client_user, stored):
        first, *others = gpx_variants()
        kept = upload(http, client_user, first, "a.gpx").get_json()

        answers = [upload(http, client_user, data, "b.gpx") for data in others]

        assert [a.status_code for a in answers] == [200, 200, 200]
        assert all(a.get_json()["id"] == kept["id"] for a in answers)
        assert count_rows(Activity) == count_rows(CheckIn) == 1
        assert len(stored()) == 1

    def test_a_tcx_with_and_without_heart_rate_is_one_activity(self, http, client_user):
        with_hr = tcx(FIVE_K)
        without = with_hr.replace(b"<HeartRateBpm><Value>148</Value></HeartRateBpm>", b"")
        without = without.replace(b"<HeartRateBpm><Value>152</Value></HeartRateBpm>", b"")
        assert b"HeartRateBpm" not in without

        kept = upload(http, client_user, with_hr, "a.tcx").get_json()
        again = upload(http, client_user, without, "b.tcx")

        assert (again.status_code, again.get_json()["id"]) == (200, kept["id"])

    def test_a_gzip_of_a_file_kept_is_the_same_activity(self, http, client_user, stored):
        data = multisport()
        kept = upload(http, client_user, data, "race.fit").get_json()

        again = upload(http, client_user, gzip.compress(data), "race.fit.gz")

        assert (again.status_code, again.get_json()["id"]) == (200, kept["id"])
        assert count_rows(Activity) == 3
        assert len(stored()) == 1

    def test_another_sport_at_the_same_time_and_distance_is_another_activity(
        self, http, client_user
    ):
        # 10 km in an hour from 09:00, once ridden and once run.
        kept = upload(http, client_user, ride(speed=1000 / 360), "ride.tcx").get_json()

        response = upload(http, client_user, tcx(SteadyRun(at(9), 3600, 360)), "run.tcx")

        assert response.status_code == 201
        assert (kept["sport"], response.get_json()["sport"]) == ("cycling", "running")
        assert count_rows(Activity) == 2


class TestSpeedsOfEachSport:
    def test_a_run_at_a_riders_speed_is_422_a_ride_at_it_is_read(self, http, client_user):
        # 27 km in an hour: no runner's pace, a rider's.
        run = SteadyRun(at(9), 3600, 1000 / 7.5, every=5)

        as_run = upload(http, client_user, tcx(run), "run.tcx")
        as_ride = upload(http, client_user, ride(), "ride.tcx")

        [message] = problem_of(as_run, 422)["errors"]["file"]
        assert message.startswith("27.00 km in 1:00:00 beats the world record pace")
        assert as_ride.status_code == 201

    def test_a_ride_faster_than_any_ride_is_422(self, http, client_user):
        # 28 m/s for 20 minutes: 33.6 km at 100.8 km/h.
        response = upload(http, client_user, ride(seconds=1200, speed=28.0), "fast.tcx")

        [message] = problem_of(response, 422)["errors"]["file"]
        assert message == (
            "33.60 km in 20:00 is 100.8 km/h on average: faster than any ride (at most 90 km/h)."
        )

    @settings(max_examples=40, deadline=None)
    @given(st.sets(st.integers(1, 299), max_size=40))
    def test_glitches_are_dropped_up_to_their_share_and_refused_past_it(self, points_off):
        data = glitches(tuple(sorted(points_off)))

        if len(points_off) <= intake.MAX_GLITCH_SHARE * 301:
            [leg] = parsing.parse(data)["legs"]
            assert (leg["distance_m"], leg["duration_seconds"]) == (5000.0, 1500)
        else:
            with pytest.raises(parsing.UnreadableFile, match="more than 5% of them"):
                parsing.parse(data)


class TestTimes:
    def test_a_file_with_no_timed_point_is_422_saying_so(self, http, client_user):
        data = run_gpx(at(9)).replace(b"<time>", b"<!--").replace(b"</time>", b"-->")

        response = upload(http, client_user, data, "untimed.gpx")

        assert problem_of(response, 422)["errors"]["file"] == [
            "The file holds no track: fewer than two timed points."
        ]

    def test_a_file_whose_points_share_one_time_is_422_saying_so(self, http, client_user):
        points = steady(at(9), 600, 0.0, positions=True)
        for p in points:
            p.time = at(9)

        response = upload(http, client_user, gpx([("running", [points])]), "one.gpx")

        assert problem_of(response, 422)["errors"]["file"] == [
            "Every point of the file holds the same time: there is no duration to read."
        ]

    def test_a_fit_unpacking_past_its_bound_is_413(self, http, client_user, stored, monkeypatch):
        monkeypatch.setattr(intake, "MAX_FIT_BYTES", 2**20)
        data = long_run(hours=5)  # 18,001 records: 1.0 MB
        assert len(data) > 2**20

        response = upload(http, client_user, gzip.compress(data), "long.fit.gz")

        assert problem_of(response, 413)["errors"]["file"] == ["The FIT file is larger than 1 MB."]
        assert stored() == {}
