"""Run items: a run's planned distance and duration, worked out from its steps.

A step gives a duration, a distance or both. What it leaves out follows from its pace
target when it has one (the middle of the pace range); otherwise the run's planned
figure is unknown (null). A repeat counts its steps ``repeat`` times.
"""


def _pace(step: dict) -> float | None:
    pace = (step.get("target") or {}).get("pace_s_per_km")
    return (pace[0] + pace[1]) / 2 if pace else None


def _step(step: dict) -> tuple[float | None, float | None]:
    """(metres, seconds) of one step, either None when it cannot be known."""
    if step["kind"] == "repeat":
        inner = [_step(s) for s in step["steps"]]
        total_metres, total_seconds = _sum([m for m, _ in inner]), _sum([s for _, s in inner])
        return (
            None if total_metres is None else step["repeat"] * total_metres,
            None if total_seconds is None else step["repeat"] * total_seconds,
        )
    metres, seconds, pace = step.get("distance_m"), step.get("duration_seconds"), _pace(step)
    if metres is None and seconds is not None and pace:
        metres = seconds / pace * 1000
    if seconds is None and metres is not None and pace:
        seconds = metres / 1000 * pace
    return metres, seconds


def planned(run: dict | None) -> tuple[int | None, int | None]:
    """(planned_distance_m, planned_duration_seconds) of a run; (None, None) for none."""
    if not run:
        return None, None
    steps = [_step(step) for step in run["steps"]]
    metres, seconds = _sum([m for m, _ in steps]), _sum([s for _, s in steps])
    return (
        None if metres is None else round(metres),
        None if seconds is None else round(seconds),
    )


def _sum(values: list[float | None]) -> float | None:
    """The sum of ``values``; None when any of them cannot be known."""
    known = [value for value in values if value is not None]
    return sum(known) if len(known) == len(values) else None
