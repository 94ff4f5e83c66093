"""The demo academy of the quick start: an owner coach and two clients.

Loading it again refreshes it: the same people, new passwords (printed).
"""

import secrets

import sqlalchemy as sa

from academy.auth.models import Academy, User
from academy.auth.passwords import hash_password
from academy.clients.models import Client
from academy.extensions import db

ACADEMY_NAME = "Demo Running Academy"
OWNER = {"name": "Maya Coach", "email": "coach@demo.academy"}
CLIENTS = [
    {
        "name": "Sam Runner",
        "email": "sam@demo.academy",
        "timezone": "Europe/London",
        "goals": "Run the autumn half marathon without the left hip pinching.",
        "weekly_volume_km": 32.0,
        "target_race": "Autumn Half Marathon",
        "coach_notes": "Anterior tilt, stronger on the left; grips glutes in bridges.",
    },
    {
        "name": "Alex Strider",
        "email": "alex@demo.academy",
        "timezone": "America/New_York",
        "goals": "Get back to 10k after plantar fasciitis.",
        "weekly_volume_km": 15.0,
        "target_race": None,
        "coach_notes": "Calves chronically tight; build foot strength before speed.",
    },
]


def _password() -> str:
    return secrets.token_urlsafe(12)


def load() -> list[str]:
    academy = db.session.scalar(sa.select(Academy).where(Academy.name == ACADEMY_NAME))
    if academy is None:
        academy = Academy(name=ACADEMY_NAME)
        db.session.add(academy)
        db.session.flush()
    lines = [f"Demo academy: {ACADEMY_NAME} (id {academy.id})"]

    def person(role: str, name: str, email: str, timezone: str = "UTC") -> tuple[User, str]:
        user = db.session.scalar(
            sa.select(User).where(User.academy_id == academy.id, User.email == email)
        )
        if user is None:
            user = User(academy_id=academy.id, role=role, name=name, email=email)
            db.session.add(user)
        password = _password()
        user.password_hash = hash_password(password)
        user.status = "active"
        user.timezone = timezone
        lines.append(f"  {role:<6} {email}  password: {password}")
        return user, password

    person("owner", **OWNER)
    for data in CLIENTS:
        user, _ = person("client", data["name"], data["email"], data["timezone"])
        db.session.flush()
        client = db.session.get(Client, user.id) or Client(
            id=user.id, academy_id=academy.id, status="active"
        )
        client.goals = data["goals"]
        client.weekly_volume_km = data["weekly_volume_km"]
        client.target_race = data["target_race"]
        client.coach_notes = data["coach_notes"]
        db.session.add(client)
    db.session.commit()
    return lines
