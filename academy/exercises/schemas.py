"""Request and response bodies of the exercise catalogue."""

from marshmallow import ValidationError, fields, validate, validates_schema

from academy.common.schemas import (
    BaseSchema,
    Boolean,
    Id,
    Integer,
    Name,
    QuerySchema,
    Text,
    UpdateSchema,
    UTCDateTime,
    WebAddress,
    Word,
)
from academy.files.schemas import MediaSchema
from academy.vocabularies import (
    CATEGORIES,
    FINDINGS,
    IMPACT_LEVELS,
    LATERALITY,
    LOAD_LEVELS,
    PRECAUTIONS,
    PRESSURE_LEVELS,
    REGIONS,
    SIDE_BIASES,
    SPINE_POSITIONS,
    STAGES,
)

SLUG = validate.Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", error="Lowercase words joined by hyphens.")


def _count(**kwargs):
    return Integer(allow_none=True, validate=validate.Range(min=0, max=10_000), **kwargs)


class DosageSchema(BaseSchema):
    sets = _count()
    reps = _count()
    hold_seconds = _count()
    breaths = _count()
    duration_seconds = _count()


class RegionLoadSchema(BaseSchema):
    """A region an exercise loads, and how much."""

    region = Word(REGIONS, required=True)
    level = Word(LOAD_LEVELS, required=True, metadata={"description": "How much it loads it."})


# What the typing fields mean and what an exercise written without them gets (the rule of
# ``academy.exercises.typing``), for the document.
IMPACT_HELP = (
    "How hard it lands: `none`; `low` (walking, marching); `moderate` (running, skipping); "
    "`high` (hops, bounds, jumps, sprints). Never below what its name says (a name with "
    "hop, jump, bound, sprint, stride or plyo says `high`; skip, run, jog `moderate`; "
    "march, walk `low`; whole words, any case, with their -s and -ing forms). Left out "
    "when creating: the highest of what the name says, `high` for the `power` stage or the "
    "precautions `impact` or `plyometric`, `moderate` for the `run` stage, else `none`."
)
LOADS_HELP = (
    "Every region it loads, each once, with how much. Left out when creating: each of "
    "its `regions` at `moderate`; a region of `regions` left out of `loads` is always "
    "added at `moderate`."
)
SPINE_HELP = "The trunk position it takes towards end range. Left out when creating: `neutral`."
PRESSURE_HELP = (
    "The intra-abdominal pressure it asks for (hanging, Copenhagen and long plank holds "
    "are `high`; breathing drills `low`). Left out when creating: `moderate`."
)


def _words(choices, **kwargs):
    return fields.List(Word(choices), validate=validate.Length(max=len(choices)), **kwargs)


def _short_list(max_items: int, max_length: int, **kwargs):
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=max_length)),
        validate=validate.Length(max=max_items),
        **kwargs,
    )


class ExerciseWriteSchema(BaseSchema):
    """The fields a coach writes; create and update differ only in what is required."""

    name = Name()
    slug = fields.String(validate=[validate.Length(min=1, max=120), SLUG])
    aliases = _short_list(20, 200)
    summary = Text(2000)
    cues = _short_list(20, 300, metadata={"description": "Ordered, short coaching cues."})
    category = Word(CATEGORIES)
    regions = _words(REGIONS)
    addresses = _words(FINDINGS, metadata={"description": "Findings the exercise helps with."})
    stage = Word(STAGES)
    laterality = Word(LATERALITY)
    side_bias = Word(
        SIDE_BIASES,
        allow_none=True,
        metadata={"description": "The side an asymmetric variant favours."},
    )
    dosage = fields.Nested(DosageSchema)
    equipment = _short_list(20, 60)
    video_url = WebAddress(allow_none=True)
    variation_of = Id(
        allow_none=True, metadata={"description": "Id of the exercise this one varies."}
    )
    precautions = _words(
        PRECAUTIONS,
        metadata={"description": "What keeps it away from pain or marked tightness nearby."},
    )
    easier = fields.List(
        Id(),
        validate=validate.Length(max=10),
        metadata={"description": "Ids of the exercises one step down its ladder."},
    )
    harder = fields.List(
        Id(),
        validate=validate.Length(max=10),
        metadata={"description": "Ids of the exercises one step up its ladder."},
    )
    progress_when = Text(500, metadata={"description": "When to move on to a harder one."})
    bias_means = Text(
        500,
        metadata={
            "description": "What a `left_bias`/`right_bias` prescription means on it (which "
            "leg goes back, which side starts and gets a set more)."
        },
    )
    impact = Word(IMPACT_LEVELS, metadata={"description": IMPACT_HELP})
    loads = fields.List(  # type: ignore[assignment]  # a field: marshmallow takes it off the class
        fields.Nested(RegionLoadSchema),
        validate=validate.Length(max=len(REGIONS)),
        metadata={"description": LOADS_HELP},
    )
    spine = Word(SPINE_POSITIONS, metadata={"description": SPINE_HELP})
    pressure = Word(PRESSURE_LEVELS, metadata={"description": PRESSURE_HELP})

    # A side bias only on an asymmetric exercise (when the body names its laterality).
    OPENAPI = {
        "if": {"properties": {"side_bias": {"type": "string"}}, "required": ["side_bias"]},
        "then": {"properties": {"laterality": {"const": "asymmetric"}}},
    }

    @validates_schema
    def side_bias_only_when_asymmetric(self, data, **kwargs):
        if data.get("side_bias") and data.get("laterality", "asymmetric") != "asymmetric":
            raise ValidationError("Only an asymmetric exercise has a side bias.", "side_bias")

    @validates_schema
    def each_region_loaded_once(self, data, **kwargs):
        regions = [load["region"] for load in data.get("loads", ())]
        if len(regions) != len(set(regions)):
            raise ValidationError("Name each region once.", "loads")


class ExerciseCreateSchema(ExerciseWriteSchema):
    name = Name(required=True)
    category = Word(CATEGORIES, required=True)
    regions = _words(REGIONS, required=True)
    stage = Word(STAGES, required=True)
    laterality = Word(LATERALITY, required=True)


class ExerciseUpdateSchema(UpdateSchema, ExerciseWriteSchema):
    OPENAPI = {**UpdateSchema.OPENAPI, **ExerciseWriteSchema.OPENAPI}


class VariationSchema(BaseSchema):
    id = Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    side_bias = fields.String(dump_only=True, allow_none=True)


class RungSchema(BaseSchema):
    id = Integer(dump_only=True)
    name = fields.String(dump_only=True)


class ExerciseSchema(BaseSchema):
    id = Integer(dump_only=True)
    slug = fields.String(dump_only=True)
    name = fields.String(dump_only=True)
    aliases = fields.List(fields.String(), dump_only=True)
    summary = fields.String(dump_only=True)
    cues = fields.List(fields.String(), dump_only=True)
    category = fields.String(dump_only=True)
    regions = fields.List(fields.String(), dump_only=True)
    addresses = fields.List(fields.String(), dump_only=True)
    stage = fields.String(dump_only=True)
    laterality = fields.String(dump_only=True)
    side_bias = fields.String(dump_only=True, allow_none=True)
    dosage = fields.Nested(DosageSchema, dump_only=True)
    equipment = fields.List(fields.String(), dump_only=True)
    video_url = fields.String(dump_only=True, allow_none=True)
    variation_of = Integer(attribute="variation_of_id", dump_only=True, allow_none=True)
    precautions = fields.List(fields.String(), dump_only=True)
    easier = fields.List(fields.Nested(RungSchema), dump_only=True)
    harder = fields.List(fields.Nested(RungSchema), dump_only=True)
    progress_when = fields.String(dump_only=True)
    bias_means = fields.String(dump_only=True)
    impact = fields.String(
        dump_only=True, metadata={"enum": list(IMPACT_LEVELS), "description": IMPACT_HELP}
    )
    loads = fields.List(  # type: ignore[assignment]  # a field: marshmallow takes it off the class
        fields.Nested(RegionLoadSchema), dump_only=True, metadata={"description": LOADS_HELP}
    )
    spine = fields.String(
        dump_only=True, metadata={"enum": list(SPINE_POSITIONS), "description": SPINE_HELP}
    )
    pressure = fields.String(
        dump_only=True, metadata={"enum": list(PRESSURE_LEVELS), "description": PRESSURE_HELP}
    )
    is_global = Boolean(
        data_key="global",
        dump_only=True,
        metadata={"description": "Part of the global catalogue: read-only."},
    )
    archived = Boolean(dump_only=True)
    media = fields.List(
        fields.Nested(MediaSchema),
        dump_only=True,
        metadata={"description": "The pictures and videos your academy keeps of it."},
    )
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class ExerciseDetailSchema(ExerciseSchema):
    variations = fields.List(fields.Nested(VariationSchema), dump_only=True)


class ExerciseQuerySchema(QuerySchema):
    q = fields.String(
        validate=validate.Length(max=100),
        metadata={
            "description": "Part of the name, an alias or a cue, ignoring case, accents, "
            "spaces and punctuation."
        },
    )
    category = _words(CATEGORIES)
    region = _words(REGIONS)
    addresses = _words(FINDINGS)
    laterality = _words(LATERALITY)
    stage = _words(STAGES)
    impact = _words(IMPACT_LEVELS)
    include_archived = Boolean(load_default=False)
    sort = Word(
        ("name", "-name", "stage", "-stage"),
        load_default="name",
        metadata={
            "description": "`stage` follows the method's order (position, breathing, "
            "mobility, strength, power, run), then the name; `-` first for descending."
        },
    )


class VocabulariesSchema(BaseSchema):
    class Meta:
        unknown = "include"

    categories = fields.List(fields.String())
    regions = fields.List(fields.String())
    findings = fields.List(fields.String())
    stages = fields.List(fields.String())
    laterality = fields.List(fields.String())
    sides = fields.List(fields.String())
    body_sides = fields.List(fields.String())
    side_biases = fields.List(fields.String())
    precautions = fields.List(fields.String())
    exercise = fields.Dict(
        metadata={"description": "How an exercise is typed: impact, load levels, spine, pressure."}
    )
    assessment = fields.Dict()
    check_in = fields.Dict()
    assignment_statuses = fields.List(fields.String())
    session_statuses = fields.List(fields.String())
    run = fields.Dict(
        metadata={"description": "Run items' kinds, run types and step kinds; activity formats."}
    )
    timezones = fields.List(fields.String())
