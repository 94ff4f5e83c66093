"""The two forms of a scoped query see the same rows: ``scoped`` built per request, and
``scoped_to_client`` built once with the caller bound as parameters."""

from datetime import date

import pytest
import sqlalchemy as sa

from academy.checkins.models import CheckIn
from academy.common.tenancy import client_scope, scoped, scoped_to_client
from academy.errors import NotFound
from academy.extensions import db


def _check_in(actor) -> int:
    row = CheckIn(academy_id=actor.user.academy_id, client_id=actor.id, date=date(2026, 3, 2))
    db.session.add(row)
    db.session.flush()
    return row.id


def test_both_forms_see_only_the_callers_own_rows(
    client_user, other_client_user, other_academy_client
):
    mine = [_check_in(client_user), _check_in(client_user)]
    _check_in(other_client_user)
    _check_in(other_academy_client)

    per_request = db.session.scalars(scoped(CheckIn, client_user.user, CheckIn.id)).all()
    built_once = db.session.scalars(
        scoped_to_client(CheckIn, CheckIn.id), client_scope(client_user.user)
    ).all()

    assert sorted(per_request) == sorted(built_once) == mine


def test_the_client_form_is_for_clients_only(coach):
    with pytest.raises(NotFound):
        client_scope(coach.user)


def test_a_statement_built_once_takes_any_client(client_user, other_academy_client):
    statement = scoped_to_client(CheckIn, sa.func.count())
    _check_in(other_academy_client)

    assert db.session.scalar(statement, client_scope(client_user.user)) == 0
    assert db.session.scalar(statement, client_scope(other_academy_client.user)) == 1
