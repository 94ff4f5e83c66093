"""The project's files agree with each other: configuration, README, containers."""

import os
import re
import shutil
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def config_variables() -> set[str]:
    source = (ROOT / "academy" / "config.py").read_text()
    pattern = r'(?:environ\.get|_bool|_int|_float|_list)\(\s*"([A-Z][A-Z0-9_]+)"'
    return set(re.findall(pattern, source))


def test_the_readme_lists_every_environment_variable():
    readme = (ROOT / "README.md").read_text()

    missing = {name for name in config_variables() if f"`{name}`" not in readme}

    assert config_variables() >= {"DATABASE_URL", "SECRET_KEY", "SIGNUP_ENABLED"}
    assert missing == set()


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgres_with_a_health_check_and_the_app_after_it():
    services = compose()["services"]

    assert {"db", "app"} <= services.keys()
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")


def test_compose_sets_only_variables_the_app_reads():
    services = compose()["services"]
    environment = services["app"]["environment"]

    # WEB_CONCURRENCY is read by the container start script, not by the app.
    assert set(environment) - {"WEB_CONCURRENCY"} <= config_variables()
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in environment["DATABASE_URL"]


def test_a_one_shot_service_migrates_and_loads_the_catalogue_before_any_replica_serves():
    services = compose()["services"]
    migrate, app = services["migrate"], services["app"]
    script = (ROOT / migrate["command"][0]).read_text()
    start = (ROOT / app["command"][0]).read_text()

    steps = [script.index(step) for step in ("flask db upgrade", "flask academy load-catalogue")]
    assert steps == sorted(steps)
    assert migrate["restart"] == "no"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "db upgrade" not in start and "exec gunicorn -c gunicorn.conf.py" in start
    assert "wsgi:app" in start and "container-start" in (ROOT / "Dockerfile").read_text()


def test_replicas_sit_behind_a_proxy_which_is_the_only_published_port():
    services = compose()["services"]
    proxy, app = services["proxy"], services["app"]
    proxy_config = (ROOT / "deploy" / "nginx.conf").read_text()

    assert [name for name, service in services.items() if "ports" in service] == ["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert "http://app:8000" in proxy_config and "resolver 127.0.0.11" in proxy_config
    assert app["deploy"]["replicas"] >= 2
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"


def test_long_running_services_restart_and_have_health_checks_with_a_start_period():
    services = compose()["services"]

    for name, service in services.items():
        if name == "migrate":
            continue
        assert service["restart"] == "unless-stopped", name
        if name != "housekeeping":
            assert service["healthcheck"]["start_period"], name
    assert "/readyz" in " ".join(services["app"]["healthcheck"]["test"])


@pytest.mark.parametrize("name", ["SECRET_KEY", "MAIL_URL", "PUBLIC_URL", "AWS_SECRET_ACCESS_KEY"])
def test_compose_will_not_start_without_a_secret_key_a_mail_server_or_its_address(name):
    """None falls back to its development default: the development secret signs
    nothing in production, ``console://`` would write reset codes to the log, links
    built from a request's Host would carry whatever host a client named, and a known
    secret of the file store would let anyone sign requests to it."""
    environment = compose()["services"]["app"]["environment"]

    assert environment[name].startswith(f"${{{name}:?")


def test_docker_compose_accepts_the_file():
    """Validated by the Compose CLI itself (Debian's docker-compose, which
    scripts/test-prerequisites installs, or the docker compose plugin)."""
    command = ["docker", "compose"] if _has_compose_plugin() else ["docker-compose"]
    if shutil.which(command[0]) is None:
        pytest.fail(
            "docker-compose is missing: install Debian's docker-compose package "
            "(./scripts/test-prerequisites does it).",
            pytrace=False,
        )

    checked = subprocess.run(
        [*command, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"],
        cwd=ROOT,
        env={
            **os.environ,
            "SECRET_KEY": "x" * 40,
            "MAIL_URL": "smtp://mail.example.com:587",
            "PUBLIC_URL": "https://academy.example.com",
            "AWS_SECRET_ACCESS_KEY": "y" * 40,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stderr


def _has_compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return probe.returncode == 0


def test_the_image_leaves_out_what_it_does_not_need():
    ignored = (ROOT / ".dockerignore").read_text().split()

    for name in (".git", ".venv", "instance", "tests", "node_modules", "**/node_modules"):
        assert name in ignored, name
    assert "requirements.lock" not in ignored


def test_one_gunicorn_configuration_for_serve_the_container_and_the_benchmark():
    for path in ("scripts/serve", "scripts/container-start", "bench/servers.py"):
        assert "gunicorn.conf.py" in (ROOT / path).read_text(), path
        assert "access-logfile" not in (ROOT / path).read_text(), path


def test_compose_purges_expired_idempotency_keys_with_the_apps_settings():
    services = compose()["services"]
    housekeeping, app = services["housekeeping"], services["app"]
    script = (ROOT / housekeeping["command"][0]).read_text()

    assert "flask academy purge-keys" in script and "while true" in script
    assert housekeeping["environment"] == {
        name: value for name, value in app["environment"].items() if name != "WEB_CONCURRENCY"
    }
    assert housekeeping["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["migrate"]["environment"] == housekeeping["environment"]


# --- the lock files ---------------------------------------------------------------------


def locked(name: str) -> dict[str, Version]:
    """``{canonical name: version}`` of a lock file, each pinned with its hashes."""
    text = (ROOT / name).read_text()
    pins = re.findall(r"^([A-Za-z0-9._-]+)==([^ \\\n]+) \\\n\s+--hash=sha256:", text, re.M)
    assert len(pins) == len(re.findall(r"^[A-Za-z0-9]", text, re.M)), "a pin without hashes"
    return {canonicalize_name(package): Version(version) for package, version in pins}


def declared(extra: str | None = None) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = project["dependencies"] + (project["optional-dependencies"][extra] if extra else [])
    return [Requirement(name) for name in names]


@pytest.mark.parametrize(
    ("lock_file", "extra"), [("requirements.lock", None), ("requirements-dev.lock", "dev")]
)
def test_the_lock_files_hold_what_pyproject_asks_for_in_its_ranges(lock_file, extra):
    """When this fails, run scripts/lock (after a merge that changed dependencies)."""
    pins = locked(lock_file)

    for requirement in declared(extra):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in {lock_file}: run scripts/lock"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{lock_file} pins {name}=={pins[name]}, outside {requirement.specifier}: "
            "run scripts/lock"
        )
        for package in _extra_packages(requirement):
            assert package in pins, f"{package} ({requirement}) is not in {lock_file}"


def _extra_packages(requirement: Requirement) -> set[str]:
    """The packages an extra such as psycopg[binary] brings, from the installed metadata."""
    packages = set()
    for line in metadata.requires(requirement.name) or []:
        needed = Requirement(line)
        for extra in requirement.extras:
            if needed.marker and needed.marker.evaluate({"extra": extra}):
                packages.add(canonicalize_name(needed.name))
    return packages


def test_the_app_lock_agrees_with_the_dev_lock():
    app, dev = locked("requirements.lock"), locked("requirements-dev.lock")

    assert {name: dev.get(name) for name in app} == app


def test_every_install_goes_through_the_lock_files():
    bootstrap = (ROOT / "scripts" / "bootstrap").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()

    assert "--require-hashes -r requirements-dev.lock" in bootstrap
    assert "--no-deps -e ." in bootstrap and ".[dev]" not in bootstrap
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "source scripts/bootstrap" in ci


def _tracked() -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        )
    except (FileNotFoundError, subprocess.CalledProcessError) as error:
        pytest.fail(f"git ls-files cannot list the checkout's files: {error}", pytrace=False)
    return [name for name in listed.stdout.decode().split("\0") if name]


# What a run of the tools leaves behind: caches, reports, the fuzzer's crash database,
# the browser test's screenshots, installed Node packages and generated clients.
_GENERATED = re.compile(
    r"(^|/)(\.schemathesis|\.hypothesis|__pycache__|\.pytest_cache|\.ruff_cache|"
    r"\.mypy_cache|node_modules|htmlcov|instance)/|\.pyc$|(^|/)\.coverage|"
    r"^tests/artifacts/|^bench/results/|academy-api\.d\.ts$|\.db$"
)


def test_caches_and_generated_files_are_ignored_not_committed():
    committed = [name for name in _tracked() if _GENERATED.search(name)]

    assert committed == []


# A design document, a brief or a section sign names something a reader of the
# repository does not have: what they need is in the README or the docstring.
_OUTSIDE = re.compile("DESIGN" + r"(\.md|\s*\u00a7)|\u00a7|the " + "brief", re.IGNORECASE)


def test_no_text_cites_a_document_outside_the_repository():
    citing = []
    for name in _tracked():
        path = ROOT / name
        if not path.is_file() or name.endswith(".lock"):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue  # a binary fixture (an activity file)
        citing += [
            f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if _OUTSIDE.search(line)
        ]

    assert citing == []


def test_ci_type_checks_academy_before_the_tests():
    ci = (ROOT / ".ci" / "run").read_text()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())

    assert ".venv/bin/mypy" in ci
    assert ci.index("\n.venv/bin/mypy") < ci.index("\n./scripts/test")
    assert config["tool"]["mypy"]["packages"] == ["academy"]
    assert any(r.startswith("mypy") for r in config["project"]["optional-dependencies"]["dev"])
