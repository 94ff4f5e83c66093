"""The method's rules (``academy/assessments/method.py``), each stated as a coach would."""

import pytest

from academy.assessments import method
from academy.exercises.models import ExerciseRegion
from academy.programs.models import Program
from academy.vocabularies import FINDINGS, STAGES
from tests.assessments.conftest import make_exercise, recorded
from tests.conftest import count_rows, problem_of

LEVEL = {
    "left": {"direction": "neutral", "grade": 0},
    "right": {"direction": "neutral", "grade": 0},
}
EVEN_TILT = {
    "left": {"direction": "anterior", "grade": 1},
    "right": {"direction": "anterior", "grade": 1},
}
# Nothing found: each picture below adds what it is about.
CLEAR = {
    "pelvic_tilt": LEVEL,
    "rib_flare": "none",
    "breathing_pattern": "diaphragmatic",
    "glute_gripping": False,
    "findings": [],
    "tightness": [],
    "pain": [],
    "gait": {"cadence_spm": None, "overstride": None},
}
LEFT_TILT = {
    **CLEAR,
    "pelvic_tilt": {
        "left": {"direction": "anterior", "grade": 2},
        "right": {"direction": "anterior", "grade": 1},
    },
    "rib_flare": "moderate",
}
# The picture of the review: calf tightness 8 and a sore plantar fascia.
SORE_FOOT = {
    **CLEAR,
    "tightness": [{"region": "calf", "side": "left", "severity": 8}],
    "pain": [{"region": "plantar_fascia", "side": "left", "score": 7}],
}
GAIT_ONLY = {**CLEAR, "gait": {"cadence_spm": 150, "overstride": True}}


def suggestions(http, coach, client_user, picture: dict, per_stage: int = 20) -> dict:
    assessment = recorded(http, coach, client_user.id, **picture)
    response = http.get(
        f"/api/v1/assessments/{assessment['id']}/suggestions?per_stage={per_stage}",
        headers=coach.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def draft(http, coach, client_user, picture: dict, **body) -> dict:
    assessment = recorded(http, coach, client_user.id, **picture)
    response = http.post(
        f"/api/v1/assessments/{assessment['id']}/program-draft", json=body, headers=coach.headers
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def suggested(body: dict) -> dict[str, dict]:
    return {e["slug"]: e for g in body["groups"] for e in g["exercises"]}


def held_by(body: dict) -> dict[str, tuple[str, str]]:
    """What was held back, by name: the rule and the reason."""
    return {h["name"]: (h["rule"], h["reason"]) for h in body["held_back"]}


def week(body: dict, number: int) -> list[dict]:
    return [s for s in body["sessions"] if s["week"] == number]


def slugs_in(sessions: list[dict]) -> set[str]:
    return {i["exercise_name"] for s in sessions for i in s["items"]}


class TestSafety:
    def test_no_pogo_jumps_with_a_tight_calf_and_a_sore_plantar_fascia(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions(http, coach, client_user, SORE_FOOT)

        assert "calf_tightness" in body["findings"]
        assert "pogo-jumps" not in suggested(body)
        assert held_by(body)["Pogo Jumps"] == (
            "painful_region",
            "The sole of your left foot hurts (7/10): no hopping or jumping yet.",
        )

    def test_heavy_lowering_waits_while_the_area_hurts(self, http, coach, client_user, catalogue):
        body = suggestions(http, coach, client_user, SORE_FOOT)

        assert "eccentric-heel-drops" not in suggested(body)
        assert held_by(body)["Eccentric Heel Drops"] == (
            "painful_region",
            "The sole of your left foot hurts (7/10): only light work for it for now.",
        )

    def test_marked_tightness_alone_holds_jumping_back(self, http, coach, client_user, catalogue):
        picture = {**SORE_FOOT, "pain": []}

        body = suggestions(http, coach, client_user, picture)

        assert held_by(body) == {
            "Pogo Jumps": (
                "settle_first",
                "Your left calf is tight (8/10): no hopping or jumping until it settles.",
            ),
            "Eccentric Heel Drops": (
                "settle_first",
                "Your left calf is tight (8/10): no heavy calf work until it settles.",
            ),
        }

    def test_mild_pain_alone_holds_nothing_back(self, http, coach, client_user, catalogue):
        picture = {**GAIT_ONLY, "pain": [{"region": "calf", "side": "left", "score": 2}]}

        body = suggestions(http, coach, client_user, picture)

        assert body["held_back"] == []
        assert {"pogo-jumps", "strides", "metronome-cadence-run"} <= set(suggested(body))

    def test_tight_calves_wait_for_jumping_and_heavy_calf_work_as_their_text_says(
        self, http, coach, client_user, catalogue
    ):
        picture = {**GAIT_ONLY, "tightness": [{"region": "calf", "side": "both", "severity": 6}]}

        body = suggestions(http, coach, client_user, picture)

        jumping = "Both calves are tight (6/10): no hopping or jumping until they settle."
        assert held_by(body) == {
            "Eccentric Heel Drops": (
                "settle_first",
                "Both calves are tight (6/10): no heavy calf work until they settle.",
            ),
            "Pogo Jumps": ("settle_first", jumping),
            "Single-Leg Hops": ("settle_first", jumping),
            "Straight-Leg Bounds": ("settle_first", jumping),
            "Strides": (
                "settle_first",
                "Both calves are tight (6/10): no fast running until they settle.",
            ),
            "Travelling Pogo Hops": ("settle_first", jumping),
        }
        assert not {"pogo-jumps", "strides", "single-leg-hops"} & set(suggested(body))
        assert "metronome-cadence-run" in suggested(body)

    def test_pain_far_away_holds_nothing_back(self, http, coach, client_user, catalogue):
        picture = {**GAIT_ONLY, "pain": [{"region": "neck", "side": "both", "score": 8}]}

        body = suggestions(http, coach, client_user, picture)

        assert body["held_back"] == []
        assert "strides" in suggested(body)

    def test_pain_in_any_region_the_work_loads_counts(self, http, coach, client_user, catalogue):
        # Strides work the hip flexors, hamstrings and calves, and load the shin on landing.
        picture = {**GAIT_ONLY, "pain": [{"region": "shin", "side": "right", "score": 4}]}

        body = suggestions(http, coach, client_user, picture)

        assert held_by(body)["Strides"] == (
            "painful_region",
            "Your right shin hurts (4/10): no fast running yet.",
        )
        assert held_by(body)["A-Skip"] == (
            "painful_region",
            "Your right shin hurts (4/10): no skipping yet.",
        )
        assert {"metronome-march", "metronome-walk"} <= set(suggested(body))

    def test_an_academys_own_exercise_with_precautions_is_held_back_too(
        self, http, coach, client_user, catalogue
    ):
        make_exercise(
            coach.academy_id, "Box Rebounds", ["calf_tightness"], stage="power",
            precautions=["plyometric"], region_rows=[ExerciseRegion(region="achilles")],
        )  # fmt: skip

        body = suggestions(http, coach, client_user, SORE_FOOT)

        assert "box-rebounds" not in suggested(body)
        assert held_by(body)["Box Rebounds"] == (
            "no_impact",
            "The sole of your left foot hurts (7/10): no hopping or jumping yet.",
        )

    def test_what_is_held_back_stays_out_of_the_draft(self, http, coach, client_user, catalogue):
        body = draft(http, coach, client_user, SORE_FOOT)

        names = slugs_in(body["sessions"])
        assert not names & {"Pogo Jumps", "Eccentric Heel Drops", "Single-Leg Hops"}
        assert "Held back for safety: Eccentric Heel Drops" in body["description"]


class TestSides:
    def test_equal_grades_with_left_hip_flexor_tightness_7_bias_the_left(
        self, http, coach, client_user, catalogue
    ):
        picture = {
            **LEFT_TILT,
            "pelvic_tilt": EVEN_TILT,
            "tightness": [{"region": "hip_flexors", "side": "left", "severity": 7}],
        }

        body = suggestions(http, coach, client_user, picture)

        assert body["bias"] == "left"
        assert body["bias_reason"] == (
            "Hip flexors tightness 7 on the left, against 0 on the other side: one-sided "
            "tightness or a pinch means the tilt is stronger on the left."
        )
        assert {"finding": "left_anterior_tilt_bias", "from": "tightness and pain"} in (
            body["derived"]
        )
        assert "90-90-breathing-left-bias" in suggested(body)

    def test_a_pinch_at_the_front_of_the_right_hip_biases_the_right(
        self, http, coach, client_user, catalogue
    ):
        picture = {
            **LEFT_TILT,
            "pelvic_tilt": EVEN_TILT,
            "pain": [{"region": "hip", "side": "right", "score": 5}],
        }

        body = suggestions(http, coach, client_user, picture)

        assert body["bias"] == "right"
        assert "90-90-breathing-right-bias" in suggested(body)

    def test_one_point_of_difference_is_no_side(self, http, coach, client_user, catalogue):
        picture = {
            **LEFT_TILT,
            "pelvic_tilt": EVEN_TILT,
            "tightness": [
                {"region": "hip_flexors", "side": "left", "severity": 6},
                {"region": "hip_flexors", "side": "right", "severity": 5},
            ],
        }

        body = suggestions(http, coach, client_user, picture)

        assert (body["bias"], body["bias_reason"]) == (None, None)
        assert "90-90-breathing" in suggested(body)

    def test_the_measured_tilt_decides_over_tightness(self, http, coach, client_user, catalogue):
        picture = {
            **LEFT_TILT,
            "tightness": [{"region": "hip_flexors", "side": "right", "severity": 8}],
        }

        body = suggestions(http, coach, client_user, picture)

        assert body["bias"] == "left"
        assert (
            body["bias_reason"] == "The pelvis tips forward more on the left: graded 2 against 1."
        )

    def test_a_tight_left_calf_puts_one_leg_calf_work_on_the_left(
        self, http, coach, client_user, catalogue
    ):
        picture = {**CLEAR, "tightness": [{"region": "calf", "side": "left", "severity": 6}]}

        body = suggestions(http, coach, client_user, picture)

        stretch = suggested(body)["standing-calf-stretch"]
        assert (stretch["side"], stretch["side_reason"]) == (
            "left_bias",
            "Calf tightness 6 on the left, against 0 on the other side.",
        )
        assert stretch["side_means"] == (
            "The biased side is the back leg, whose calf is stretched. Start with it and do "
            "one set more on it."
        )
        assert suggested(body)["soleus-wall-sit"]["side"] == "both"
        assert body["bias"] == "left"
        assert not [slug for slug in suggested(body) if slug.endswith("-bias")]

    def test_a_split_stance_bias_says_which_leg_goes_back(
        self, http, coach, client_user, catalogue
    ):
        picture = {**LEFT_TILT, "findings": ["limited_hip_extension"]}

        body = suggestions(http, coach, client_user, picture)

        split = suggested(body)["split-stance-pelvic-tilt"]
        assert split["side"] == "left_bias"
        assert split["side_means"].startswith("The biased side is the back leg")

    def test_the_bridge_with_hip_flexor_pulls_has_a_variant_for_each_side(
        self, http, coach, client_user, catalogue
    ):
        right = {
            **LEFT_TILT,
            "pelvic_tilt": {"left": LEFT_TILT["pelvic_tilt"]["right"],
                            "right": LEFT_TILT["pelvic_tilt"]["left"]},
        }  # fmt: skip

        lefts = suggested(suggestions(http, coach, client_user, LEFT_TILT))
        rights = suggested(suggestions(http, coach, client_user, right))

        assert lefts["bridge-with-hip-flexor-pulls-left-bias"]["side"] == "left_bias"
        assert rights["bridge-with-hip-flexor-pulls-right-bias"]["side"] == "right_bias"
        assert "bridge-with-hip-flexor-pulls" not in lefts | rights


class TestWhy:
    def test_every_suggestion_says_why_in_a_coachs_words(self, http, coach, client_user, catalogue):
        body = suggestions(http, coach, client_user, LEFT_TILT)

        breathing = suggested(body)["90-90-breathing-left-bias"]
        assert breathing["why"] == (
            "Breathing: it brings the pelvis back towards neutral, works the left side harder "
            "because it tips forward more and brings the ribs down."
        )
        for exercise in suggested(body).values():
            assert exercise["why"].endswith(".") and "_" not in exercise["why"]

    def test_derived_names_where_each_finding_came_from(self, http, coach, client_user, catalogue):
        picture = {**LEFT_TILT, "pain": [{"region": "plantar_fascia", "side": "right", "score": 4}]}

        body = suggestions(http, coach, client_user, picture)

        assert body["derived"] == [
            {"finding": "anterior_pelvic_tilt", "from": "pelvic_tilt.left.direction"},
            {"finding": "left_anterior_tilt_bias", "from": "pelvic_tilt"},
            {"finding": "rib_flare", "from": "rib_flare"},
            {"finding": "plantar_fasciitis", "from": "pain.plantar_fascia.right"},
        ]

    def test_every_finding_has_an_aim_and_an_education_text(self):
        assert set(method.AIMS) == set(FINDINGS) == set(method.EDUCATION)


class TestDrafts:
    def test_weeks_and_sessions_per_week_shape_the_block(self, http, coach, client_user, catalogue):
        body = draft(http, coach, client_user, LEFT_TILT, weeks=6, sessions_per_week=2)

        assert body["weeks"] == 6
        assert [(s["week"], s["day"]) for s in body["sessions"]] == [
            (w, d) for w in range(1, 7) for d in (1, 4)
        ]

    def test_position_and_breathing_come_first_and_strength_from_week_3(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, LEFT_TILT)

        stages = {n: {i["stage"] for s in week(body, n) for i in s["items"]} for n in (1, 2, 3)}
        assert stages[1] == stages[2] == {"position", "breathing"}
        assert "strength" in stages[3]
        assert week(body, 1)[0]["notes"].startswith("Week 1 of 4: lay the groundwork: move the")
        assert "Strength starts in week 3." in week(body, 1)[0]["notes"]
        assert week(body, 3)[0]["notes"].startswith("Week 3 of 4: strength begins.")
        assert week(body, 3)[0]["title"] == "Position, breathing and strength"

    def test_strength_waits_a_week_longer_when_pain_is_high(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, SORE_FOOT)

        for n in (1, 2, 3):
            assert "strength" not in {i["stage"] for s in week(body, n) for i in s["items"]}
        assert "strength" in {i["stage"] for s in week(body, 4) for i in s["items"]}
        assert week(body, 1)[0]["notes"].endswith(
            "Strength starts in week 4. It waits a week longer because the sole of your left "
            "foot hurts (7/10)."
        )

    def test_dosage_rises_week_to_week(self, http, coach, client_user, catalogue):
        body = draft(http, coach, client_user, LEFT_TILT)

        def dose(n):
            item = next(
                i for i in week(body, n)[0]["items"]
                if i["exercise_name"] == "90-90 Breathing, Left Bias (Asymmetric Arm)"
            )  # fmt: skip
            return item["sets"], item["breaths"]

        assert [dose(n) for n in (1, 2, 3, 4)] == [(3, 5), (3, 6), (4, 7), (4, 8)]

    def test_all_4s_pelvic_tucks_opens_the_first_weeks_of_a_tilt(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, LEFT_TILT)

        for session in week(body, 1) + week(body, 2):
            assert session["items"][0]["exercise_name"] == "All 4s Pelvic Tucks"

    def test_sessions_of_a_week_differ_but_keep_the_best_pick(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, LEFT_TILT)

        monday, wednesday, _ = week(body, 3)
        assert monday["items"] != wednesday["items"]
        firsts = {s["items"][0]["exercise_name"] for s in week(body, 3)}
        assert firsts == {"Left-Bias Wall Pelvic Tilt"}

    def test_no_findings_give_a_maintenance_block_not_an_empty_one(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, CLEAR)

        assert body["description"].startswith("A 4-week maintenance block")
        assert len(body["sessions"]) == 12
        for session in body["sessions"]:
            stages = [i["stage"] for i in session["items"]]
            assert stages[:2] == ["position", "breathing"] and "strength" in stages
            assert session["title"] == "Position, breathing and strength"
        strength = {
            i["exercise_name"]
            for s in week(body, 1)
            for i in s["items"]
            if i["stage"] == "strength"
        }
        assert len(strength) >= 4

    def test_gait_findings_bring_cadence_work_with_a_target_5_to_10_percent_above(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, GAIT_ONLY)

        # A four-week block never reaches its last phase: the cadence work is marching.
        cadence = [
            i for s in body["sessions"] for i in s["items"]
            if i["exercise_name"] == "Metronome March"
        ]  # fmt: skip
        assert len(cadence) == 12
        assert cadence[0]["stage"] == "run"
        assert cadence[0]["notes"].startswith("Cadence target 158 spm this week (measured 150;")
        assert cadence[-1]["notes"].startswith("Cadence target 165 spm this week")
        assert "158-165 spm" in cadence[0]["notes"]
        assert len(slugs_in(body["sessions"])) > 2
        assert "Metronome Cadence Run" not in slugs_in(body["sessions"])
        # Nothing answers the gait with strength: the basics' strength comes in week 3.
        assert "strength from week 3" in body["description"]
        assert "strength" in {i["stage"] for s in week(body, 3) for i in s["items"]}

    def test_the_cadence_run_comes_in_the_last_phase_after_two_weeks_of_strength(
        self, http, coach, client_user, catalogue
    ):
        body = draft(http, coach, client_user, GAIT_ONLY, weeks=8)

        runs = {
            n: [i for s in week(body, n) for i in s["items"]
                if i["exercise_name"] == "Metronome Cadence Run"]
            for n in range(1, 9)
        }  # fmt: skip
        assert [len(runs[n]) for n in range(1, 9)] == [0, 0, 0, 0, 3, 3, 3, 3]
        assert runs[5][0]["notes"].startswith("Cadence target 162 spm this week (measured 150;")
        assert runs[8][0]["notes"].startswith("Cadence target 165 spm this week")
        for n in (3, 4):
            assert "strength" in {i["stage"] for s in week(body, n) for i in s["items"]}

    def test_without_a_measured_cadence_the_target_is_relative(
        self, http, coach, client_user, catalogue
    ):
        body = draft(
            http, coach, client_user, {**CLEAR, "gait": {"cadence_spm": None, "overstride": True}}
        )

        notes = [
            i["notes"] for s in week(body, 1) for i in s["items"]
            if i["exercise_name"] == "Metronome March"
        ]  # fmt: skip
        first_week = "Cadence: step to a metronome about 5% above your usual step rate; keep the"
        assert notes == [f"{first_week} effort easy."] * 3

    def test_every_session_follows_the_methods_order(self, http, coach, client_user, catalogue):
        body = draft(http, coach, client_user, {**LEFT_TILT, **GAIT_ONLY, "rib_flare": "mild"})

        for session in body["sessions"]:
            stages = [i["stage"] for i in session["items"]]
            assert stages == sorted(stages, key=STAGES.index)

    @pytest.mark.parametrize(
        "body",
        [{"weeks": 0}, {"weeks": 13}, {"sessions_per_week": 0}, {"sessions_per_week": 8},
         {"weeks": "four"}, {"surprise": 1}],
    )  # fmt: skip
    def test_a_bad_body_is_422_and_stores_nothing(self, http, coach, client_user, catalogue, body):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        response = http.post(
            f"/api/v1/assessments/{assessment['id']}/program-draft",
            json=body,
            headers=coach.headers,
        )

        problem = problem_of(response, 422)
        assert set(problem["errors"]) == {next(iter(body))}
        assert count_rows(Program) == 0


class TestEducation:
    def test_a_shared_assessment_explains_its_findings_to_the_client(
        self, http, coach, client_user, catalogue
    ):
        recorded(http, coach, client_user.id, **LEFT_TILT, shared_with_client=True)

        response = http.get("/api/v1/me/assessments", headers=client_user.headers)

        education = response.get_json()[0]["education"]
        assert [e["finding"] for e in education] == [
            "anterior_pelvic_tilt",
            "left_anterior_tilt_bias",
            "rib_flare",
        ]
        assert education[0]["text"] == method.EDUCATION["anterior_pelvic_tilt"]
        assert all("_" not in e["text"] for e in education)

    def test_nothing_found_means_nothing_to_explain(self, http, coach, client_user, catalogue):
        recorded(http, coach, client_user.id, **CLEAR, shared_with_client=True)

        response = http.get("/api/v1/me/assessments", headers=client_user.headers)

        assert response.get_json()[0]["education"] == []


class TestTheRulesInTheDocs:
    def test_both_operations_carry_the_rules_table(self, app):
        document = app.test_client().get("/openapi.json").get_json()

        for path, verb in (
            ("/api/v1/assessments/{assessment_id}/suggestions", "get"),
            ("/api/v1/assessments/{assessment_id}/program-draft", "post"),
        ):
            description = document["paths"][path][verb]["description"]
            assert "| rule | what it says |" in description
            for name, _rule in method.RULES:
                assert f"| {name} |" in description
