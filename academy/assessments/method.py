"""The method's rules for suggestions, program drafts and client education, in one place.

A coach should be able to read this module top to bottom and recognise the method:
every threshold, every word a client or coach reads, and the table the API docs show
(``RULES``) live here. ``suggestions.py`` only looks exercises up and applies these.
Functions here take an assessment and plain exercise data; they never query.
"""

from datetime import date
from math import ceil
from typing import Any, NamedTuple

from academy.assessments.safety import (
    PELVIC_HEALTH,
    SPINE_FINDINGS,
    Pain,
    body_part,
    pain_words,
)
from academy.vocabularies import REGIONS

# --- thresholds ---------------------------------------------------------------------------

TIGHT = 4  # tightness (0-10) from which a region counts as tight
CLEARLY_WORSE = 2  # points between the sides before one side is "clearly worse"
LOW_CADENCE_SPM = 165
HIGH_PAIN = 6  # pain from which strength starts a week later in a draft
PAIN_FINDING = 3  # plantar-fascia pain from which the finding is plantar fasciitis
STRENGTH_FROM_WEEK = 3
# Impact (above `low`) comes in a draft's last phase only, after this many weeks of strength.
IMPACT_AFTER_STRENGTH_WEEKS = 2
# How long ago an injury still brings the work that answers it (a sprained ankle's
# balance work, say), counted back from the assessment.
INJURY_FINDING_DAYS = 365
CADENCE_RISE = (0.05, 0.10)  # a cadence target is 5-10% above the measured cadence

TIGHTNESS_FINDINGS = {
    "hip_flexors": "hip_flexor_tightness",
    "calf": "calf_tightness",
    "plantar_fascia": "plantar_fasciitis",
}
PAIN_FINDINGS = {"plantar_fascia": "plantar_fasciitis", "achilles": "tendon_pain"}
# What an injury of a kind, in a region (None: anywhere), asks the block to work on.
INJURY_FINDINGS = {
    ("sprain", "ankle"): "ankle_instability",
    ("tendinopathy", None): "tendon_pain",
}
BIAS_FINDINGS = {"left": "left_anterior_tilt_bias", "right": "right_anterior_tilt_bias"}
GAIT_FINDINGS = ("overstriding", "low_cadence")

# Where a one-sided tightness, pain or pinch (pain at the front of the hip) tells the
# side the pelvis tips forward more on.
PELVIC_REGIONS = (
    "hip_flexors", "hip", "pelvis", "proximal_hamstrings", "glutes", "adductors", "lower_back",
)  # fmt: skip

# Regions next to each other: pain or tightness in one counts for its neighbours too.
_NEIGHBOURS = {
    "foot": ("plantar_fascia", "ankle"),
    "plantar_fascia": ("ankle", "achilles"),
    "ankle": ("achilles", "shin", "calf"),
    "achilles": ("calf",),
    "calf": ("shin",),
    "shin": ("knee",),
    "knee": ("quadriceps", "hamstrings"),
    "quadriceps": ("hip_flexors",),
    "hamstrings": ("proximal_hamstrings",),
    "proximal_hamstrings": ("glutes", "pelvis"),
    "adductors": ("hip", "pelvis"),
    "hip_flexors": ("hip", "pelvis"),
    "glutes": ("hip", "pelvis"),
    "hip": ("pelvis",),
    "pelvis": ("lower_back",),
    "lower_back": ("thoracic_spine", "deep_core"),
    "deep_core": ("diaphragm",),
    "diaphragm": ("ribs",),
    "ribs": ("thoracic_spine",),
    "thoracic_spine": ("shoulders",),
    "shoulders": ("neck",),
}
NEARBY: dict[str, set[str]] = {region: {region} for region in REGIONS}
for _region, _next in _NEIGHBOURS.items():
    for _other in _next:
        NEARBY[_region].add(_other)
        NEARBY[_other].add(_region)

# --- words --------------------------------------------------------------------------------

# What an exercise does for a finding, as a coach says it ("it ...").
AIMS = {
    "anterior_pelvic_tilt": "brings the pelvis back towards neutral",
    "posterior_pelvic_tilt": "lets a tucked pelvis come forward to neutral",
    "left_anterior_tilt_bias": "works the left side harder because it tips forward more",
    "right_anterior_tilt_bias": "works the right side harder because it tips forward more",
    "rib_flare": "brings the ribs down",
    "vertical_breathing": "teaches breathing low into the belly and back, not up into the chest",
    "glute_gripping": "finds the hamstrings without squeezing the glutes",
    "hip_flexor_tightness": "lets tight hip flexors ease off by changing where they sit",
    "hip_flexor_weakness": "strengthens the hip flexors",
    "proximal_hamstring_weakness": "strengthens the tops of the hamstrings",
    "glute_medius_weakness": "strengthens the side of the hip",
    "deep_core_weakness": "builds the deep core",
    "limited_hip_extension": "opens up hip extension",
    "limited_ankle_dorsiflexion": "frees the ankle to bend",
    "calf_tightness": "eases and strengthens tight calves",
    "plantar_fasciitis": "settles and strengthens the sole of the foot",
    "overstriding": "teaches the foot to land under the body",
    "low_cadence": "quickens the step",
    "pelvic_floor_symptoms": "works the pelvic floor with the breath",
    "ankle_instability": "steadies the ankle",
    "extension_sensitive_back": "eases a back that is sore when it arches",
    "flexion_sensitive_back": "eases a back that is sore when it rounds",
    "tendon_pain": "loads a sore tendon gently and steadily",
}
STAGE_LEADS = {
    "position": "Position first",
    "breathing": "Breathing",
    "mobility": "Mobility",
    "strength": "Strength",
    "power": "Power",
    "run": "Running",
}

# What a client reads about a finding on a shared assessment.
EDUCATION = {
    "anterior_pelvic_tilt": (
        "Your pelvis tips forward. That leaves your hip flexors sitting short, so they feel "
        "tight and tire easily. Stretching them won't change that; changing the position and "
        "then strengthening will, so we start with position."
    ),
    "posterior_pelvic_tilt": (
        "Your pelvis tucks under, flattening your lower back. We'll help it find its way "
        "forward to neutral and give your hip flexors and back the strength to hold it."
    ),
    "left_anterior_tilt_bias": (
        "The forward tip is stronger on your left, which is why that side feels tighter. "
        "Some exercises ask a little more of your left side to even things out."
    ),
    "right_anterior_tilt_bias": (
        "The forward tip is stronger on your right, which is why that side feels tighter. "
        "Some exercises ask a little more of your right side to even things out."
    ),
    "rib_flare": (
        "Your lower ribs lift and flare. That keeps your breathing high and your deep core "
        "switched off; breathing out fully lets the ribs come down where they belong."
    ),
    "vertical_breathing": (
        "You breathe up into your chest and shoulders. We'll teach breathing low and wide, "
        "into the belly, sides and back, which calms the hip flexors too."
    ),
    "glute_gripping": (
        "You squeeze your glutes to hold yourself up. That adds pressure without fixing the "
        "position; we'll find the tops of your hamstrings instead and keep the glutes soft."
    ),
    "hip_flexor_tightness": (
        "Your hip flexors feel tight because of where they sit, not because they are too "
        "short. As your position changes and they get stronger, the tightness eases."
    ),
    "hip_flexor_weakness": (
        "Your hip flexors are weak as well as tight. They lift your knee on every stride, so "
        "strengthening them is part of running better."
    ),
    "proximal_hamstring_weakness": (
        "The tops of your hamstrings need more strength. They are what brings the pelvis "
        "back to neutral, so we build them gradually."
    ),
    "glute_medius_weakness": (
        "The muscles at the side of your hip need more strength to keep your pelvis level "
        "on one leg, which is all running is."
    ),
    "deep_core_weakness": (
        "Your deep core needs more strength. It works with your breathing to keep your ribs "
        "and pelvis stacked while you run."
    ),
    "limited_hip_extension": (
        "Your hip doesn't open fully behind you, so your stride finishes early. Position "
        "and mobility work will give it back its range."
    ),
    "limited_ankle_dorsiflexion": (
        "Your ankle doesn't bend far enough forward, which loads the calf and foot more. "
        "We'll free it up gently."
    ),
    "calf_tightness": (
        "{Part} {is} tight. We'll ease {them} and build {their} strength slowly; jumping "
        "and heavy calf work wait until {they have} settled."
    ),
    "plantar_fasciitis": (
        "The sole of your foot is irritated. It settles with calm, regular foot strength "
        "work, not with rest alone; anything that hurts more the next morning was too much."
    ),
    "overstriding": (
        "Your foot lands out in front of you, which acts like a brake. Landing under your "
        "body, with a slightly quicker step, takes load off the shins and knees."
    ),
    "low_cadence": (
        "Your step rate is on the low side. A slightly quicker step, about 5 to 10% more, "
        "shortens the stride and softens each landing."
    ),
    "pelvic_floor_symptoms": (
        "Leaking, heaviness or dragging in the pelvis are common, and they are not something "
        "to run through. Breathing and pelvic-floor work come first, and a pelvic-health "
        "physiotherapist is the best person to check your pelvic floor before running and "
        "jumping come back."
    ),
    "ankle_instability": (
        "A sprain can leave an ankle less sure of itself. Balance work and strength for the "
        "muscles on the outside of the ankle help it find its footing again."
    ),
    "extension_sensitive_back": (
        "Your back is sore when it arches. We'll keep to positions that round it gently and "
        "leave out anything that arches it until it settles."
    ),
    "flexion_sensitive_back": (
        "Your back is sore when it rounds forward. We'll keep to positions that let it stay "
        "long and leave out anything that rounds it until it settles."
    ),
    "tendon_pain": (
        "A tendon is irritated. Tendons like steady, held work: holds you can feel, that do "
        "not leave the pain worse the next morning."
    ),
}

# The words of a text whose subject is a measured region on its recorded side: the calves'
# text says "Your left calf is tight" when only the left was.
EDUCATION_SUBJECTS = {"calf_tightness": ("calf", "tightness")}
_PRONOUNS = {
    False: {"is": "is", "them": "it", "their": "its", "they have": "it has"},
    True: {"is": "are", "them": "them", "their": "their", "they have": "they have"},
}

# What a `left_bias`/`right_bias` prescription means on a unilateral exercise whose
# catalogue entry does not say.
DEFAULT_BIAS_MEANS = "Start on the biased side and do one set more on it."


def region_words(region: str) -> str:
    return region.replace("_", " ")


# --- the rules table the API docs show ------------------------------------------------------

RULES = (
    ("Findings",
     "The assessment's own findings, plus what its measurements show: an anterior "
     "(posterior) tilt on either side gives `anterior_pelvic_tilt` (`posterior_pelvic_tilt`); "
     "rib flare gives `rib_flare`; vertical or mixed breathing `vertical_breathing`; glute "
     "gripping, overstriding and a cadence under 165 spm their findings; a hip drop "
     "`glute_medius_weakness`; tightness of 4 or more in the hip flexors, calves or plantar "
     "fascia `hip_flexor_tightness`, `calf_tightness` or `plantar_fasciitis`; plantar-fascia "
     "pain of 3 or more `plantar_fasciitis`; Achilles pain or a tendon injury `tendon_pain`; "
     "pain made worse by arching back (bending forward) `extension_sensitive_back` "
     "(`flexion_sensitive_back`); an ankle sprain in the last year `ankle_instability`; a "
     "pelvic symptom or abdominal separation `pelvic_floor_symptoms`. `derived` names the "
     "field each came from."),
    ("Side",
     "The pelvis is biased to a side when the anterior tilt is graded higher on it; else "
     "when the assessment names a one-sided tilt; else when tightness or pain (a pinch is "
     "pain at the front of the hip) around the hips and pelvis is clearly worse on one side "
     "(at least 4, and 2 or more above the other side). With an anterior tilt that side's "
     "tilt-bias finding is added. Without a side for the pelvis, `bias` is the side where "
     "tightness or pain anywhere is clearly worse. `bias_reason` says which rule decided."),
    ("Biased variants",
     "With a bias, an exercise with a variant biased to that side is replaced by the "
     "variant; variants biased the other way are left out."),
    ("Sides of one-leg work",
     "A unilateral exercise is prescribed `left_bias`/`right_bias` when tightness or pain "
     "in its own regions is clearly worse on one side, or, for work around the hips and "
     "pelvis, when the pelvis is biased; otherwise `each`. Never towards a side where a "
     "region it loads hurts (4 or more) or is healing. `side_means` says what the bias means "
     "for that exercise (which leg goes back, which side starts and gets a set more)."),
    ("Safety: red flags",
     "Night pain, numbness or tingling, or pain that spreads: `refer` says to see a "
     "clinician first, and nothing beyond position and breathing is suggested until the "
     "coach records a new assessment."),
    ("Safety: a painful region",
     "A region with pain of 4 or more, or an injury under 6 weeks old (bone stress or a "
     "fracture: 12 weeks), gets nothing that loads it above `low`."),
    ("Safety: impact",
     "Pain of 4 or more anywhere from the lower back down, pain of 2 or more made worse by "
     "impact, running or downhill, swelling, a joint giving way, or such an injury: no "
     "exercise or run with impact above `low`."),
    ("Safety: pelvic health",
     "Leaking, pelvic heaviness, dragging or pain, bleeding, or abdominal separation: no "
     "impact above `low` and nothing that asks for high pressure; breathing and pelvic-floor "
     "work from the first week; `advice` names a pelvic-health physiotherapist."),
    ("Safety: the spine",
     "Pain made worse by arching back (bending forward, twisting): nothing whose `spine` "
     "goes that way."),
    ("Safety: settle first",
     "Tight calves: no jumping or heavy calf work until they settle (their education text "
     "says so). Tightness of 7 or more: no jumping, heavy lowering or end-range loading on "
     "that region."),
    ("Held back",
     "`held_back` lists what the rules left out, each with its `rule` and a `reason` a "
     "client can read (\"Your left knee hurts on stairs (6/10): no hopping or jumping "
     "yet.\"). Pain from the client's check-ins of the last two weeks, when newer than the "
     "assessment, is the latest word on its region and side."),
    ("Order",
     "Groups follow the method: position, breathing, mobility, strength, power, run. Within "
     "a group, exercises answering more findings come first (a side bias counts double), "
     "then by name; the method's basics (a position drill and a breathing drill) are always "
     "there. `why` says in a sentence what the exercise does for these findings. The same "
     "catalogue, assessment and day always give the same answer."),
    ("Draft: phases",
     "A draft of `weeks` weeks and `sessions_per_week` sessions: every session opens with "
     "position and breathing work and keeps the method's order; pelvic-floor work from the "
     "first week when a pelvic symptom calls for it; strength from week 3, or week 4 when "
     "pain is 6 or more (week 1 only in a maintenance block for a runner with nothing to "
     "coach around); impact above `low` only in the last phase, two weeks after strength "
     "starts, and only what the safety rules allow. In the first weeks a position drill "
     "that works the tilt both ways (the whole range) opens every session."),
    ("Draft: sessions",
     "Every session keeps the best pick of each stage; the other places take turns among "
     "the next best, so sessions of a week differ. Each session's notes give the week's "
     "aim."),
    ("Draft: dosage",
     "An exercise starts at its default dosage; each following week its reps, breaths, "
     "holds and durations rise by about 10% (at least one), up to half as much again, and "
     "from its third week it gets one set more (at most 5); a run or a timed drill gets "
     "longer, not more sets."),
    ("Draft: running",
     "Gait findings (overstriding, low cadence) bring low-impact cadence work (a metronome "
     "march or walk) from the first week and run-stage drills with impact in the last "
     "phase; the cadence work's notes name the week's target cadence, rising from 5% to 10% "
     "above the measured one."),
    ("Draft: maintenance",
     "An assessment without findings, pain, symptoms or healing injuries gets a maintenance "
     "block: one position drill, one breathing drill and strength for the hip flexors, "
     "hamstrings, deep core and calves, with the same gentle rise. With pain but no finding "
     "the block is built the same way but strength waits, and its notes say why."),
    ("Education",
     "A shared assessment shows its client a short text for each of its findings "
     "(`education`), naming the side recorded; none promises what the plan does not keep."),
)  # fmt: skip


def rules_table() -> str:
    """The rules as a Markdown table, for the API docs."""
    rows = "\n".join(f"| {name} | {rule} |" for name, rule in RULES)
    return f"| rule | what it says |\n| --- | --- |\n{rows}"


# --- reading an assessment ------------------------------------------------------------------


def _sides(side: str) -> tuple[str, ...]:
    return ("left", "right") if side == "both" else (side,)


def signals(assessment, regions) -> list[dict]:
    """Tightness and pain in ``regions``, one entry per side: ``{region, side, kind,
    value}`` with ``kind`` ``tightness`` or ``pain``."""
    found = []
    for kind, entries, key in (
        ("pain", assessment.pain or [], "score"),
        ("tightness", assessment.tightness or [], "severity"),
    ):
        for entry in entries:
            if entry["region"] in regions:
                found += [
                    {"region": entry["region"], "side": side, "kind": kind, "value": entry[key]}
                    for side in _sides(entry["side"])
                ]
    return found


def worse_side(assessment, regions) -> tuple[str | None, str | None]:
    """The side where tightness or pain in ``regions`` is clearly worse, and why."""
    best: dict[str, Any] = {"left": None, "right": None}
    for signal in signals(assessment, regions):
        current = best[signal["side"]]
        if current is None or signal["value"] > current["value"]:
            best[signal["side"]] = signal
    left = best["left"]["value"] if best["left"] else 0
    right = best["right"]["value"] if best["right"] else 0
    if max(left, right) < TIGHT or abs(left - right) < CLEARLY_WORSE:
        return None, None
    side, other = ("left", right) if left > right else ("right", left)
    worst = best[side]
    feels = "tightness" if worst["kind"] == "tightness" else "pain"
    return side, (
        f"{region_words(worst['region']).capitalize()} {feels} {worst['value']} on the "
        f"{side}, against {other} on the other side"
    )


def _anterior_grade(direction: str | None, grade: int | None) -> int:
    return (grade or 1) if direction == "anterior" else 0


def side_bias(assessment) -> tuple[str | None, str | None, str | None]:
    """The side the pelvis tips forward more on, the reason, and the field that told."""
    left = _anterior_grade(assessment.tilt_left_direction, assessment.tilt_left_grade)
    right = _anterior_grade(assessment.tilt_right_direction, assessment.tilt_right_grade)
    if left != right:
        side = "left" if left > right else "right"
        high, low = max(left, right), min(left, right)
        why = f"The pelvis tips forward more on the {side}: graded {high} against {low}."
        return side, why, "pelvic_tilt"
    for side, finding in BIAS_FINDINGS.items():
        if finding in assessment.findings:
            return side, f"The assessment names a tilt stronger on the {side}.", "findings"
    worse, reason = worse_side(assessment, PELVIC_REGIONS)
    if worse:
        reason = (
            f"{reason}: one-sided tightness or a pinch means the tilt is stronger on the {worse}."
        )
        return worse, reason, "tightness and pain"
    return None, None, None


class Reading(NamedTuple):
    """What an assessment says to the method."""

    findings: list[str]  # stated, then derived
    derived: list[dict]  # [{finding, from}]
    bias: str | None  # the side that gets more work
    bias_reason: str | None
    pelvic_bias: str | None  # the side the pelvis tips forward more on, if that decided


def derive(assessment) -> Reading:
    """The findings, what each derived one came from, and the side bias with its reason
    (rules "Findings" and "Side")."""
    derived: list[dict] = []

    def found(finding: str, source: str) -> None:
        if finding not in [d["finding"] for d in derived]:
            derived.append({"finding": finding, "from": source})

    tilt_sides = {side: getattr(assessment, f"tilt_{side}_direction") for side in ("left", "right")}
    for direction in ("anterior", "posterior"):
        for side, seen in tilt_sides.items():
            if seen == direction:
                found(f"{direction}_pelvic_tilt", f"pelvic_tilt.{side}.direction")
    bias, reason, source = side_bias(assessment)
    if bias and source and source != "findings" and "anterior" in tilt_sides.values():
        found(BIAS_FINDINGS[bias], source)
    if assessment.rib_flare not in (None, "none"):
        found("rib_flare", "rib_flare")
    if assessment.breathing_pattern in ("vertical", "mixed"):
        found("vertical_breathing", "breathing_pattern")
    if assessment.glute_gripping:
        found("glute_gripping", "glute_gripping")
    if assessment.gait_overstride:
        found("overstriding", "gait.overstride")
    if assessment.gait_cadence_spm is not None and assessment.gait_cadence_spm < LOW_CADENCE_SPM:
        found("low_cadence", "gait.cadence_spm")
    for tight in assessment.tightness or []:
        if tight["severity"] >= TIGHT and tight["region"] in TIGHTNESS_FINDINGS:
            found(
                TIGHTNESS_FINDINGS[tight["region"]], f"tightness.{tight['region']}.{tight['side']}"
            )
    for pain in assessment.pain or []:
        where = f"pain.{pain['region']}.{pain['side']}"
        if pain["score"] >= PAIN_FINDING and pain["region"] in PAIN_FINDINGS:
            found(PAIN_FINDINGS[pain["region"]], where)
        for direction, finding in SPINE_FINDINGS.items():
            if pain["score"] > 0 and direction in (pain.get("aggravated_by") or ()):
                found(finding, f"{where}.aggravated_by")
    if getattr(assessment, "gait_hip_drop", None) not in (None, "none"):
        found("glute_medius_weakness", "gait.hip_drop")
    for injury in getattr(assessment, "injuries", None) or []:
        if (assessment.assessed_on - date.fromisoformat(injury["on"])).days > INJURY_FINDING_DAYS:
            continue
        for (kind, region), finding in INJURY_FINDINGS.items():
            if injury["kind"] == kind and region in (None, injury["region"]):
                found(finding, f"injuries.{injury['region']}.{injury['side']}")
    pelvic = [s for s in getattr(assessment, "symptoms", None) or () if s in PELVIC_HEALTH]
    if pelvic:
        found("pelvic_floor_symptoms", f"symptoms.{pelvic[0]}")
    stated = list(assessment.findings or [])
    findings = list(dict.fromkeys(stated + [d["finding"] for d in derived]))
    if bias and BIAS_FINDINGS[bias] in findings and "anterior_pelvic_tilt" not in findings:
        findings.append("anterior_pelvic_tilt")  # a one-sided tilt is still a tilt
    if bias:
        return Reading(findings, derived, bias, reason, bias)
    # Elsewhere in the body, a clearly worse side still gets more of the one-leg work.
    worse, why = worse_side(assessment, set(REGIONS))
    if worse:
        why = f"{why}: one-leg work there starts on the {worse} and gets a set more."
    return Reading(findings, derived, worse, why, None)


def exercise_side(
    laterality: str,
    side_bias_of_exercise,
    regions,
    bias_means: str,
    assessment,
    pelvic_bias,
    avoid=(),
) -> tuple[str, str | None, str | None]:
    """The prescription side of an exercise, why, and what the bias means on it (rule
    "Sides of one-leg work"); never a bias towards a side in ``avoid`` (where a region
    it loads hurts or heals)."""
    if side_bias_of_exercise:
        return f"{side_bias_of_exercise}_bias", None, None
    if laterality != "unilateral":
        return "both", None, None
    means = bias_means or DEFAULT_BIAS_MEANS
    side, why = worse_side(assessment, set(regions))
    if side and side not in avoid:
        return f"{side}_bias", f"{why}.", means
    if pelvic_bias and pelvic_bias not in avoid and set(regions) & set(PELVIC_REGIONS):
        why = f"The pelvis tips forward more on the {pelvic_bias}."
        return f"{pelvic_bias}_bias", why, means
    return "each", None, None


def why(stage: str, answers: list[str]) -> str:
    """A sentence in a coach's words: what the exercise does for these findings."""
    aims = [AIMS[finding] for finding in answers if finding in AIMS]
    if not aims:
        return f"{STAGE_LEADS[stage]}: part of the method's basics."
    said = aims[0] if len(aims) == 1 else ", ".join(aims[:-1]) + " and " + aims[-1]
    return f"{STAGE_LEADS[stage]}: it {said}."


def education(assessment) -> list[dict]:
    """A short text for the client about each of the assessment's findings, naming the
    side recorded where the text is about one measured region."""
    findings = derive(assessment).findings
    return [
        {"finding": finding, "text": _educate(finding, assessment)}
        for finding in findings
        if finding in EDUCATION
    ]


def _educate(finding: str, assessment) -> str:
    text = EDUCATION[finding]
    if finding not in EDUCATION_SUBJECTS:
        return text
    region, measure = EDUCATION_SUBJECTS[finding]
    sides = {
        side
        for entry in getattr(assessment, measure, None) or ()
        if entry["region"] == region and entry["severity"] >= TIGHT
        for side in ("left", "right")
        if entry["side"] in (side, "both")
    }
    side = sides.pop() if len(sides) == 1 else "both"
    part, plural = body_part(region, side)
    if side == "both":
        part, plural = "your calves", True
    words = {"Part": part[:1].upper() + part[1:], **_PRONOUNS[plural]}
    return text.format(**words)


# The method's basics, which every answer holds: the finding whose drills stand in for a
# stage that nothing else fills. A basic position drill suits a pelvis that tips forward
# and one that tucks under alike: it works the pelvis both ways (first choice), or it
# works on neither (a foot or balance position).
BASIC_STAGES = ("position", "breathing")
WHOLE_RANGE = {"anterior_pelvic_tilt", "posterior_pelvic_tilt"}
TILTS = {*WHOLE_RANGE, "left_anterior_tilt_bias", "right_anterior_tilt_bias"}


def basic_rank(stage: str, addresses) -> int | None:
    """Where an exercise stands among the method's basic drills (0 first), or None when
    it is not one."""
    if stage == "breathing":
        return 0 if "vertical_breathing" in addresses else None
    if stage != "position":
        return None
    if set(addresses) >= WHOLE_RANGE:
        return 0
    return 1 if not set(addresses) & TILTS else None


# --- drafts -------------------------------------------------------------------------------

# Places per stage in a session of each phase (rule "Draft: phases").
FIRST_PHASE = {"position": 2, "breathing": 2, "mobility": 1, "run": 2}
STRENGTH_PHASE = {"position": 1, "breathing": 1, "mobility": 1, "strength": 3, "power": 1,
                  "run": 2}  # fmt: skip
# What a maintenance block keeps in shape when the assessment found nothing: one strength
# exercise for each of the areas named last.
MAINTENANCE_AREAS = (
    "hip_flexor_weakness", "proximal_hamstring_weakness", "deep_core_weakness",
    "calf_tightness",
)  # fmt: skip
MAINTENANCE_FINDINGS = ("anterior_pelvic_tilt", "vertical_breathing", *MAINTENANCE_AREAS)
MAINTENANCE = {"position": 1, "breathing": 1, "strength": len(MAINTENANCE_AREAS)}
# Training days of a week, by sessions per week: spread out, rest days between.
DAYS = {1: (1,), 2: (1, 4), 3: (1, 3, 5), 4: (1, 2, 4, 6), 5: (1, 2, 3, 5, 6),
        6: (1, 2, 3, 4, 5, 6), 7: (1, 2, 3, 4, 5, 6, 7)}  # fmt: skip
MAX_SETS = 5


def strength_from(picture) -> tuple[int, Pain | None]:
    """The week strength starts, and the worst pain when it starts late."""
    worst = max(picture.pains, key=lambda p: p.score, default=None)
    if worst is not None and worst.score >= HIGH_PAIN:
        return STRENGTH_FROM_WEEK + 1, worst
    return STRENGTH_FROM_WEEK, None


def impact_from(first_strength_week: int) -> int:
    """The first week of a draft's last phase, when impact may come in."""
    return first_strength_week + IMPACT_AFTER_STRENGTH_WEEKS


def places(week: int, first_strength_week: int, maintenance: bool, gait: bool, refer: bool) -> dict:
    """How many exercises of each stage a session of this week holds."""
    if refer:
        plan = {"position": 2, "breathing": 2}
    elif maintenance:
        plan = dict(MAINTENANCE)
    elif week < first_strength_week:
        plan = dict(FIRST_PHASE)
    else:
        plan = dict(STRENGTH_PHASE)
        if week < impact_from(first_strength_week):
            plan.pop("power")
    if not gait:
        plan.pop("run", None)
    return plan


def dose(dosage: dict, weeks_in: int) -> dict:
    """The dosage of an exercise in its ``weeks_in``-th week (0: the default; rule
    "Draft: dosage")."""
    dosed = {}
    # A run or a timed drill gets longer, not more sets.
    counted = any(dosage.get(f) for f in ("reps", "breaths", "hold_seconds"))
    for field, value in dosage.items():
        if value is None:
            continue
        if field == "sets":
            more = counted and weeks_in >= 2
            dosed[field] = min(MAX_SETS, value + 1) if more and value < MAX_SETS else value
        else:
            step = max(1, round(value * 0.1))
            dosed[field] = min(value + step * weeks_in, max(value + step, ceil(value * 1.5)))
    return dosed


def cadence_note(measured: int | None, week: int, weeks: int) -> str:
    """The note of a week's cadence work, naming its target (rule "Draft: running")."""
    low, high = CADENCE_RISE
    rise = low if weeks == 1 else low + (high - low) * (week - 1) / (weeks - 1)
    if not measured:
        return (
            f"Cadence: step to a metronome about {round(rise * 100)}% above your usual step "
            "rate; keep the effort easy."
        )
    target = round(measured * (1 + rise))
    aim = f"{round(measured * (1 + low))}-{round(measured * (1 + high))}"
    return (
        f"Cadence target {target} spm this week (measured {measured}; the block aims for "
        f"{aim} spm, 5-10% above). Step to the metronome's beat; keep the effort easy."
    )


# What the first weeks work on, by finding (rule "Draft: sessions").
FIRST_WEEKS_FOCUS = (
    ({"anterior_pelvic_tilt", "posterior_pelvic_tilt", "glute_gripping",
      "left_anterior_tilt_bias", "right_anterior_tilt_bias"},
     "move the pelvis towards neutral with the hamstrings, glutes soft"),
    ({"rib_flare", "vertical_breathing"}, "breathe out fully and let the ribs drop"),
    ({"hip_flexor_tightness", "limited_hip_extension"}, "open the front of the hip"),
    ({"calf_tightness", "plantar_fasciitis", "limited_ankle_dorsiflexion"},
     "calm, regular foot and calf work, with nothing that hurts more the next morning"),
    ({"overstriding", "low_cadence"}, "land under the body at a slightly quicker step"),
    ({"pelvic_floor_symptoms"}, "let the breath and the pelvic floor work together"),
    ({"extension_sensitive_back", "flexion_sensitive_back"},
     "keep the back in the positions it is comfortable in"),
    ({"ankle_instability"}, "steady the ankle on one leg"),
    ({"tendon_pain"}, "steady holds that leave the tendon calm the next morning"),
)  # fmt: skip
STAGE_TITLES = {
    "position": "position",
    "breathing": "breathing",
    "mobility": "mobility",
    "strength": "strength",
    "power": "power",
    "run": "running drills",
}


def session_title(stages) -> str:
    """A session's title: its stages in the method's order."""
    present = set(stages)
    words = [STAGE_TITLES[stage] for stage in STAGE_TITLES if stage in present]
    said = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return said[:1].upper() + said[1:] if words else "Rest"


def week_notes(
    week: int,
    weeks: int,
    first_strength_week: int,
    has_strength: bool,
    maintenance: bool,
    late_for_pain: Pain | None,
    findings,
    refer: bool = False,
) -> str:
    """A session's notes: the week's aim (rule "Draft: sessions")."""
    lead = f"Week {week} of {weeks}:"
    if refer:
        return (
            f"{lead} position and breathing only, until a clinician has had a look and your "
            "coach has reassessed you."
        )
    if maintenance:
        return (
            f"{lead} keep it. The assessment found nothing to fix, so the basics stay in shape: "
            "position, breathing, then strength, a little more each week."
        )
    if week < first_strength_week:
        focus = [aim for answered, aim in FIRST_WEEKS_FOCUS if answered & set(findings)]
        notes = (
            f"{lead} lay the groundwork: "
            + ("; ".join(focus) if focus else "find the position and the breath")
            + ". Nothing gets harder until this feels easy."
        )
        if has_strength and first_strength_week <= weeks:
            notes += f" Strength starts in week {first_strength_week}."
        if late_for_pain is not None and has_strength:
            notes += f" It waits a week longer because {pain_words(late_for_pain)}."
        return notes
    if week == first_strength_week and has_strength:
        return (
            f"{lead} strength begins. Keep the work of the first weeks, then build strength "
            "on top of it."
        )
    return f"{lead} build. A little more each week; the first weeks' work still comes first."
