"""The pain that check-ins report, as the safety rules and the summaries read it."""

from datetime import date
from typing import Any

import sqlalchemy as sa

from academy.checkins.models import CheckInRating
from academy.common.tenancy import through


def worst_pain(
    client_ids: list[int] | sa.BindParameter[Any], since: date | sa.BindParameter[date]
) -> sa.Select[int, str, str, int | None, date]:
    """(client, region, side, pain, date) of the pain the clients' check-ins rated from
    ``since`` (clients found in scope by the caller): a day's rating of a region and side
    is its worst, since the rules hold more, never less, for a higher pain. Grouped in
    the database, so a client's rows are bounded by the days and the regions rated,
    however many check-ins a day holds."""
    return (
        sa.select(
            CheckInRating.client_id,
            CheckInRating.region,
            CheckInRating.side,
            sa.func.max(CheckInRating.pain).label("pain"),
            CheckInRating.date,
        )
        .where(
            through(CheckInRating.client_id, client_ids),
            CheckInRating.date >= since,
            CheckInRating.pain.is_not(None),
        )
        .group_by(
            CheckInRating.client_id, CheckInRating.date, CheckInRating.region, CheckInRating.side
        )
    )
