"""Every 201 says where what it created lives: its Location answers it."""

from tests.conftest import PASSWORD


def test_a_created_client_exercise_program_and_assessment_are_found_at_their_location(http, coach):
    made = {
        "client": http.post(
            "/api/v1/clients",
            json={"name": "Lou Located", "email": "lou@north.test"},
            headers=coach.headers,
        ),
        "exercise": http.post(
            "/api/v1/exercises",
            json={
                "name": "Heel Drops",
                "category": "feet",
                "regions": ["calf"],
                "stage": "strength",
                "laterality": "bilateral",
            },
            headers=coach.headers,
        ),
    }
    made["program"] = http.post(
        "/api/v1/programs",
        json={"name": "Located", "weeks": 1, "sessions": [
            {"week": 1, "day": 1, "items": [{"exercise_id": made["exercise"].get_json()["id"]}]}
        ]},
        headers=coach.headers,
    )  # fmt: skip
    made["assessment"] = http.post(
        f"/api/v1/clients/{made['client'].get_json()['id']}/assessments",
        json={"assessed_on": "2026-03-02"},
        headers=coach.headers,
    )
    made["copy"] = http.post(
        f"/api/v1/programs/{made['program'].get_json()['id']}/copy", json={}, headers=coach.headers
    )

    for what, response in made.items():
        assert response.status_code == 201, what
        found = http.get(response.headers["Location"], headers=coach.headers)
        assert found.status_code == 200, what
        assert found.get_json()["id"] == response.get_json()["id"], what


def test_signing_in_creates_no_resource_to_locate(http, coach):
    response = http.post(
        "/api/v1/auth/tokens", json={"email": "cora@north.test", "password": PASSWORD}
    )

    assert response.status_code == 201 and "Location" not in response.headers
