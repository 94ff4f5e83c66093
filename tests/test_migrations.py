"""The migrations own the schema: one head, up and down cleanly, and no drift from
the models — on whichever database the suite runs against."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from academy import create_app
from academy.config import TestConfig, database_url
from academy.extensions import db


def _scratch_database_url(tmp_path) -> str:
    """A database of its own, so migrating it never disturbs the suite's database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path}/migrations.db"
    base = sa.make_url(database_url(url))
    scratch = base.set(database=f"{base.database}_migrations")
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{scratch.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{scratch.database}"'))
    admin.dispose()
    return scratch.render_as_string(hide_password=False)


@pytest.fixture
def scratch_app(tmp_path):
    app = create_app(
        type(
            "MigrationConfig",
            (TestConfig,),
            {"SQLALCHEMY_DATABASE_URI": _scratch_database_url(tmp_path)},
        )
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def _drift() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, db.metadata)


class TestMigrations:
    def test_there_is_one_head(self, scratch_app):
        script = ScriptDirectory.from_config(scratch_app.extensions["migrate"].migrate.get_config())

        assert len(script.get_heads()) == 1

    def test_upgrade_from_empty_matches_the_models(self, scratch_app):
        upgrade()

        assert _tables() == set(db.metadata.tables)
        assert _drift() == []

    def test_downgrade_to_base_and_up_again(self, scratch_app):
        upgrade()

        downgrade(revision="base")
        assert _tables() == set()

        upgrade()
        assert _tables() == set(db.metadata.tables)
        assert _drift() == []
