"""The project's files agree with each other: configuration, README, containers."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def config_variables() -> set[str]:
    source = (ROOT / "academy" / "config.py").read_text()
    return set(re.findall(r'(?:environ\.get|_bool|_int|_float|_list)\(\s*"([A-Z_]+)"', source))


def test_the_readme_lists_every_environment_variable():
    readme = (ROOT / "README.md").read_text()

    missing = {name for name in config_variables() if f"`{name}`" not in readme}

    assert config_variables() >= {"DATABASE_URL", "SECRET_KEY", "SIGNUP_ENABLED"}
    assert missing == set()


def test_compose_runs_postgres_with_a_health_check_and_the_app_after_it():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]

    assert {"db", "app"} <= services.keys()
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert services["db"]["image"].startswith("postgres:")


def test_compose_sets_only_variables_the_app_reads():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    environment = services["app"]["environment"]

    # WEB_CONCURRENCY is read by the container start script, not by the app.
    assert set(environment) - {"WEB_CONCURRENCY"} <= config_variables()
    assert environment["DATABASE_URL"].startswith("postgresql://")
    assert "@db:5432/" in environment["DATABASE_URL"]


def test_the_container_migrates_and_loads_the_catalogue_before_serving():
    start = (ROOT / "scripts" / "container-start").read_text()
    dockerfile = (ROOT / "Dockerfile").read_text()

    steps = [start.index(step) for step in ("flask db upgrade", "load-catalogue", "exec gunicorn")]
    assert steps == sorted(steps)
    assert "container-start" in dockerfile
    assert "wsgi:app" in start


def test_compose_purges_expired_idempotency_keys_with_the_apps_settings():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    housekeeping, app = services["housekeeping"], services["app"]
    script = (ROOT / housekeeping["command"][0]).read_text()

    assert "flask academy purge-keys" in script and "while true" in script
    assert housekeeping["environment"] == {
        name: value for name, value in app["environment"].items() if name != "WEB_CONCURRENCY"
    }
    assert housekeeping["depends_on"]["db"]["condition"] == "service_healthy"
