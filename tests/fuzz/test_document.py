"""The document obeys the wire: schemathesis generates requests from the OpenAPI
document, valid and invalid, sends them in-process with a coach's and a client's
token, and runs every check on the answers. The few rules a generator cannot know
are listed, with their reasons, in ``schemathesis.toml`` next to this file, and one
is added to the document here: a ``timezone`` is one of the names that
``GET /vocabularies`` lists, which the document says in words (as an enumeration it
would burden every generated client with some 600 names)."""

import os
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from academy.vocabularies import TIMEZONES
from tests.test_access import _document

CONFIG = SchemathesisConfig.from_path(Path(__file__).with_name("schemathesis.toml"))
# Cases per operation and role; raise it for a longer hunt (FUZZ_EXAMPLES=200).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))


def _with_timezones(document: dict) -> dict:
    for component in document["components"]["schemas"].values():
        timezone = component.get("properties", {}).get("timezone")
        if timezone is not None and not timezone.get("readOnly"):
            timezone["enum"] = list(TIMEZONES)
    return document


schema = schemathesis.openapi.from_dict(_with_timezones(_document()), config=CONFIG)

pytestmark = pytest.mark.fuzz

# Who calls, for the auth provider below: set by each test before its cases run.
CALLER: dict = {}
# What was sent: cases per operation, for the summary at the end of the module.
SENT: dict[str, int] = {}


@schema.auth(refresh_interval=None)
class FreshBearerToken:
    """A new token for every case: an operation under test may revoke the last one."""

    def get(self, case, context):
        if "world" not in CALLER:  # collecting: the world comes with the first test
            return "not-yet"
        return CALLER["world"].token(CALLER["role"])

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _aim(case, world) -> None:
    """In a valid case, point half the drawn ids at the demo academy's objects, so that
    answers other than 404 are checked too; the other half stay as drawn."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    for name, value in (case.path_parameters or {}).items():
        known = world.ids.get(name)
        if known and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = known[(value // 2) % len(known)]


@schema.parametrize()
@pytest.mark.parametrize("role", ["coach", "client"])
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_wire_obeys_the_document(app, case, role, world):
    # The document came from an app of its own; the requests go to the suite's.
    case.operation.app = case.operation.schema.app = app
    CALLER.update(world=world, role=role)
    _aim(case, world)

    case.call_and_validate()
    SENT[case.operation.label] = SENT.get(case.operation.label, 0) + 1


def test_every_operation_was_tried():
    """Runs after the sweep above: every operation of the document got cases."""
    operations = {result.ok().label for result in schema.get_all_operations()}

    print(f"\nfuzz: {len(SENT)} operations, {sum(SENT.values())} cases, 0 failures")
    assert set(SENT) == operations
