"""Every controlled word list of Academy, in one place.

Schemas validate against these lists, the catalogue data file is checked against
them, and ``GET /api/v1/vocabularies`` serves them so that apps can build pickers.
Each list is ordered as a picker should show it.
"""

from zoneinfo import available_timezones

CATEGORIES = (
    "pelvic_position",
    "breathing",
    "deep_core",
    "hip_flexors",
    "hamstrings",
    "glutes",
    "feet",
    "calves",
    "mobility",
    "running_drills",
    "plyometrics",
    "pelvic_floor",
)

REGIONS = (
    "foot",
    "plantar_fascia",
    "ankle",
    "achilles",
    "calf",
    "shin",
    "knee",
    "quadriceps",
    "hamstrings",
    "proximal_hamstrings",
    "adductors",
    "hip_flexors",
    "glutes",
    "hip",
    "pelvis",
    "pelvic_floor",
    "lower_back",
    "deep_core",
    "diaphragm",
    "ribs",
    "thoracic_spine",
    "shoulders",
    "neck",
)

FINDINGS = (
    "anterior_pelvic_tilt",
    "posterior_pelvic_tilt",
    "left_anterior_tilt_bias",
    "right_anterior_tilt_bias",
    "rib_flare",
    "vertical_breathing",
    "glute_gripping",
    "hip_flexor_tightness",
    "hip_flexor_weakness",
    "proximal_hamstring_weakness",
    "glute_medius_weakness",
    "deep_core_weakness",
    "limited_hip_extension",
    "limited_ankle_dorsiflexion",
    "calf_tightness",
    "plantar_fasciitis",
    "overstriding",
    "low_cadence",
    # What the assessment's pain, symptoms and injuries show (derived, or stated by the
    # coach): they bring the work that answers them.
    "pelvic_floor_symptoms",
    "ankle_instability",
    "extension_sensitive_back",
    "flexion_sensitive_back",
    "tendon_pain",
)

# What makes an exercise unsafe near pain or marked tightness: the suggestions hold an
# exercise back when one of its precautions meets them (``academy.assessments.method``).
PRECAUTIONS = ("impact", "plyometric", "running", "heavy_eccentric", "end_range_load")

# What an exercise asks of the body, typed for every exercise so that the safety rules
# (``academy.assessments.safety``) can read it: how hard it lands, how much it loads each
# region, the trunk position it takes towards end range, the intra-abdominal pressure it
# asks for.
IMPACT_LEVELS = ("none", "low", "moderate", "high")
LOAD_LEVELS = ("low", "moderate", "high")
SPINE_POSITIONS = ("neutral", "extension", "flexion", "rotation")
PRESSURE_LEVELS = ("low", "moderate", "high")

# What an assessment records beyond posture: what makes a pain worse, symptoms, injuries.
AGGRAVATORS = (
    "extension",
    "flexion",
    "rotation",
    "impact",
    "running",
    "downhill",
    "stairs",
    "single_leg",
    "loading",
    "sitting",
    "standing",
    "first_steps",
)
SYMPTOMS = (
    "leaking",
    "pelvic_heaviness",
    "pelvic_dragging",
    "pelvic_pain",
    "bleeding",
    "abdominal_separation",
    "swelling",
    "giving_way",
    "numbness_or_tingling",
    "night_pain",
    "radiating_pain",
)
# The symptoms of the pelvic floor, and those that send a client to a clinician first.
PELVIC_SYMPTOMS = ("leaking", "pelvic_heaviness", "pelvic_dragging", "pelvic_pain", "bleeding")
RED_FLAGS = ("night_pain", "numbness_or_tingling", "radiating_pain")
INJURY_KINDS = ("sprain", "strain", "tendinopathy", "bone_stress", "fracture", "surgery", "other")
HIP_DROP = ("none", "left", "right", "both")
# The method's safety rules, by name, as answers name the rule that holds work back.
SAFETY_RULES = ("red_flag", "painful_region", "no_impact", "pelvic_health", "spine", "settle_first")

# The method's order: find position, then breathing, then build strength and speed.
STAGES = ("position", "breathing", "mobility", "strength", "power", "run")

LATERALITY = ("bilateral", "unilateral", "asymmetric")

# Which side a prescribed item works, or which side an asymmetric variant favours.
SIDES = ("both", "left", "right", "each", "left_bias", "right_bias")

# Where a client feels something: a rating or a tightness is on one side or both.
BODY_SIDES = ("left", "right", "both")

# The side an asymmetric exercise variant biases towards.
SIDE_BIASES = ("left", "right")

TILT_DIRECTIONS = ("anterior", "neutral", "posterior")
RIB_FLARE = ("none", "mild", "moderate", "marked")
BREATHING_PATTERNS = ("diaphragmatic", "vertical", "mixed")

# Numeric scales as (minimum, maximum), both inclusive.
TILT_GRADE = (0, 3)
SEVERITY = (0, 10)
TIGHTNESS = (0, 10)
PAIN = (0, 10)
RPE = (1, 10)
WELLNESS = (1, 5)

USER_ROLES = ("owner", "coach", "client")
CLIENT_STATUSES = ("active", "archived")
ASSIGNMENT_STATUSES = ("active", "paused", "completed", "cancelled")
SESSION_STATUSES = ("done", "missed", "today", "upcoming")

# Running: what a program item is (an exercise, or a run), a run's type and its steps' kinds.
ITEM_KINDS = ("exercise", "run")
# What an item is when it does not say.
DEFAULT_ITEM_KIND = "exercise"
RUN_TYPES = ("easy", "long", "tempo", "intervals", "hills", "strides", "recovery", "race")
STEP_KINDS = ("warmup", "work", "recover", "cooldown", "repeat")
HR_ZONE = (1, 5)
# The activity files a client uploads from their watch.
ACTIVITY_FORMATS = ("fit", "gpx", "tcx")
# What an exercise's media or a check-in's form-check video is.
MEDIA_KINDS = ("image", "video")
# What an activity was, whatever the watch called it (``academy.activities.sports``).
ACTIVITY_SPORTS = (
    "running",
    "trail_running",
    "treadmill_running",
    "track_running",
    "walking",
    "hiking",
    "cycling",
    "swimming",
    "rowing",
    "strength",
    "other",
)
# The sports that are a run: their distance is running distance.
RUNNING_SPORTS = ("running", "trail_running", "treadmill_running", "track_running")
# A run, or cross-training: anything else, kept apart from running distance.
ACTIVITY_KINDS = ("run", "cross_training")


# Every IANA time zone name the server knows, for a person's `timezone`.
TIMEZONES = tuple(sorted(available_timezones()))


def as_document() -> dict:
    """The vocabularies as served by ``GET /vocabularies``."""

    def scale(bounds):
        return {"min": bounds[0], "max": bounds[1]}

    return {
        "categories": list(CATEGORIES),
        "regions": list(REGIONS),
        "findings": list(FINDINGS),
        "stages": list(STAGES),
        "laterality": list(LATERALITY),
        "sides": list(SIDES),
        "body_sides": list(BODY_SIDES),
        "side_biases": list(SIDE_BIASES),
        "precautions": list(PRECAUTIONS),
        "exercise": {
            "impact": list(IMPACT_LEVELS),
            "load_levels": list(LOAD_LEVELS),
            "spine": list(SPINE_POSITIONS),
            "pressure": list(PRESSURE_LEVELS),
        },
        "assessment": {
            "tilt_directions": list(TILT_DIRECTIONS),
            "tilt_grade": scale(TILT_GRADE),
            "rib_flare": list(RIB_FLARE),
            "breathing_patterns": list(BREATHING_PATTERNS),
            "severity": scale(SEVERITY),
            "pain": scale(PAIN),
            "aggravators": list(AGGRAVATORS),
            "symptoms": list(SYMPTOMS),
            "pelvic_symptoms": list(PELVIC_SYMPTOMS),
            "red_flags": list(RED_FLAGS),
            "injury_kinds": list(INJURY_KINDS),
            "hip_drop": list(HIP_DROP),
            "safety_rules": list(SAFETY_RULES),
        },
        "check_in": {
            "tightness": scale(TIGHTNESS),
            "pain": scale(PAIN),
            "rpe": scale(RPE),
            "wellness": scale(WELLNESS),
        },
        "assignment_statuses": list(ASSIGNMENT_STATUSES),
        "session_statuses": list(SESSION_STATUSES),
        "run": {
            "item_kinds": list(ITEM_KINDS),
            "run_types": list(RUN_TYPES),
            "step_kinds": list(STEP_KINDS),
            "hr_zone": scale(HR_ZONE),
            "activity_formats": list(ACTIVITY_FORMATS),
            "activity_sports": list(ACTIVITY_SPORTS),
            "activity_kinds": list(ACTIVITY_KINDS),
        },
        "timezones": list(TIMEZONES),
    }
