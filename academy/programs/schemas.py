"""Request and response bodies of programs and assignments."""

from typing import Any

from marshmallow import ValidationError, fields, post_load, pre_load, validate, validates_schema

from academy.common.schemas import (
    BaseSchema,
    Boolean,
    Date,
    Id,
    Integer,
    Name,
    QuerySchema,
    Text,
    UpdateSchema,
    UTCDateTime,
    Word,
)
from academy.programs.models import PROGRAM_KINDS
from academy.vocabularies import (
    ASSIGNMENT_STATUSES,
    DEFAULT_ITEM_KIND,
    HR_ZONE,
    ITEM_KINDS,
    RPE,
    RUN_TYPES,
    SAFETY_RULES,
    SIDES,
    STAGES,
    STEP_KINDS,
)

# The bounds of one program, so that writing or copying one is bounded work. Each
# (week, day) holds one session, so a week has at most 7 sessions.
MAX_WEEKS = 52
MAX_ITEMS_PER_SESSION = 40
MAX_ITEMS = 2000


def _amount(maximum: int = 100_000):
    return Integer(allow_none=True, validate=validate.Range(min=0, max=maximum))


# A run's bounds: steps of a run, steps of a repeat, and how often a repeat repeats.
MAX_STEPS = 20
MAX_REPEAT = 100


class RunTargetSchema(BaseSchema):
    pace_s_per_km = fields.List(
        Integer(validate=validate.Range(min=120, max=1200)),
        validate=validate.Length(equal=2),
        metadata={
            "description": "[fastest, slowest] pace in seconds per kilometre (the two are "
            "stored in that order whichever comes first)."
        },
    )
    hr_zone = Integer(validate=validate.Range(min=HR_ZONE[0], max=HR_ZONE[1]))
    rpe = Integer(validate=validate.Range(min=RPE[0], max=RPE[1]))
    cadence_spm = Integer(validate=validate.Range(min=100, max=250))

    @post_load
    def pace_is_a_range(self, data, **kwargs):
        """A range is the same range whichever end comes first (no schema can say
        "the first no more than the second"), so it is put in order, not refused."""
        if "pace_s_per_km" in data:
            data["pace_s_per_km"] = sorted(data["pace_s_per_km"])
        return data


# What a step measures: its duration, its distance or both.
_MEASURED: dict[str, Any] = {
    "anyOf": [{"required": ["duration_seconds"]}, {"required": ["distance_m"]}]
}


class RunSubStepSchema(BaseSchema):
    """A step of a repeat: warm-up, work, recovery or cool-down by duration and/or
    distance."""

    OPENAPI = _MEASURED

    kind = Word([k for k in STEP_KINDS if k != "repeat"], required=True)
    duration_seconds = Integer(validate=validate.Range(min=1, max=86_400))
    distance_m = Integer(validate=validate.Range(min=1, max=500_000))
    target = fields.Nested(RunTargetSchema)

    @validates_schema
    def measured(self, data, **kwargs):
        if data.get("kind") != "repeat" and not ({"duration_seconds", "distance_m"} & set(data)):
            raise ValidationError("Give the step a duration_seconds, a distance_m or both.", "kind")


class RunStepSchema(RunSubStepSchema):
    """A step: warm-up, work, recovery or cool-down by duration and/or distance, or a
    `repeat` of `steps` (which do not repeat themselves) `repeat` times."""

    OPENAPI = {
        "if": {"properties": {"kind": {"const": "repeat"}}, "required": ["kind"]},
        "then": {
            "required": ["repeat", "steps"],
            "not": {
                "anyOf": [
                    {"required": ["duration_seconds"]},
                    {"required": ["distance_m"]},
                    {"required": ["target"]},
                ]
            },
        },
        "else": {
            **_MEASURED,
            "not": {"anyOf": [{"required": ["repeat"]}, {"required": ["steps"]}]},
        },
    }

    kind = Word(STEP_KINDS, required=True)
    repeat = Integer(validate=validate.Range(min=1, max=MAX_REPEAT))
    steps = fields.List(
        fields.Nested(RunSubStepSchema), validate=validate.Length(min=1, max=MAX_STEPS)
    )

    @validates_schema
    def repeats_steps(self, data, **kwargs):
        if data.get("kind") == "repeat":
            missing = [f for f in ("repeat", "steps") if f not in data]
            if missing:
                raise ValidationError({f: ["Required for a repeat."] for f in missing})
            given = [f for f in ("duration_seconds", "distance_m", "target") if f in data]
            if given:
                raise ValidationError({f: ["A repeat takes these from its steps."] for f in given})
        else:
            given = [f for f in ("repeat", "steps") if f in data]
            if given:
                raise ValidationError({f: ["Only a repeat has this."] for f in given})


class RunPlanSchema(BaseSchema):
    type = Word(RUN_TYPES, required=True)
    steps = fields.List(
        fields.Nested(RunStepSchema), required=True, validate=validate.Length(min=1, max=MAX_STEPS)
    )


class ItemWriteSchema(BaseSchema):
    """An item of a session: an exercise (`kind` exercise, the default) or a run (`kind`
    run: no `exercise_id`, a `run` instead). An exercise item that gives none of `sets`,
    `reps`, `hold_seconds`, `breaths`, `duration_seconds` and `distance_m` takes its
    exercise's default dosage."""

    OPENAPI = {
        "if": {"properties": {"kind": {"const": "run"}}, "required": ["kind"]},
        "then": {"required": ["run"], "not": {"required": ["exercise_id"]}},
        "else": {"required": ["exercise_id"], "not": {"required": ["run"]}},
    }

    kind = Word(ITEM_KINDS, load_default=DEFAULT_ITEM_KIND)
    exercise_id = Id(metadata={"description": "Required for an exercise item; none for a run."})
    run = fields.Nested(RunPlanSchema, metadata={"description": "Required for a run item."})
    stage = Word(STAGES, metadata={"description": "Defaults to the exercise's stage."})
    group = fields.String(
        allow_none=True,
        validate=validate.Length(max=20),
        metadata={"description": "Labels a superset or circuit: items sharing it go together."},
    )
    sets = _amount(100)
    reps = _amount(1000)
    hold_seconds = _amount(3600)
    breaths = _amount(100)
    duration_seconds = _amount(86_400)
    distance_m = _amount(500_000)
    load = fields.String(allow_none=True, validate=validate.Length(max=60))  # type: ignore[assignment]  # a field: marshmallow takes it off the class
    tempo = fields.String(allow_none=True, validate=validate.Length(max=20))
    rest_seconds = _amount(3600)
    side = Word(
        SIDES,
        metadata={
            "description": "Defaults to the exercise's bias (`left_bias`, `right_bias`) for a "
            "side-biased exercise, otherwise `both`; another side for a biased exercise is 422."
        },
    )
    notes = Text(2000, load_default="")

    @validates_schema
    def exercise_or_run(self, data, **kwargs):
        if data.get("kind") == "run":
            if "exercise_id" in data:
                raise ValidationError("A run item names no exercise.", "exercise_id")
            if "run" not in data:
                raise ValidationError("A run item needs its run.", "run")
        else:
            if "run" in data:
                raise ValidationError("Only a run item has a run.", "run")
            if "exercise_id" not in data:
                raise ValidationError("Missing data for required field.", "exercise_id")


class SessionWriteSchema(BaseSchema):
    week = Integer(required=True, validate=validate.Range(min=1, max=MAX_WEEKS))
    day = Integer(
        required=True,
        validate=validate.Range(min=1, max=7),
        metadata={"description": "1-7 within the week."},
    )
    title = fields.String(load_default="", validate=validate.Length(max=200))
    notes = Text(2000, load_default="")
    items = fields.List(
        fields.Nested(ItemWriteSchema),
        load_default=list,
        validate=validate.Length(max=MAX_ITEMS_PER_SESSION),
    )


class ProgramWriteSchema(BaseSchema):
    name = Name(required=True)
    description = Text(5000, load_default="")
    goal = Text(2000, load_default="")
    weeks = Integer(
        required=True,
        validate=validate.Range(min=1, max=MAX_WEEKS),
        metadata={"description": "The program's length; a session in a later week lengthens it."},
    )
    sessions = fields.List(
        fields.Nested(SessionWriteSchema),
        load_default=list,
        validate=validate.Length(max=7 * MAX_WEEKS),
        metadata={
            "description": f"At most {MAX_ITEMS:,} items in all. A session is known by its "
            "`week` and `day`: a later one with the same week and day replaces an earlier one."
        },
    )

    @pre_load
    def bounded(self, data, **kwargs):
        """Count the items before reading them: a program over the bound is refused
        without the work of reading it."""
        sessions = data.get("sessions") if isinstance(data, dict) else None
        if isinstance(sessions, list):
            items = sum(
                len(s["items"])
                for s in sessions
                if isinstance(s, dict) and isinstance(s.get("items"), list)
            )
            if items > MAX_ITEMS:
                raise ValidationError(
                    {"sessions": [f"At most {MAX_ITEMS:,} items in all; this has {items:,}."]}
                )
        return data

    @post_load
    def sessions_fit_the_program(self, data, **kwargs):
        """A session is known by its week and day, so a later one with the same week and
        day replaces an earlier one; and a session after the last week lengthens the
        program to it. (No schema can state "each (week, day) once" or "no week after
        `weeks`", so neither is refused.)"""
        sessions = {(s["week"], s["day"]): s for s in data.get("sessions", [])}
        data["sessions"] = list(sessions.values())
        data["weeks"] = max([data["weeks"], *(week for week, _ in sessions)])
        return data


class ProgramCopySchema(BaseSchema):
    name = Name(metadata={"description": "Defaults to the original's name with “(copy)”."})


class ItemSchema(BaseSchema):
    id = Integer()
    kind = fields.String(metadata={"enum": list(ITEM_KINDS)})
    exercise_id = Integer(allow_none=True)
    exercise_name = fields.String(allow_none=True)
    run = fields.Nested(RunPlanSchema, allow_none=True)
    planned_distance_m = Integer(
        allow_none=True,
        metadata={
            "description": "A run's distance from its steps (a duration at a pace target "
            "counts); null for an exercise or when a step's distance cannot be known."
        },
    )
    planned_duration_seconds = Integer(
        allow_none=True, metadata={"description": "A run's duration, worked out alike."}
    )
    stage = fields.String()
    group = fields.String(allow_none=True)
    sets = Integer(allow_none=True)
    reps = Integer(allow_none=True)
    hold_seconds = Integer(allow_none=True)
    breaths = Integer(allow_none=True)
    duration_seconds = Integer(allow_none=True)
    distance_m = Integer(allow_none=True)
    load = fields.String(allow_none=True)  # type: ignore[assignment]  # a field: marshmallow takes it off the class
    tempo = fields.String(allow_none=True)
    rest_seconds = Integer(allow_none=True)
    side = fields.String()
    notes = fields.String()


class HeldSchema(BaseSchema):
    rule = fields.String(metadata={"enum": list(SAFETY_RULES)})
    reason = fields.String(
        metadata={
            "example": "Your left knee hurt (6/10) when you checked in on 8 December: "
            "no hopping or jumping yet."
        }
    )


class ClientItemSchema(ItemSchema):
    """An item as the client app shows it: with how to do the exercise."""

    exercise_cues = fields.List(fields.String(), allow_none=True)
    exercise_video_url = fields.String(allow_none=True)
    held = fields.Nested(
        HeldSchema,
        allow_none=True,
        metadata={
            "description": "Set on an item still ahead that the method's safety rules hold "
            "back today, given the client's latest assessment and check-ins: the app shows it "
            "greyed with the reason (it may still be logged); the coach sees it among the "
            "client's plan conflicts."
        },
    )


class SessionSchema(BaseSchema):
    id = Integer()
    week = Integer()
    day = Integer()
    title = fields.String()
    notes = fields.String()
    items = fields.List(fields.Nested(ItemSchema))


class ProgramSummarySchema(BaseSchema):
    id = Integer(dump_only=True)
    kind = fields.String(dump_only=True, metadata={"enum": list(PROGRAM_KINDS)})
    client_id = Integer(dump_only=True, allow_none=True)
    source_program_id = Integer(dump_only=True, allow_none=True)
    name = fields.String(dump_only=True)
    description = fields.String(dump_only=True)
    goal = fields.String(dump_only=True)
    weeks = Integer(dump_only=True)
    archived = Boolean(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ProgramSchema(ProgramSummarySchema):
    sessions = fields.List(fields.Nested(SessionSchema), dump_only=True)


class ProgramQuerySchema(QuerySchema):
    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "Part of the name"}
    )
    kind = Word(PROGRAM_KINDS)
    client_id = Id()
    include_archived = Boolean(load_default=False)


class AssignmentCreateSchema(BaseSchema):
    program_id = Id(required=True)
    start_date = Date(required=True)
    notes = Text(2000, load_default="")


class AssignmentUpdateSchema(UpdateSchema):
    status = Word(
        ASSIGNMENT_STATUSES,
        metadata={"description": "active ⇄ paused; either → completed or cancelled (final)."},
    )
    start_date = Date(metadata={"description": "Moves the whole schedule."})
    notes = Text(2000)


class ProgramRefSchema(BaseSchema):
    id = Integer()
    name = fields.String()
    weeks = Integer()


class AssignmentSchema(BaseSchema):
    id = Integer(dump_only=True)
    client_id = Integer(dump_only=True)
    program = fields.Nested(ProgramRefSchema, dump_only=True)
    template_id = Integer(dump_only=True, allow_none=True)
    start_date = fields.Date(dump_only=True)
    end_date = fields.Date(dump_only=True)
    status = fields.String(dump_only=True)
    notes = fields.String(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)
