"""Run items in programs: their steps, planned figures, and the client app's views."""

import copy

import sqlalchemy as sa

from academy.extensions import db
from academy.programs.models import ProgramItem
from tests.conftest import problem_of
from tests.programs.test_routes import (
    NOW,
    assigned,
    create_program,
    created,
    etag_of,
    put_program,
)

# 15 min warm-up at 5:30-6:10/km, 6 x (800 m at 3:50-4:10/km, 200 m jog in 2 min), 2 km
# cool-down at 5:40-6:20/km. Worked out by hand, each pace taken at the middle of its range:
# warm-up 900 s / 350 s/km = 2,571.43 m; the repeat 6 x (800 + 200) = 6,000 m in
# 6 x (0.8 x 240 s + 120 s) = 1,872 s; cool-down 2,000 m in 2 x 360 s = 720 s.
INTERVALS = {
    "type": "intervals",
    "steps": [
        {"kind": "warmup", "duration_seconds": 900, "target": {"pace_s_per_km": [330, 370]}},
        {
            "kind": "repeat",
            "repeat": 6,
            "steps": [
                {
                    "kind": "work",
                    "distance_m": 800,
                    "target": {"pace_s_per_km": [230, 250], "hr_zone": 4, "cadence_spm": 180},
                },
                {"kind": "recover", "distance_m": 200, "duration_seconds": 120},
            ],
        },
        {"kind": "cooldown", "distance_m": 2000, "target": {"pace_s_per_km": [340, 380]}},
    ],
}
INTERVALS_METRES = 2571 + 6000 + 2000  # 10,571.43 rounded
INTERVALS_SECONDS = 900 + 1872 + 720
# 45 minutes easy in zone 2: its distance depends on the day, so it is not planned.
EASY = {"type": "easy", "steps": [{"kind": "work", "duration_seconds": 2700,
                                   "target": {"hr_zone": 2, "rpe": 3}}]}  # fmt: skip


def running_body(ex) -> dict:
    return copy.deepcopy(
        {
            "name": "Run Block",
            "weeks": 1,
            "sessions": [
                {
                    "week": 1,
                    "day": 3,
                    "title": "Intervals",
                    "items": [
                        {"exercise_id": ex["90-90-breathing"], "breaths": 5},
                        {"kind": "run", "run": INTERVALS, "notes": "Relax the shoulders."},
                    ],
                },
                {"week": 1, "day": 5, "title": "Easy", "items": [{"kind": "run", "run": EASY}]},
            ],
        }
    )


def _run_items(document: dict) -> list[dict]:
    return [i for s in document["sessions"] for i in s["items"] if i["kind"] == "run"]


class TestRunItems:
    def test_a_run_item_gets_its_planned_distance_and_duration(self, http, coach, ex):
        response = create_program(http, coach, running_body(ex))

        assert response.status_code == 201, response.get_data(as_text=True)
        intervals, easy = _run_items(response.get_json())
        assert intervals["run"] == INTERVALS
        assert (intervals["exercise_id"], intervals["exercise_name"]) == (None, None)
        assert (intervals["stage"], intervals["side"]) == ("run", "both")
        assert intervals["planned_distance_m"] == INTERVALS_METRES
        assert intervals["planned_duration_seconds"] == INTERVALS_SECONDS
        assert (easy["planned_distance_m"], easy["planned_duration_seconds"]) == (None, 2700)
        stored = db.session.execute(
            sa.select(ProgramItem.kind, ProgramItem.exercise_id, ProgramItem.planned_distance_m)
            .where(ProgramItem.kind == "run")
            .order_by(ProgramItem.id)
        ).all()
        assert [tuple(r) for r in stored] == [("run", None, INTERVALS_METRES), ("run", None, None)]

    def test_an_exercise_item_has_no_run(self, http, coach, ex):
        document = created(http, coach, running_body(ex))

        breathing = document["sessions"][0]["items"][0]
        assert breathing["kind"] == "exercise"
        assert breathing["run"] is None
        assert (breathing["planned_distance_m"], breathing["planned_duration_seconds"]) == (
            None,
            None,
        )

    def test_the_same_document_again_keeps_the_run_sessions(self, http, coach, ex):
        document = created(http, coach, running_body(ex))
        before = [s["id"] for s in document["sessions"]]

        response = put_program(http, coach, document["id"], running_body(ex))

        assert response.status_code == 200, response.get_data(as_text=True)
        assert [s["id"] for s in response.get_json()["sessions"]] == before

    def test_a_changed_run_is_a_new_session(self, http, coach, ex):
        document = created(http, coach, running_body(ex))
        body = running_body(ex)
        body["sessions"][1]["items"][0]["run"]["steps"][0]["duration_seconds"] = 3000
        etag = etag_of(http, coach, f"/api/v1/programs/{document['id']}")

        response = put_program(http, coach, document["id"], body, etag)

        sessions = response.get_json()["sessions"]
        assert sessions[0]["id"] == document["sessions"][0]["id"]
        assert sessions[1]["id"] != document["sessions"][1]["id"]
        assert sessions[1]["items"][0]["planned_duration_seconds"] == 3000

    def test_a_copy_keeps_the_run(self, http, coach, ex):
        document = created(http, coach, running_body(ex))

        response = http.post(
            f"/api/v1/programs/{document['id']}/copy", json={}, headers=coach.headers
        )

        assert response.status_code == 201
        assert _run_items(response.get_json()) == [
            {**i, "id": c["id"]}
            for i, c in zip(_run_items(document), _run_items(response.get_json()), strict=True)
        ]


class TestRunItemValidation:
    def _refused(self, http, coach, ex, item) -> dict:
        body = running_body(ex)
        body["sessions"][1]["items"] = [item]
        return problem_of(create_program(http, coach, body), 422)["errors"]

    def test_a_run_item_names_no_exercise(self, http, coach, ex):
        errors = self._refused(
            http, coach, ex, {"kind": "run", "run": EASY, "exercise_id": ex["strides"]}
        )

        assert errors == {"sessions[1].items[0].exercise_id": ["A run item names no exercise."]}

    def test_a_run_item_needs_its_run(self, http, coach, ex):
        errors = self._refused(http, coach, ex, {"kind": "run"})

        assert errors == {"sessions[1].items[0].run": ["A run item needs its run."]}

    def test_an_exercise_item_needs_its_exercise_and_no_run(self, http, coach, ex):
        errors = self._refused(http, coach, ex, {"run": EASY})

        assert set(errors) == {"sessions[1].items[0].run"}

    def test_a_step_needs_a_duration_or_a_distance(self, http, coach, ex):
        run = {"type": "easy", "steps": [{"kind": "work", "target": {"rpe": 3}}]}

        errors = self._refused(http, coach, ex, {"kind": "run", "run": run})

        assert list(errors) == ["sessions[1].items[0].run.steps[0].kind"]

    def test_a_repeat_needs_its_count_and_steps_and_does_not_nest(self, http, coach, ex):
        run = {
            "type": "intervals",
            "steps": [
                {"kind": "repeat", "steps": [{"kind": "work", "distance_m": 400}]},
                {"kind": "repeat", "repeat": 2,
                 "steps": [{"kind": "repeat", "repeat": 2, "steps": []}]},
            ],
        }  # fmt: skip

        errors = self._refused(http, coach, ex, {"kind": "run", "run": run})

        assert errors["sessions[1].items[0].run.steps[0].repeat"] == ["Required for a repeat."]
        assert "sessions[1].items[0].run.steps[1].steps[0].kind" in errors

    def test_a_pace_range_given_slowest_first_is_kept_fastest_first(self, http, coach, ex):
        body = running_body(ex)
        target = {"pace_s_per_km": [300, 280]}
        run = {"type": "tempo", "steps": [{"kind": "work", "distance_m": 5000, "target": target}]}
        body["sessions"][1]["items"] = [{"kind": "run", "run": run}]

        response = create_program(http, coach, body)

        assert response.status_code == 201, response.get_data(as_text=True)
        [item] = response.get_json()["sessions"][1]["items"]
        assert item["run"]["steps"][0]["target"]["pace_s_per_km"] == [280, 300]

    def test_targets_are_bounded(self, http, coach, ex):
        target = {"pace_s_per_km": [300, 280], "hr_zone": 6, "rpe": 0}
        run = {"type": "tempo", "steps": [{"kind": "work", "distance_m": 5000, "target": target}]}

        errors = self._refused(http, coach, ex, {"kind": "run", "run": run})

        where = "sessions[1].items[0].run.steps[0].target"
        assert set(errors) >= {f"{where}.hr_zone", f"{where}.rpe"}

    def test_an_unknown_run_type_is_refused(self, http, coach, ex):
        errors = self._refused(http, coach, ex, {"kind": "run", "run": {**EASY, "type": "fartlek"}})

        assert list(errors) == ["sessions[1].items[0].run.type"]


class TestRunsInTheClientApp:
    def test_today_shows_the_run_with_its_plan(self, http, coach, client_user, ex, freeze_now):
        freeze_now(NOW)  # a Wednesday: day 3 of an assignment started on Monday
        template = created(http, coach, running_body(ex))
        assigned(http, coach, client_user.id, template["id"])

        response = http.get("/api/v1/me/today", headers=client_user.headers)

        assert response.status_code == 200
        [session] = response.get_json()["sessions"]
        breathing, run = session["items"]
        assert breathing["exercise_cues"]
        assert (run["exercise_cues"], run["exercise_video_url"]) == (None, None)
        assert run["run"] == INTERVALS
        assert (run["planned_distance_m"], run["planned_duration_seconds"]) == (
            INTERVALS_METRES,
            INTERVALS_SECONDS,
        )

    def test_the_assignment_and_the_schedule_show_the_plan(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        template = created(http, coach, running_body(ex))
        mine = assigned(http, coach, client_user.id, template["id"])

        whole = http.get(f"/api/v1/me/assignments/{mine['id']}", headers=client_user.headers)
        schedule = http.get(
            "/api/v1/me/schedule?from=2026-03-09&to=2026-03-15", headers=client_user.headers
        )

        assert _run_items(whole.get_json())[0]["planned_distance_m"] == INTERVALS_METRES
        assert [
            (e["title"], e["item_count"], e["planned_distance_m"], e["planned_duration_seconds"])
            for e in schedule.get_json()
        ] == [
            ("Intervals", 2, INTERVALS_METRES, INTERVALS_SECONDS),
            ("Easy", 1, None, 2700),
        ]

    def test_a_check_in_of_the_run_session_records_the_run(
        self, http, coach, client_user, ex, freeze_now
    ):
        freeze_now(NOW)
        template = created(http, coach, running_body(ex))
        mine = assigned(http, coach, client_user.id, template["id"])
        [session] = http.get("/api/v1/me/today", headers=client_user.headers).get_json()["sessions"]
        run_item = session["items"][1]

        response = http.post(
            "/api/v1/me/check-ins",
            json={
                "date": "2026-03-11",
                "assignment_id": mine["id"],
                "session_id": session["id"],
                "rpe": 7,
                "results": [{"item_id": run_item["id"]}],
                "run": {"distance_km": 10.4, "duration_minutes": 58.5, "cadence_spm": 176},
            },
            headers=client_user.headers,
        )

        assert response.status_code == 201, response.get_data(as_text=True)
        answer = response.get_json()
        assert answer["run"] == {"distance_km": 10.4, "duration_minutes": 58.5, "cadence_spm": 176}
        prescribed = answer["results"][0]["prescribed"]
        assert (prescribed["kind"], prescribed["exercise_name"]) == ("run", None)
        assert prescribed["run"] == INTERVALS
        assert prescribed["planned_distance_m"] == INTERVALS_METRES
