"""Request and response bodies of posture assessments and suggestions."""

from marshmallow import ValidationError, fields, validate

from academy.assessments.safety import RULES as SAFETY_RULES
from academy.common.schemas import (
    BaseSchema,
    Boolean,
    Date,
    Id,
    Integer,
    QuerySchema,
    Text,
    UpdateSchema,
    UTCDateTime,
    Word,
)
from academy.exercises.schemas import DosageSchema
from academy.programs.schemas import ProgramSchema
from academy.vocabularies import (
    AGGRAVATORS,
    BODY_SIDES,
    BREATHING_PATTERNS,
    FINDINGS,
    HIP_DROP,
    IMPACT_LEVELS,
    INJURY_KINDS,
    PAIN,
    REGIONS,
    RIB_FLARE,
    SEVERITY,
    STAGES,
    SYMPTOMS,
    TILT_DIRECTIONS,
    TILT_GRADE,
)


def _words(choices, metadata=None, **kwargs):
    """A list of words of a vocabulary, each at most once (and the document says so)."""
    return fields.List(
        Word(choices),
        validate=[validate.Length(max=len(choices)), _each_once],
        metadata={**(metadata or {}), "uniqueItems": True},
        **kwargs,
    )


def _each_once(values, **kwargs) -> None:
    if len(set(values)) != len(values):
        raise ValidationError("Name each word once.")


class TiltSideSchema(BaseSchema):
    direction = Word(TILT_DIRECTIONS, allow_none=True)
    grade = Integer(allow_none=True, validate=validate.Range(min=TILT_GRADE[0], max=TILT_GRADE[1]))


class PelvicTiltSchema(BaseSchema):
    left = fields.Nested(TiltSideSchema, load_default=dict)
    right = fields.Nested(TiltSideSchema, load_default=dict)


class TightnessSchema(BaseSchema):
    region = Word(REGIONS, required=True)
    side = Word(BODY_SIDES, required=True)
    severity = Integer(required=True, validate=validate.Range(min=SEVERITY[0], max=SEVERITY[1]))


class PainSchema(BaseSchema):
    region = Word(REGIONS, required=True)
    side = Word(BODY_SIDES, required=True)
    score = Integer(required=True, validate=validate.Range(min=PAIN[0], max=PAIN[1]))
    aggravated_by = _words(
        AGGRAVATORS,
        load_default=list,
        dump_default=list,
        metadata={"description": "What makes this pain worse."},
    )


class InjurySchema(BaseSchema):
    region = Word(REGIONS, required=True)
    side = Word(BODY_SIDES, required=True)
    kind = Word(INJURY_KINDS, required=True)
    on = Date(
        required=True,
        metadata={
            "description": "When it happened (or the surgery): not after the assessment, "
            "nor before the client's birth date."
        },
    )


class GaitSchema(BaseSchema):
    cadence_spm = Integer(allow_none=True, validate=validate.Range(min=0, max=300))
    overstride = Boolean(allow_none=True)
    hip_drop = Word(
        HIP_DROP,
        allow_none=True,
        metadata={"description": "The side the pelvis drops on in stance, if any."},
    )
    # No load_default: a PATCH that sends only the cadence must not wipe the notes.
    notes = Text(2000)


class AssessmentWriteSchema(BaseSchema):
    assessed_on = Date()
    pelvic_tilt = fields.Nested(PelvicTiltSchema)
    rib_flare = Word(RIB_FLARE, allow_none=True)
    breathing_pattern = Word(BREATHING_PATTERNS, allow_none=True)
    glute_gripping = Boolean(allow_none=True)
    findings = fields.List(Word(FINDINGS), validate=validate.Length(max=len(FINDINGS)))
    tightness = fields.List(fields.Nested(TightnessSchema), validate=validate.Length(max=60))
    pain = fields.List(
        fields.Nested(PainSchema),
        validate=validate.Length(max=60),
        metadata={
            "description": "Pain (0-10) by region and side, with what makes it worse; a pinch "
            "is pain too."
        },
    )
    symptoms = _words(SYMPTOMS, metadata={"description": "What the client reports besides pain."})
    injuries = fields.List(
        fields.Nested(InjurySchema),
        validate=validate.Length(max=30),
        metadata={"description": "Injuries and surgery, with their dates."},
    )
    gait = fields.Nested(GaitSchema)
    notes = Text(10_000, metadata={"description": "The coach's private notes."})
    client_summary = Text(5000, metadata={"description": "What the client may read."})
    shared_with_client = Boolean()


class AssessmentCreateSchema(AssessmentWriteSchema):
    assessed_on = Date(required=True)


class AssessmentUpdateSchema(UpdateSchema, AssessmentWriteSchema):
    pass


class TiltOutSchema(BaseSchema):
    direction = fields.String(allow_none=True)
    grade = Integer(allow_none=True)


class PelvicTiltOutSchema(BaseSchema):
    left = fields.Nested(TiltOutSchema)
    right = fields.Nested(TiltOutSchema)


class GaitOutSchema(BaseSchema):
    cadence_spm = Integer(allow_none=True)
    overstride = Boolean(allow_none=True)
    hip_drop = fields.String(allow_none=True)
    notes = fields.String()


class InjuryOutSchema(BaseSchema):
    region = fields.String()
    side = fields.String()
    kind = fields.String()
    on = fields.String(metadata={"format": "date"})


class EducationSchema(BaseSchema):
    finding = fields.String()
    text = fields.String()


class ClientAssessmentSchema(BaseSchema):
    """An assessment as its client may read it: no private notes."""

    id = Integer(dump_only=True)
    client_id = Integer(dump_only=True)
    assessed_on = fields.Date(dump_only=True)
    pelvic_tilt = fields.Nested(PelvicTiltOutSchema, dump_only=True)
    rib_flare = fields.String(dump_only=True, allow_none=True)
    breathing_pattern = fields.String(dump_only=True, allow_none=True)
    glute_gripping = Boolean(dump_only=True, allow_none=True)
    findings = fields.List(fields.String(), dump_only=True)
    tightness = fields.List(fields.Nested(TightnessSchema), dump_only=True)
    pain = fields.List(fields.Nested(PainSchema), dump_only=True)
    symptoms = fields.List(fields.String(), dump_only=True)
    injuries = fields.List(fields.Nested(InjuryOutSchema), dump_only=True)
    gait = fields.Nested(GaitOutSchema, dump_only=True)
    client_summary = fields.String(dump_only=True)
    education = fields.List(
        fields.Nested(EducationSchema),
        dump_only=True,
        metadata={"description": "A short text for the client about each finding."},
    )


class AssessmentSchema(ClientAssessmentSchema):
    notes = fields.String(dump_only=True)
    shared_with_client = Boolean(dump_only=True)
    archived = Boolean(dump_only=True)
    created_at = UTCDateTime(dump_only=True)
    updated_at = UTCDateTime(dump_only=True)


class CompareQuerySchema(QuerySchema):
    from_ = Date(data_key="from", metadata={"description": "Default: the one before `to`."})
    to = Date(metadata={"description": "Default: the latest assessment."})
    from_id = Id(metadata={"description": "The earlier assessment, by id (instead of `from`)."})
    to_id = Id(metadata={"description": "The later assessment, by id (instead of `to`)."})


class AssessmentRefSchema(BaseSchema):
    id = Integer()
    assessed_on = fields.Date()


class ChangeSchema(BaseSchema):
    field = fields.String(metadata={"example": "pelvic_tilt.left.grade"})
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    change = fields.String(metadata={"enum": ["improved", "worse", "unchanged"]})


class ComparisonSchema(BaseSchema):
    from_ = fields.Nested(AssessmentRefSchema, data_key="from")
    to = fields.Nested(AssessmentRefSchema)
    changes = fields.List(fields.Nested(ChangeSchema))


class SuggestionSchema(BaseSchema):
    exercise_id = Integer()
    name = fields.String()
    slug = fields.String()
    laterality = fields.String()
    side = fields.String(metadata={"description": "The side to prescribe."})
    side_reason = fields.String(
        allow_none=True, metadata={"description": "Why a one-leg exercise is biased to a side."}
    )
    side_means = fields.String(
        allow_none=True,
        metadata={"description": "What `left_bias`/`right_bias` means on this exercise."},
    )
    answers = fields.List(fields.String(), metadata={"description": "Findings it addresses."})
    score = Integer()
    why = fields.String(metadata={"description": "What it does for these findings, in a sentence."})
    impact = fields.String(metadata={"enum": list(IMPACT_LEVELS)})
    precautions = fields.List(fields.String())
    dosage = fields.Nested(DosageSchema, metadata={"description": "The default dosage."})


class SuggestionGroupSchema(BaseSchema):
    stage = Word(STAGES)
    exercises = fields.List(fields.Nested(SuggestionSchema))


class DerivedSchema(BaseSchema):
    finding = fields.String()
    from_ = fields.String(
        data_key="from", attribute="from", metadata={"example": "tightness.calf.left"}
    )


_RULE = fields.String(
    metadata={
        "enum": list(SAFETY_RULES),
        "description": "The safety rule that holds it back (the rules table below).",
    }
)


class HeldBackSchema(BaseSchema):
    exercise_id = Integer()
    name = fields.String()
    rule = _RULE
    reason = fields.String(
        metadata={
            "description": "Why it waits, in words the client can read.",
            "example": "Your left knee hurts on stairs (6/10): no hopping or jumping yet.",
        }
    )


class ReferSchema(BaseSchema):
    reason = fields.String()


class AdviceSchema(BaseSchema):
    rule = _RULE
    text = fields.String()


class BesideTheWorkSchema(BaseSchema):
    """What a coach must know beside the suggested work."""

    held_back = fields.List(
        fields.Nested(HeldBackSchema),
        metadata={"description": "Exercises left out for safety, and why."},
    )
    refer = fields.Nested(
        ReferSchema,
        allow_none=True,
        metadata={
            "description": "Set when a red flag (night pain, numbness or tingling, pain that "
            "spreads) needs a clinician first: nothing beyond position and breathing until "
            "the coach records a new assessment."
        },
    )
    advice = fields.List(
        fields.Nested(AdviceSchema),
        metadata={"description": "What the runner should do beyond the plan."},
    )


class SuggestionsSchema(BesideTheWorkSchema):
    assessment_id = Integer()
    findings = fields.List(fields.String(), metadata={"description": "Stated and derived."})
    derived = fields.List(
        fields.Nested(DerivedSchema),
        metadata={
            "description": "The findings the measurements show, and the field each came from."
        },
    )
    bias = fields.String(allow_none=True, metadata={"enum": ["left", "right", None]})
    bias_reason = fields.String(allow_none=True)
    groups = fields.List(fields.Nested(SuggestionGroupSchema))


class SuggestionQuerySchema(QuerySchema):
    per_stage = Integer(load_default=5, validate=validate.Range(min=1, max=20))


class DraftSchema(BaseSchema):
    weeks = Integer(load_default=4, validate=validate.Range(min=1, max=12))
    sessions_per_week = Integer(load_default=3, validate=validate.Range(min=1, max=7))


class ProgramDraftSchema(BesideTheWorkSchema, ProgramSchema):
    """The drafted program template, with what the coach must know beside it."""
