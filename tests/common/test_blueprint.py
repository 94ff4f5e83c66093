"""An operation's decorators that act on the request go in one order; a view stacked
otherwise is refused when it is declared, so an app with it never starts."""

from itertools import combinations

import pytest
from flask.views import MethodView
from marshmallow import fields

from academy.common.blueprint import ORDER, Blueprint
from academy.common.schemas import BaseSchema


class NoteSchema(BaseSchema):
    text = fields.String()


def decorators(blp: Blueprint) -> dict:
    """Each decorator of ``ORDER``, as a view would write it."""
    return {
        "auth": blp.auth(("coach",)),
        "conditional": blp.conditional(),
        "idempotent": blp.idempotent(),
        "arguments": blp.arguments(NoteSchema),
        "paginate": blp.paginate(),
        "response": blp.response(200, NoteSchema),
    }


def declare(names: list[str], *, documenting=()) -> type:
    """Declare a view whose ``post`` is stacked with ``names``, top first."""
    blp = Blueprint("order", __name__)
    made = decorators(blp)

    def post(self, *args, **kwargs):
        return {"text": "ok"}

    for name in reversed(names):
        post = made[name](post)
    for document in documenting:
        post = document(blp)(post)
    return blp.route("/notes")(type("Notes", (MethodView,), {"post": post}))


class TestTheOrderOfAnOperationsDecorators:
    def test_every_decorator_in_order_is_accepted(self):
        declare(list(ORDER))

    @pytest.mark.parametrize("above, below", list(combinations(ORDER, 2)))
    def test_two_in_order_are_accepted(self, above, below):
        declare([above, below])

    @pytest.mark.parametrize("above, below", list(combinations(ORDER, 2)))
    def test_two_the_other_way_round_are_refused_naming_both(self, above, below):
        with pytest.raises(
            TypeError, match=rf"Notes\.post: @blp\.{above} must sit above @blp\.{below}"
        ):
            declare([below, above])

    def test_one_out_of_place_in_a_full_stack_is_refused(self):
        names = ["auth", "conditional", "arguments", "response", "paginate"]

        with pytest.raises(TypeError, match=r"@blp\.paginate must sit above @blp\.response"):
            declare(names)

    def test_decorators_that_only_document_sit_anywhere(self):
        documenting = [
            lambda blp: blp.errors(404),
            lambda blp: blp.precondition(),
            lambda blp: blp.header("X-Note", "A note."),
        ]

        declare(["auth", "arguments", "response"], documenting=documenting)

    def test_every_operation_the_app_serves_is_stacked_in_order(self, app):
        stacked = {}
        for endpoint, view in app.view_functions.items():
            for method in getattr(getattr(view, "view_class", None), "methods", None) or ():
                layers = getattr(getattr(view.view_class, method.lower()), "_academy_layers", ())
                stacked[f"{endpoint} {method}"] = layers

        assert all(list(layers) == sorted(layers, key=ORDER.index) for layers in stacked.values())
        assert sum("auth" in layers for layers in stacked.values()) > 60
