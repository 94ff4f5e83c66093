"""The document obeys the wire: schemathesis generates requests from the OpenAPI
document, valid and invalid, sends them in-process with a coach's and a client's
token, and runs every check on the answers. The document states the rules the server
enforces (text without NUL, time zones by name, date ranges that are never refused,
required headers); the few a generator cannot know (the current ETag, ids of stored
objects, a password's strength) are listed, with their reasons, in
``schemathesis.toml`` next to this file."""

import os
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import CoveragePhaseData, CoverageScenario

from tests.test_access import _document

CONFIG = SchemathesisConfig.from_path(
    os.environ.get("FUZZ_CONFIG") or Path(__file__).with_name("schemathesis.toml")
)
# Cases per operation and role; raise it for a longer hunt (FUZZ_EXAMPLES=200).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))

schema = schemathesis.openapi.from_dict(_document(), config=CONFIG)

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


def _missing_header(case) -> bool:
    """A case that is valid but for a required header left out (If-Match)."""
    data = case.meta.phase.data
    return (
        isinstance(data, CoveragePhaseData)
        and data.scenario == CoverageScenario.MISSING_PARAMETER
        and data.parameter_location == ParameterLocation.HEADER
    )


def _aim(case, world) -> None:
    """In a valid case, or one that only leaves out a required header, point half the
    drawn ids at the demo academy's objects, so that answers other than 404 are checked
    too (a write without If-Match must be 428 on an object that exists); the other half
    stay as drawn."""
    if case.meta is None:
        return
    if not case.meta.generation.mode.is_positive and not _missing_header(case):
        return
    for name, value in (case.path_parameters or {}).items():
        known = world.ids.get(name)
        if known and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = known[(value // 2) % len(known)]
    # A key names one request for a day: a generator that draws the same key for two
    # bodies would meet the 422 for a key used with another body, a rule of what was
    # sent before that no stateless generator can keep. Each valid case gets its own.
    if "Idempotency-Key" in (case.headers or {}) and case.meta.generation.mode.is_positive:
        case.headers["Idempotency-Key"] = uuid.uuid4().hex


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
