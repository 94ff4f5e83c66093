"""Five runners read as the coach who signs the plan would: what the method suggests and
drafts for each, and what it holds back.

Each picture is recorded through the API on a fresh SQLite database with the shipped
catalogue; the script prints, per picture, the first pick of each stage, the held-back
list with its reasons, and what the 4- and 8-week drafts hold that a coach checks first
(impact by week, breathing and pelvic-floor work in week 1, strength's first week).

    .venv/bin/python bench/method_pictures.py            # this checkout
    .venv/bin/python bench/method_pictures.py --plain    # only the fields every version
                                                         # of the API knows (no aggravators,
                                                         # symptoms or injuries)
"""

import argparse
import sys
import tempfile
from datetime import date

TODAY = date(2026, 6, 1)
IMPACT_WORDS = ("hop", "jump", "bound", "skip", "stride", "sprint", "run", "pogo")

PICTURES = {
    "left knee pain 6 on stairs": {
        "pain": [{"region": "knee", "side": "left", "score": 6, "aggravated_by": ["stairs"]}],
        "gait": {"cadence_spm": 158, "overstride": True},
    },
    "14 weeks after birth, leaking when jogging": {
        "findings": ["deep_core_weakness"],
        "symptoms": ["leaking"],
        "breathing_pattern": "vertical",
        "notes": "14 weeks after birth; leaks when she jogs.",
    },
    "lower-back pain 7, worse in extension": {
        "pelvic_tilt": {
            "left": {"direction": "anterior", "grade": 2},
            "right": {"direction": "anterior", "grade": 2},
        },
        "pain": [
            {"region": "lower_back", "side": "both", "score": 7, "aggravated_by": ["extension"]}
        ],
        "findings": ["hip_flexor_tightness"],
    },
    "plantar-fascia pain 5": {
        "pain": [{"region": "plantar_fascia", "side": "right", "score": 5}],
        "gait": {"cadence_spm": 160, "overstride": True},
    },
    "a calf tight at 6": {
        "tightness": [{"region": "calf", "side": "left", "severity": 6}],
        "gait": {"cadence_spm": 162},
    },
}
NEW_FIELDS = ("symptoms", "injuries")


def plain(body: dict) -> dict:
    """``body`` with only the fields every version of the API accepts."""
    body = {k: v for k, v in body.items() if k not in NEW_FIELDS}
    if "pain" in body:
        body["pain"] = [{k: v for k, v in p.items() if k != "aggravated_by"} for p in body["pain"]]
    return body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plain", action="store_true")
    arguments = parser.parse_args()

    from academy import create_app
    from academy.config import TestConfig

    folder = tempfile.mkdtemp()

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{folder}/pictures.db"
        FILE_STORAGE_PATH = folder

    app = create_app(Config)
    from flask_migrate import upgrade

    from academy.extensions import db

    with app.app_context():
        upgrade()
        from academy.exercises.service import load_catalogue, read_catalogue

        load_catalogue(read_catalogue())
        db.session.commit()
    http = app.test_client()
    token = http.post(
        "/api/v1/auth/signup",
        json={
            "academy_name": "Picture Academy",
            "name": "Pat Coach",
            "email": "pat@pictures.test",
            "password": "a long pass phrase for pictures",
        },
    ).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    exercises = {}
    page = 1
    while True:
        answer = http.get(f"/api/v1/exercises?page_size=100&page={page}", headers=headers)
        exercises.update({e["id"]: e for e in answer.get_json()})
        if len(answer.get_json()) < 100:
            break
        page += 1

    for n, (title, body) in enumerate(PICTURES.items(), 1):
        client = http.post(
            "/api/v1/clients",
            json={"name": f"Runner {n}", "email": f"runner{n}@pictures.test"},
            headers=headers,
        ).get_json()
        body = {"assessed_on": TODAY.isoformat(), **body}
        if arguments.plain:
            body = plain(body)
        assessment = http.post(
            f"/api/v1/clients/{client['id']}/assessments", json=body, headers=headers
        )
        if assessment.status_code != 201:
            print(f"# {title}: {assessment.status_code} {assessment.get_data(as_text=True)}")
            continue
        assessment_id = assessment.get_json()["id"]
        suggested = http.get(
            f"/api/v1/assessments/{assessment_id}/suggestions", headers=headers
        ).get_json()
        print(f"\n## {title}")
        print("first picks: " + "; ".join(
            f"{g['stage']}: {g['exercises'][0]['name']}" for g in suggested["groups"]
        ))  # fmt: skip
        print(f"held back ({len(suggested['held_back'])}):")
        for held in suggested["held_back"]:
            print(f"  - {held['name']}: {held['reason']}")
        for key in ("refer", "advice"):
            if suggested.get(key):
                print(f"{key}: {suggested[key]}")
        for weeks in (4, 8):
            draft = http.post(
                f"/api/v1/assessments/{assessment_id}/program-draft",
                json={"weeks": weeks, "sessions_per_week": 3},
                headers=headers,
            ).get_json()
            print(f"{weeks}-week draft: {_summary(draft, exercises)}")


def _summary(draft: dict, exercises: dict) -> str:
    by_week: dict[int, dict] = {}
    for session in draft["sessions"]:
        week = by_week.setdefault(session["week"], {"impact": set(), "stages": set()})
        for item in session["items"]:
            exercise = exercises.get(item["exercise_id"], {})
            week["stages"].add(item["stage"])
            name = exercise.get("name", "")
            moving = exercise.get("impact") in ("moderate", "high") or any(
                word in name.lower() for word in IMPACT_WORDS
            )
            if moving:
                week["impact"].add(name)
            if exercise.get("category") == "pelvic_floor":
                week["stages"].add("pelvic floor")
    strength = min((w for w, s in by_week.items() if "strength" in s["stages"]), default=None)
    breathing = [w for w, s in by_week.items() if "breathing" in s["stages"]]
    impact = {w: sorted(s["impact"]) for w, s in by_week.items() if s["impact"]}
    return (
        f"breathing in weeks {breathing or 'none'}; "
        f"pelvic floor in week 1: {'pelvic floor' in by_week.get(1, {}).get('stages', ())}; "
        f"strength from week {strength}; impact: {impact or 'none'}"
    )


if __name__ == "__main__":
    sys.exit(main())
