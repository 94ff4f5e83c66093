"""Integrity errors told apart by the constraint that broke, on either database: a
check-in's insert reads only the session's own unique index as a clash, and any other
refusal (a negative distance, say) is not answered as "this session already has a
check-in"."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from academy.activities.models import Activity
from academy.checkins import service as checkins
from academy.checkins.models import ONE_PER_SESSION, CheckIn
from academy.errors import constraint_name
from academy.extensions import db
from tests.activities.conftest import file_bytes, upload
from tests.checkins.conftest import TODAY, check_in_for, post_check_in

_CHECK_INS = CheckIn.__table__


def broken_by(statement) -> str | None:
    with pytest.raises(IntegrityError) as caught:
        db.session.execute(statement)
    db.session.rollback()
    return constraint_name(caught.value)


def a_check_in(client_user, **columns) -> dict:
    return {
        "academy_id": client_user.academy_id,
        "client_id": client_user.id,
        "date": TODAY,
        "completed": True,
        "notes": "",
        "version": 1,
        "created_at": sa.func.now(),
        "updated_at": sa.func.now(),
        **columns,
    }


class TestConstraintName:
    def test_a_check_constraint_is_named(self, client_user):
        statement = sa.insert(_CHECK_INS).values(a_check_in(client_user, run_distance_km=-1))

        assert broken_by(statement) == "ck_check_ins_run_distance_km_positive"

    def test_a_unique_index_is_named(self, http, client_user, sessions, assignment):
        posted = post_check_in(http, client_user, check_in_for(sessions[(1, 1)], assignment["id"]))
        again = a_check_in(
            client_user, assignment_id=assignment["id"], session_id=posted.get_json()["session_id"]
        )

        assert broken_by(sa.insert(_CHECK_INS).values(again)) == ONE_PER_SESSION

    def test_a_unique_constraint_is_named(self, http, client_user):
        upload(http, client_user, file_bytes("five-k.gpx"), "a.gpx")
        table = Activity.__table__
        row = dict(db.session.execute(sa.select(table)).mappings().one())
        row.pop("id")

        assert broken_by(sa.insert(table).values(row)) == "uq_activities_client_id_content_hash_leg"


class TestACheckInRefusedByAConstraint:
    def test_another_constraint_than_the_sessions_is_no_clash(self, client_user):
        body = {"date": TODAY, "run": {"distance_km": -1.0}}

        with pytest.raises(IntegrityError) as caught:
            checkins.create_check_in(client_user.user, body)

        assert constraint_name(caught.value) == "ck_check_ins_run_distance_km_positive"
