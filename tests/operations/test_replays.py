"""Every operation that honours ``Idempotency-Key`` replays its first answer whole: the
status, every header the first answer carried (``ETag``, ``Location``,
``Cache-Control``, the content type) and the body byte for byte, plus
``Idempotent-Replayed: true``. The operations come from the API document, so a new one
must say here how it is called."""

from datetime import date

import pytest

from academy.checkins.models import CheckIn
from academy.messages.models import Message
from tests.conftest import count_rows
from tests.test_access import OPERATIONS

# Per operation: who calls it, a body it answers 201 to, and the headers its document
# promises on that answer (each of them must come back in the replay).
CALLS = {
    "POST /api/v1/me/check-ins": (
        "client",
        {"date": date.today().isoformat(), "rpe": 4},
        {"ETag", "Location", "Cache-Control"},
    ),
    "POST /api/v1/me/messages": (
        "client",
        {"body": "The left hip pinched on the bridges."},
        {"Location", "Cache-Control"},
    ),
    "POST /api/v1/clients/{client_id}/messages": (
        "coach",
        {"body": "Shorter sets this week."},
        {"Location", "Cache-Control"},
    ),
}
STORED = {
    "POST /api/v1/me/check-ins": CheckIn,
    "POST /api/v1/me/messages": Message,
    "POST /api/v1/clients/{client_id}/messages": Message,
}
# What is the retry's own: its request id, and the mark that it is a replay.
OWN = {"x-request-id", "idempotent-replayed"}

IDEMPOTENT = sorted(
    f"{method.upper()} {path}"
    for method, path, operation in OPERATIONS
    if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
)


def test_every_operation_that_takes_a_key_is_tried_here():
    assert sorted(CALLS) == IDEMPOTENT


@pytest.mark.parametrize("operation", IDEMPOTENT)
def test_the_document_promises_those_headers_on_the_201(operation):
    method, path = operation.split(" ")
    [documented] = [o for m, p, o in OPERATIONS if (m.upper(), p) == (method, path)]
    headers = documented["responses"]["201"]["headers"]

    assert {name for name, header in headers.items() if header.get("required")} == CALLS[operation][
        2
    ]
    assert "Idempotent-Replayed" in headers


def _headers(response) -> list[tuple[str, str]]:
    return sorted(
        (name.lower(), value) for name, value in response.headers if name.lower() not in OWN
    )


@pytest.mark.parametrize("operation", IDEMPOTENT)
def test_a_replay_carries_every_header_and_byte_of_the_first_answer(
    http, coach, client_user, operation
):
    role, body, promised = CALLS[operation]
    caller = {"client": client_user, "coach": coach}[role]
    method, path = operation.split(" ")
    url = path.replace("{client_id}", str(client_user.id))
    headers = {**caller.headers, "Idempotency-Key": f"replay-{role}-1"}

    first = http.open(url, method=method, json=body, headers=headers)
    again = http.open(url, method=method, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201), first.get_data(as_text=True)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert _headers(again) == _headers(first)
    for name in {*promised, "Content-Type"}:
        assert again.headers[name] == first.headers[name], name
    assert count_rows(STORED[operation]) == 1
