"""A client-app developer generates a client from the OpenAPI document and uses it.

TypeScript: openapi-typescript types that ``tsc`` compiles together with
``clients/typescript/example.ts`` (openapi-fetch). Python: an openapi-python-client
package that signs in and reads against a live server. Both use the document as the
app serves it now, and fail, not skip, when a tool is missing, saying how to install
it: ./scripts/test installs the Node packages first (scripts/test-prerequisites runs
``npm ci`` when Node.js and npm are there). ``-m "not clients"`` leaves them out.
"""

import importlib
import shutil
import subprocess
import sys
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from academy.exercises.models import Exercise
from academy.exercises.service import load_catalogue, read_catalogue
from academy.extensions import db
from tests.conftest import PASSWORD

pytestmark = pytest.mark.clients

ROOT = Path(__file__).resolve().parent.parent
TYPESCRIPT = ROOT / "clients" / "typescript"
PACKAGE = "academy_api_client"
TIMEOUT = 120


def run(command: list, cwd: Path | None = None) -> str:
    """Run a generator or compiler; fail with its output when it fails."""
    try:
        result = subprocess.run(
            [str(part) for part in command],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except FileNotFoundError:
        pytest.fail(
            f"{command[0]} is not installed (see scripts/test-prerequisites)", pytrace=False
        )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited with {result.returncode}:\n{output}")
    return output


@pytest.fixture
def document(app, tmp_path) -> Path:
    """The OpenAPI document as the app serves it, in a file."""
    path = tmp_path / "openapi.json"
    path.write_bytes(app.test_client().get("/openapi.json").data)
    return path


NODE_MISSING = (
    "The TypeScript client test needs Node.js 20 or newer with npm, which are not on "
    "PATH: install them (https://nodejs.org, or your package manager's nodejs and npm "
    "packages), then run scripts/test-prerequisites, which runs npm ci in "
    "clients/typescript. Leave this test out with -m 'not clients'."
)
PACKAGES_MISSING = (
    "The TypeScript client test needs clients/typescript/node_modules: run "
    "scripts/test-prerequisites (npm ci in clients/typescript)."
)


def npx(*arguments) -> str:
    """Run a tool from clients/typescript/node_modules."""
    executable = shutil.which("npx")
    if executable is None or shutil.which("npm") is None:
        pytest.fail(NODE_MISSING, pytrace=False)
    if not (TYPESCRIPT / "node_modules" / ".package-lock.json").exists():
        pytest.fail(PACKAGES_MISSING, pytrace=False)
    return run([executable, "--no-install", *arguments], cwd=TYPESCRIPT)


class TestTypeScriptClient:
    def test_the_generated_types_compile_with_the_openapi_fetch_example(self, document):
        generated = npx("openapi-typescript", document, "--output", "academy-api.d.ts")
        compiled = npx("tsc", "--noEmit", "--pretty", "false")

        # openapi-typescript marks what it could not type with a warning sign.
        assert "\N{WARNING SIGN}" not in generated, generated
        assert compiled.strip() == ""


@pytest.fixture
def api(document, tmp_path):
    """The Python package openapi-python-client generates from the document, imported."""
    generator = Path(sys.executable).with_name("openapi-python-client")
    if not generator.exists():
        pytest.fail("openapi-python-client is not installed: pip install -e '.[dev]'")
    config = tmp_path / "generator.yaml"
    config.write_text("post_hooks: []\n")  # no ruff over the code: it is only imported
    output = run(
        [generator, "generate", "--path", document, "--meta", "none", "--config", config,
         "--output-path", tmp_path / PACKAGE],
    )  # fmt: skip
    # Anything it could not turn into code is a warning, and is missing from the client.
    assert "Warning" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.fixture
def server(app):
    """The app served over HTTP on a free port, on the suite's database."""
    served = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{served.server_port}"
    finally:
        served.shutdown()
        thread.join()


SESSION_DAY = date.today() + timedelta(days=7)


@pytest.fixture
def assignment(http, coach, client_user) -> dict:
    """A one-session program from the catalogue, assigned to start a week from today."""
    load_catalogue(read_catalogue())
    db.session.commit()
    tucks, bridge = (
        db.session.scalar(sa.select(Exercise.id).where(Exercise.slug == slug))
        for slug in ("all-4s-pelvic-tucks", "bridge-with-hip-flexor-pulls")
    )
    program = http.post(
        "/api/v1/programs",
        json={
            "name": "Pelvis to Neutral",
            "weeks": 1,
            "sessions": [
                {
                    "week": 1,
                    "day": 1,
                    "title": "Position, then strength",
                    "items": [
                        {"exercise_id": tucks, "sets": 2, "reps": 10},
                        {"exercise_id": bridge, "sets": 3, "reps": 5, "side": "each"},
                    ],
                }
            ],
        },
        headers=coach.headers,
    ).get_json()
    response = http.post(
        f"/api/v1/clients/{client_user.id}/assignments",
        json={"program_id": program["id"], "start_date": SESSION_DAY.isoformat()},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


class TestPythonClient:
    def test_a_client_signs_in_and_reads_the_sessions_due_on_a_day(
        self, api, server, client_user, assignment
    ):
        from academy_api_client.api.auth import post_tokens
        from academy_api_client.api.schedule import get_my_today
        from academy_api_client.models import Today, Token, TokenCreate

        token = post_tokens.sync(
            client=api.Client(base_url=server),
            body=TokenCreate(email="cliff@north.test", password=PASSWORD),
        )
        signed_in = api.AuthenticatedClient(base_url=server, token=token.access_token)
        today = get_my_today.sync(client=signed_in, date=SESSION_DAY)

        assert isinstance(token, Token)
        assert (token.token_type, token.user.id, token.user.role) == (
            "Bearer",
            client_user.id,
            "client",
        )
        assert isinstance(today, Today)
        assert today.date == SESSION_DAY
        [session] = today.sessions
        assert (session.assignment_id, session.program_name, session.title) == (
            assignment["id"],
            "Pelvis to Neutral",
            "Position, then strength",
        )
        assert (session.week, session.day, session.date, session.status.value) == (
            1,
            1,
            SESSION_DAY,
            "upcoming",
        )
        assert [(i.exercise_name, i.sets, i.reps, i.side) for i in session.items] == [
            ("All 4s Pelvic Tucks", 2, 10, "both"),
            ("Bridge with Hip Flexor Pulls", 3, 5, "each"),
        ]
        assert all(item.exercise_cues for item in session.items)

    def test_a_coach_lists_their_clients(self, api, server, coach, client_user, other_client_user):
        from academy_api_client.api.clients import list_clients
        from academy_api_client.models import Client

        response = list_clients.sync_detailed(
            client=api.AuthenticatedClient(base_url=server, token=coach.token)
        )

        assert response.status_code == 200
        assert all(isinstance(client, Client) for client in response.parsed)
        assert sorted((c.name, c.email, c.status) for c in response.parsed) == [
            ("Cliff Client", "cliff@north.test", "active"),
            ("Dana Client", "dana@north.test", "active"),
        ]
        assert '"total": 2' in response.headers["X-Pagination"]
