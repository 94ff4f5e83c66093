"""Figures a domain shows that a domain above it keeps.

The client list (``GET /clients``, ``GET /clients/{id}``) shows each client's last
check-in, 7-day compliance and unread messages, and sorts by the first two; ``GET /me``
shows the caller's unread messages. Check-ins and messages import the clients' and
the accounts' models, so neither clients nor accounts may import them back. Each such
figure is declared here once, with its signature, as a ``Provided`` function; the
module that computes it provides it when it is imported (``@client_figures.provide``
on the implementation), which the app factory does for every domain before it serves
a request. A type checker holds both sides to the declared signature.

Where each one is provided:

- ``client_figures`` and ``order_clients``: ``academy.progress.service``
- ``unread_total``: ``academy.messages.service``
"""

from collections.abc import Callable
from datetime import date
from typing import Generic, ParamSpec, TypedDict, TypeVar

import sqlalchemy as sa

from academy.common.auth import Actor

P = ParamSpec("P")
R = TypeVar("R")


class Provided(Generic[P, R]):
    """A function one domain calls and a domain above it implements: called like the
    implementation, it runs it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.implementation: Callable[P, R] | None = None

    def provide(self, implementation: Callable[P, R]) -> Callable[P, R]:
        """Decorate the implementation with this, in the module that defines it."""
        self.implementation = implementation
        return implementation

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        if self.implementation is None:
            raise RuntimeError(
                f"No domain provides {self.name}: build the app with create_app(), which "
                "imports every domain."
            )
        return self.implementation(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<Provided {self.name}: {self.implementation!r}>"


class ClientFigures(TypedDict):
    """What the client list shows beside a client."""

    last_check_in: date | None
    compliance_7d: float | None
    unread_messages: int


# The figures of a client with nothing done and nothing written yet.
NO_FIGURES: ClientFigures = {"last_check_in": None, "compliance_7d": None, "unread_messages": 0}

client_figures: Provided[[Actor, list[int]], dict[int, ClientFigures]] = Provided("client_figures")
"""Each of ``client_ids``' figures (clients the caller's academy has), in a fixed number
of statements."""

order_clients: Provided[[Actor, sa.Select, str, bool], sa.Select] = Provided("order_clients")
"""A select of the academy's clients (their user joined) ordered by a figure of the
client list, ``last_check_in`` or ``compliance_7d``, descending or not: those with one
first, by it, then by name; the rest after them, by name."""

unread_total: Provided[[Actor], int] = Provided("unread_total")
"""The messages from the other side the caller has not read."""
