"""The migrations own the schema: one head, up and down cleanly, and no drift from
the models — on whichever database the suite runs against."""

import json
import os
import re

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


def _drift(metadata: sa.MetaData | None = None) -> list:
    """What autogenerate would change, and what it cannot see: CHECK constraints."""
    metadata = metadata or db.metadata
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, metadata) + _check_drift(metadata)


# The words and numbers of a CHECK constraint: the vocabulary it allows and its
# bounds. Each database writes the rest of a constraint its own way (PostgreSQL turns
# `x IN ('a')` into `x::text = ANY (ARRAY['a'::character varying])`), but not these.
_WORDS = re.compile(r"'([^']*)'")
_NUMBERS = re.compile(r"(?<![\w'])(\d+(?:\.\d+)?)")


def _terms(sqltext: str) -> tuple[list[str], list[str]]:
    words = _WORDS.findall(sqltext)
    bare = _WORDS.sub("", sqltext)
    return sorted(words), sorted(_NUMBERS.findall(bare))


def _copy_of_models() -> sa.MetaData:
    copy = sa.MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        table.to_metadata(copy)
    return copy


def _check_drift(metadata: sa.MetaData) -> list[tuple]:
    """CHECK constraints that differ by name, allowed words or bounds between the models
    and the migrated database (Alembic's autogenerate does not compare them)."""
    inspector = sa.inspect(db.engine)
    drift = []
    for table in metadata.sorted_tables:
        modelled = {
            c.name: _terms(str(c.sqltext))
            for c in table.constraints
            if isinstance(c, sa.CheckConstraint)
        }
        stored = {
            c["name"]: _terms(c["sqltext"]) for c in inspector.get_check_constraints(table.name)
        }
        for name in sorted(modelled.keys() | stored.keys()):
            if modelled.get(name) != stored.get(name):
                drift.append(("check", table.name, name, modelled.get(name), stored.get(name)))
    return drift


class TestMigrations:
    def test_there_is_one_head(self, scratch_app):
        script = ScriptDirectory.from_config(scratch_app.extensions["migrate"].migrate.get_config())

        assert len(script.get_heads()) == 1

    def test_upgrade_from_empty_matches_the_models(self, scratch_app):
        upgrade()

        assert _tables() == set(db.metadata.tables)
        assert _drift() == []

    def test_a_vocabulary_word_without_a_migration_is_drift(self, scratch_app):
        upgrade()
        models = _copy_of_models()
        ratings = models.tables["check_in_ratings"]
        [region] = [c for c in ratings.constraints if c.name == "ck_check_in_ratings_region"]
        # A new region added to the vocabulary, with no migration to go with it.
        region.sqltext = sa.text(str(region.sqltext).replace("'foot'", "'foot', 'toes'"))

        drift = _drift(models)

        assert [d[:3] for d in drift] == [("check", "check_in_ratings", region.name)]
        assert "toes" in drift[0][3][0] and "toes" not in drift[0][4][0]

    def test_a_changed_bound_without_a_migration_is_drift(self, scratch_app):
        upgrade()
        models = _copy_of_models()
        check_ins = models.tables["check_ins"]
        [rpe] = [c for c in check_ins.constraints if c.name == "ck_check_ins_rpe_range"]
        rpe.sqltext = sa.text(str(rpe.sqltext).replace("<= 10", "<= 12"))

        assert [d[:3] for d in _drift(models)] == [("check", "check_ins", rpe.name)]

    def test_downgrade_to_base_and_up_again(self, scratch_app):
        upgrade()

        downgrade(revision="base")
        assert _tables() == set()

        upgrade()
        assert _tables() == set(db.metadata.tables)
        assert _drift() == []


def _insert(table: str, **values) -> None:
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    db.session.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)


def _accounts_at_0004(*emails: str) -> None:
    """Two academies as revision 0004 knew them: each email a user with a token and an
    invitation, in the academy of its position (even, odd)."""
    now = "2026-11-30 10:00:00"
    for academy_id in (1, 2):
        _insert("academies", id=academy_id, name=f"A{academy_id}", created_at=now, updated_at=now)
    for user_id, email in enumerate(emails, start=1):
        _insert(
            "users", id=user_id, academy_id=1 + user_id % 2, role="coach", name="N",
            email=email, timezone="UTC", status="active", created_at=now, updated_at=now,
        )  # fmt: skip
        _insert(
            "auth_tokens", user_id=user_id, access_hash=f"a{user_id}", refresh_hash=f"r{user_id}",
            access_expires_at=now, refresh_expires_at=now, created_at=now, rotated=False,
        )  # fmt: skip
        _insert(
            "invitations", user_id=user_id, code_hash=f"c{user_id}", expires_at=now,
            created_at=now,
        )  # fmt: skip
    db.session.commit()


def _version() -> str:
    return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))


class TestOneAccountPerEmail:
    def test_it_lower_cases_emails_and_keeps_every_row_that_refers_to_users(self, scratch_app):
        upgrade(revision="0004")
        _accounts_at_0004("Hana@Hill.TEST", " sam@north.test", "cora@north.test")

        upgrade()

        emails = db.session.scalars(sa.text("SELECT email FROM users ORDER BY id")).all()
        assert emails == ["hana@hill.test", "sam@north.test", "cora@north.test"]
        for table in ("auth_tokens", "invitations"):
            assert db.session.scalar(sa.text(f"SELECT count(*) FROM {table}")) == 3
        assert _drift() == []

    def test_the_same_email_twice_is_refused_from_then_on(self, scratch_app):
        upgrade(revision="0004")
        _accounts_at_0004("hana@hill.test")
        upgrade()

        with pytest.raises(sa.exc.IntegrityError):
            _insert(
                "users", id=9, academy_id=2, role="coach", name="N", email="hana@hill.test",
                timezone="UTC", status="active", created_at="2026-01-01", updated_at="2026-01-01",
            )  # fmt: skip
        db.session.rollback()

    def test_a_rotated_token_keeps_when_it_was_rotated_there_and_back(self, scratch_app):
        upgrade(revision="0004")
        _accounts_at_0004("hana@hill.test", "sam@north.test")
        db.session.execute(
            sa.text("UPDATE auth_tokens SET rotated = :yes, revoked_at = :at WHERE user_id = 1"),
            {"yes": True, "at": "2026-11-30 10:05:00"},
        )
        db.session.commit()

        upgrade()

        rows = db.session.execute(
            sa.text("SELECT user_id, rotated_at, revoked_at FROM auth_tokens ORDER BY user_id")
        ).all()
        assert [(r.user_id, str(r.rotated_at)[:19], r.revoked_at is None) for r in rows] == [
            (1, "2026-11-30 10:05:00", False),
            (2, "None", True),
        ]
        db.session.rollback()

        downgrade(revision="0004")

        rows = db.session.execute(
            sa.text("SELECT user_id, rotated, revoked_at FROM auth_tokens ORDER BY user_id")
        ).all()
        assert [(r.user_id, bool(r.rotated), r.revoked_at is None) for r in rows] == [
            (1, True, False),
            (2, False, True),
        ]

    def test_foreign_keys_are_enforced_after_upgrading(self, scratch_app):
        # SQLite's are switched off while the migrations rebuild tables, then on again.
        upgrade()

        with pytest.raises(sa.exc.IntegrityError):
            _insert("invitations", user_id=404, code_hash="x", expires_at="2026-01-01",
                    created_at="2026-01-01")  # fmt: skip
            db.session.flush()
        db.session.rollback()

    def test_shared_emails_stop_it_with_their_count_and_nothing_changes(self, scratch_app, capfd):
        upgrade(revision="0004")
        _accounts_at_0004(
            "Hana@Hill.test", "hana@hill.test", "sam@north.test", "SAM@north.test", "ok@x.test"
        )

        with pytest.raises(SystemExit):
            upgrade()

        db.session.rollback()
        message = capfd.readouterr().err
        assert "2 email(s) belong to more than one account" in message
        assert "SELECT lower(trim(email)), count(*) FROM users" in message
        assert "hana" not in message.lower() and "sam@" not in message.lower()
        assert _version() == "0004"
        emails = db.session.scalars(sa.text("SELECT email FROM users ORDER BY id")).all()
        assert emails[:2] == ["Hana@Hill.test", "hana@hill.test"]


def _exercise(exercise_id: int, name: str, stage: str, precautions: str, *regions, **columns):
    """An exercise as revision 0010 knew it (and ``columns`` that later ones add)."""
    now = "2026-11-30 10:00:00"
    _insert(
        "exercises", id=exercise_id, slug=f"e{exercise_id}", name=name, aliases="[]",
        summary="", cues="[]", category="glutes", stage=stage, laterality="bilateral",
        equipment="[]", search_text="", precautions=precautions, progress_when="",
        bias_means="", created_at=now, updated_at=now, **columns,
    )  # fmt: skip
    for position, region in enumerate(regions):
        _insert("exercise_regions", exercise_id=exercise_id, region=region, position=position)


class TestExerciseTyping:
    def test_stored_exercises_are_typed_by_the_rule_for_exercises_that_do_not_say(
        self, scratch_app
    ):
        upgrade(revision="0010")
        _exercise(1, "Box Jump", "strength", "[]", "calf", "knee")
        _exercise(2, "A-Skip", "strength", "[]", "ankle")
        _exercise(3, "Hill Walk (easy)", "strength", "[]")
        _exercise(4, "Med Ball Throw", "power", "[]", "shoulders")
        _exercise(5, "Landing Drill", "strength", '["impact"]')
        _exercise(6, "Easy Intervals", "run", "[]")
        _exercise(7, "Hamstring Walkouts", "strength", "[]", "hamstrings")
        _exercise(8, "Jumpless Stretch", "mobility", '["end_range_load"]')
        db.session.commit()

        upgrade()

        rows = db.session.execute(
            sa.text("SELECT id, impact, loads, spine, pressure FROM exercises ORDER BY id")
        ).all()
        impacts = [row.impact for row in rows]
        assert impacts == ["high", "moderate", "low", "high", "high", "moderate", "none", "none"]
        loads = [
            row.loads if isinstance(row.loads, list) else json.loads(row.loads) for row in rows
        ]
        assert loads[0] == [
            {"region": "calf", "level": "moderate"},
            {"region": "knee", "level": "moderate"},
        ]
        assert loads[2] == [] and loads[6] == [{"region": "hamstrings", "level": "moderate"}]
        assert {(row.spine, row.pressure) for row in rows} == {("neutral", "moderate")}
        assert _drift() == []

    def test_the_new_words_go_on_the_way_down(self, scratch_app):
        upgrade()
        _exercise(
            1, "Pelvic Floor Holds", "breathing", "[]", "pelvic_floor", "ribs",
            impact="none", loads="[]", spine="neutral", pressure="low",
        )  # fmt: skip
        db.session.execute(sa.text("UPDATE exercises SET category = 'pelvic_floor'"))
        _insert("exercise_findings", exercise_id=1, finding="pelvic_floor_symptoms", position=0)
        _insert("exercise_findings", exercise_id=1, finding="rib_flare", position=1)
        db.session.commit()

        downgrade(revision="0010")

        assert db.session.scalar(sa.text("SELECT category FROM exercises")) == "deep_core"
        regions = db.session.scalars(sa.text("SELECT region FROM exercise_regions")).all()
        findings = db.session.scalars(sa.text("SELECT finding FROM exercise_findings")).all()
        assert (regions, findings) == (["ribs"], ["rib_flare"])
        with pytest.raises(sa.exc.IntegrityError):
            _insert("exercise_regions", exercise_id=1, region="pelvic_floor", position=5)
            db.session.flush()
        db.session.rollback()


def _client_with_history_at_0012(today) -> None:
    """An academy with a client following a program since four weeks ago, who checked in
    with pain yesterday, and a client with nothing yet, as revision 0012 stores them."""
    from datetime import timedelta

    now = "2026-11-30 10:00:00"
    _insert("academies", id=1, name="A", created_at=now, updated_at=now)
    for user_id, role in ((1, "owner"), (2, "client"), (3, "client")):
        _insert(
            "users", id=user_id, academy_id=1, role=role, name=f"N{user_id}",
            email=f"u{user_id}@north.test", timezone="UTC", status="active",
            search_text="", created_at=now, updated_at=now,
        )  # fmt: skip
    for client_id in (2, 3):
        _insert(
            "clients", id=client_id, academy_id=1, goals="", coach_notes="", status="active",
            version=1, created_at=now, updated_at=now,
        )  # fmt: skip
    _insert(
        "programs", id=1, academy_id=1, kind="client", client_id=2, name="P", description="",
        goal="", weeks=6, search_text="", version=1, created_at=now, updated_at=now,
    )  # fmt: skip
    start = today - timedelta(days=28)
    for session_id in range(1, 7):  # Mondays, weeks 1 to 6
        _insert(
            "program_sessions", id=session_id, program_id=1, week=session_id, day=1,
            title="", notes="", created_at=now,
        )  # fmt: skip
    _insert(
        "assignments", id=1, academy_id=1, client_id=2, program_id=1, start_date=start,
        status="active", notes="", version=1, created_at=now, updated_at=now,
    )  # fmt: skip
    for check_in_id, session_id in ((1, 1), (2, 2), (3, None)):
        on = start + timedelta(days=7 * (session_id - 1)) if session_id else today
        _insert(
            "check_ins", id=check_in_id, academy_id=1, client_id=2,
            date=on - timedelta(days=1) if session_id is None else on,
            assignment_id=1 if session_id else None, session_id=session_id, completed=True,
            rpe=5, duration_minutes=40, notes="", version=1, created_at=now, updated_at=now,
        )  # fmt: skip
    _insert(
        "check_in_ratings", check_in_id=3, academy_id=1, client_id=2,
        date=today - timedelta(days=1), position=0, region="knee", side="left", pain=8,
    )  # fmt: skip
    db.session.commit()


class TestClientSummaries:
    def test_the_command_after_the_upgrade_summarises_every_client_from_the_history(
        self, scratch_app
    ):
        from datetime import timedelta

        from academy.checkins import summaries
        from academy.common.time import local_today

        today = local_today("UTC")
        upgrade(revision="0012")
        _client_with_history_at_0012(today)
        upgrade()
        assert db.session.execute(sa.text("SELECT * FROM client_summaries")).all() == []

        result = scratch_app.test_cli_runner().invoke(
            args=["academy", "rebuild-summaries", "--missing"]
        )

        assert result.exit_code == 0, result.output
        assert "Rebuilt the summaries of 2 clients." in result.output
        stored = {
            row.client_id: row
            for row in db.session.execute(sa.text("SELECT * FROM client_summaries"))
        }
        fresh = summaries.compute(db.session.connection(), [2, 3])
        assert set(stored) == {2, 3}
        for row in fresh:
            kept = stored[row["client_id"]]
            assert (kept.attention, kept.compliance_7d) == (row["attention"], row["compliance_7d"])
            assert str(kept.last_check_in or "") == str(row["last_check_in"] or "")
        following = next(row for row in fresh if row["client_id"] == 2)
        offset = (today - following["since"]).days
        assert following["last_check_in"] == today - timedelta(days=1)
        # Pain of 8 yesterday, sessions ahead: a reason, and the plan worth a look.
        assert following["attention"][offset] == "3"
        # Weeks 1 and 2 done, 3 and 4 missed, 5 today: yesterday's 7 days hold week 4's
        # session, missed; today's hold only today's, which counts once done.
        rates = following["compliance_7d"]
        assert rates[5 * (offset - 1) : 5 * offset] == "00000"
        assert rates[5 * offset : 5 * offset + 5] == "-----"
        assert _drift() == []

    def test_they_go_on_the_way_down(self, scratch_app):
        upgrade()

        downgrade(revision="0012")

        assert "client_summaries" not in _tables()
