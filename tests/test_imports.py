"""The packages of Academy depend on each other in one direction only: no domain
imports a domain that imports it back, and the shared base imports no domain but the
accounts' models (every request's caller is a user)."""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ACADEMY = Path(__file__).resolve().parent.parent / "academy"
# The app factory and the commands that bring every domain together.
ASSEMBLY = {"__init__", "models", "cli", "demo"}
BASE = {"common", "config", "database", "errors", "extensions", "vocabularies"}


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _graph() -> dict[str, set[str]]:
    """Which of Academy's packages (and top-level modules) each one imports."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in ACADEMY.rglob("*.py"):
        module = ".".join(path.relative_to(ACADEMY.parent).with_suffix("").parts)
        source = _unit(module.removesuffix(".__init__"))
        tree = ast.parse(path.read_text())
        # Imports for type checkers only are no dependency when the code runs.
        typing_only = {
            id(child)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
            for child in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("academy"):
                targets = [node.module]
                if node.module == "academy":
                    targets = [f"academy.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.startswith("academy")]
            else:
                continue
            edges[source] |= {_unit(t) for t in targets} - {source}
    return edges


def _cycle(edges: dict[str, set[str]], among: set[str]) -> list[str] | None:
    """A cycle of imports among ``among``, if there is one."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, set()) & among):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(among):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_no_domain_imports_one_that_imports_it_back():
    edges = _graph()
    domains = {
        p.name for p in ACADEMY.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    } - BASE

    assert _cycle(edges, domains) is None


def test_the_shared_base_imports_no_domain_but_the_accounts_models():
    edges = _graph()

    reached = {target for unit in BASE for target in edges.get(unit, set())}

    assert reached - BASE - {"auth"} == set()


def test_the_audit_log_learns_what_to_record_from_the_models():
    assert _graph()["audit"] <= BASE


def _string_wiring() -> list[str]:
    """Where a module reads or sets a value of ``app.extensions`` under a literal
    ``academy.`` key: a domain reaching another through a string a reader cannot follow."""
    found = []
    for path in ACADEMY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Subscript)
                and getattr(node.value, "attr", None) == "extensions"
                and isinstance(node.slice, ast.Constant)
                and str(node.slice.value).startswith("academy.")
            ):
                found.append(f"{path.relative_to(ACADEMY.parent)}:{node.lineno}")
    return found


def test_no_domain_reaches_another_through_a_string_key():
    assert _string_wiring() == []


def test_the_app_holds_no_domains_function_for_another():
    from academy import create_app
    from academy.config import TestConfig

    app = create_app(TestConfig)

    handed = [key for key, value in app.extensions.items() if callable(value)]
    assert [key for key in handed if key.startswith("academy")] == []


def test_every_figure_one_domain_shows_for_another_is_provided_by_the_one_it_names():
    from academy import create_app
    from academy.common import figures
    from academy.config import TestConfig

    create_app(TestConfig)

    provided = {
        name: slot.implementation.__module__
        for name, slot in vars(figures).items()
        if isinstance(slot, figures.Provided) and slot.implementation is not None
    }
    assert provided == {
        "client_figures": "academy.progress.service",
        "order_clients": "academy.progress.service",
        "unread_total": "academy.messages.service",
    }
    assert all(f"``{name}``" in figures.__doc__ for name in provided)


def test_a_figure_no_domain_provides_says_so():
    from academy.common.figures import Provided

    unprovided: Provided[[], int] = Provided("nothing")

    with pytest.raises(RuntimeError, match="No domain provides nothing"):
        unprovided()
