"""Request and response bodies of plan conflicts and the easier swap."""

from marshmallow import fields, validate

from academy.common.schemas import BaseSchema, Id, Integer
from academy.programs.schemas import HeldSchema
from academy.vocabularies import ITEM_KINDS


class EasierRungSchema(BaseSchema):
    exercise_id = Integer()
    name = fields.String()


_EASIER = fields.Nested(
    EasierRungSchema,
    allow_none=True,
    metadata={
        "description": "The nearest easier rung of the exercise's ladder that the rules "
        "allow today (a run's ladder starts at walk-run intervals); null when no rung is "
        "safe: the swap then removes the item."
    },
)


class PlanConflictSchema(BaseSchema):
    assignment_id = Integer()
    session_id = Integer()
    week = Integer()
    day = Integer()
    date = fields.Date()
    item_id = Integer()
    kind = fields.String(metadata={"enum": list(ITEM_KINDS)})
    exercise_id = Integer(allow_none=True)
    name = fields.String()
    held = fields.Nested(HeldSchema)
    easier = _EASIER


class ApplyEasierSchema(BaseSchema):
    items = fields.List(
        Id(),
        required=True,
        validate=[validate.Length(min=1, max=2000)],
        metadata={
            "description": "Ids of the assignment's items to swap: each must be still ahead "
            "and held back today (`GET /clients/{id}/plan-conflicts`)."
        },
    )


class SwapSchema(BaseSchema):
    item_id = Integer()
    held = fields.Nested(HeldSchema)
    easier = _EASIER


class ApplyEasierResultSchema(BaseSchema):
    assignment_id = Integer()
    program_id = Integer()
    swapped = fields.List(fields.Nested(SwapSchema))
