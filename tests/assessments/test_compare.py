"""Comparing two of a client's assessments, field by field."""

import pytest

from tests.assessments.conftest import recorded
from tests.conftest import count_statements, problem_of

JANUARY = {
    "assessed_on": "2026-01-05",
    "pelvic_tilt": {
        "left": {"direction": "anterior", "grade": 2},
        "right": {"direction": "anterior", "grade": 1},
    },
    "rib_flare": "moderate",
    "breathing_pattern": "vertical",
    "glute_gripping": True,
    "findings": ["hip_flexor_weakness"],
    "tightness": [
        {"region": "hip_flexors", "side": "left", "severity": 6},
        {"region": "calf", "side": "right", "severity": 3},
    ],
    "pain": [{"region": "hip", "side": "left", "score": 4}],
    "gait": {"cadence_spm": 158, "overstride": True, "notes": ""},
}
FEBRUARY = {
    **JANUARY,
    "assessed_on": "2026-02-02",
    "pelvic_tilt": {
        "left": {"direction": "anterior", "grade": 1},
        "right": {"direction": "anterior", "grade": 1},
    },
    "rib_flare": "mild",
    "breathing_pattern": "mixed",
    "glute_gripping": False,
    "findings": ["hip_flexor_weakness", "calf_tightness"],
    "tightness": [
        {"region": "hip_flexors", "side": "left", "severity": 3},
        {"region": "calf", "side": "right", "severity": 5},
    ],
    "pain": [{"region": "hip", "side": "left", "score": 2}],
    "gait": {"cadence_spm": 164, "overstride": True, "notes": ""},
}
MARCH = {
    **JANUARY,
    "assessed_on": "2026-03-02",
    "pelvic_tilt": {
        "left": {"direction": "neutral", "grade": 0},
        "right": {"direction": "anterior", "grade": 1},
    },
    "rib_flare": "none",
    "breathing_pattern": "diaphragmatic",
    "glute_gripping": False,
    "findings": [],
    "tightness": [{"region": "hip_flexors", "side": "left", "severity": 2}],
    "pain": [],
    "gait": {"cadence_spm": 170, "overstride": False, "notes": ""},
}

JANUARY_TO_FEBRUARY = [
    ("pelvic_tilt.left.direction", "anterior", "anterior", "unchanged"),
    ("pelvic_tilt.left.grade", 2, 1, "improved"),
    ("pelvic_tilt.right.direction", "anterior", "anterior", "unchanged"),
    ("pelvic_tilt.right.grade", 1, 1, "unchanged"),
    ("rib_flare", "moderate", "mild", "improved"),
    ("breathing_pattern", "vertical", "mixed", "improved"),
    ("glute_gripping", True, False, "improved"),
    ("gait.overstride", True, True, "unchanged"),
    ("gait.hip_drop", None, None, "unchanged"),
    ("gait.cadence_spm", 158, 164, "improved"),
    ("findings.calf_tightness", False, True, "worse"),
    ("findings.hip_flexor_weakness", True, True, "unchanged"),
    ("tightness.calf.right", 3, 5, "worse"),
    ("tightness.hip_flexors.left", 6, 3, "improved"),
    ("pain.hip.left", 4, 2, "improved"),
]
FEBRUARY_TO_MARCH = [
    ("pelvic_tilt.left.direction", "anterior", "neutral", "improved"),
    ("pelvic_tilt.left.grade", 1, 0, "improved"),
    ("pelvic_tilt.right.direction", "anterior", "anterior", "unchanged"),
    ("pelvic_tilt.right.grade", 1, 1, "unchanged"),
    ("rib_flare", "mild", "none", "improved"),
    ("breathing_pattern", "mixed", "diaphragmatic", "improved"),
    ("glute_gripping", False, False, "unchanged"),
    ("gait.overstride", True, False, "improved"),
    ("gait.hip_drop", None, None, "unchanged"),
    ("gait.cadence_spm", 164, 170, "improved"),
    ("findings.calf_tightness", True, False, "improved"),
    ("findings.hip_flexor_weakness", True, False, "improved"),
    ("tightness.calf.right", 5, 0, "improved"),
    ("tightness.hip_flexors.left", 3, 2, "improved"),
    ("pain.hip.left", 2, 0, "improved"),
]


def changes(*rows) -> list[dict]:
    return [
        {"field": field, "before": before, "after": after, "change": change}
        for field, before, after, change in rows
    ]


def compare(http, actor, client_id: int, query: str = ""):
    return http.get(
        f"/api/v1/clients/{client_id}/assessments/compare{query}", headers=actor.headers
    )


@pytest.fixture
def three(http, coach, client_user) -> list[dict]:
    """January, February and March assessments of ``client_user``, recorded out of order."""
    march = recorded(http, coach, client_user.id, **MARCH)
    january = recorded(http, coach, client_user.id, **JANUARY)
    february = recorded(http, coach, client_user.id, **FEBRUARY)
    return [january, february, march]


class TestCompareAssessments:
    def test_it_compares_the_two_latest_by_default(self, http, coach, client_user, three):
        response = compare(http, coach, client_user.id)

        assert response.status_code == 200
        body = response.get_json()
        assert body["from"] == {"id": three[1]["id"], "assessed_on": "2026-02-02"}
        assert body["to"] == {"id": three[2]["id"], "assessed_on": "2026-03-02"}
        assert body["changes"] == changes(*FEBRUARY_TO_MARCH)

    def test_from_and_to_choose_the_assessments(self, http, coach, client_user, three):
        response = compare(http, coach, client_user.id, "?from=2026-01-01&to=2026-02-28")

        body = response.get_json()
        assert (body["from"]["id"], body["to"]["id"]) == (three[0]["id"], three[1]["id"])
        assert body["changes"] == changes(*JANUARY_TO_FEBRUARY)

    def test_from_alone_compares_the_earliest_after_it_with_the_latest(
        self, http, coach, client_user, three
    ):
        body = compare(http, coach, client_user.id, "?from=2026-01-01").get_json()

        assert (body["from"]["id"], body["to"]["id"]) == (three[0]["id"], three[2]["id"])
        assert {c["field"]: c["change"] for c in body["changes"]}["rib_flare"] == "improved"

    def test_to_alone_compares_the_two_latest_before_it(self, http, coach, client_user, three):
        body = compare(http, coach, client_user.id, "?to=2026-02-15").get_json()

        assert (body["from"]["id"], body["to"]["id"]) == (three[0]["id"], three[1]["id"])

    def test_ids_choose_the_assessments(self, http, coach, client_user, three):
        query = f"?from_id={three[0]['id']}&to_id={three[1]['id']}"

        body = compare(http, coach, client_user.id, query).get_json()

        assert (body["from"]["id"], body["to"]["id"]) == (three[0]["id"], three[1]["id"])
        assert body["changes"] == changes(*JANUARY_TO_FEBRUARY)

    def test_to_id_alone_compares_it_with_the_one_before(self, http, coach, client_user, three):
        body = compare(http, coach, client_user.id, f"?to_id={three[1]['id']}").get_json()

        assert (body["from"]["id"], body["to"]["id"]) == (three[0]["id"], three[1]["id"])

    def test_an_id_of_another_clients_assessment_is_422_naming_it(
        self, http, coach, client_user, other_client_user, three
    ):
        theirs = recorded(http, coach, other_client_user.id, **MARCH)

        response = compare(http, coach, client_user.id, f"?from_id={theirs['id']}")

        assert list(problem_of(response, 422)["errors"]) == ["query.from_id"]

    def test_it_says_what_got_worse(self, http, coach, client_user):
        recorded(http, coach, client_user.id, **MARCH)
        recorded(
            http,
            coach,
            client_user.id,
            **{
                **MARCH,
                "assessed_on": "2026-04-06",
                "pelvic_tilt": {
                    "left": {"direction": "posterior", "grade": 2},
                    "right": {"direction": "anterior", "grade": 1},
                },
                "rib_flare": "marked",
                "breathing_pattern": "vertical",
                "glute_gripping": True,
                "gait": {"cadence_spm": 150, "overstride": True},
            },
        )

        body = compare(http, coach, client_user.id).get_json()

        verdicts = {c["field"]: c["change"] for c in body["changes"]}
        assert verdicts == {
            "pelvic_tilt.left.direction": "worse",
            "pelvic_tilt.left.grade": "worse",
            "pelvic_tilt.right.direction": "unchanged",
            "pelvic_tilt.right.grade": "unchanged",
            "rib_flare": "worse",
            "breathing_pattern": "worse",
            "glute_gripping": "worse",
            "gait.overstride": "worse",
            "gait.hip_drop": "unchanged",
            "gait.cadence_spm": "worse",
            "tightness.hip_flexors.left": "unchanged",
        }

    def test_it_reports_symptoms_injuries_hip_drop_and_what_makes_pain_worse(
        self, http, coach, client_user
    ):
        recorded(
            http,
            coach,
            client_user.id,
            **{
                **FEBRUARY,
                "pain": [
                    {"region": "knee", "side": "left", "score": 5, "aggravated_by": ["stairs"]}
                ],
                "symptoms": ["leaking", "swelling"],
                "injuries": [
                    {"region": "ankle", "side": "left", "kind": "sprain", "on": "2026-01-20"}
                ],
                "gait": {"cadence_spm": 164, "overstride": True, "hip_drop": "left"},
            },
        )
        recorded(
            http,
            coach,
            client_user.id,
            **{
                **MARCH,
                "pain": [
                    {
                        "region": "knee",
                        "side": "left",
                        "score": 3,
                        "aggravated_by": ["stairs", "downhill"],
                    }
                ],
                "symptoms": ["swelling", "giving_way"],
                "injuries": [
                    {"region": "knee", "side": "left", "kind": "strain", "on": "2026-02-20"}
                ],
                "gait": {"cadence_spm": 170, "overstride": False, "hip_drop": "none"},
            },
        )

        body = compare(http, coach, client_user.id).get_json()

        new_fields = [
            c for c in body["changes"]
            if c["field"].startswith(("symptoms.", "injuries.", "gait.hip_drop"))
            or c["field"].endswith(".aggravated_by")
        ]  # fmt: skip
        assert new_fields == changes(
            ("gait.hip_drop", "left", "none", "improved"),
            ("pain.knee.left.aggravated_by", ["stairs"], ["stairs", "downhill"], "worse"),
            ("symptoms.giving_way", False, True, "worse"),
            ("symptoms.leaking", True, False, "improved"),
            ("symptoms.swelling", True, True, "unchanged"),
            ("injuries.ankle.left.sprain", "2026-01-20", None, "improved"),
            ("injuries.knee.left.strain", None, "2026-02-20", "worse"),
        )
        assert {"field": "pain.knee.left", "before": 5, "after": 3, "change": "improved"} in (
            body["changes"]
        )

    def test_assessments_without_the_new_fields_compare_as_unchanged(
        self, http, coach, client_user, three
    ):
        body = compare(http, coach, client_user.id).get_json()

        fields = [c["field"] for c in body["changes"]]
        assert not [f for f in fields if f.startswith(("symptoms.", "injuries."))]
        assert not [f for f in fields if f.endswith(".aggravated_by")]

    def test_archived_assessments_do_not_count(self, http, coach, client_user, three):
        http.delete(
            f"/api/v1/assessments/{three[2]['id']}", headers={**coach.headers, "If-Match": "*"}
        )

        body = compare(http, coach, client_user.id).get_json()

        assert (body["from"]["id"], body["to"]["id"]) == (three[0]["id"], three[1]["id"])

    def test_another_clients_assessments_do_not_count(
        self, http, coach, client_user, other_client_user
    ):
        recorded(http, coach, client_user.id, **JANUARY)
        recorded(http, coach, other_client_user.id, **FEBRUARY)

        problem_of(compare(http, coach, client_user.id), 404)

    def test_it_returns_404_with_fewer_than_two(self, http, coach, client_user):
        problem_of(compare(http, coach, client_user.id), 404)
        recorded(http, coach, client_user.id, **JANUARY)

        problem_of(compare(http, coach, client_user.id), 404)

    def test_it_returns_404_with_fewer_than_two_in_the_range(self, http, coach, client_user, three):
        problem_of(compare(http, coach, client_user.id, "?from=2026-02-15"), 404)
        problem_of(compare(http, coach, client_user.id, "?to=2026-01-31"), 404)
        problem_of(compare(http, coach, client_user.id, "?from=2026-03-01&to=2026-01-01"), 404)

    @pytest.mark.parametrize("query", ["?from=yesterday", "?to=2026-13-01", "?from="])
    def test_bad_dates_are_422(self, http, coach, client_user, three, query):
        problem_of(compare(http, coach, client_user.id, query), 422)

    def test_it_issues_a_fixed_number_of_statements(self, http, coach, client_user, three):
        with count_statements() as few:
            compare(http, coach, client_user.id)
        for day in range(1, 20):
            recorded(http, coach, client_user.id, **{**JANUARY, "assessed_on": f"2025-12-{day:02}"})

        with count_statements() as many:
            compare(http, coach, client_user.id, "?from=2025-12-01")

        assert len(few) == len(many) <= 5

    def test_it_returns_404_for_another_academys_client(
        self, http, other_academy_coach, client_user, three
    ):
        response = compare(http, other_academy_coach, client_user.id)

        assert "changes" not in problem_of(response, 404)

    def test_a_client_gets_403(self, http, client_user, three):
        problem_of(compare(http, client_user, client_user.id), 403)

    def test_it_needs_a_token(self, http, client_user, three):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}/assessments/compare"), 401)
