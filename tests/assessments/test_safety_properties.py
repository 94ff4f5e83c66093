"""The method's safety rules as invariants, over assessments nobody wrote by hand.

Hypothesis generates assessments — any findings, tilt, tightness, pain with what makes
it worse, symptoms, injuries of any age, gait — and every rule is asserted on the
suggestions and on 4- and 8-week drafts built from the shipped catalogue. The rules are
restated here from the catalogue's typing and the assessment's fields, not read from the
engine, so a blind spot of ``academy.assessments.safety`` is not shared by its test.

CI runs 500 examples (``SAFETY_EXAMPLES`` sets the number; the README gives the command
for a long run).
"""

import os
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from academy.assessments import suggestions
from academy.assessments.models import Assessment
from academy.exercises.models import Exercise
from academy.extensions import db
from academy.vocabularies import (
    AGGRAVATORS,
    BODY_SIDES,
    BREATHING_PATTERNS,
    FINDINGS,
    HIP_DROP,
    INJURY_KINDS,
    REGIONS,
    RIB_FLARE,
    STAGES,
    SYMPTOMS,
    TILT_DIRECTIONS,
)

EXAMPLES = int(os.environ.get("SAFETY_EXAMPLES", "500"))
# The engine only reads the catalogue and computes in Python: the database does not
# matter, so CI runs these once.
pytestmark = pytest.mark.properties
ASSESSED_ON = date(2026, 6, 1)
LEVEL = {"none": 0, "low": 1, "moderate": 2, "high": 3}
LOWER_BODY = {
    "lower_back", "pelvis", "pelvic_floor", "hip", "hip_flexors", "glutes", "adductors",
    "proximal_hamstrings", "hamstrings", "quadriceps", "knee", "shin", "calf", "achilles",
    "ankle", "foot", "plantar_fascia",
}  # fmt: skip
PELVIC = {"leaking", "pelvic_heaviness", "pelvic_dragging", "pelvic_pain", "bleeding"}
RED_FLAGS = {"night_pain", "numbness_or_tingling", "radiating_pain"}

# --- generated assessments ------------------------------------------------------------------


def _words(choices, max_size=None):
    return st.lists(st.sampled_from(choices), unique=True, max_size=max_size or len(choices))


pains = st.fixed_dictionaries(
    {
        "region": st.sampled_from(REGIONS),
        "side": st.sampled_from(BODY_SIDES),
        "score": st.integers(0, 10),
        "aggravated_by": _words(AGGRAVATORS, 4),
    }
)
tightness = st.fixed_dictionaries(
    {
        "region": st.sampled_from(REGIONS),
        "side": st.sampled_from(BODY_SIDES),
        "severity": st.integers(0, 10),
    }
)
injuries = st.fixed_dictionaries(
    {
        "region": st.sampled_from(REGIONS),
        "side": st.sampled_from(BODY_SIDES),
        "kind": st.sampled_from(INJURY_KINDS),
        # Any age: days ago, from the assessment's own day to more than two years.
        "on": st.integers(0, 800).map(lambda days: (ASSESSED_ON - timedelta(days)).isoformat()),
    }
)
tilt = st.one_of(st.none(), st.sampled_from(TILT_DIRECTIONS))


@st.composite
def assessments(draw) -> Assessment:
    assessment = Assessment(
        id=None,
        assessed_on=ASSESSED_ON,
        tilt_left_direction=draw(tilt),
        tilt_left_grade=draw(st.one_of(st.none(), st.integers(0, 3))),
        tilt_right_direction=draw(tilt),
        tilt_right_grade=draw(st.one_of(st.none(), st.integers(0, 3))),
        rib_flare=draw(st.one_of(st.none(), st.sampled_from(RIB_FLARE))),
        breathing_pattern=draw(st.one_of(st.none(), st.sampled_from(BREATHING_PATTERNS))),
        glute_gripping=draw(st.one_of(st.none(), st.booleans())),
        findings=draw(_words(FINDINGS, 5)),
        tightness=draw(st.lists(tightness, max_size=5)),
        pain=draw(st.lists(pains, max_size=5)),
        symptoms=draw(st.one_of(st.just([]), _words(SYMPTOMS, 3))),
        injuries=draw(st.lists(injuries, max_size=3)),
        gait_cadence_spm=draw(st.one_of(st.none(), st.integers(120, 200))),
        gait_overstride=draw(st.one_of(st.none(), st.booleans())),
        gait_hip_drop=draw(st.one_of(st.none(), st.sampled_from(HIP_DROP))),
        gait_notes="",
    )
    note({c.key: getattr(assessment, c.key) for c in Assessment.__table__.columns})
    return assessment


# --- the rules, restated from the fields ---------------------------------------------------


def _heals_in(kind: str) -> int:
    return 12 * 7 if kind in ("bone_stress", "fracture") else 6 * 7


def healing(assessment) -> list[dict]:
    return [
        i
        for i in assessment.injuries
        if (ASSESSED_ON - date.fromisoformat(i["on"])).days < _heals_in(i["kind"])
    ]


def painful_regions(assessment) -> set[str]:
    return {p["region"] for p in assessment.pain if p["score"] >= 4} | {
        i["region"] for i in healing(assessment)
    }


def impact_stops(assessment) -> bool:
    return (
        any(p["score"] >= 4 and p["region"] in LOWER_BODY for p in assessment.pain)
        or any(
            p["score"] >= 2 and {"impact", "running", "downhill"} & set(p["aggravated_by"])
            for p in assessment.pain
        )
        or bool({"swelling", "giving_way"} & set(assessment.symptoms))
        or any(i["region"] in LOWER_BODY for i in healing(assessment))
    )


def pelvic(assessment) -> bool:
    return bool((PELVIC | {"abdominal_separation"}) & set(assessment.symptoms))


def red_flag(assessment) -> bool:
    return bool(RED_FLAGS & set(assessment.symptoms))


def spine_kept_out(assessment) -> set[str]:
    return {
        direction
        for p in assessment.pain
        if p["score"] >= 1
        for direction in ("extension", "flexion", "rotation")
        if direction in p["aggravated_by"]
    }


def eventful(assessment) -> bool:
    return bool(
        any(p["score"] > 0 for p in assessment.pain) or assessment.symptoms or healing(assessment)
    )


# --- what the engine answered ----------------------------------------------------------------


@pytest.fixture
def typing(catalogue) -> dict[int, Exercise]:
    """Every global exercise, read once, by id."""
    return {e.id: e for e in db.session.scalars(sa.select(Exercise))}


def loads(exercise: Exercise) -> dict[str, int]:
    return {load["region"]: LEVEL[load["level"]] for load in exercise.loads}


def suggested_ids(answer: dict) -> list[int]:
    return [e["exercise_id"] for g in answer["groups"] for e in g["exercises"]]


def drafted_items(document: dict) -> list[tuple[int, dict]]:
    return [(s["week"], item) for s in document["sessions"] for item in s["items"]]


def check_safe(assessment, typing, exercise_ids, where: str) -> None:
    """Rules 1-5 on a set of exercises."""
    sore = painful_regions(assessment)
    no_impact = impact_stops(assessment) or pelvic(assessment)
    spine = spine_kept_out(assessment)
    for exercise_id in exercise_ids:
        exercise = typing[exercise_id]
        said = f"{where}: {exercise.name}"
        for region in sore:
            assert loads(exercise).get(region, 0) <= LEVEL["low"], f"{said} loads {region}"
        if no_impact:
            assert LEVEL[exercise.impact] <= LEVEL["low"], f"{said} has impact {exercise.impact}"
        assert exercise.spine not in spine, f"{said} takes the spine into {exercise.spine}"
        if pelvic(assessment):
            assert exercise.pressure != "high", f"{said} asks for high pressure"
        if red_flag(assessment):
            assert exercise.stage in ("position", "breathing"), f"{said} beyond the basics"


_SIDE = re.compile(r"\b(left|right)\b")
_BAD_GRAMMAR = (
    re.compile(r"\bboth [a-z ]+ hurts\b"),
    re.compile(r"\bboth [a-z ]+ is tight\b"),
    re.compile(r"\byour (left|right) [a-z ]+ are tight\b"),
    re.compile(r"\s{2,}|\bNone\b|\b[a-z]+_[a-z_]+\b|\.\.|:\s*\."),
)


def check_words(assessment, texts: list[str], where: str) -> None:
    """What a client reads names only the sides recorded, and reads as a sentence."""
    recorded = {
        side
        for entry in (*assessment.pain, *assessment.tightness, *assessment.injuries)
        for side in (("left", "right") if entry["side"] == "both" else (entry["side"],))
    }
    recorded |= {
        side
        for side in ("left", "right")
        if getattr(assessment, f"tilt_{side}_direction") == "anterior"
        or f"{side}_anterior_tilt_bias" in assessment.findings
        or assessment.gait_hip_drop in (side, "both")
    }
    for text in texts:
        assert text[:1].isupper() and text.endswith("."), f"{where}: {text!r}"
        for side in _SIDE.findall(text):
            assert side in recorded, f"{where} names the {side} side, never recorded: {text!r}"
        for bad in _BAD_GRAMMAR:
            assert not bad.search(text), f"{where}: {text!r}"


# --- the properties --------------------------------------------------------------------------


def _settings(**kwargs):
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        **kwargs,
    )


@_settings()
@given(assessment=assessments(), weeks=st.sampled_from((4, 8)), per_week=st.integers(1, 7))
def test_every_rule_holds_on_suggestions_and_drafts(coach, typing, assessment, weeks, per_week):
    actor = coach.user

    answer = suggestions.suggest(actor, assessment, per_stage=20)
    document, beside = suggestions.draft_program(actor, assessment, weeks, per_week)

    suggested = suggested_ids(answer)
    items = drafted_items(document)
    drafted = [item["exercise_id"] for _, item in items]
    held = {h["exercise_id"] for h in answer["held_back"]}
    # Rules 1-5, on both answers.
    check_safe(assessment, typing, suggested, "suggested")
    check_safe(assessment, typing, drafted, "drafted")
    # A draft never holds what its own suggestions hold back.
    assert not held & set(drafted)
    assert not held & set(suggested)
    assert {h["exercise_id"] for h in beside["held_back"]} >= held
    # Rule 5: a red flag refers, in both answers.
    assert (answer["refer"] is not None) == red_flag(assessment)
    assert (beside["refer"] is not None) == red_flag(assessment)
    # Rule 4: pelvic-floor and breathing work from the first week, and the advice.
    if pelvic(assessment):
        first = [typing[i["exercise_id"]] for w, i in items if w == 1]
        assert any(e.category == "pelvic_floor" for e in first)
        assert any(a["rule"] == "pelvic_health" for a in answer["advice"])
        assert "pelvic-health physiotherapist" in " ".join(a["text"] for a in answer["advice"])
    # Rule 6: position and breathing open the block, every session in the method's order.
    for session in document["sessions"]:
        stages = [item["stage"] for item in session["items"]]
        assert stages == sorted(stages, key=STAGES.index), session
        if session["week"] == 1:
            assert {"position", "breathing"} <= set(stages), session
    strength_weeks = {w for w, item in items if item["stage"] == "strength"}
    if answer["findings"] or eventful(assessment):
        assert 1 not in strength_weeks
    for week, item in items:
        if LEVEL[typing[item["exercise_id"]].impact] > LEVEL["low"]:
            assert {week - 1, week - 2} <= strength_weeks, (week, item)
    # Rule 7: the client's words.
    check_words(assessment, [h["reason"] for h in answer["held_back"]], "held back")
    check_words(assessment, [a["text"] for a in answer["advice"]], "advice")
    notes = {s["notes"] for s in document["sessions"]} | {
        item["notes"] for _, item in items if item["notes"]
    }
    check_words(assessment, [n for n in notes if "bias" not in n.lower()], "draft notes")


@_settings()
@given(assessment=assessments())
def test_what_the_client_reads_never_contradicts_the_plan(coach, typing, assessment):
    actor = coach.user

    education = " ".join(e["text"] for e in assessment.education)
    answer = suggestions.suggest(actor, assessment, per_stage=20)
    document, _ = suggestions.draft_program(actor, assessment, 8, 3)

    planned = suggested_ids(answer) + [item["exercise_id"] for _, item in drafted_items(document)]
    if "jumping and heavy calf work wait" in education:
        for exercise_id in planned:
            exercise = typing[exercise_id]
            calf = loads(exercise).get("calf", 0) or loads(exercise).get("achilles", 0)
            assert not (calf and exercise.impact == "high"), exercise.name
    if "leave out anything that arches it" in education:
        assert all(typing[i].spine != "extension" for i in planned)
    if "leave out anything that rounds it" in education:
        assert all(typing[i].spine != "flexion" for i in planned)
    if "before running and jumping come back" in education:
        assert all(LEVEL[typing[i].impact] <= LEVEL["low"] for i in planned)
    check_words(assessment, [e["text"] for e in assessment.education], "education")
