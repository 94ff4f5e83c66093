"""Exercise suggestions for an assessment, in the method's order.

The rules, as the API docs give them to coaches:

1. **Findings.** The assessment's own findings, plus what its measurements show: an
   anterior (posterior) tilt on either side gives `anterior_pelvic_tilt`
   (`posterior_pelvic_tilt`); an anterior tilt graded higher on one side gives that
   side's tilt bias (`left_anterior_tilt_bias`); any rib flare gives `rib_flare`;
   vertical or mixed breathing gives `vertical_breathing`; glute gripping,
   overstriding and a cadence under 165 spm give their findings; tightness of 4 or
   more in the hip flexors, calves or plantar fascia gives `hip_flexor_tightness`,
   `calf_tightness` or `plantar_fasciitis`.
2. **Candidates.** Every exercise of the global catalogue and of the academy that is
   not archived and addresses at least one finding.
3. **Side.** With a left (right) bias, an exercise that has a left-bias (right-bias)
   variant is replaced by the variant, and variants biased the other way are left
   out. Biased variants carry their bias; unilateral exercises are prescribed
   `left_bias`/`right_bias` (more work on that side); the rest `both`.
4. **Order.** Groups follow the method: position, breathing, mobility, strength,
   power, run. Within a group, exercises answering more findings come first (a side
   bias counts double), then by name. The same catalogue and assessment always give
   the same answer.
"""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from academy.assessments.models import Assessment
from academy.auth.models import User
from academy.common.tenancy import with_shared
from academy.exercises.models import Exercise, ExerciseFinding
from academy.extensions import db
from academy.vocabularies import STAGES

TIGHTNESS_FINDINGS = {
    "hip_flexors": "hip_flexor_tightness",
    "calf": "calf_tightness",
    "plantar_fascia": "plantar_fasciitis",
}
TIGHT = 4
LOW_CADENCE_SPM = 165
BIAS_FINDINGS = {"left": "left_anterior_tilt_bias", "right": "right_anterior_tilt_bias"}


def _anterior_grade(direction: str | None, grade: int | None) -> int:
    return (grade or 1) if direction == "anterior" else 0


def side_bias(assessment: Assessment) -> str | None:
    """The side the pelvis tips forward more on, measured or stated."""
    left = _anterior_grade(assessment.tilt_left_direction, assessment.tilt_left_grade)
    right = _anterior_grade(assessment.tilt_right_direction, assessment.tilt_right_grade)
    if left != right:
        return "left" if left > right else "right"
    for side, finding in BIAS_FINDINGS.items():
        if finding in assessment.findings:
            return side
    return None


def findings_of(assessment: Assessment) -> list[str]:
    found = list(assessment.findings)
    directions = {assessment.tilt_left_direction, assessment.tilt_right_direction}
    if "anterior" in directions:
        found.append("anterior_pelvic_tilt")
    if "posterior" in directions:
        found.append("posterior_pelvic_tilt")
    bias = side_bias(assessment)
    if bias:
        found.append(BIAS_FINDINGS[bias])
    if assessment.rib_flare not in (None, "none"):
        found.append("rib_flare")
    if assessment.breathing_pattern in ("vertical", "mixed"):
        found.append("vertical_breathing")
    if assessment.glute_gripping:
        found.append("glute_gripping")
    if assessment.gait_overstride:
        found.append("overstriding")
    if assessment.gait_cadence_spm is not None and assessment.gait_cadence_spm < LOW_CADENCE_SPM:
        found.append("low_cadence")
    for tight in assessment.tightness:
        if tight["severity"] >= TIGHT and tight["region"] in TIGHTNESS_FINDINGS:
            found.append(TIGHTNESS_FINDINGS[tight["region"]])
    if bias:  # a one-sided tilt is still an anterior tilt
        found.append("anterior_pelvic_tilt")
    return list(dict.fromkeys(found))


def _side(exercise: Exercise, bias: str | None) -> str:
    if exercise.side_bias:
        return f"{exercise.side_bias}_bias"
    if bias and exercise.laterality == "unilateral":
        return f"{bias}_bias"
    return "each" if exercise.laterality == "unilateral" else "both"


def suggest(actor: User, assessment: Assessment, per_stage: int = 5) -> dict:
    findings = findings_of(assessment)
    bias = side_bias(assessment)
    candidates = db.session.scalars(
        with_shared(Exercise, actor)
        .options(selectinload(Exercise.finding_rows))
        .where(
            Exercise.archived_at.is_(None),
            sa.exists().where(
                ExerciseFinding.exercise_id == Exercise.id, ExerciseFinding.finding.in_(findings)
            ),
        )
    ).all()
    variants = {}
    if bias:
        for variant in db.session.scalars(
            with_shared(Exercise, actor)
            .options(selectinload(Exercise.finding_rows))
            .where(Exercise.archived_at.is_(None), Exercise.side_bias == bias)
            .where(Exercise.variation_of_id.in_([c.id for c in candidates]))
            .order_by(Exercise.id)
        ):
            variants.setdefault(variant.variation_of_id, variant)

    chosen: dict[int, tuple[Exercise, set[str]]] = {}
    for exercise in candidates:
        if exercise.side_bias and exercise.side_bias != bias:
            continue
        answers = set(exercise.addresses)
        variant = variants.get(exercise.id)
        if variant is not None:
            answers |= set(variant.addresses)
            exercise = variant
        answers &= set(findings)
        known = chosen.get(exercise.id)
        chosen[exercise.id] = (exercise, answers | (known[1] if known else set()))

    groups = []
    for stage in STAGES:
        ranked = sorted(
            (
                (exercise, answers)
                for exercise, answers in chosen.values()
                if exercise.stage == stage
            ),
            key=lambda pair: (-_score(pair[1]), pair[0].name.lower(), pair[0].id),
        )[:per_stage]
        if ranked:
            groups.append(
                {
                    "stage": stage,
                    "exercises": [
                        {
                            "exercise_id": exercise.id,
                            "name": exercise.name,
                            "slug": exercise.slug,
                            "laterality": exercise.laterality,
                            "side": _side(exercise, bias),
                            "answers": [f for f in findings if f in answers],
                            "score": _score(answers),
                            "dosage": exercise.dosage,
                        }
                        for exercise, answers in ranked
                    ],
                }
            )
    return {"assessment_id": assessment.id, "findings": findings, "bias": bias, "groups": groups}


def _score(answers: set[str]) -> int:
    return len(answers) + sum(1 for finding in answers if finding in BIAS_FINDINGS.values())


# How many suggestions of each stage a program draft takes, in session order.
DRAFT_PICKS = {"position": 2, "breathing": 2, "mobility": 1, "strength": 3}
DRAFT_DAYS = (1, 3, 5)


def draft_program(actor: User, assessment: Assessment) -> dict:
    """A one-week template from the suggestions: the same session on three days,
    position, then breathing, then strength, each exercise at its default dosage."""
    suggestions = suggest(actor, assessment, per_stage=max(DRAFT_PICKS.values()))
    items = [
        {"exercise_id": s["exercise_id"], "stage": group["stage"], "side": s["side"],
         **{k: v for k, v in s["dosage"].items() if v is not None}}
        for group in suggestions["groups"]
        if group["stage"] in DRAFT_PICKS
        for s in group["exercises"][: DRAFT_PICKS[group["stage"]]]
    ]  # fmt: skip
    findings = ", ".join(f.replace("_", " ") for f in suggestions["findings"])
    # Named after the assessment, not the client: templates outlive erased clients.
    return {
        "name": f"Draft from assessment {assessment.id} of {assessment.assessed_on.isoformat()}",
        "description": "Drafted from the assessment's suggestions; edit before assigning.",
        "goal": f"Address: {findings}." if findings else "",
        "weeks": 1,
        "sessions": [
            {
                "week": 1,
                "day": day,
                "title": "Position, breathing, strength",
                "notes": "",
                "items": items,
            }
            for day in DRAFT_DAYS
        ],
    }
