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
)

# What makes an exercise unsafe near pain or marked tightness: the suggestions hold an
# exercise back when one of its precautions meets them (``academy.assessments.method``).
PRECAUTIONS = ("impact", "plyometric", "running", "heavy_eccentric", "end_range_load")

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

# Running (DESIGN §6.6): what a program item is, a run's type and its steps' kinds.
ITEM_KINDS = ("exercise", "run")
# What an item is when it does not say.
DEFAULT_ITEM_KIND = "exercise"
RUN_TYPES = ("easy", "long", "tempo", "intervals", "hills", "strides", "recovery", "race")
STEP_KINDS = ("warmup", "work", "recover", "cooldown", "repeat")
HR_ZONE = (1, 5)
# The activity files a client uploads from their watch.
ACTIVITY_FORMATS = ("fit", "gpx", "tcx")


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
        "assessment": {
            "tilt_directions": list(TILT_DIRECTIONS),
            "tilt_grade": scale(TILT_GRADE),
            "rib_flare": list(RIB_FLARE),
            "breathing_patterns": list(BREATHING_PATTERNS),
            "severity": scale(SEVERITY),
            "pain": scale(PAIN),
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
        },
        "timezones": list(TIMEZONES),
    }
