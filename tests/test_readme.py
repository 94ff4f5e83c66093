"""The README's "What it serves" names every operation the API document describes."""

import re
from pathlib import Path

from tests.test_access import OPERATIONS

README = Path(__file__).resolve().parent.parent / "README.md"


def _normalised(method: str, path: str) -> str:
    path = path.removeprefix("/api/v1")
    return f"{method.upper()} " + re.sub(r"\{[^}]+\}", "{}", path)


def listed_in_the_readme() -> set[str]:
    """Each `METHOD[/METHOD...] /path` of the table, one entry per method."""
    text = README.read_text()
    section = text[text.index("## What it serves") : text.index("Rules that hold everywhere:")]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    found = set()
    for methods, path in re.findall(r"`([A-Z]+(?:/[A-Z]+)*) (/[^`\s]*)`", table):
        for method in methods.split("/"):
            found.add(_normalised(method, path))
    return found


def test_what_it_serves_lists_every_operation_of_the_document():
    served = {_normalised(method, path) for method, path, _ in OPERATIONS}

    missing = served - listed_in_the_readme()

    assert len(served) > 80
    assert missing == set(), f"add these to the README's 'What it serves': {sorted(missing)}"


def test_what_it_serves_names_no_operation_the_api_does_not_serve():
    served = {_normalised(method, path) for method, path, _ in OPERATIONS}
    outside = {"GET /openapi.json", "GET /docs"}

    assert listed_in_the_readme() - served == outside
