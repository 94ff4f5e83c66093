"""The exercise catalogue over HTTP."""

import json

import pytest
import sqlalchemy as sa

from academy.exercises.models import Exercise
from academy.extensions import db
from tests.conftest import count_rows, count_statements, measured, problem_of

NEW_EXERCISE = {
    "name": "Box Step-Down with Breath",
    "aliases": ["eccentric step down"],
    "summary": "Slow step-downs that keep the pelvis level.",
    "cues": ["Stand tall on the box", "Lower the free heel slowly", "Exhale as you lower"],
    "category": "glutes",
    "regions": ["glutes", "knee"],
    "addresses": ["glute_medius_weakness"],
    "stage": "strength",
    "laterality": "unilateral",
    "dosage": {"sets": 3, "reps": 8},
    "equipment": ["box"],
    "video_url": "https://videos.example/step-down",
}


def names(response):
    return [e["name"] for e in response.get_json()]


def global_id(slug):
    return db.session.scalar(
        sa.select(Exercise.id).where(Exercise.slug == slug, Exercise.academy_id.is_(None))
    )


def create(http, actor, **changes):
    return http.post("/api/v1/exercises", json={**NEW_EXERCISE, **changes}, headers=actor.headers)


class TestListExercises:
    def test_it_lists_the_global_catalogue_in_name_order(self, http, coach, catalogue):
        response = http.get("/api/v1/exercises?page_size=100", headers=coach.headers)

        assert response.status_code == 200
        listed = names(response)
        assert len(listed) == len(catalogue)
        assert listed == sorted(listed, key=str.lower)
        assert json.loads(response.headers["X-Pagination"])["total"] == len(catalogue)
        first = response.get_json()[0]
        assert first["global"] is True and first["archived"] is False
        assert set(first["dosage"]) == {
            "sets",
            "reps",
            "hold_seconds",
            "breaths",
            "duration_seconds",
        }

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("q=PELVIC TUCK", {"all-4s-pelvic-tucks"}),
            ("q=cat-cow", {"all-4s-pelvic-tucks"}),  # an alias
            ("q=sheet of paper", {"90-90-breathing"}),  # a cue
        ],
    )
    def test_q_matches_name_alias_and_cue_in_any_case(
        self, http, coach, catalogue, query, expected
    ):
        response = http.get(f"/api/v1/exercises?{query}&page_size=100", headers=coach.headers)

        slugs = {e["slug"] for e in response.get_json()}
        assert expected <= slugs
        for exercise in response.get_json():
            assert (
                query.split("=", 1)[1].lower()
                in json.dumps([exercise["name"], exercise["aliases"], exercise["cues"]]).lower()
            )

    @pytest.mark.parametrize(
        "q", ["90 90", "9090", "90-90", "90\u201390 BREATHING", "ninety-ninety"]
    )
    def test_q_ignores_case_spaces_and_punctuation(self, http, coach, catalogue, q):
        found = http.get("/api/v1/exercises", query_string={"q": q}, headers=coach.headers)

        assert "90-90 Breathing" in [e["name"] for e in found.get_json()]

    def test_q_ignores_accents(self, http, coach, catalogue):
        http.post(
            "/api/v1/exercises",
            json={"name": "Pont fessier équilibré", "category": "glutes", "regions": ["glutes"],
                  "stage": "strength", "laterality": "bilateral"},
            headers=coach.headers,
        )  # fmt: skip

        found = http.get("/api/v1/exercises?q=equilibre", headers=coach.headers).get_json()

        assert [e["name"] for e in found] == ["Pont fessier équilibré"]

    def test_q_does_not_match_across_two_fields(self, http, coach, catalogue):
        # The name ends "…Breathing" and the first alias starts "ninety…".
        found = http.get("/api/v1/exercises?q=breathingninety", headers=coach.headers)

        assert found.get_json() == []

    def test_stage_sorts_in_the_methods_order(self, http, coach, catalogue):
        listed = http.get(
            "/api/v1/exercises?sort=stage&page_size=100", headers=coach.headers
        ).get_json()

        stages = [e["stage"] for e in listed]
        order = ["position", "breathing", "mobility", "strength", "power", "run"]
        assert stages == sorted(stages, key=order.index)

    def test_a_minus_sorts_the_other_way(self, http, coach, catalogue):
        names = [
            e["name"]
            for e in http.get("/api/v1/exercises?sort=-name", headers=coach.headers).get_json()
        ]

        assert names == sorted(names, key=str.lower, reverse=True)

    def test_q_treats_wildcards_literally(self, http, coach, catalogue):
        assert http.get("/api/v1/exercises?q=%25_%25", headers=coach.headers).get_json() == []

    @pytest.mark.parametrize(
        "param, value, field",
        [
            ("category", "feet", "category"),
            ("laterality", "asymmetric", "laterality"),
            ("stage", "breathing", "stage"),
        ],
    )
    def test_single_field_filters(self, http, coach, catalogue, param, value, field):
        response = http.get(
            f"/api/v1/exercises?{param}={value}&page_size=100", headers=coach.headers
        )

        found = response.get_json()
        expected = [e for e in catalogue if e[field] == value]
        assert len(found) == len(expected) > 0
        assert all(e[field] == value for e in found)

    def test_region_filter(self, http, coach, catalogue):
        response = http.get(
            "/api/v1/exercises?region=plantar_fascia&page_size=100", headers=coach.headers
        )

        found = response.get_json()
        assert len(found) == sum("plantar_fascia" in e["regions"] for e in catalogue) > 0
        assert all("plantar_fascia" in e["regions"] for e in found)

    def test_addresses_filter_takes_several_words(self, http, coach, catalogue):
        response = http.get(
            "/api/v1/exercises?addresses=rib_flare&addresses=plantar_fasciitis&page_size=100",
            headers=coach.headers,
        )

        wanted = {"rib_flare", "plantar_fasciitis"}
        found = response.get_json()
        assert len(found) == sum(bool(wanted & set(e["addresses"])) for e in catalogue)
        assert all(wanted & set(e["addresses"]) for e in found)

    def test_filters_combine(self, http, coach, catalogue):
        response = http.get(
            "/api/v1/exercises?addresses=left_anterior_tilt_bias&stage=breathing",
            headers=coach.headers,
        )

        assert "90-90-breathing-left-bias" in {e["slug"] for e in response.get_json()}
        assert all(e["stage"] == "breathing" for e in response.get_json())

    def test_a_word_outside_the_vocabulary_is_422_naming_the_allowed_words(self, http, coach):
        response = http.get("/api/v1/exercises?region=elbow", headers=coach.headers)

        errors = problem_of(response, 422)["errors"]
        message = " ".join(next(iter(errors.values())))
        assert "plantar_fascia" in message

    def test_archived_exercises_are_hidden_unless_asked_for(self, http, coach, catalogue):
        created = create(http, coach).get_json()
        http.delete(f"/api/v1/exercises/{created['id']}", headers=coach.headers)

        hidden = http.get("/api/v1/exercises?q=step-down with breath", headers=coach.headers)
        shown = http.get(
            "/api/v1/exercises?q=step-down with breath&include_archived=true", headers=coach.headers
        )

        assert hidden.get_json() == []
        assert [e["archived"] for e in shown.get_json()] == [True]

    def test_another_academys_exercises_never_appear(self, http, coach, other_academy_coach):
        create(http, other_academy_coach)

        response = http.get("/api/v1/exercises?q=step-down", headers=coach.headers)

        assert response.get_json() == []

    def test_the_statement_count_does_not_grow_with_the_page(self, app, http, coach, catalogue):
        with count_statements() as small:
            assert len(http.get("/api/v1/exercises?page_size=5", headers=coach.headers).json) == 5
        with count_statements() as large:
            page = http.get("/api/v1/exercises?page_size=100", headers=coach.headers).json
            assert len(page) == len(catalogue)

        # The caller, the count, the page, then its regions, findings, both ladder steps
        # and the academy's media.
        assert len(small) == len(large) <= 8

    def test_page_size_over_100_is_422(self, http, coach):
        problem_of(http.get("/api/v1/exercises?page_size=101", headers=coach.headers), 422)

    def test_a_client_gets_403(self, http, client_user):
        problem_of(http.get("/api/v1/exercises", headers=client_user.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/exercises"), 401)


class TestCreateExercise:
    def test_it_adds_an_academy_exercise(self, http, coach):
        response = create(http, coach)

        assert response.status_code == 201
        body = response.get_json()
        assert body["slug"] == "box-step-down-with-breath"
        assert body["global"] is False
        assert body["regions"] == ["glutes", "knee"]
        assert body["dosage"]["sets"] == 3 and body["dosage"]["hold_seconds"] is None
        stored = db.session.get(Exercise, body["id"])
        assert stored.academy_id == coach.academy_id
        assert stored.cues == NEW_EXERCISE["cues"]

    def test_a_variation_of_a_global_exercise_is_listed_on_the_parent_for_its_academy_only(
        self, http, coach, other_academy_coach, catalogue
    ):
        parent = global_id("90-90-breathing")
        create(
            http,
            coach,
            name="90-90 Breathing with Balloon",
            variation_of=parent,
            category="breathing",
            stage="breathing",
            laterality="bilateral",
        )

        mine = http.get(f"/api/v1/exercises/{parent}", headers=coach.headers).get_json()
        theirs = http.get(f"/api/v1/exercises/{parent}", headers=other_academy_coach.headers)

        assert "90-90 Breathing with Balloon" in [v["name"] for v in mine["variations"]]
        assert "90-90 Breathing with Balloon" not in [
            v["name"] for v in theirs.get_json()["variations"]
        ]

    @pytest.mark.parametrize(
        "changes, path",
        [
            ({"category": "arms"}, "category"),
            ({"regions": ["elbow"]}, "regions[0]"),
            ({"addresses": ["flat_feet"]}, "addresses[0]"),
            ({"stage": "warmup"}, "stage"),
            ({"laterality": "sideways"}, "laterality"),
            ({"dosage": {"sets": -1}}, "dosage.sets"),
            ({"side_bias": "left"}, "side_bias"),
            ({"video_url": "not a url"}, "video_url"),
            ({"slug": "Not A Slug"}, "slug"),
            ({"academy_id": None}, "academy_id"),
            ({"id": 1}, "id"),
            ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
        ],
    )
    def test_bad_input_is_422_and_stores_nothing(self, http, coach, changes, path):
        response = create(http, coach, **changes)

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Exercise) == 0

    def test_a_word_outside_the_vocabulary_names_the_allowed_words(self, http, coach):
        response = create(http, coach, stage="warmup")

        assert "position, breathing, mobility, strength, power, run" in " ".join(
            problem_of(response, 422)["errors"]["stage"]
        )

    def test_an_unknown_variation_target_is_422(self, http, coach, other_academy_coach):
        theirs = create(http, other_academy_coach).get_json()["id"]

        response = create(http, coach, name="Mine", variation_of=theirs)

        assert "variation_of" in problem_of(response, 422)["errors"]
        assert count_rows(Exercise, Exercise.academy_id == coach.academy_id) == 0

    def test_a_variation_of_a_variation_is_422(self, http, coach, catalogue):
        response = create(http, coach, variation_of=global_id("90-90-breathing-left-bias"))

        assert "variation_of" in problem_of(response, 422)["errors"]

    def test_a_slug_in_use_is_409(self, http, coach, catalogue):
        response = create(http, coach, slug="90-90-breathing")

        problem_of(response, 409)
        assert count_rows(Exercise, Exercise.academy_id == coach.academy_id) == 0

    def test_a_client_gets_403(self, http, client_user):
        problem_of(create(http, client_user), 403)
        assert count_rows(Exercise) == 0

    def test_it_needs_a_token(self, http):
        problem_of(http.post("/api/v1/exercises", json=NEW_EXERCISE), 401)


class TestReadExercise:
    def test_it_reads_a_global_exercise_with_its_variations(self, http, coach, catalogue):
        response = http.get(
            f"/api/v1/exercises/{global_id('90-90-breathing')}", headers=coach.headers
        )

        assert response.status_code == 200
        body = response.get_json()
        assert body["name"] == "90-90 Breathing"
        assert {v["slug"]: v["side_bias"] for v in body["variations"]} == {
            "90-90-breathing-left-bias": "left",
            "90-90-breathing-right-bias": "right",
        }
        assert body["cues"] and body["regions"] and body["addresses"]

    def test_another_academys_exercise_is_404(self, http, coach, other_academy_coach):
        theirs = create(http, other_academy_coach).get_json()["id"]

        problem_of(http.get(f"/api/v1/exercises/{theirs}", headers=coach.headers), 404)

    def test_a_client_gets_403(self, http, client_user, catalogue):
        problem_of(
            http.get(
                f"/api/v1/exercises/{global_id('90-90-breathing')}", headers=client_user.headers
            ),
            403,
        )

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/exercises/1"), 401)


class TestUpdateExercise:
    def test_it_changes_an_academy_exercise(self, http, coach):
        created = create(http, coach).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}",
            json={
                "cues": ["One cue", "Two cue", "Three"],
                "regions": ["glutes"],
                "dosage": {"reps": 10},
            },
            headers=coach.headers,
        )

        assert response.status_code == 200
        body = response.get_json()
        assert body["cues"] == ["One cue", "Two cue", "Three"]
        assert body["regions"] == ["glutes"]
        assert body["dosage"]["reps"] == 10 and body["dosage"]["sets"] == 3
        found = http.get("/api/v1/exercises?q=two cue", headers=coach.headers).get_json()
        assert [e["id"] for e in found] == [created["id"]]

    def test_a_global_exercise_is_read_only(self, http, coach, catalogue):
        exercise_id = global_id("90-90-breathing")

        response = http.patch(
            f"/api/v1/exercises/{exercise_id}", json={"name": "Mine now"}, headers=coach.headers
        )

        problem_of(response, 403)
        assert db.session.get(Exercise, exercise_id).name == "90-90 Breathing"

    def test_bad_input_is_422_and_changes_nothing(self, http, coach):
        created = create(http, coach).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}",
            json={"stage": "nap", "academy_id": 5},
            headers=coach.headers,
        )

        assert {"stage", "academy_id"} <= problem_of(response, 422)["errors"].keys()
        db.session.expire_all()
        assert db.session.get(Exercise, created["id"]).stage == "strength"

    def test_another_academys_exercise_is_404(self, http, coach, other_academy_coach):
        theirs = create(http, other_academy_coach).get_json()["id"]

        response = http.patch(
            f"/api/v1/exercises/{theirs}", json={"name": "Mine"}, headers=coach.headers
        )

        problem_of(response, 404)
        assert db.session.get(Exercise, theirs).name == NEW_EXERCISE["name"]

    def test_a_client_gets_403(self, http, coach, client_user):
        created = create(http, coach).get_json()

        problem_of(
            http.patch(f"/api/v1/exercises/{created['id']}", json={}, headers=client_user.headers),
            403,
        )

    def test_it_needs_a_token(self, http):
        problem_of(http.patch("/api/v1/exercises/1", json={}), 401)


class TestArchiveExercise:
    def test_it_archives_an_academy_exercise(self, http, coach):
        created = create(http, coach).get_json()

        response = http.delete(f"/api/v1/exercises/{created['id']}", headers=coach.headers)

        assert response.status_code == 204
        assert db.session.get(Exercise, created["id"]).archived_at is not None
        detail = http.get(f"/api/v1/exercises/{created['id']}", headers=coach.headers)
        assert detail.get_json()["archived"] is True

    def test_a_global_exercise_cannot_be_archived(self, http, coach, catalogue):
        exercise_id = global_id("all-4s-pelvic-tucks")

        problem_of(http.delete(f"/api/v1/exercises/{exercise_id}", headers=coach.headers), 403)
        assert db.session.get(Exercise, exercise_id).archived_at is None

    def test_another_academys_exercise_is_404(self, http, coach, other_academy_coach):
        theirs = create(http, other_academy_coach).get_json()["id"]

        problem_of(http.delete(f"/api/v1/exercises/{theirs}", headers=coach.headers), 404)
        assert db.session.get(Exercise, theirs).archived_at is None

    def test_a_client_gets_403(self, http, coach, client_user):
        created = create(http, coach).get_json()

        problem_of(
            http.delete(f"/api/v1/exercises/{created['id']}", headers=client_user.headers), 403
        )

    def test_it_needs_a_token(self, http):
        problem_of(http.delete("/api/v1/exercises/1"), 401)


class TestVocabularies:
    def test_they_take_the_callers_token_alone_whatever_the_academy_holds(
        self, http, coach, client_user, academy
    ):
        _, coach_before = measured(http.get, "/api/v1/vocabularies", headers=coach.headers)
        _, client_before = measured(http.get, "/api/v1/vocabularies", headers=client_user.headers)
        for n in range(10):
            create(http, coach, name=f"Step-Down {n}")

        _, coach_after = measured(http.get, "/api/v1/vocabularies", headers=coach.headers)
        _, client_after = measured(http.get, "/api/v1/vocabularies", headers=client_user.headers)

        assert coach_before == client_before == coach_after == client_after == 1

    def test_every_list_is_served(self, http, client_user):
        response = http.get("/api/v1/vocabularies", headers=client_user.headers)

        assert response.status_code == 200
        body = response.get_json()
        assert "left_anterior_tilt_bias" in body["findings"]
        assert body["stages"] == ["position", "breathing", "mobility", "strength", "power", "run"]
        assert body["sides"] == ["both", "left", "right", "each", "left_bias", "right_bias"]
        assert body["assessment"]["tilt_grade"] == {"min": 0, "max": 3}
        assert body["assessment"]["rib_flare"] == ["none", "mild", "moderate", "marked"]

    def test_it_serves_what_an_assessment_records_and_how_an_exercise_is_typed(
        self, http, client_user
    ):
        body = http.get("/api/v1/vocabularies", headers=client_user.headers).get_json()

        assessment = body["assessment"]
        assert assessment["aggravators"] == [
            "extension", "flexion", "rotation", "impact", "running", "downhill", "stairs",
            "single_leg", "loading", "sitting", "standing", "first_steps",
        ]  # fmt: skip
        assert assessment["symptoms"] == [
            "leaking", "pelvic_heaviness", "pelvic_dragging", "pelvic_pain", "bleeding",
            "abdominal_separation", "swelling", "giving_way", "numbness_or_tingling",
            "night_pain", "radiating_pain",
        ]  # fmt: skip
        assert assessment["pelvic_symptoms"] == [
            "leaking", "pelvic_heaviness", "pelvic_dragging", "pelvic_pain", "bleeding",
        ]  # fmt: skip
        assert assessment["red_flags"] == ["night_pain", "numbness_or_tingling", "radiating_pain"]
        assert assessment["injury_kinds"] == [
            "sprain", "strain", "tendinopathy", "bone_stress", "fracture", "surgery", "other",
        ]  # fmt: skip
        assert assessment["hip_drop"] == ["none", "left", "right", "both"]
        assert assessment["safety_rules"] == [
            "red_flag", "painful_region", "no_impact", "pelvic_health", "spine", "settle_first",
        ]  # fmt: skip
        assert body["exercise"] == {
            "impact": ["none", "low", "moderate", "high"],
            "load_levels": ["low", "moderate", "high"],
            "spine": ["neutral", "extension", "flexion", "rotation"],
            "pressure": ["low", "moderate", "high"],
        }

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/vocabularies"), 401)


class TestPrecautionsAndLadders:
    def test_a_global_exercise_shows_its_precautions_and_its_ladder(self, http, coach, catalogue):
        response = http.get(
            f"/api/v1/exercises/{global_id('eccentric-heel-drops')}", headers=coach.headers
        )

        body = response.get_json()
        assert body["precautions"] == ["heavy_eccentric"]
        assert body["easier"] == [
            {"id": global_id("bent-knee-calf-raise"), "name": "Bent-Knee Calf Raise"},
            {"id": global_id("straight-knee-calf-raise"), "name": "Straight-Knee Calf Raise"},
        ]
        assert body["harder"] == [{"id": global_id("pogo-jumps"), "name": "Pogo Jumps"}]
        assert body["progress_when"].startswith("When the heel drops are easy")
        assert body["bias_means"] == (
            "The biased side is the leg that lowers. Start with it and do one set more on it."
        )

    def test_a_coach_places_an_own_exercise_on_a_ladder(self, http, coach, catalogue):
        easier, harder = global_id("hamstring-bridge"), global_id("nordic-lowers")

        response = create(
            http,
            coach,
            precautions=["heavy_eccentric"],
            easier=[easier],
            harder=[harder],
            progress_when="When ten slow reps feel easy.",
            bias_means="The biased side is the leg on the box.",
        )

        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        assert body["precautions"] == ["heavy_eccentric"]
        assert body["easier"] == [{"id": easier, "name": "Hamstring Bridge"}]
        assert body["harder"] == [{"id": harder, "name": "Nordic Lowers"}]
        stored = db.session.get(Exercise, body["id"])
        assert [e.id for e in stored.easier_rows] == [easier]
        assert stored.progress_when == "When ten slow reps feel easy."

    def test_an_academys_own_step_never_shows_on_the_global_ladder(
        self, http, coach, other_academy_coach, catalogue
    ):
        bridge = global_id("hamstring-bridge")
        create(http, coach, easier=[bridge])

        mine = http.get(f"/api/v1/exercises/{bridge}", headers=coach.headers).get_json()
        theirs = http.get(f"/api/v1/exercises/{bridge}", headers=other_academy_coach.headers)

        assert NEW_EXERCISE["name"] not in [e["name"] for e in mine["harder"]]
        assert NEW_EXERCISE["name"] not in [e["name"] for e in theirs.get_json()["harder"]]

    def test_a_patch_changes_the_ladder(self, http, coach, catalogue):
        created = create(http, coach, harder=[global_id("nordic-lowers")]).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}",
            json={"harder": [], "easier": [global_id("hamstring-walkouts")]},
            headers=coach.headers,
        )

        body = response.get_json()
        assert body["harder"] == []
        assert [e["name"] for e in body["easier"]] == ["Hamstring Walkouts"]

    @pytest.mark.parametrize(
        "changes, path",
        [
            ({"precautions": ["dangerous"]}, "precautions[0]"),
            ({"easier": [999_999]}, "easier"),
            ({"harder": ["nordic"]}, "harder[0]"),
            ({"progress_when": "x" * 501}, "progress_when"),
        ],
    )
    def test_bad_precautions_and_ladders_are_422_and_store_nothing(
        self, http, coach, catalogue, changes, path
    ):
        response = create(http, coach, **changes)

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Exercise, Exercise.academy_id == coach.academy_id) == 0

    def test_another_academys_exercise_is_no_step_of_a_ladder(
        self, http, coach, other_academy_coach
    ):
        theirs = create(http, other_academy_coach).get_json()

        response = create(http, coach, name="Mine", harder=[theirs["id"]])

        assert problem_of(response, 422)["errors"] == {
            "harder": [f"Exercise {theirs['id']} is not another exercise of your catalogue."]
        }

    def test_an_exercise_is_no_step_of_its_own_ladder(self, http, coach):
        created = create(http, coach).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}",
            json={"easier": [created["id"]]},
            headers=coach.headers,
        )

        assert "easier" in problem_of(response, 422)["errors"]

    def test_the_precautions_are_a_vocabulary(self, http, client_user):
        body = http.get("/api/v1/vocabularies", headers=client_user.headers).get_json()

        assert body["precautions"] == [
            "impact", "plyometric", "running", "heavy_eccentric", "end_range_load",
        ]  # fmt: skip
        assert body["assessment"]["pain"] == {"min": 0, "max": 10}


TYPING = {
    "impact": "low",
    "loads": [
        {"region": "glutes", "level": "moderate"},
        {"region": "knee", "level": "high"},
        {"region": "ankle", "level": "low"},
    ],
    "spine": "flexion",
    "pressure": "high",
}


def typing_of(body_or_row) -> dict:
    if isinstance(body_or_row, dict):
        return {field: body_or_row[field] for field in TYPING}
    return {field: getattr(body_or_row, field) for field in TYPING}


class TestExerciseTyping:
    def test_a_coach_types_an_own_exercise(self, http, coach):
        response = create(http, coach, **TYPING)

        assert response.status_code == 201, response.get_data(as_text=True)
        body = response.get_json()
        assert typing_of(body) == TYPING
        assert typing_of(db.session.get(Exercise, body["id"])) == TYPING

    def test_left_out_it_is_typed_conservatively(self, http, coach):
        body = create(http, coach).get_json()

        assert typing_of(body) == {
            "impact": "none",
            "loads": [
                {"region": "glutes", "level": "moderate"},
                {"region": "knee", "level": "moderate"},
            ],
            "spine": "neutral",
            "pressure": "moderate",
        }
        assert typing_of(db.session.get(Exercise, body["id"])) == typing_of(body)

    @pytest.mark.parametrize(
        "changes, impact",
        [
            ({"name": "Box Jump"}, "high"),
            ({"name": "Easy Walk"}, "low"),
            ({"name": "Tempo Drill", "stage": "run"}, "moderate"),
            ({"name": "Hill Sprint", "stage": "run"}, "high"),
            ({"name": "Med Ball Throw", "stage": "power"}, "high"),
            ({"name": "Depth Drop", "precautions": ["plyometric"]}, "high"),
            ({"name": "Landing Drill", "precautions": ["impact"]}, "high"),
        ],
    )
    def test_left_out_the_impact_is_the_highest_its_name_stage_and_precautions_say(
        self, http, coach, changes, impact
    ):
        body = create(http, coach, **changes).get_json()

        assert body["impact"] == impact
        assert db.session.get(Exercise, body["id"]).impact == impact

    def test_a_region_worked_but_not_in_loads_is_loaded_at_moderate(self, http, coach):
        body = create(http, coach, loads=[{"region": "knee", "level": "low"}]).get_json()

        assert body["loads"] == [
            {"region": "knee", "level": "low"},
            {"region": "glutes", "level": "moderate"},
        ]

    @pytest.mark.parametrize(
        "changes, path",
        [
            ({"impact": "huge"}, "impact"),
            ({"spine": "twisted"}, "spine"),
            ({"pressure": "none"}, "pressure"),
            ({"loads": [{"region": "elbow", "level": "low"}]}, "loads[0].region"),
            ({"loads": [{"region": "knee", "level": "extreme"}]}, "loads[0].level"),
            ({"loads": [{"region": "knee"}]}, "loads[0].level"),
            (
                {
                    "loads": [
                        {"region": "knee", "level": "low"},
                        {"region": "knee", "level": "high"},
                    ]
                },
                "loads",
            ),
            ({"name": "Box Jump", "impact": "low"}, "impact"),
            ({"name": "Easy Jog", "impact": "none"}, "impact"),
        ],
    )
    def test_bad_typing_is_422_naming_the_field_and_stores_nothing(
        self, http, coach, changes, path
    ):
        response = create(http, coach, **changes)

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Exercise) == 0

    def test_an_impact_below_the_name_says_what_the_name_says(self, http, coach):
        response = create(http, coach, name="Box Jump", impact="low")

        assert problem_of(response, 422)["errors"] == {
            "impact": ['The name "Box Jump" says its impact is at least high.']
        }

    def test_a_patch_changes_the_typing(self, http, coach):
        created = create(http, coach).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}", json=TYPING, headers=coach.headers
        )

        assert response.status_code == 200, response.get_data(as_text=True)
        assert typing_of(response.get_json()) == TYPING
        db.session.expire_all()
        assert typing_of(db.session.get(Exercise, created["id"])) == TYPING

    def test_a_patch_that_adds_a_region_loads_it(self, http, coach):
        created = create(http, coach, loads=[{"region": "knee", "level": "low"}]).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}",
            json={"regions": ["knee", "hip"]},
            headers=coach.headers,
        )

        assert response.get_json()["loads"] == [
            {"region": "knee", "level": "low"},
            {"region": "glutes", "level": "moderate"},
            {"region": "hip", "level": "moderate"},
        ]

    @pytest.mark.parametrize(
        "changes", [{"name": "Box Jump"}, {"impact": "none", "name": "Tuck Jumps"}]
    )
    def test_a_patch_that_leaves_the_impact_below_the_name_is_422_and_changes_nothing(
        self, http, coach, changes
    ):
        created = create(http, coach).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}", json=changes, headers=coach.headers
        )

        assert "impact" in problem_of(response, 422)["errors"]
        db.session.expire_all()
        stored = db.session.get(Exercise, created["id"])
        assert (stored.name, stored.impact) == (NEW_EXERCISE["name"], "none")

    def test_a_patch_that_raises_the_impact_with_the_name_is_taken(self, http, coach):
        created = create(http, coach).get_json()

        response = http.patch(
            f"/api/v1/exercises/{created['id']}",
            json={"name": "Box Jump", "impact": "high"},
            headers=coach.headers,
        )

        assert (response.status_code, response.get_json()["impact"]) == (200, "high")

    def test_the_impact_filter_takes_several_words(self, http, coach, catalogue):
        response = http.get(
            "/api/v1/exercises?impact=high&impact=moderate&page_size=100", headers=coach.headers
        )

        found = response.get_json()
        assert len(found) == sum(e["impact"] in ("high", "moderate") for e in catalogue) > 0
        assert {e["impact"] for e in found} == {"high", "moderate"}

    def test_an_impact_filter_word_outside_the_vocabulary_is_422(self, http, coach):
        response = http.get("/api/v1/exercises?impact=huge", headers=coach.headers)

        errors = problem_of(response, 422)["errors"]
        assert "none, low, moderate, high" in " ".join(next(iter(errors.values())))

    def test_the_document_says_how_an_exercise_is_typed(self, http):
        schemas = http.get("/openapi.json").get_json()["components"]["schemas"]

        for schema in ("ExerciseCreate", "ExerciseUpdate", "Exercise"):
            properties = schemas[schema]["properties"]
            for field in TYPING:
                assert properties[field]["description"], (schema, field)
            assert "Left out when creating" in properties["impact"]["description"]
