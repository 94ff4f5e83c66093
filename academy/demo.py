"""The demo academy of the quick start.

An owner coach and two clients. Sam (anterior tilt, stronger on the left) finished a
four-week foundations block and is two weeks into a hip-flexor strength block, with
check-ins whose left hip-flexor tightness eases week by week and two assessments a
few weeks apart; alongside, a run block (easy, intervals, long) whose past runs came
from Sam's watch as GPX and TCX files (written with gpxpy and the TCX template of
``academy.activities.samples``). Alex (plantar fasciitis) started a foot and calf
block, checked in recently and reported sharp pain, and ran far more this week than
the weeks before, so the dashboard has something to say (pain, a load spike, and the
plan conflicts the pain makes: the heavier calf work still ahead is held back); Alex's
assessment records that pain, worse with the first steps and running, and an ankle
sprain eight months ago, so its suggestions hold the jumping work back and bring ankle
balance work. Sam's hip drop on the right is gone by the second assessment.
Sam and the coach exchanged a few messages about a pinch in the left hip (Sam's
last message still unread).

The signature exercises (All 4s Pelvic Tucks, 90-90 Breathing and its left-bias
variant, Bridge with Hip Flexor Pulls) carry a picture each, a stick figure the demo
draws (``academy.exercises.drawings``), kept in the file storage like any upload.

Loading it again gives everyone new passwords (printed) and ends every session of the
demo's people: a token handed out before the refresh stops working.
"""

import io
import secrets
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from academy.activities import samples
from academy.activities import service as activities
from academy.assessments import service as assessments
from academy.auth.models import Academy, User
from academy.auth.passwords import hash_password
from academy.auth.service import revoke_all
from academy.checkins import service as checkins
from academy.clients.models import Client
from academy.common.time import local_today, utcnow
from academy.exercises import drawings
from academy.exercises import service as exercises
from academy.exercises.models import Exercise, ExerciseMedia
from academy.extensions import db
from academy.messages import service as messages
from academy.programs import dates, documents
from academy.programs import service as programs

ACADEMY_NAME = "Demo Running Academy"
OWNER = {"name": "Maya Coach", "email": "coach@demo.academy"}
CLIENTS: list[dict[str, Any]] = [
    {
        "name": "Sam Runner",
        "email": "sam@demo.academy",
        "timezone": "Europe/London",
        "goals": "Run the autumn half marathon without the left hip pinching.",
        "weekly_volume_km": 32.0,
        "target_race": "Autumn Half Marathon",
        "coach_notes": "Anterior tilt, stronger on the left; grips glutes in bridges.",
    },
    {
        "name": "Alex Strider",
        "email": "alex@demo.academy",
        "timezone": "America/New_York",
        "goals": "Get back to 10k after plantar fasciitis.",
        "weekly_volume_km": 15.0,
        "target_race": None,
        "coach_notes": "Calves chronically tight; build foot strength before speed.",
    },
]

# Templates as (name, goal, weeks, items of each session as (slug, dosage, side)).
FOUNDATIONS = (
    "Foundations: Position and Breathing",
    "Own a neutral pelvis and a full exhale before loading anything.",
    4,
    [
        ("all-4s-pelvic-tucks", {"sets": 2, "reps": 8}, "both"),
        ("wall-pelvic-tilt-left-bias", {"sets": 2, "reps": 6, "hold_seconds": 5}, "left_bias"),
        ("90-90-breathing-left-bias", {"sets": 3, "breaths": 5}, "left_bias"),
        ("crocodile-breathing", {"sets": 2, "breaths": 6}, "both"),
        ("dead-bug-with-exhale", {"sets": 2, "reps": 6}, "each"),
        ("hamstring-bridge-left-bias", {"sets": 3, "reps": 8}, "left_bias"),
    ],
)
HIP_FLEXOR_BLOCK = (
    "Hip Flexor Strength Block",
    "Strengthen the hip flexors from a neutral pelvis; keep the left side honest.",
    6,
    [
        ("all-4s-pelvic-tucks", {"sets": 2, "reps": 8}, "both"),
        ("90-90-breathing-left-bias", {"sets": 2, "breaths": 5}, "left_bias"),
        ("bridge-with-hip-flexor-pulls", {"sets": 3, "reps": 6}, "left_bias"),
        ("psoas-march", {"sets": 3, "reps": 8}, "each"),
        ("standing-knee-drive-hold", {"sets": 3, "hold_seconds": 10}, "left_bias"),
        ("side-plank-hip-abduction", {"sets": 2, "reps": 8}, "each"),
        ("single-leg-rdl", {"sets": 3, "reps": 6}, "each"),
        ("a-march", {"sets": 2, "duration_seconds": 30}, "both"),
    ],
)
FOOT_BLOCK = (
    "Feet and Calves Rebuild",
    "Calm the plantar fascia, then build foot and calf capacity for running.",
    4,
    [
        ("short-foot-hold", {"sets": 3, "hold_seconds": 10}, "each"),
        ("toe-yoga", {"sets": 2, "reps": 10}, "each"),
        ("90-90-breathing", {"sets": 2, "breaths": 5}, "both"),
        ("bent-knee-calf-raise", {"sets": 3, "reps": 12}, "each"),
        ("eccentric-heel-drops", {"sets": 3, "reps": 10}, "each"),
        ("tibialis-raises", {"sets": 2, "reps": 15}, "both"),
    ],
)
SESSION_DAYS = (1, 3, 5)

# Sam's run block: Tuesday easy, Thursday intervals, Saturday long, building each week.
EASY = {
    "type": "easy",
    "steps": [
        {
            "kind": "work",
            "duration_seconds": 2400,
            "target": {"hr_zone": 2, "pace_s_per_km": [340, 380]},
        }
    ],
}
INTERVALS = {
    "type": "intervals",
    "steps": [
        {"kind": "warmup", "duration_seconds": 900, "target": {"hr_zone": 2}},
        {
            "kind": "repeat",
            "repeat": 5,
            "steps": [
                {
                    "kind": "work",
                    "distance_m": 1000,
                    "target": {"pace_s_per_km": [265, 280], "hr_zone": 4, "cadence_spm": 172},
                },
                {"kind": "recover", "duration_seconds": 120, "target": {"rpe": 2}},
            ],
        },
        {"kind": "cooldown", "duration_seconds": 600, "target": {"hr_zone": 1}},
    ],
}
RUN_WEEKS = 4


def _long(week: int) -> dict:
    return {
        "type": "long",
        "steps": [
            {
                "kind": "work",
                "distance_m": 12000 + 2000 * week,
                "target": {"pace_s_per_km": [350, 390], "hr_zone": 2},
            }
        ],
    }


RUN_SESSIONS = (  # (day, title, run of the week)
    (2, "Easy run", lambda week: EASY),
    (4, "Intervals", lambda week: INTERVALS),
    (6, "Long run", _long),
)
# Sam's watch: (day of the block, minutes, pace s/km, heart rate, file format).
SAM_RUNS = ((2, 40, 360, 142, "gpx"), (4, 48, 300, 158, "tcx"), (6, 84, 370, 146, "gpx"))


def _password() -> str:
    return secrets.token_urlsafe(12)


def load() -> list[str]:
    found = db.session.scalar(sa.select(Academy).where(Academy.name == ACADEMY_NAME))
    fresh = found is None
    academy = found or Academy(name=ACADEMY_NAME)
    if fresh:
        db.session.add(academy)
        db.session.flush()
    lines = [f"Demo academy: {ACADEMY_NAME} (id {academy.id})"]

    def person(role: str, name: str, email: str, timezone: str = "UTC") -> User:
        user = db.session.scalar(
            sa.select(User).where(User.academy_id == academy.id, User.email == email)
        )
        if user is None:
            user = User(academy_id=academy.id, role=role, name=name, email=email)
            db.session.add(user)
        else:
            revoke_all(user.id)  # the old password's sessions end with it
        password = _password()
        user.password_hash = hash_password(password)
        user.status = "active"
        user.timezone = timezone
        lines.append(f"  {role:<6} {email}  password: {password}")
        return user

    owner = person("owner", **OWNER)
    clients = []
    for data in CLIENTS:
        user = person("client", data["name"], data["email"], data["timezone"])
        db.session.flush()
        client = db.session.get(Client, user.id) or Client(
            id=user.id, academy_id=academy.id, status="active"
        )
        client.goals = data["goals"]
        client.weekly_volume_km = data["weekly_volume_km"]
        client.target_race = data["target_race"]
        client.coach_notes = data["coach_notes"]
        db.session.add(client)
        clients.append(user)
    db.session.flush()
    if fresh:
        _training_history(owner, *clients)
    _pictures(academy.id)
    return lines


def _pictures(academy_id: int) -> None:
    """A drawing of each signature exercise the demo academy has no picture of yet."""
    pictured = set(
        db.session.scalars(
            sa.select(ExerciseMedia.exercise_id).where(ExerciseMedia.academy_id == academy_id)
        )
    )
    signature = db.session.scalars(
        sa.select(Exercise).where(
            Exercise.academy_id.is_(None), Exercise.slug.in_(list(drawings.POSES))
        )
    )
    for exercise in signature:
        if exercise.id not in pictured:
            pose = drawings.POSES[exercise.slug]
            picture = FileStorage(io.BytesIO(drawings.draw(exercise.slug)), "drawing.png")
            exercises.keep_media(academy_id, exercise, picture, "image", pose["cue"])


def _template(owner: User, spec) -> int:
    name, goal, weeks, items = spec
    slugs = {slug for slug, _, _ in items}
    ids = dict(
        db.session.execute(
            sa.select(Exercise.slug, Exercise.id).where(
                Exercise.academy_id.is_(None), Exercise.slug.in_(slugs)
            )
        ).all()
    )
    missing = slugs - ids.keys()
    if missing:
        raise RuntimeError(f"Load the catalogue first (missing {', '.join(sorted(missing))}).")
    session_items = [
        {"exercise_id": ids[slug], "side": side, **dosage} for slug, dosage, side in items
    ]
    data = {
        "name": name,
        "description": "A demo template of the academy's method.",
        "goal": goal,
        "weeks": weeks,
        "sessions": [
            {"week": week, "day": day, "title": f"Week {week}, session {n}", "notes": "",
             "items": session_items}
            for week in range(1, weeks + 1)
            for n, day in enumerate(SESSION_DAYS, start=1)
        ],
    }  # fmt: skip
    return programs.create_program(owner, data).id


def _training_history(owner: User, sam: User, alex: User) -> None:
    today = local_today(sam.timezone)
    foundations = _template(owner, FOUNDATIONS)
    block = _template(owner, HIP_FLEXOR_BLOCK)
    foot = _template(owner, FOOT_BLOCK)

    earlier = programs.assign(
        owner, sam.id, {"program_id": foundations, "start_date": today - timedelta(days=42),
                        "notes": "Position and breathing first."}
    )  # fmt: skip
    current = programs.assign(
        owner, sam.id, {"program_id": block, "start_date": today - timedelta(days=14),
                        "notes": "Keep the left-bias work first in every session."}
    )  # fmt: skip
    earlier.status = "completed"
    db.session.flush()

    # Sam trains on most session days; left hip-flexor tightness eases from 7 to 3.
    sessions = [(earlier, s) for s in _sessions(earlier)] + [
        (current, s) for s in _sessions(current)
    ]
    done = [(a, s, on) for a, s in sessions if (on := _date(a, s)) < today]
    last = None
    for index, (assignment, session, on) in enumerate(done):
        if index % 7 == 5:  # the odd missed session
            continue
        progress = index / max(1, len(done) - 1)
        left = round(7 - 4 * progress)
        last = _check_in(sam, assignment, session, on, [
            {"region": "hip_flexors", "side": "left", "tightness": left, "pain": max(0, left - 4)},
            {"region": "hip_flexors", "side": "right", "tightness": 3 if progress < 0.5 else 2,
             "pain": 0},
            {"region": "hamstrings", "side": "both", "tightness": 3, "pain": 0},
        ], rpe=6 + index % 3)  # fmt: skip

    # Alex started the foot block ten days ago, skipped the first week, then felt sharp pain.
    foot_block = programs.assign(
        owner, alex.id, {"program_id": foot, "start_date": today - timedelta(days=10),
                                  "notes": "Stop and tell me if the arch pain goes above 5."}
    )  # fmt: skip
    alex_sessions = [s for s in _sessions(foot_block) if _date(foot_block, s) < today][-2:]
    for n, session in enumerate(alex_sessions):
        _check_in(alex, foot_block, session, _date(foot_block, session), [
            {"region": "plantar_fascia", "side": "left", "tightness": 5, "pain": 4 + 3 * n},
            {"region": "calf", "side": "left", "tightness": 6, "pain": 2},
        ], rpe=5)  # fmt: skip

    _assessments(owner, sam, today)
    assessments.create_assessment(owner, alex.id, {
        "assessed_on": today - timedelta(days=12),
        "pelvic_tilt": {"left": {"direction": "neutral", "grade": 0},
                        "right": {"direction": "neutral", "grade": 0}},
        "tightness": [{"region": "calf", "side": "left", "severity": 8},
                      {"region": "calf", "side": "right", "severity": 4}],
        "pain": [{"region": "plantar_fascia", "side": "left", "score": 6,
                  "aggravated_by": ["first_steps", "running"]}],
        "injuries": [{"region": "ankle", "side": "left", "kind": "sprain",
                      "on": today - timedelta(days=240)}],
        "gait": {"cadence_spm": 156, "overstride": True, "hip_drop": "none",
                 "notes": "Heavy heel strike."},
        "notes": "First steps in the morning hurt; no jumping until that settles.",
        "client_summary": "Your left calf is tight and the sole of the foot is irritated. "
        "We calm it with foot work first.",
        "shared_with_client": True,
    })  # fmt: skip
    _run_block(owner, sam, today)
    _alex_runs_more(alex)
    _conversation(owner, sam, last)


def _run_block(owner: User, sam: User, today) -> None:
    """A run block started eight days ago; Sam uploaded the first week's runs."""
    sessions = [
        {"week": week, "day": day, "title": title, "notes": "",
         "items": [{"kind": "run", "run": run(week), "notes": "Relax the shoulders."}]}
        for week in range(1, RUN_WEEKS + 1)
        for day, title, run in RUN_SESSIONS
    ]  # fmt: skip
    template = programs.create_program(owner, {
        "name": "Half Marathon Run Block", "description": "Easy, intervals and a long run.",
        "goal": "Build to a 20 km long run with the left hip quiet.", "weeks": RUN_WEEKS,
        "sessions": sessions,
    })  # fmt: skip
    start = today - timedelta(days=8)
    programs.assign(owner, sam.id, {"program_id": template.id, "start_date": start,
                                    "notes": "Upload the watch file after each run."})  # fmt: skip
    zone = ZoneInfo(sam.timezone)
    for day, minutes, pace, hr, kind in SAM_RUNS:
        begins = datetime.combine(dates.session_date(start, 1, day), time(7, 0), zone)
        run = samples.SteadyRun(
            begins.astimezone(UTC), minutes * 60, pace, hr=hr, cadence_rpm=84 + day // 2,
            every=5, name=f"Morning run, day {day}",
        )  # fmt: skip
        data = samples.gpx(run) if kind == "gpx" else samples.tcx(run)
        upload = FileStorage(io.BytesIO(data), filename=f"morning-run-{day}.{kind}")
        activities.upload(sam, upload, None)
    db.session.flush()


def _alex_runs_more(alex: User) -> None:
    """Three easy weeks, then three hard runs in the last five days: a load spike."""
    today = local_today(alex.timezone)
    light = [today - timedelta(days=d) for d in (26, 24, 22, 19, 17, 15, 12, 10, 8)]
    heavy = [today - timedelta(days=d) for d in (5, 3, 1)]
    for on in light:
        checkins.record_check_in(alex, {"date": on, "rpe": 3, "run": {
            "distance_km": 5.0, "duration_minutes": 30, "cadence_spm": 164}})  # fmt: skip
    for on in heavy:
        checkins.record_check_in(alex, {"date": on, "rpe": 7, "run": {
            "distance_km": 11.0, "duration_minutes": 65, "cadence_spm": 166}})  # fmt: skip
    db.session.flush()


# Sam and the coach about the left hip: (who, hours ago, text, about the last check-in).
CONVERSATION = [
    ("client", 20, "Left hip pinched a little at the top of the bridges today, second set. "
     "It eased after the 90-90 breathing.", True),
    ("coach", 18, "Thanks Sam. A pinch at the top usually means the glutes grip and the "
     "pelvis tips forward again, closing the front of the hip. Lift only enough to slide "
     "a sheet of paper under you, lead with the hamstrings, and keep the left-bias "
     "breathing first.", True),
    ("client", 2, "Tried it on the wall tilts too: much less pinch in the left hip, tightness "
     "about 3 now.", False),
]  # fmt: skip


def _conversation(owner: User, sam: User, check_in: dict | None) -> None:
    now = utcnow()
    for who, hours, text, about in CONVERSATION:
        author = sam if who == "client" else owner
        data = {"body": text, "check_in_id": check_in["id"] if about and check_in else None}
        message = messages.post_message(author, data, None if who == "client" else sam.id)
        message.created_at = now - timedelta(hours=hours)
        if hours > 2:  # the other side has read all but Sam's latest
            message.read_at = now - timedelta(hours=hours - 1)
    db.session.flush()


def _sessions(assignment) -> list[dict]:
    return documents.sessions_by_program([assignment.program_id])[assignment.program_id]


def _date(assignment, session):
    return dates.session_date(assignment.start_date, session["week"], session["day"])


def _check_in(client: User, assignment, session: dict, on, ratings: list[dict], rpe: int):
    check_in, _ = checkins.create_check_in(
        client,
        {
            "date": on,
            "assignment_id": assignment.id,
            "session_id": session["id"],
            "completed": True,
            "rpe": rpe,
            "duration_minutes": 35,
            "results": [
                {"item_id": item["id"], "completed": True, "sets_done": item["sets"],
                 "reps_done": item["reps"], "side": item["side"], "felt_in": [], "notes": ""}
                for item in session["items"]
            ],
            "ratings": ratings,
            "wellness": {"sleep_hours": 7.5, "stress": 2, "energy": 4, "soreness": 2},
            "notes": "",
        },
    )  # fmt: skip
    db.session.flush()
    return check_in


def _assessments(owner: User, sam: User, today) -> None:
    common = {
        "breathing_pattern": "vertical",
        "shared_with_client": True,
        "gait": {
            "cadence_spm": 162,
            "overstride": True,
            "hip_drop": "right",
            "notes": "Reaches with the left; the right hip drops as the left foot lands.",
        },
    }
    assessments.create_assessment(
        owner,
        sam.id,
        {
            **common,
            "assessed_on": today - timedelta(days=43),
            "pelvic_tilt": {
                "left": {"direction": "anterior", "grade": 2},
                "right": {"direction": "anterior", "grade": 1},
            },
            "rib_flare": "moderate",
            "glute_gripping": True,
            "findings": ["hip_flexor_weakness", "proximal_hamstring_weakness"],
            "tightness": [
                {"region": "hip_flexors", "side": "left", "severity": 7},
                {"region": "hip_flexors", "side": "right", "severity": 3},
            ],
            "notes": "Left ASIS noticeably lower; squeezes glutes to stand tall.",
            "client_summary": "Your pelvis tips forward, more on the left. We start with "
            "position and breathing before strength.",
        },
    )
    assessments.create_assessment(owner, sam.id, {
        **common,
        "assessed_on": today - timedelta(days=8),
        "breathing_pattern": "mixed",
        "pelvic_tilt": {"left": {"direction": "anterior", "grade": 1},
                        "right": {"direction": "neutral", "grade": 0}},
        "rib_flare": "mild",
        "glute_gripping": False,
        "findings": ["hip_flexor_weakness"],
        "tightness": [{"region": "hip_flexors", "side": "left", "severity": 4},
                      {"region": "hip_flexors", "side": "right", "severity": 2}],
        "gait": {"cadence_spm": 168, "overstride": False, "hip_drop": "none",
                 "notes": "Much quieter landing."},
        "notes": "Tilt much better; ready to load the hip flexors.",
        "client_summary": "Big change on the left side. Now we build strength.",
    })  # fmt: skip
