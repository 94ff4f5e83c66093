"""What an exercise asks of the body, and how an exercise that does not say is typed.

Every exercise is typed, so that the method's safety rules can read it:

- ``impact``: how hard it lands (none; low: walking, marching; moderate: running,
  skipping; high: hops, bounds, jumps, sprints);
- ``loads``: each region it loads, once, with how much (low, moderate, high);
- ``spine``: the trunk position it takes towards end range (neutral, extension,
  flexion, rotation);
- ``pressure``: the intra-abdominal pressure it asks for (low, moderate, high).

The global catalogue states all four for every exercise. A coach's own exercise that
leaves one out gets it conservatively:

- impact: the highest of what its name says (``NAMED_IMPACT``), ``high`` for the
  ``power`` stage or the precautions ``impact`` or ``plyometric``, ``moderate`` for
  the ``run`` stage, else ``none``;
- loads: each of its regions at ``moderate`` (a region of ``regions`` that ``loads``
  leaves out is added at ``moderate`` too, so that every region it works is loaded);
- spine ``neutral``; pressure ``moderate``.

Whatever is stated, an exercise's impact is never below what its name says: a "Box
Jump" lands hard, whatever its impact claims.
"""

import re

from academy.vocabularies import IMPACT_LEVELS

# What the words of an exercise's name say about its impact (whole words, any case; each
# word with its -s and -ing forms, so that "Bounding" lands as hard as "Bounds").
NAMED_IMPACT = {
    "high": ("hop", "hops", "hopping", "jump", "jumps", "jumping", "bound", "bounds",
             "bounding", "sprint", "sprints", "sprinting", "stride", "strides", "striding",
             "plyo", "plyos"),
    "moderate": ("skip", "skips", "skipping", "run", "runs", "running", "jog", "jogs",
                 "jogging"),
    "low": ("march", "marches", "marching", "walk", "walks", "walking"),
}  # fmt: skip
NAME_WORDS = {word: impact for impact, words in NAMED_IMPACT.items() for word in words}

DEFAULT_LOAD_LEVEL = "moderate"
DEFAULT_SPINE = "neutral"
DEFAULT_PRESSURE = "moderate"

# Precautions and stages that say an exercise lands.
_HIGH_PRECAUTIONS = {"impact", "plyometric"}
_STAGE_IMPACT = {"power": "high", "run": "moderate"}

_WORDS = re.compile(r"[^\W_]+")


def _rank(impact: str | None) -> int:
    return IMPACT_LEVELS.index(impact) if impact else -1


def _highest(*impacts: str | None) -> str | None:
    return max(impacts, key=_rank, default=None)


def _stage_impact(stage: str | None) -> str | None:
    return _STAGE_IMPACT.get(stage) if stage else None


def impact_named(name: str) -> str | None:
    """The impact that ``name`` says (the highest of its words'), or None if it says
    nothing: "Walk-Run Intervals" says ``moderate``, "Hamstring Walkouts" nothing."""
    return _highest(*(NAME_WORDS.get(word) for word in _WORDS.findall(name.lower())))


def default_impact(name: str, stage: str | None, precautions) -> str:
    """The impact of an exercise that does not state one."""
    from_precautions = "high" if _HIGH_PRECAUTIONS & set(precautions or ()) else None
    return _highest(impact_named(name), _stage_impact(stage), from_precautions) or "none"


def complete_loads(loads, regions) -> list[dict]:
    """``loads`` with every region of ``regions`` it leaves out added at ``moderate``."""
    loads = [dict(load) for load in loads or ()]
    named = {load["region"] for load in loads}
    return loads + [
        {"region": region, "level": DEFAULT_LOAD_LEVEL} for region in regions if region not in named
    ]


def impact_below_name(name: str, impact: str) -> str | None:
    """Why ``impact`` is too low for an exercise called ``name``, or None if it is not."""
    said = impact_named(name)
    if _rank(impact) >= _rank(said):
        return None
    return f'The name "{name}" says its impact is at least {said}.'


def fill_in(exercise) -> None:
    """Type ``exercise`` where it does not say, by the rule above (its name, stage,
    precautions and regions already set)."""
    if exercise.impact is None:
        exercise.impact = default_impact(exercise.name, exercise.stage, exercise.precautions)
    exercise.loads = complete_loads(exercise.loads, exercise.regions)
    if exercise.spine is None:
        exercise.spine = DEFAULT_SPINE
    if exercise.pressure is None:
        exercise.pressure = DEFAULT_PRESSURE
