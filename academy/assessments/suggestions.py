"""Exercise suggestions for an assessment, and program drafts built from them.

The rules are the method's, written out in ``academy.assessments.method`` (and in the
API docs as a table); this module looks the exercises up and applies them.
"""

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from academy.assessments import method, safety
from academy.assessments.models import Assessment
from academy.common.auth import Actor
from academy.common.tenancy import with_shared
from academy.exercises.models import Exercise, ExerciseFinding
from academy.extensions import db
from academy.vocabularies import STAGES


def _answering(exercise, findings: list[str]):
    return sa.exists().where(
        ExerciseFinding.exercise_id == exercise.id, ExerciseFinding.finding.in_(findings)
    )


def _chosen(actor: Actor, findings: list[str], bias: str | None) -> list[tuple[Exercise, set]]:
    """Every exercise that answers a finding, and every position and breathing drill (the
    method's basics are among them), a biased variant in place of its parent (rule
    "Biased variants"), with the findings each answers; in one statement and its loads."""
    parent = aliased(Exercise)
    wanted = sa.or_(_answering(Exercise, findings), Exercise.stage.in_(method.BASIC_STAGES))
    if bias:
        wanted = sa.or_(
            wanted,
            sa.and_(
                Exercise.side_bias == bias,
                Exercise.variation_of_id.in_(
                    sa.select(parent.id).where(
                        parent.archived_at.is_(None), _answering(parent, findings)
                    )
                ),
            ),
        )
    found = db.session.scalars(
        with_shared(Exercise, actor)
        .options(selectinload(Exercise.finding_rows), selectinload(Exercise.region_rows))
        .where(Exercise.archived_at.is_(None), wanted)
        .order_by(Exercise.id)
    ).all()
    variants: dict[int, Exercise] = {}
    for exercise in found:
        if bias and exercise.side_bias == bias and exercise.variation_of_id is not None:
            variants.setdefault(exercise.variation_of_id, exercise)
    chosen: dict[int, tuple[Exercise, set[str]]] = {}
    for exercise in found:
        if exercise.side_bias and exercise.side_bias != bias:
            continue
        answers = set(exercise.addresses)
        variant = variants.get(exercise.id)
        if variant is not None:
            answers |= set(variant.addresses)
            exercise = variant
        answers &= set(findings)
        if not answers and exercise.stage not in method.BASIC_STAGES:
            continue
        known = chosen.get(exercise.id)
        chosen[exercise.id] = (exercise, answers | (known[1] if known else set()))
    return list(chosen.values())


def _score(answers: set[str]) -> int:
    return len(answers) + sum(1 for f in answers if f in method.BIAS_FINDINGS.values())


def read(assessment: Assessment) -> tuple[method.Reading, safety.Guard]:
    """What the assessment says to the method, and the safety rules read from it.

    The rules read the assessment as of the day it was made: the same assessment and
    catalogue always give the same suggestions, and an injury never looks older than it
    was when the coach saw it."""
    reading = method.derive(assessment)
    picture = safety.picture_of(assessment, assessment.assessed_on, reading.findings)
    return reading, safety.Guard(picture)


def _ranked(actor: Actor, assessment, guard: safety.Guard, findings: list[str], bias: str | None):
    """The suggestions of every stage, best first, and what the safety rules held back.

    A session always has the method's basics: when no position or breathing exercise
    answers a finding, that stage takes the basic drills (a position drill that works the
    pelvis both ways, a breathing drill)."""
    by_stage: dict[str, list[dict]] = {stage: [] for stage in STAGES}
    basics: dict[str, list[dict]] = {stage: [] for stage in method.BASIC_STAGES}
    held = []
    for exercise, answers in _chosen(actor, findings, bias):
        basic = method.basic_rank(exercise.stage, exercise.addresses)
        answers &= set(findings)
        if not answers and basic is None:
            continue
        work = safety.Work.of_exercise(exercise)
        holding = guard.hold(work)
        if holding is not None:
            if answers:
                held.append({"exercise_id": exercise.id, "name": exercise.name,
                             **holding.as_dict()})  # fmt: skip
            continue
        side, side_reason, side_means = method.exercise_side(
            exercise.laterality, exercise.side_bias, exercise.regions, exercise.bias_means,
            assessment, bias, avoid=guard.sore_sides_of(work),
        )  # fmt: skip
        ordered = [f for f in findings if f in answers]
        (by_stage if answers else basics)[exercise.stage].append(
            {
                "exercise_id": exercise.id,
                "name": exercise.name,
                "slug": exercise.slug,
                "laterality": exercise.laterality,
                "side": side,
                "side_reason": side_reason,
                "side_means": side_means,
                "answers": ordered,
                "score": _score(answers),
                "why": method.why(exercise.stage, ordered),
                "impact": exercise.impact,
                "precautions": list(exercise.precautions or []),
                "dosage": exercise.dosage,
                # For drafts only, not answered:
                "_stage": exercise.stage,
                "_addresses": exercise.addresses,
                "_equipment": list(exercise.equipment or []),
                "_impact": safety.LEVEL[exercise.impact],
                "_basic": basic,
            }
        )
    for entries in basics.values():
        entries.sort(key=lambda e: (e["_basic"], e["name"].lower(), e["exercise_id"]))
    for entries in by_stage.values():
        entries.sort(key=lambda e: (-e["score"], e["name"].lower(), e["exercise_id"]))
    for stage, entries in basics.items():
        if not by_stage[stage]:
            by_stage[stage] = entries
    held.sort(key=lambda h: (h["name"].lower(), h["exercise_id"]))
    return by_stage, held


def suggest(actor: Actor, assessment: Assessment, per_stage: int = 5) -> dict:
    reading, guard = read(assessment)
    by_stage, held = _ranked(actor, assessment, guard, reading.findings, reading.pelvic_bias)
    groups = [
        {
            "stage": stage,
            "exercises": [
                {k: v for k, v in e.items() if not k.startswith("_")} for e in entries[:per_stage]
            ],
        }
        for stage, entries in by_stage.items()
        if entries
    ]
    return {
        "assessment_id": assessment.id,
        "findings": reading.findings,
        "derived": reading.derived,
        "bias": reading.bias,
        "bias_reason": reading.bias_reason,
        "groups": groups,
        "held_back": held,
        "refer": guard.refer,
        "advice": guard.advice,
    }


# --- drafts -------------------------------------------------------------------------------


def _whole_range_first(entries: list[dict]) -> list[dict]:
    """A position drill that works the tilt both ways opens the first weeks."""
    both = {"anterior_pelvic_tilt", "posterior_pelvic_tilt"}
    whole = [e for e in entries if both <= set(e["_addresses"])]
    return whole[:1] + [e for e in entries if e not in whole[:1]]


def _picks(entries: list[dict], places: int, session: int) -> list[dict]:
    """The best pick in every session; the other places take turns among the next best."""
    if not entries or places <= 0:
        return []
    rest = entries[1:]
    turn = (session * (places - 1)) % len(rest) if rest else 0
    rotated = rest[turn:] + rest[:turn]
    return [entries[0], *rotated[: places - 1]]


def _one_per_area(entries: list[dict], areas) -> list[dict]:
    """The best exercise for each area, in the areas' order, each once."""
    picked: list[dict] = []
    for area in areas:
        best = next((e for e in entries if area in e["answers"] and e not in picked), None)
        if best is not None:
            picked.append(best)
    return picked


def _is_cadence_work(entry: dict) -> bool:
    return "low_cadence" in entry["_addresses"] and "metronome" in entry["_equipment"]


def _first_answering(entries: list[dict], finding: str) -> list[dict]:
    """The entries answering ``finding`` first (pelvic-floor work leads the breathing)."""
    return [e for e in entries if finding in e["answers"]] + [
        e for e in entries if finding not in e["answers"]
    ]


def draft_program(
    actor: Actor, assessment: Assessment, weeks: int = 4, sessions_per_week: int = 3
) -> tuple[dict, dict]:
    """A phased block from the suggestions (rules "Draft: ..." in ``method``), and what the
    coach must know beside it: ``{refer, advice, held_back}``."""
    reading, guard = read(assessment)
    findings = reading.findings
    maintenance = not findings and not guard.picture.eventful
    ranked_for = findings or list(method.MAINTENANCE_FINDINGS)
    by_stage, held = _ranked(actor, assessment, guard, ranked_for, reading.pelvic_bias)
    refer = guard.refer is not None
    gait = not maintenance and any(f in method.GAIT_FINDINGS for f in findings)
    if maintenance:
        strength_week, late_for_pain = 1, None
    else:
        strength_week, late_for_pain = method.strength_from(guard.picture)
    if not findings:
        by_stage["strength"] = _one_per_area(by_stage["strength"], method.MAINTENANCE_AREAS)
    elif not by_stage["strength"] and not refer:
        # Nothing answers the findings with strength: the basics' strength prepares the
        # impact of the last phase all the same.
        basic, more_held = _ranked(
            actor, assessment, guard, list(method.MAINTENANCE_AREAS), reading.pelvic_bias
        )
        by_stage["strength"] = _one_per_area(basic["strength"], method.MAINTENANCE_AREAS)
        known = {h["exercise_id"] for h in held}
        held = sorted(
            held + [h for h in more_held if h["exercise_id"] not in known],
            key=lambda h: (h["name"].lower(), h["exercise_id"]),
        )
    if "pelvic_floor_symptoms" in findings:
        by_stage["breathing"] = _first_answering(by_stage["breathing"], "pelvic_floor_symptoms")
    has_strength = bool(by_stage["strength"]) and not refer
    impact_week = method.impact_from(strength_week)
    first_week_of: dict[int, int] = {}
    sessions = []
    for week in range(1, weeks + 1):
        places = method.places(week, strength_week, maintenance, gait, refer)
        # Impact above `low` only in the last phase, after two weeks of strength.
        impact_allowed = has_strength and week >= impact_week
        notes = method.week_notes(
            week, weeks, strength_week, has_strength, maintenance, late_for_pain, findings, refer
        )
        cadence_note = method.cadence_note(assessment.gait_cadence_spm, week, weeks)
        for n, day in enumerate(method.DAYS[sessions_per_week]):
            items = []
            for stage in STAGES:
                entries = by_stage.get(stage, [])
                if not impact_allowed:
                    entries = [e for e in entries if e["_impact"] <= safety.LEVEL["low"]]
                if stage == "position" and (week < strength_week or maintenance):
                    entries = _whole_range_first(entries)
                if stage == "run":
                    cadence = [e for e in entries if _is_cadence_work(e)][:1]
                    entries = cadence + [e for e in entries if e not in cadence]
                for entry in _picks(entries, places.get(stage, 0), n):
                    first_week_of.setdefault(entry["exercise_id"], week)
                    items.append(
                        _item(entry, week - first_week_of[entry["exercise_id"]], cadence_note)
                    )
            sessions.append(
                {
                    "week": week,
                    "day": day,
                    "title": method.session_title(item["stage"] for item in items),
                    "notes": notes,
                    "items": items,
                }
            )
    document = {
        "name": f"Draft from assessment {assessment.id} of {assessment.assessed_on.isoformat()}",
        "description": _description(
            weeks,
            strength_week if has_strength else None,
            maintenance,
            reading.bias_reason,
            held,
            guard,
        ),
        "goal": _goal(findings),
        "weeks": weeks,
        "sessions": sessions,
    }
    return document, {"refer": guard.refer, "advice": guard.advice, "held_back": held}


def _item(entry: dict, weeks_in: int, cadence_note: str) -> dict:
    notes = []
    if entry["side_means"]:
        notes.append(f"{entry['side'].replace('_', ' ').capitalize()}: {entry['side_means']}")
    if _is_cadence_work(entry):
        notes.append(cadence_note)
    return {
        "exercise_id": entry["exercise_id"],
        "stage": entry["_stage"],
        "side": entry["side"],
        "notes": " ".join(notes),
        **method.dose(entry["dosage"], weeks_in),
    }


def _goal(findings: list[str]) -> str:
    aims = [method.AIMS[f] for f in findings if f in method.AIMS]
    if not aims:
        return "Keep position, breathing and strength in shape."
    said = "; ".join(aims)
    return f"{said[0].upper()}{said[1:]}."


# How many held-back exercises a draft's description names; the suggestions list them all.
HELD_NAMED = 6


def _description(weeks, strength_week, maintenance, bias_reason, held, guard) -> str:
    if guard.refer:
        text = f"A {weeks}-week block of position and breathing only. {guard.refer['reason']}"
    elif maintenance:
        text = (
            f"A {weeks}-week maintenance block: the assessment found nothing to fix. "
            "Position, breathing and strength at an easy dose that rises a little each week."
        )
    else:
        if strength_week is None:
            start = "no strength work answers these findings"
        elif strength_week <= weeks:
            start = f"strength from week {strength_week}"
        else:
            start = f"strength from week {strength_week}, after this block"
        text = (
            f"A {weeks}-week block drafted from the assessment: position and breathing first, "
            f"{start}, a little more each week."
        )
    if bias_reason:
        text += f" {bias_reason}"
    for advice in guard.advice:
        if advice["rule"] != "red_flag":
            text += f" {advice['text']}"
    if held:
        named = [f"{h['name']} ({h['reason'].rstrip('.')})" for h in held[:HELD_NAMED]]
        if len(held) > HELD_NAMED:
            named.append(f"{len(held) - HELD_NAMED} more (see the suggestions)")
        text += " Held back for safety: " + "; ".join(named) + "."
    return text + " Edit before assigning."
