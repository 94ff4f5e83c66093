"""Exercise suggestions for an assessment, and program drafts built from them."""

import pytest
import sqlalchemy as sa

from academy.common.time import utcnow
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.programs.models import Program, ProgramItem, ProgramSession
from academy.vocabularies import STAGES
from tests.assessments.conftest import make_exercise, recorded
from tests.conftest import count_rows, count_statements, problem_of

# Anterior tilt graded higher on the left, rib flare and glute gripping; nothing else.
LEFT_TILT = {
    "pelvic_tilt": {
        "left": {"direction": "anterior", "grade": 2},
        "right": {"direction": "anterior", "grade": 1},
    },
    "rib_flare": "moderate",
    "breathing_pattern": None,
    "glute_gripping": True,
    "findings": [],
    "tightness": [],
    "gait": {"cadence_spm": None, "overstride": None},
}
RIGHT_TILT = {
    **LEFT_TILT,
    "pelvic_tilt": {
        "left": {"direction": "anterior", "grade": 1},
        "right": {"direction": "anterior", "grade": 3},
    },
}
# Feet and calves only: a level pelvis, tight calves and a sore plantar fascia.
FOOT_AND_CALF = {
    **LEFT_TILT,
    "pelvic_tilt": {
        "left": {"direction": "neutral", "grade": 0},
        "right": {"direction": "neutral", "grade": 0},
    },
    "rib_flare": "none",
    "glute_gripping": False,
    "findings": ["calf_tightness", "plantar_fasciitis"],
    "tightness": [
        {"region": "calf", "side": "left", "severity": 6},
        {"region": "plantar_fascia", "side": "left", "severity": 5},
    ],
}
NOTHING_FOUND = {**FOOT_AND_CALF, "findings": [], "tightness": []}


def suggest(http, actor, assessment_id: int, query: str = ""):
    return http.get(
        f"/api/v1/assessments/{assessment_id}/suggestions{query}", headers=actor.headers
    )


def suggestions_for(http, coach, client_user, picture: dict, query: str = "") -> dict:
    assessment = recorded(http, coach, client_user.id, **picture)
    response = suggest(http, coach, assessment["id"], query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def suggested(body: dict) -> list[dict]:
    """Every suggested exercise, in answer order."""
    return [exercise for group in body["groups"] for exercise in group["exercises"]]


def group(body: dict, stage: str) -> list[str]:
    """The slugs suggested for one stage."""
    return next([e["slug"] for e in g["exercises"]] for g in body["groups"] if g["stage"] == stage)


def categories(exercise_ids) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(Exercise.id, Exercise.category).where(Exercise.id.in_(list(exercise_ids)))
    )
    return dict(rows.all())


class TestSuggestions:
    def test_a_left_sided_tilt_starts_with_position_then_left_bias_breathing(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(http, coach, client_user, LEFT_TILT)

        assert body["bias"] == "left"
        assert body["findings"] == [
            "anterior_pelvic_tilt",
            "left_anterior_tilt_bias",
            "rib_flare",
            "glute_gripping",
        ]
        stages = [g["stage"] for g in body["groups"]]
        assert stages == sorted(stages, key=STAGES.index)
        assert stages[0] == "position"
        assert stages.index("breathing") < stages.index("strength")
        breathing = group(body, "breathing")
        assert breathing[0] == "90-90-breathing-left-bias"
        slugs = [e["slug"] for e in suggested(body)]
        assert "90-90-breathing" not in slugs
        assert not [slug for slug in slugs if slug.endswith("right-bias")]
        assert "bridge-with-hip-flexor-pulls-left-bias" in group(body, "strength")
        left_bias_breathing = suggested(body)[slugs.index("90-90-breathing-left-bias")]
        assert left_bias_breathing["side"] == "left_bias"
        assert left_bias_breathing["laterality"] == "asymmetric"
        assert left_bias_breathing["answers"] == body["findings"]
        # A side bias counts double: four findings, one of them the bias.
        assert left_bias_breathing["score"] == 5
        assert left_bias_breathing["dosage"]["breaths"] is not None

    def test_unilateral_strength_work_is_biased_to_the_tilted_side(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(http, coach, client_user, LEFT_TILT)

        by_slug = {e["slug"]: e for e in suggested(body)}
        assert by_slug["bridge-with-hip-flexor-pulls-left-bias"]["side"] == "left_bias"
        assert by_slug["bridge-with-hip-flexor-pulls-left-bias"]["answers"] == [
            "anterior_pelvic_tilt",
            "left_anterior_tilt_bias",
            "glute_gripping",
        ]
        assert by_slug["hamstring-bridge-left-bias"]["side"] == "left_bias"
        hips = {"hip_flexors", "hip", "pelvis", "proximal_hamstrings", "glutes", "adductors"}
        one_leg_at_the_hips = [
            e for e in suggested(body)
            if e["laterality"] == "unilateral"
            and hips & set(db.session.get(Exercise, e["exercise_id"]).regions)
        ]  # fmt: skip
        assert one_leg_at_the_hips
        assert all(e["side"] == "left_bias" and e["side_means"] for e in one_leg_at_the_hips)
        assert all(e["side"] == "both" for e in suggested(body) if e["laterality"] == "bilateral")

    def test_within_a_group_more_findings_come_first(self, http, coach, client_user, catalogue):
        body = suggestions_for(http, coach, client_user, LEFT_TILT)

        for g in body["groups"]:
            keys = [(-e["score"], e["name"].lower()) for e in g["exercises"]]
            assert keys == sorted(keys), g["stage"]

    def test_hip_flexor_weakness_brings_hip_flexor_strengthening(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(
            http, coach, client_user, {**LEFT_TILT, "findings": ["hip_flexor_weakness"]}
        )

        strength = [e for g in body["groups"] if g["stage"] == "strength" for e in g["exercises"]]
        hip_flexor_work = [
            e for e in strength if categories([e["exercise_id"]])[e["exercise_id"]] == "hip_flexors"
        ]
        assert "bridge-with-hip-flexor-pulls-left-bias" in [e["slug"] for e in hip_flexor_work]
        assert all("hip_flexor_weakness" in e["answers"] for e in hip_flexor_work)

    def test_a_calf_and_plantar_fascia_picture_brings_foot_and_calf_work(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(http, coach, client_user, FOOT_AND_CALF)

        assert body["bias"] == "left"
        assert body["bias_reason"].startswith("Calf tightness 6 on the left")
        assert body["findings"] == ["calf_tightness", "plantar_fasciitis"]
        exercises = suggested(body)
        found = categories(e["exercise_id"] for e in exercises)
        assert {"feet", "calves"} <= set(found.values())
        for stage in ("position", "strength"):
            stage_ids = [
                e["exercise_id"] for g in body["groups"] if g["stage"] == stage
                for e in g["exercises"]
            ]  # fmt: skip
            assert stage_ids and {found[i] for i in stage_ids} <= {"feet", "calves"}, stage
        answering = [e for e in exercises if e["answers"]]
        assert all(set(e["answers"]) <= {"calf_tightness", "plantar_fasciitis"} for e in answering)
        # Nothing answers these findings with breathing: the method's basic breathing drills.
        basics = [e for e in exercises if not e["answers"]]
        assert [e["slug"] for e in basics] == group(body, "breathing")
        assert group(body, "breathing")[0] == "90-90-breathing"
        assert {e["why"] for e in basics} == {"Breathing: part of the method's basics."}
        assert "tripod-foot-stance" in group(body, "position")
        assert "straight-knee-calf-raise" in group(body, "strength")

    def test_tightness_alone_gives_the_foot_and_calf_findings(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(http, coach, client_user, {**FOOT_AND_CALF, "findings": []})

        assert body["findings"] == ["calf_tightness", "plantar_fasciitis"]

    def test_a_right_sided_tilt_picks_the_right_bias_variant(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(http, coach, client_user, RIGHT_TILT)

        assert body["bias"] == "right"
        assert "right_anterior_tilt_bias" in body["findings"]
        breathing = group(body, "breathing")
        assert breathing[0] == "90-90-breathing-right-bias"
        slugs = [e["slug"] for e in suggested(body)]
        assert "90-90-breathing" not in slugs
        assert not [slug for slug in slugs if slug.endswith("left-bias")]
        assert {e["slug"]: e["side"] for e in suggested(body)}["90-90-breathing-right-bias"] == (
            "right_bias"
        )

    def test_a_stated_bias_counts_when_the_grades_are_equal(
        self, http, coach, client_user, catalogue
    ):
        picture = {
            **RIGHT_TILT,
            "pelvic_tilt": {
                "left": {"direction": "anterior", "grade": 1},
                "right": {"direction": "anterior", "grade": 1},
            },
            "findings": ["right_anterior_tilt_bias"],
        }

        body = suggestions_for(http, coach, client_user, picture)

        assert body["bias"] == "right"
        assert group(body, "breathing")[0] == "90-90-breathing-right-bias"

    def test_without_a_bias_no_biased_variant_appears(self, http, coach, client_user, catalogue):
        picture = {
            **LEFT_TILT,
            "pelvic_tilt": {
                "left": {"direction": "anterior", "grade": 2},
                "right": {"direction": "anterior", "grade": 2},
            },
        }

        body = suggestions_for(http, coach, client_user, picture)

        assert body["bias"] is None
        slugs = [e["slug"] for e in suggested(body)]
        assert "90-90-breathing" in slugs
        assert not [slug for slug in slugs if slug.endswith("-bias")]

    def test_the_same_request_twice_gives_the_same_answer(
        self, http, coach, client_user, catalogue
    ):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        first = suggest(http, coach, assessment["id"])
        second = suggest(http, coach, assessment["id"])

        assert first.status_code == second.status_code == 200
        assert first.get_data() == second.get_data()

    def test_archived_and_other_academies_exercises_never_appear(
        self, http, coach, client_user, other_academy, catalogue
    ):
        everything = ["anterior_pelvic_tilt", "left_anterior_tilt_bias", "rib_flare"]
        make_exercise(coach.academy_id, "Archived Reset Breathing", everything,
                      archived_at=utcnow())  # fmt: skip
        make_exercise(other_academy.id, "Southside Reset Breathing", everything)
        global_one = db.session.scalar(
            sa.select(Exercise).where(
                Exercise.academy_id.is_(None), Exercise.slug == "crocodile-breathing"
            )
        )
        global_one.archived_at = utcnow()
        db.session.commit()

        body = suggestions_for(http, coach, client_user, LEFT_TILT, "?per_stage=20")

        names = [e["name"] for e in suggested(body)]
        assert "Archived Reset Breathing" not in names
        assert "Southside Reset Breathing" not in names
        assert "crocodile-breathing" not in [e["slug"] for e in suggested(body)]
        assert "balloon-breathing" in [e["slug"] for e in suggested(body)]

    def test_the_academys_own_exercise_that_addresses_a_finding_appears(
        self, http, coach, client_user, catalogue
    ):
        own = make_exercise(coach.academy_id, "Northside Rib Reset", ["rib_flare"])

        body = suggestions_for(http, coach, client_user, LEFT_TILT, "?per_stage=20")

        mine = [e for e in suggested(body) if e["exercise_id"] == own.id]
        assert len(mine) == 1
        assert (mine[0]["answers"], mine[0]["side"], mine[0]["score"]) == (
            ["rib_flare"],
            "both",
            1,
        )
        assert mine[0]["exercise_id"] in [
            e["exercise_id"] for g in body["groups"] if g["stage"] == "breathing"
            for e in g["exercises"]
        ]  # fmt: skip

    def test_the_academys_own_left_bias_variant_replaces_its_exercise(
        self, http, coach, client_user, catalogue
    ):
        base = make_exercise(coach.academy_id, "Wall Sit Breathing", ["rib_flare"])
        variant = make_exercise(
            coach.academy_id,
            "Wall Sit Breathing Left Bias",
            ["left_anterior_tilt_bias"],
            laterality="asymmetric",
            side_bias="left",
            variation_of_id=base.id,
        )

        body = suggestions_for(http, coach, client_user, LEFT_TILT, "?per_stage=20")

        ids = [e["exercise_id"] for e in suggested(body)]
        assert variant.id in ids and base.id not in ids
        replaced = next(e for e in suggested(body) if e["exercise_id"] == variant.id)
        assert replaced["answers"] == ["left_anterior_tilt_bias", "rib_flare"]

    def test_per_stage_limits_each_group(self, http, coach, client_user, catalogue):
        body = suggestions_for(http, coach, client_user, LEFT_TILT, "?per_stage=1")

        assert all(len(g["exercises"]) == 1 for g in body["groups"])
        assert group(body, "breathing") == ["90-90-breathing-left-bias"]

    @pytest.mark.parametrize("query", ["?per_stage=0", "?per_stage=21", "?per_stage=many"])
    def test_bad_query_parameters_are_422(self, http, coach, client_user, catalogue, query):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(suggest(http, coach, assessment["id"], query), 422)

    def test_an_assessment_with_no_findings_suggests_only_the_basics(
        self, http, coach, client_user, catalogue
    ):
        body = suggestions_for(http, coach, client_user, NOTHING_FOUND)

        assert (body["findings"], body["bias"]) == ([], None)
        assert [g["stage"] for g in body["groups"]] == ["position", "breathing"]
        assert group(body, "position")[0] == "all-4s-pelvic-tucks"
        assert group(body, "breathing")[0] == "90-90-breathing"
        for g in body["groups"]:
            lead = {"position": "Position first", "breathing": "Breathing"}[g["stage"]]
            for exercise in g["exercises"]:
                assert exercise["answers"] == [] and exercise["score"] == 0
                assert exercise["why"] == f"{lead}: part of the method's basics."
        assert (body["held_back"], body["refer"], body["advice"]) == ([], None, [])

    def test_it_issues_the_same_number_of_statements_for_any_catalogue_size(
        self, http, coach, client_user, catalogue
    ):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)
        with count_statements() as small:
            suggest(http, coach, assessment["id"])
        for n in range(40):
            base = make_exercise(coach.academy_id, f"Extra Breathing {n:02}", ["rib_flare"])
            make_exercise(
                coach.academy_id,
                f"Extra Breathing {n:02} Left Bias",
                ["left_anterior_tilt_bias"],
                side_bias="left",
                laterality="asymmetric",
                variation_of_id=base.id,
            )

        with count_statements() as large:
            response = suggest(http, coach, assessment["id"], "?per_stage=20")

        assert len(group(response.get_json(), "breathing")) == 20
        assert len(small) == len(large) <= 6

    def test_it_returns_404_for_another_academys_assessment(
        self, http, coach, other_academy_coach, client_user, catalogue
    ):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(suggest(http, other_academy_coach, assessment["id"]), 404)

    def test_it_returns_404_for_an_archived_assessment(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)
        http.delete(
            f"/api/v1/assessments/{assessment['id']}", headers={**coach.headers, "If-Match": "*"}
        )

        problem_of(suggest(http, coach, assessment["id"]), 404)

    def test_a_client_gets_403(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(suggest(http, client_user, assessment["id"]), 403)

    def test_it_needs_a_token(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(http.get(f"/api/v1/assessments/{assessment['id']}/suggestions"), 401)


def draft(http, actor, assessment_id: int):
    return http.post(f"/api/v1/assessments/{assessment_id}/program-draft", headers=actor.headers)


class TestProgramDraft:
    def test_it_drafts_a_template_in_the_methods_order(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        response = draft(http, coach, assessment["id"])

        assert response.status_code == 201
        assert response.headers["ETag"] == '"1"'
        body = response.get_json()
        assert (body["kind"], body["client_id"], body["weeks"], body["archived"]) == (
            "template",
            None,
            4,
            False,
        )
        assert body["name"] == f"Draft from assessment {assessment['id']} of 2026-03-02"
        assert [(s["week"], s["day"]) for s in body["sessions"]] == [
            (week, day) for week in (1, 2, 3, 4) for day in (1, 3, 5)
        ]
        for session in body["sessions"]:
            stages = [item["stage"] for item in session["items"]]
            assert stages == sorted(stages, key=STAGES.index)
            assert stages[0] == "position" and "breathing" in stages
        assert body["sessions"][-1]["items"][-1]["stage"] == "strength"
        names = [item["exercise_name"] for s in body["sessions"] for item in s["items"]]
        assert "90-90 Breathing, Left Bias (Asymmetric Arm)" in names
        assert "90-90 Breathing" not in names
        program = db.session.get(Program, body["id"])
        assert (program.academy_id, program.kind, program.client_id) == (
            coach.academy_id,
            "template",
            None,
        )
        assert count_rows(ProgramSession, ProgramSession.program_id == program.id) == 12

    def test_items_carry_the_default_dosage_and_the_side(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        body = draft(http, coach, assessment["id"]).get_json()

        items = body["sessions"][0]["items"]
        exercises = {
            e.id: e
            for e in db.session.scalars(
                sa.select(Exercise).where(Exercise.id.in_([i["exercise_id"] for i in items]))
            )
        }
        for item in items:
            exercise = exercises[item["exercise_id"]]
            assert {k: item[k] for k in exercise.dosage} == exercise.dosage, exercise.slug
        sides = {exercises[i["exercise_id"]].slug: i["side"] for i in items}
        assert sides["90-90-breathing-left-bias"] == "left_bias"
        assert not [slug for slug in sides if slug.endswith("right-bias")]
        stored_items = db.session.scalars(
            sa.select(ProgramItem)
            .join(ProgramSession, ProgramSession.id == ProgramItem.session_id)
            .where(
                ProgramSession.program_id == body["id"],
                ProgramSession.week == 1,
                ProgramSession.day == 1,
            )
            .order_by(ProgramItem.position)
        ).all()
        assert [i.exercise_id for i in stored_items] == [i["exercise_id"] for i in items]

    def test_the_draft_reads_back_the_same(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)
        created = draft(http, coach, assessment["id"])

        response = http.get(f"/api/v1/programs/{created.get_json()['id']}", headers=coach.headers)

        # The draft's answer is the program, with what the coach must know beside it.
        program = dict(created.get_json())
        beside = {key: program.pop(key) for key in ("refer", "advice", "held_back")}
        assert beside == {"refer": None, "advice": [], "held_back": []}
        assert response.get_json() == program
        assert response.headers["ETag"] == created.headers["ETag"]

    def test_the_draft_never_carries_the_clients_name(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        response = draft(http, coach, assessment["id"])

        assert response.status_code == 201
        assert "Cliff" not in response.get_data(as_text=True)
        assert count_rows(Program) == 1

    def test_it_returns_404_for_another_academys_assessment(
        self, http, coach, other_academy_coach, client_user, catalogue
    ):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(draft(http, other_academy_coach, assessment["id"]), 404)
        assert count_rows(Program) == 0

    def test_it_returns_404_for_an_archived_assessment(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)
        http.delete(
            f"/api/v1/assessments/{assessment['id']}", headers={**coach.headers, "If-Match": "*"}
        )

        problem_of(draft(http, coach, assessment["id"]), 404)
        assert count_rows(Program) == 0

    def test_a_client_gets_403(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(draft(http, client_user, assessment["id"]), 403)
        assert count_rows(Program) == 0

    def test_it_needs_a_token(self, http, coach, client_user, catalogue):
        assessment = recorded(http, coach, client_user.id, **LEFT_TILT)

        problem_of(http.post(f"/api/v1/assessments/{assessment['id']}/program-draft"), 401)
        assert count_rows(Program) == 0
