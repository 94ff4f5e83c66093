"""Clients of an academy: search, create with an invitation, edit, archive."""

import sqlalchemy as sa
from flask_smorest.pagination import PaginationParameters

from academy.audit import service as audit_log
from academy.auth.models import Invitation, User
from academy.auth.service import (
    count_invitation,
    ensure_email_free,
    issue_invitation,
    normalise_email,
    revoke_all,
)
from academy.clients.models import Client
from academy.common import figures
from academy.common.auth import Actor
from academy.common.etag import check_version
from academy.common.pagination import paginate
from academy.common.search import matching
from academy.common.tenancy import get_scoped, scoped
from academy.common.time import utcnow
from academy.errors import Conflict, Forbidden
from academy.extensions import db

_PROFILE_FIELDS = ("goals", "coach_notes", "birth_date")
_RUNNING_FIELDS = ("weekly_volume_km", "target_race", "target_race_date")


def list_clients(
    actor: Actor,
    pagination_parameters: PaginationParameters,
    q: str | None = None,
    status: str = "active",
    sort: str = "name",
) -> list[Client]:
    """One page of the academy's clients, each with its figures (``last_check_in``,
    ``compliance_7d``, ``unread_messages``). Sorted in the database by name, or by a
    figure, those without one last. The domains above this one keep the figures and
    their order (``academy.common.figures``)."""
    stmt = scoped(Client, actor).join(Client.user).where(Client.status == status)
    if (found := matching(User.search_text, q)) is not None:
        stmt = stmt.where(found)
    name = sa.func.lower(User.name)
    field, descending = sort.lstrip("-"), sort.startswith("-")
    if field == "name":
        order = (name.desc(), Client.id.desc()) if descending else (name, Client.id)
        stmt = stmt.order_by(*order)
    else:
        stmt = figures.order_clients(actor, stmt, field, descending)
    page = paginate(stmt, pagination_parameters)
    found = figures.client_figures(actor, [client.id for client in page])
    for client in page:
        client.figures = found.get(client.id, figures.NO_FIGURES)
    return page


def get_client(actor: Actor, client_id: int) -> Client:
    return get_scoped(Client, client_id, actor, what="client")


def read_client(actor: Actor, client_id: int) -> Client:
    """A client with its figures."""
    client = get_client(actor, client_id)
    client.figures = figures.client_figures(actor, [client.id])[client.id]
    return client


def _apply(client: Client, data: dict) -> None:
    user = client.user
    if "name" in data:
        user.name = data["name"].strip()
    if "email" in data:
        user.email = normalise_email(data["email"])
    if "timezone" in data:
        user.timezone = data["timezone"]
    for field in _PROFILE_FIELDS:
        if field in data:
            setattr(client, field, data[field])
    for field in _RUNNING_FIELDS:
        if field in data.get("running_profile", {}):
            setattr(client, field, data["running_profile"][field])


def create_client(actor: Actor, data: dict) -> Client:
    """A new client with an open invitation (carried as ``client.invitation``). Counted
    against the academy's invitations first, a refused email included."""
    email = normalise_email(data["email"])
    count_invitation(actor)
    ensure_email_free(email)
    user = User(academy_id=actor.academy_id, role="client", name="", email=email)
    client = Client(user=user, academy_id=actor.academy_id, status="active")
    _apply(client, data)
    db.session.add(client)
    db.session.flush()
    client.invitation = issue_invitation(user, actor)
    db.session.flush()
    client.figures = figures.NO_FIGURES
    return client


def update_client(actor: Actor, client_id: int, expected_version: int | None, data: dict) -> Client:
    client = get_client(actor, client_id)
    check_version(client, expected_version)
    if client.user.status == "erased":
        raise Conflict("The client erased their personal data; the record cannot change.")
    if "email" in data and normalise_email(data["email"]) != client.user.email:
        # Whether another email has an account is the answer an invitation gives: it
        # is counted the same way.
        count_invitation(actor)
        ensure_email_free(normalise_email(data["email"]), except_user_id=client.id)
    _apply(client, data)
    if "status" in data and data["status"] != client.status:
        _set_status(client, data["status"])
    # Touch the client row even when only the user changed, so the version moves on.
    client.updated_at = utcnow()
    db.session.flush()
    client.figures = figures.client_figures(actor, [client.id])[client.id]
    return client


def _set_status(client: Client, status: str) -> None:
    client.status = status
    if status == "archived":
        client.user.status = "archived"
        revoke_all(client.id)
        db.session.execute(
            sa.update(Invitation)
            .where(Invitation.user_id == client.id, Invitation.closed_at.is_(None))
            .values(closed_at=utcnow())
        )
    else:
        client.user.status = "active" if client.user.password_hash else "invited"


def archive_client(actor: Actor, client_id: int, expected_version: int | None) -> None:
    """Archive: the client loses access; their history stays for the coach."""
    client = get_client(actor, client_id)
    check_version(client, expected_version)
    if client.status != "archived":
        _set_status(client, "archived")
        client.updated_at = utcnow()
    db.session.flush()


def reissue_invitation(actor: Actor, client_id: int, reset_access: bool = False) -> Client:
    """A new code for the client. For a client who already has access, only on the
    owner's explicit ``reset_access``: the code's holder sets their password."""
    if reset_access and actor.role != "owner":
        raise Forbidden("Only the academy's owner may reset a client's access.")
    client = get_client(actor, client_id)
    if client.status == "archived":
        raise Conflict("The client is archived; restore them before inviting them again.")
    has_access = client.user.status == "active"
    if has_access and not reset_access:
        raise Conflict(
            "The client has accepted an invitation and has access. To give them a "
            "new code anyway, the owner sends reset_access: true; accepting it sets "
            "a new password and ends every session of theirs."
        )
    count_invitation(actor)
    if has_access:
        audit_log.record_updated("client", client.id, client.academy_id, ["access"])
    client.invitation = issue_invitation(client.user, actor)
    db.session.flush()
    return client
