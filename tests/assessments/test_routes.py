"""Posture assessments over HTTP: the coach's records and the client's view."""

import json
from datetime import date

import pytest
import sqlalchemy as sa

from academy.assessments.models import Assessment
from academy.assessments.schemas import AssessmentSchema, ClientAssessmentSchema
from academy.exercises.models import Exercise
from academy.extensions import db
from tests.assessments.conftest import (
    SECRET_NOTES,
    assessment_body,
    record,
    recorded,
)
from tests.conftest import count_rows, count_statements, problem_of
from tests.programs.conftest import freeze_now  # noqa: F401

# Everything the coach's answer carries, and the smaller set the client may read.
COACH_FIELDS = set(AssessmentSchema().fields)
CLIENT_FIELDS = set(ClientAssessmentSchema().fields)


def url(assessment_id: int) -> str:
    return f"/api/v1/assessments/{assessment_id}"


def stored(assessment_id: int) -> Assessment:
    db.session.expire_all()
    return db.session.get(Assessment, assessment_id)


# Bodies that must be refused, with the path the error names. Used for create and patch.
BAD_INPUT = [
    ({"pelvic_tilt": {"left": {"direction": "anterior", "grade": 4}}}, "pelvic_tilt.left.grade"),
    ({"pelvic_tilt": {"right": {"direction": "anterior", "grade": -1}}}, "pelvic_tilt.right.grade"),
    ({"pelvic_tilt": {"left": {"direction": "forward"}}}, "pelvic_tilt.left.direction"),
    ({"pelvic_tilt": {"left": {"angle": 12}}}, "pelvic_tilt.left.angle"),
    ({"pelvic_tilt": {"middle": {}}}, "pelvic_tilt.middle"),
    ({"rib_flare": "huge"}, "rib_flare"),
    ({"breathing_pattern": "nasal"}, "breathing_pattern"),
    ({"glute_gripping": "sometimes"}, "glute_gripping"),
    ({"findings": ["bad_knee"]}, "findings[0]"),
    ({"findings": "rib_flare"}, "findings"),
    ({"tightness": [{"region": "calf", "side": "left", "severity": 11}]}, "tightness[0].severity"),
    ({"tightness": [{"region": "calf", "side": "left", "severity": -1}]}, "tightness[0].severity"),
    ({"tightness": [{"region": "elbow", "side": "left", "severity": 3}]}, "tightness[0].region"),
    ({"tightness": [{"region": "calf", "side": "front", "severity": 3}]}, "tightness[0].side"),
    ({"tightness": [{"region": "calf", "side": "left"}]}, "tightness[0].severity"),
    ({"pain": [{"region": "calf", "side": "left", "score": 11}]}, "pain[0].score"),
    ({"pain": [{"region": "calf", "side": "left", "score": -1}]}, "pain[0].score"),
    ({"pain": [{"region": "elbow", "side": "left", "score": 3}]}, "pain[0].region"),
    ({"pain": [{"region": "calf", "side": "inside", "score": 3}]}, "pain[0].side"),
    ({"pain": [{"region": "calf", "side": "left"}]}, "pain[0].score"),
    ({"pain": [{"region": "calf", "side": "left", "score": 3, "kind": "sharp"}]}, "pain[0].kind"),
    ({"pain": [{"region": "calf", "side": "left", "aggravated_by": ["stairs"]}]}, "pain[0].score"),
    (
        {"pain": [{"region": "knee", "side": "left", "score": 6, "aggravated_by": ["cycling"]}]},
        "pain[0].aggravated_by[0]",
    ),
    (
        {
            "pain": [
                {
                    "region": "knee",
                    "side": "left",
                    "score": 6,
                    "aggravated_by": ["stairs", "stairs"],
                }
            ]
        },
        "pain[0].aggravated_by",
    ),
    (
        {"pain": [{"region": "knee", "side": "left", "score": 6, "aggravated_by": "stairs"}]},
        "pain[0].aggravated_by",
    ),
    ({"symptoms": ["dizziness"]}, "symptoms[0]"),
    ({"symptoms": ["leaking", "swelling", "leaking"]}, "symptoms"),
    ({"symptoms": "leaking"}, "symptoms"),
    (
        {"injuries": [{"region": "ankle", "side": "left", "kind": "twist", "on": "2026-01-05"}]},
        "injuries[0].kind",
    ),
    (
        {"injuries": [{"region": "elbow", "side": "left", "kind": "sprain", "on": "2026-01-05"}]},
        "injuries[0].region",
    ),
    ({"injuries": [{"region": "ankle", "side": "left", "kind": "sprain"}]}, "injuries[0].on"),
    (
        {"injuries": [{"region": "ankle", "side": "left", "kind": "sprain", "on": "last May"}]},
        "injuries[0].on",
    ),
    (
        {"injuries": [{"region": "ankle", "side": "up", "kind": "sprain", "on": "2026-01-05"}]},
        "injuries[0].side",
    ),
    ({"gait": {"hip_drop": "forward"}}, "gait.hip_drop"),
    ({"gait": {"cadence_spm": -5}}, "gait.cadence_spm"),
    ({"gait": {"speed_kmh": 12}}, "gait.speed_kmh"),
    ({"assessed_on": "last Tuesday"}, "assessed_on"),
    ({"shared_with_client": "yes please"}, "shared_with_client"),
    ({"id": 99}, "id"),
    ({"academy_id": 2}, "academy_id"),
    ({"client_id": 2}, "client_id"),
    ({"notes_private": "x"}, "notes_private"),
    ({"created_at": "2026-01-01T00:00:00Z"}, "created_at"),
    ({"updated_at": "2026-01-01T00:00:00Z"}, "updated_at"),
    ({"version": 7}, "version"),
    ({"archived": True}, "archived"),
]


class TestCreateAssessment:
    def test_it_records_an_assessment(self, http, coach, client_user):
        response = record(http, coach, client_user.id)

        assert response.status_code == 201
        assert response.headers["ETag"] == '"1"'
        body = response.get_json()
        assert body.keys() == COACH_FIELDS
        expected = assessment_body()
        for field in ("assessed_on", "pelvic_tilt", "rib_flare", "breathing_pattern",
                      "glute_gripping", "findings", "tightness", "notes", "client_summary",
                      "shared_with_client"):  # fmt: skip
            assert body[field] == expected[field], field
        # Nothing said of what makes the pain worse, symptoms, injuries or a hip drop.
        assert body["pain"] == [{"region": "hip", "side": "left", "score": 2, "aggravated_by": []}]
        assert body["gait"] == {**expected["gait"], "hip_drop": None}
        assert body["symptoms"] == [] and body["injuries"] == []
        assert body["client_id"] == client_user.id
        assert body["archived"] is False
        assert body["created_at"].endswith("Z")
        row = stored(body["id"])
        assert (row.academy_id, row.client_id, row.version) == (
            coach.academy_id,
            client_user.id,
            1,
        )
        assert (row.tilt_left_direction, row.tilt_left_grade) == ("anterior", 2)
        assert (row.tilt_right_direction, row.tilt_right_grade) == ("anterior", 1)
        assert row.notes == SECRET_NOTES
        assert row.gait_cadence_spm == 158 and row.gait_notes == "Reaches with the left foot."
        assert row.pain == [{"region": "hip", "side": "left", "score": 2, "aggravated_by": []}]
        assert (row.symptoms, row.injuries, row.gait_hip_drop) == ([], [], None)

    def test_only_the_date_is_required(self, http, coach, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/assessments",
            json={"assessed_on": "2026-03-02"},
            headers=coach.headers,
        )

        assert response.status_code == 201
        body = response.get_json()
        assert body["pelvic_tilt"] == {
            "left": {"direction": None, "grade": None},
            "right": {"direction": None, "grade": None},
        }
        assert body["findings"] == [] and body["tightness"] == [] and body["pain"] == []
        assert body["education"] == []
        assert body["gait"] == {
            "cadence_spm": None,
            "overstride": None,
            "hip_drop": None,
            "notes": "",
        }
        assert body["symptoms"] == [] and body["injuries"] == []
        assert body["notes"] == "" and body["shared_with_client"] is False
        assert stored(body["id"]).shared_with_client is False

    def test_a_finding_named_twice_is_kept_once(self, http, coach, client_user):
        body = recorded(
            http, coach, client_user.id, findings=["rib_flare", "calf_tightness", "rib_flare"]
        )

        assert body["findings"] == ["rib_flare", "calf_tightness"]
        assert stored(body["id"]).findings == ["rib_flare", "calf_tightness"]

    def test_a_missing_date_is_422(self, http, coach, client_user):
        body = assessment_body()
        del body["assessed_on"]

        response = http.post(
            f"/api/v1/clients/{client_user.id}/assessments", json=body, headers=coach.headers
        )

        assert "assessed_on" in problem_of(response, 422)["errors"]
        assert count_rows(Assessment) == 0

    @pytest.mark.parametrize("changes, path", BAD_INPUT)
    def test_bad_input_is_422_and_stores_nothing(self, http, coach, client_user, changes, path):
        response = record(http, coach, client_user.id, **changes)

        assert path in problem_of(response, 422)["errors"]
        assert count_rows(Assessment) == 0

    def test_malformed_json_is_400(self, http, coach, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/assessments",
            data='{"assessed_on": "2026-03-02",',
            content_type="application/json",
            headers=coach.headers,
        )

        problem_of(response, 400)
        assert count_rows(Assessment) == 0

    def test_it_returns_404_for_another_academys_client(
        self, http, other_academy_coach, client_user
    ):
        response = record(http, other_academy_coach, client_user.id)

        problem_of(response, 404)
        assert count_rows(Assessment) == 0

    def test_it_returns_404_for_a_coach_instead_of_a_client(self, http, coach, owner):
        problem_of(record(http, coach, owner.id), 404)
        assert count_rows(Assessment) == 0

    def test_a_client_gets_403(self, http, client_user):
        problem_of(record(http, client_user, client_user.id), 403)
        assert count_rows(Assessment) == 0

    def test_it_needs_a_token(self, http, client_user):
        response = http.post(
            f"/api/v1/clients/{client_user.id}/assessments", json=assessment_body()
        )

        problem_of(response, 401)
        assert count_rows(Assessment) == 0


class TestListAssessments:
    def test_it_lists_the_clients_assessments_newest_first(
        self, http, coach, client_user, other_client_user
    ):
        older = recorded(http, coach, client_user.id, assessed_on="2026-01-05")
        newer = recorded(http, coach, client_user.id, assessed_on="2026-03-02")
        recorded(http, coach, other_client_user.id, assessed_on="2026-02-02")

        response = http.get(f"/api/v1/clients/{client_user.id}/assessments", headers=coach.headers)

        assert response.status_code == 200
        body = response.get_json()
        assert [a["id"] for a in body] == [newer["id"], older["id"]]
        assert body[0]["notes"] == SECRET_NOTES
        assert json.loads(response.headers["X-Pagination"])["total"] == 2

    def test_archived_assessments_are_left_out(self, http, coach, client_user):
        kept = recorded(http, coach, client_user.id, assessed_on="2026-01-05")
        gone = recorded(http, coach, client_user.id, assessed_on="2026-03-02")
        http.delete(url(gone["id"]), headers={**coach.headers, "If-Match": '"1"'})

        response = http.get(f"/api/v1/clients/{client_user.id}/assessments", headers=coach.headers)

        assert [a["id"] for a in response.get_json()] == [kept["id"]]
        assert count_rows(Assessment) == 2

    def test_it_paginates(self, http, coach, client_user):
        for day in ("2026-01-05", "2026-02-02", "2026-03-02"):
            recorded(http, coach, client_user.id, assessed_on=day)

        response = http.get(
            f"/api/v1/clients/{client_user.id}/assessments?page=2&page_size=2",
            headers=coach.headers,
        )

        assert [a["assessed_on"] for a in response.get_json()] == ["2026-01-05"]
        pagination = json.loads(response.headers["X-Pagination"])
        assert (pagination["total"], pagination["total_pages"]) == (3, 2)

    @pytest.mark.parametrize("query", ["page_size=101", "page=0", "page_size=abc"])
    def test_bad_paging_is_422(self, http, coach, client_user, query):
        response = http.get(
            f"/api/v1/clients/{client_user.id}/assessments?{query}", headers=coach.headers
        )

        problem_of(response, 422)

    def test_it_issues_the_same_number_of_statements_for_any_page_size(
        self, app, http, coach, client_user
    ):
        for day in range(1, 26):
            recorded(http, coach, client_user.id, assessed_on=f"2026-01-{day:02}")
        path = f"/api/v1/clients/{client_user.id}/assessments"

        with count_statements() as small:
            assert len(http.get(f"{path}?page_size=2", headers=coach.headers).json) == 2
        with count_statements() as large:
            assert len(http.get(f"{path}?page_size=100", headers=coach.headers).json) == 25

        assert len(small) == len(large) <= 5

    def test_it_returns_404_for_another_academys_client(
        self, http, coach, other_academy_coach, client_user
    ):
        recorded(http, coach, client_user.id)

        response = http.get(
            f"/api/v1/clients/{client_user.id}/assessments", headers=other_academy_coach.headers
        )

        assert SECRET_NOTES not in problem_of(response, 404)["detail"]

    def test_a_client_gets_403(self, http, coach, client_user):
        recorded(http, coach, client_user.id)

        response = http.get(
            f"/api/v1/clients/{client_user.id}/assessments", headers=client_user.headers
        )

        problem_of(response, 403)
        assert SECRET_NOTES not in response.get_data(as_text=True)

    def test_it_needs_a_token(self, http, client_user):
        problem_of(http.get(f"/api/v1/clients/{client_user.id}/assessments"), 401)


class TestReadAssessment:
    def test_it_reads_an_assessment_with_an_etag(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.get(url(created["id"]), headers=coach.headers)

        assert response.status_code == 200
        assert response.headers["ETag"] == '"1"'
        assert response.get_json() == created

    def test_it_returns_404_for_another_academys_assessment(
        self, http, coach, other_academy_coach, client_user
    ):
        created = recorded(http, coach, client_user.id)

        response = http.get(url(created["id"]), headers=other_academy_coach.headers)

        problem_of(response, 404)
        assert SECRET_NOTES not in response.get_data(as_text=True)

    def test_it_returns_404_for_an_archived_assessment(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)
        http.delete(url(created["id"]), headers={**coach.headers, "If-Match": '"1"'})

        problem_of(http.get(url(created["id"]), headers=coach.headers), 404)

    def test_it_returns_404_for_a_missing_assessment(self, http, coach):
        problem_of(http.get(url(999999), headers=coach.headers), 404)

    def test_a_client_gets_403_even_for_their_own(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.get(url(created["id"]), headers=client_user.headers)

        problem_of(response, 403)
        assert SECRET_NOTES not in response.get_data(as_text=True)

    def test_it_needs_a_token(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        problem_of(http.get(url(created["id"])), 401)


class TestUpdateAssessment:
    def test_it_changes_the_given_fields_only(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]),
            json={
                "pelvic_tilt": {"left": {"grade": 1}},
                "rib_flare": "mild",
                "findings": ["calf_tightness"],
                "notes": "Better already.",
            },
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert response.status_code == 200
        assert response.headers["ETag"] == '"2"'
        body = response.get_json()
        assert body["pelvic_tilt"] == {
            "left": {"direction": "anterior", "grade": 1},
            "right": {"direction": "anterior", "grade": 1},
        }
        assert (body["rib_flare"], body["findings"], body["notes"]) == (
            "mild",
            ["calf_tightness"],
            "Better already.",
        )
        assert body["tightness"] == created["tightness"]
        assert body["gait"] == created["gait"]
        row = stored(created["id"])
        assert (row.tilt_left_grade, row.tilt_right_grade, row.rib_flare, row.version) == (
            1,
            1,
            "mild",
            2,
        )
        assert row.breathing_pattern == "vertical" and row.notes == "Better already."

    def test_a_partial_gait_keeps_the_gait_notes(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]),
            json={"gait": {"cadence_spm": 166}},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert response.get_json()["gait"] == {
            "cadence_spm": 166,
            "overstride": True,
            "hip_drop": None,
            "notes": "Reaches with the left foot.",
        }
        row = stored(created["id"])
        assert (row.gait_cadence_spm, row.gait_notes) == (166, "Reaches with the left foot.")

    def test_null_clears_a_measurement(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]),
            json={"rib_flare": None, "pelvic_tilt": {"right": {"direction": None, "grade": None}}},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert response.status_code == 200
        row = stored(created["id"])
        assert (row.rib_flare, row.tilt_right_direction, row.tilt_right_grade) == (
            None,
            None,
            None,
        )
        assert row.tilt_left_grade == 2

    def test_if_match_star_writes_whatever_the_version(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]), json={"notes": ""}, headers={**coach.headers, "If-Match": "*"}
        )

        assert response.status_code == 200
        assert stored(created["id"]).notes == ""

    def test_without_if_match_it_is_428_and_nothing_changes(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(url(created["id"]), json={"rib_flare": "none"}, headers=coach.headers)

        problem_of(response, 428)
        row = stored(created["id"])
        assert (row.rib_flare, row.version) == ("moderate", 1)

    def test_a_stale_if_match_is_412_and_nothing_changes(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)
        http.patch(
            url(created["id"]),
            json={"rib_flare": "mild"},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        response = http.patch(
            url(created["id"]),
            json={"rib_flare": "none"},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        problem_of(response, 412)
        row = stored(created["id"])
        assert (row.rib_flare, row.version) == ("mild", 2)

    @pytest.mark.parametrize("changes, path", [*BAD_INPUT, ({"assessed_on": None}, "assessed_on")])
    def test_bad_input_is_422_and_nothing_changes(self, http, coach, client_user, changes, path):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]), json=changes, headers={**coach.headers, "If-Match": '"1"'}
        )

        assert path in problem_of(response, 422)["errors"]
        row = stored(created["id"])
        assert row.version == 1
        assert (row.tilt_left_grade, row.rib_flare, row.findings) == (
            2,
            "moderate",
            ["hip_flexor_weakness"],
        )

    def test_it_returns_404_for_another_academys_assessment(
        self, http, coach, other_academy_coach, client_user
    ):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]),
            json={"notes": "Overwritten"},
            headers={**other_academy_coach.headers, "If-Match": '"1"'},
        )

        problem_of(response, 404)
        row = stored(created["id"])
        assert (row.notes, row.version) == (SECRET_NOTES, 1)

    def test_it_returns_404_for_an_archived_assessment(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)
        http.delete(url(created["id"]), headers={**coach.headers, "If-Match": '"1"'})

        response = http.patch(
            url(created["id"]), json={"notes": "x"}, headers={**coach.headers, "If-Match": "*"}
        )

        problem_of(response, 404)
        assert stored(created["id"]).notes == SECRET_NOTES

    def test_a_client_gets_403(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(
            url(created["id"]),
            json={"shared_with_client": True, "notes": "mine now"},
            headers={**client_user.headers, "If-Match": '"1"'},
        )

        problem_of(response, 403)
        assert stored(created["id"]).notes == SECRET_NOTES

    def test_it_needs_a_token(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.patch(url(created["id"]), json={"notes": "x"}, headers={"If-Match": '"1"'})

        problem_of(response, 401)
        assert stored(created["id"]).notes == SECRET_NOTES


class TestArchiveAssessment:
    def test_it_archives_and_keeps_the_row(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.delete(url(created["id"]), headers={**coach.headers, "If-Match": '"1"'})

        assert response.status_code == 204
        assert response.get_data() == b""
        row = stored(created["id"])
        assert row.archived_at is not None and row.notes == SECRET_NOTES
        problem_of(http.get(url(created["id"]), headers=coach.headers), 404)

    def test_without_if_match_it_is_428_and_nothing_changes(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        problem_of(http.delete(url(created["id"]), headers=coach.headers), 428)
        assert stored(created["id"]).archived_at is None

    def test_a_stale_if_match_is_412_and_nothing_changes(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.delete(url(created["id"]), headers={**coach.headers, "If-Match": '"5"'})

        problem_of(response, 412)
        row = stored(created["id"])
        assert (row.archived_at, row.version) == (None, 1)

    def test_it_returns_404_for_another_academys_assessment(
        self, http, coach, other_academy_coach, client_user
    ):
        created = recorded(http, coach, client_user.id)

        response = http.delete(
            url(created["id"]), headers={**other_academy_coach.headers, "If-Match": '"1"'}
        )

        problem_of(response, 404)
        assert stored(created["id"]).archived_at is None

    def test_a_client_gets_403(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        response = http.delete(
            url(created["id"]), headers={**client_user.headers, "If-Match": '"1"'}
        )

        problem_of(response, 403)
        assert stored(created["id"]).archived_at is None

    def test_it_needs_a_token(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)

        problem_of(http.delete(url(created["id"]), headers={"If-Match": '"1"'}), 401)
        assert stored(created["id"]).archived_at is None


class TestMyAssessments:
    def test_it_lists_only_the_shared_ones_without_private_notes(self, http, coach, client_user):
        shared = recorded(http, coach, client_user.id, assessed_on="2026-03-02")
        recorded(http, coach, client_user.id, assessed_on="2026-03-09", shared_with_client=False)
        older = recorded(http, coach, client_user.id, assessed_on="2026-01-05")

        response = http.get("/api/v1/me/assessments", headers=client_user.headers)

        assert response.status_code == 200
        body = response.get_json()
        assert [a["id"] for a in body] == [shared["id"], older["id"]]
        assert all(a.keys() == CLIENT_FIELDS for a in body)
        assert "notes" not in body[0] and "shared_with_client" not in body[0]
        assert body[0]["client_summary"] == assessment_body()["client_summary"]
        assert SECRET_NOTES not in response.get_data(as_text=True)
        assert json.loads(response.headers["X-Pagination"])["total"] == 2

    def test_archived_assessments_are_left_out(self, http, coach, client_user):
        created = recorded(http, coach, client_user.id)
        http.delete(url(created["id"]), headers={**coach.headers, "If-Match": '"1"'})

        response = http.get("/api/v1/me/assessments", headers=client_user.headers)

        assert response.status_code == 200 and response.get_json() == []

    def test_it_never_shows_another_clients_assessments(
        self, http, coach, client_user, other_client_user, other_academy_coach,
        other_academy_client,
    ):  # fmt: skip
        recorded(http, coach, other_client_user.id)
        recorded(http, other_academy_coach, other_academy_client.id)

        response = http.get("/api/v1/me/assessments", headers=client_user.headers)

        assert response.status_code == 200 and response.get_json() == []
        assert SECRET_NOTES not in response.get_data(as_text=True)

    def test_a_coach_gets_403(self, http, coach):
        problem_of(http.get("/api/v1/me/assessments", headers=coach.headers), 403)

    def test_it_needs_a_token(self, http):
        problem_of(http.get("/api/v1/me/assessments"), 401)


class TestInjuryDates:
    """An injury happened on or before the assessment, not in the future, and not before
    the client was born."""

    @pytest.fixture(autouse=True)
    def today(self, freeze_now):  # noqa: F811
        freeze_now("2026-03-10T12:00:00Z")

    def sprain(self, on: str) -> dict:
        return {"region": "ankle", "side": "left", "kind": "sprain", "on": on}

    def test_an_injury_on_the_assessments_day_is_recorded(self, http, coach, client_user):
        body = recorded(http, coach, client_user.id, injuries=[self.sprain("2026-03-02")])

        assert body["injuries"] == [self.sprain("2026-03-02")]
        assert stored(body["id"]).injuries == [self.sprain("2026-03-02")]

    def test_an_injury_after_the_assessment_is_422_naming_it(self, http, coach, client_user):
        injuries = [self.sprain("2026-02-01"), self.sprain("2026-03-03")]

        response = record(http, coach, client_user.id, injuries=injuries)

        assert problem_of(response, 422)["errors"] == {
            "injuries[1].on": ["Must not be after the assessment or in the future."]
        }
        assert count_rows(Assessment) == 0

    def test_an_injury_in_the_future_is_422(self, http, coach, client_user):
        # An assessment may be dated ahead of today; an injury may not.
        response = record(
            http,
            coach,
            client_user.id,
            assessed_on="2026-03-20",
            injuries=[self.sprain("2026-03-11")],
        )

        assert problem_of(response, 422)["errors"] == {
            "injuries[0].on": ["Must not be after the assessment or in the future."]
        }
        assert count_rows(Assessment) == 0

    def test_an_injury_before_the_clients_birth_date_is_422(self, http, coach, client_user):
        url_ = f"/api/v1/clients/{client_user.id}"
        etag = http.get(url_, headers=coach.headers).headers["ETag"]
        patched = http.patch(
            url_, json={"birth_date": "1990-05-01"}, headers={**coach.headers, "If-Match": etag}
        )
        assert patched.status_code == 200 and patched.get_json()["birth_date"] == "1990-05-01"

        response = record(http, coach, client_user.id, injuries=[self.sprain("1990-04-30")])

        assert problem_of(response, 422)["errors"] == {
            "injuries[0].on": ["Must not be before the client's birth date."]
        }
        assert count_rows(Assessment) == 0
        born = recorded(http, coach, client_user.id, injuries=[self.sprain("1990-05-01")])
        assert born["injuries"] == [self.sprain("1990-05-01")]

    def test_moving_the_assessment_before_an_injury_is_422_and_changes_nothing(
        self, http, coach, client_user
    ):
        created = recorded(http, coach, client_user.id, injuries=[self.sprain("2026-02-20")])

        response = http.patch(
            url(created["id"]),
            json={"assessed_on": "2026-02-10"},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert list(problem_of(response, 422)["errors"]) == ["injuries[0].on"]
        row = stored(created["id"])
        assert (row.version, row.assessed_on.isoformat()) == (1, "2026-03-02")

    def test_adding_an_injury_in_the_future_is_422_and_changes_nothing(
        self, http, coach, client_user
    ):
        created = recorded(http, coach, client_user.id, assessed_on="2026-03-20")

        response = http.patch(
            url(created["id"]),
            json={"injuries": [self.sprain("2026-03-15")]},
            headers={**coach.headers, "If-Match": '"1"'},
        )

        assert list(problem_of(response, 422)["errors"]) == ["injuries[0].on"]
        row = stored(created["id"])
        assert (row.version, row.injuries) == (1, [])


# Pain as it was stored before what makes it worse was recorded: no `aggravated_by`.
OLD_PAIN = [{"region": "knee", "side": "left", "score": 6}]


@pytest.fixture
def stored_before(coach, client_user) -> int:
    """An assessment written as Academy stored it before symptoms, injuries, hip drop and
    aggravators were recorded (the upgrade left the new lists empty); its id."""
    result = db.session.execute(
        sa.insert(Assessment.__table__).values(
            academy_id=coach.academy_id,
            client_id=client_user.id,
            assessed_on=date(2026, 3, 2),
            tilt_left_direction="anterior",
            tilt_left_grade=1,
            tilt_right_direction="anterior",
            tilt_right_grade=1,
            findings=[],
            tightness=[],
            pain=OLD_PAIN,
            symptoms=[],
            injuries=[],
            gait_cadence_spm=158,
            gait_overstride=True,
            notes="",
            client_summary="",
            gait_notes="",
            shared_with_client=True,
        )
    )
    db.session.commit()
    return result.inserted_primary_key[0]


class TestAssessmentsStoredBeforeTheNewFields:
    def test_it_reads_as_before_with_nothing_new_recorded(self, http, coach, stored_before):
        response = http.get(url(stored_before), headers=coach.headers)

        assert response.status_code == 200
        body = response.get_json()
        assert body["pain"] == [{**OLD_PAIN[0], "aggravated_by": []}]
        assert (body["symptoms"], body["injuries"], body["gait"]["hip_drop"]) == ([], [], None)
        assert stored(stored_before).pain == OLD_PAIN

    def test_its_suggestions_and_drafts_obey_the_rules(self, http, coach, stored_before, catalogue):
        answer = http.get(
            f"{url(stored_before)}/suggestions?per_stage=20", headers=coach.headers
        ).get_json()
        draft = http.post(
            f"{url(stored_before)}/program-draft", json={"weeks": 8}, headers=coach.headers
        ).get_json()

        held = {h["name"]: (h["rule"], h["reason"]) for h in answer["held_back"]}
        assert held["Strides"] == (
            "painful_region",
            "Your left knee hurts (6/10): no fast running yet.",
        )
        names = {e["name"] for g in answer["groups"] for e in g["exercises"]} | {
            i["exercise_name"] for s in draft["sessions"] for i in s["items"]
        }
        impacts = db.session.scalars(
            sa.select(Exercise.impact).where(
                Exercise.academy_id.is_(None), Exercise.name.in_(names)
            )
        ).all()
        assert len(impacts) == len(names) and set(impacts) <= {"none", "low"}
        assert (answer["refer"], answer["advice"]) == (None, [])

    def test_a_newer_assessment_compares_against_no_aggravators(
        self, http, coach, client_user, stored_before
    ):
        recorded(
            http,
            coach,
            client_user.id,
            assessed_on="2026-04-06",
            pain=[{**OLD_PAIN[0], "aggravated_by": ["stairs"]}],
        )

        response = http.get(
            f"/api/v1/clients/{client_user.id}/assessments/compare", headers=coach.headers
        )

        assert {
            "field": "pain.knee.left.aggravated_by",
            "before": [],
            "after": ["stairs"],
            "change": "worse",
        } in response.get_json()["changes"]
