"""Who acts: a user with a role, belonging to an entity."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("officer", "secretariat", "reviewer", "member", "admin")


@dataclass(frozen=True)
class Actor:
    email: str
    name: str
    role: str
    entity: str


SYSTEM = Actor(email="sistema@conaig-flow", name="conaig-flow", role="system", entity="")
