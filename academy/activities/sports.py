"""What sport an activity was, from whatever the file calls it, and whether it is a run.

FIT files name a sport and a sub-sport by number (the FIT profile's ``sport`` and
``sub_sport`` types); GPX files a track's ``<type>`` in words of the exporting app's
own (Garmin Connect writes the FIT names, ``running`` or ``road_biking``; Strava writes
words, ``Run``, ``Ride``, or its own numbers, ``9`` for a run and ``1`` for a ride;
other apps write ``Run``, ``Biking``, ``hike``); TCX files an ``Activity``'s
``Sport`` attribute (``Running``, ``Biking``, ``Other``). Each comes to one word of
``academy.vocabularies.ACTIVITY_SPORTS``; a name that is none of these, or no name at
all, is ``other``, which is cross-training: a file is a run only when it says so.
"""

import re

from academy.vocabularies import RUNNING_SPORTS

OTHER = "other"
# Sports on foot: a watch counts one foot's strides, and Academy steps (both feet).
ON_FOOT = frozenset({*RUNNING_SPORTS, "walking", "hiking"})
# FIT's ``sport`` 3: the time between two legs of a multisport file, not a leg.
FIT_TRANSITION = 3

# FIT ``sport`` numbers that are one sport whatever their sub-sport.
_FIT_SPORTS = {
    1: "running",
    2: "cycling",
    5: "swimming",
    11: "walking",
    15: "rowing",
    16: "hiking",  # mountaineering
    17: "hiking",
    21: "cycling",  # e-biking
}
# FIT ``sub_sport`` numbers that name the sport themselves, under the sport they go with
# (None: under any sport).
_FIT_SUB_SPORTS = {
    (1, 1): "treadmill_running",
    (1, 45): "treadmill_running",  # indoor running
    (1, 3): "trail_running",
    (1, 4): "track_running",
    (1, 58): "treadmill_running",  # a virtual run: on a treadmill
    (4, 1): "treadmill_running",  # fitness equipment: a treadmill
    (4, 5): "cycling",  # spin
    (4, 6): "cycling",  # indoor cycling
    (4, 14): "rowing",  # indoor rowing
    (4, 20): "strength",
    (10, 20): "strength",  # training: strength training
}

# Words of GPX ``<type>`` and TCX ``Sport``, lower case with every separator dropped.
_NAMES = {
    "running": "running",
    "run": "running",
    "roadrunning": "running",
    "streetrunning": "running",
    "jogging": "running",
    "9": "running",  # Strava's number for a run
    "trailrunning": "trail_running",
    "trailrun": "trail_running",
    "treadmillrunning": "treadmill_running",
    "treadmill": "treadmill_running",
    "indoorrunning": "treadmill_running",
    "indoorrun": "treadmill_running",
    "virtualrun": "treadmill_running",
    "trackrunning": "track_running",
    "trackrun": "track_running",
    "walking": "walking",
    "walk": "walking",
    "casualwalking": "walking",
    "speedwalking": "walking",
    "indoorwalking": "walking",
    "10": "walking",  # Strava
    "hiking": "hiking",
    "hike": "hiking",
    "mountaineering": "hiking",
    "4": "hiking",  # Strava
    "cycling": "cycling",
    "biking": "cycling",
    "bike": "cycling",
    "ride": "cycling",
    "roadbiking": "cycling",
    "roadcycling": "cycling",
    "mountainbiking": "cycling",
    "mtb": "cycling",
    "gravelcycling": "cycling",
    "gravelride": "cycling",
    "indoorcycling": "cycling",
    "virtualride": "cycling",
    "ebikeride": "cycling",
    "ebiking": "cycling",
    "cyclocross": "cycling",
    "trackcycling": "cycling",
    "spinning": "cycling",
    "1": "cycling",  # Strava
    "swimming": "swimming",
    "swim": "swimming",
    "lapswimming": "swimming",
    "poolswimming": "swimming",
    "openwaterswimming": "swimming",
    "openwater": "swimming",
    "16": "swimming",  # Strava
    "rowing": "rowing",
    "row": "rowing",
    "indoorrowing": "rowing",
    "strength": "strength",
    "strengthtraining": "strength",
    "weighttraining": "strength",
    "weights": "strength",
}
_SEPARATORS = re.compile(r"[\s_\-./]+")


def from_fit(sport: int | None, sub_sport: int | None) -> str:
    """The sport of FIT's ``sport`` and ``sub_sport`` numbers (None when absent)."""
    if sport is None:
        return OTHER
    named = _FIT_SUB_SPORTS.get((sport, sub_sport)) if sub_sport is not None else None
    return named or _FIT_SPORTS.get(sport, OTHER)


def from_name(name: str | None) -> str:
    """The sport a GPX ``<type>`` or a TCX ``Sport`` names (``other`` for none)."""
    if not name:
        return OTHER
    return _NAMES.get(_SEPARATORS.sub("", name.strip().lower())[:40], OTHER)


def is_transition(name: str) -> bool:
    """Whether a GPX track's ``<type>`` names the time between two legs."""
    return _SEPARATORS.sub("", name.strip().lower()) == "transition"


def kind_of(sport: str) -> str:
    """``run`` for the running sports, ``cross_training`` for the rest."""
    return "run" if sport in RUNNING_SPORTS else "cross_training"
