"""People: users with an email, a name, an entity and a role."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from conaig_flow.app import App
from conaig_flow.domain.actors import ROLES, Actor
from conaig_flow.errors import InvalidInput, NotFound
from conaig_flow.i18n import role_label
from conaig_flow.store.tables import EntityRow, UserRow

if TYPE_CHECKING:
    from pwdlib import PasswordHash

U = UserRow.__table__  # type: ignore[attr-defined]
ENT = EntityRow.__table__  # type: ignore[attr-defined]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class UserView:
    id: int
    email: str
    name: str
    entity: str
    role: str
    active: bool
    capacity: str | None = None


@cache
def _hasher() -> PasswordHash:
    """Argon2 (pwdlib), built when a password is first hashed or checked: most commands never do."""
    from pwdlib import PasswordHash

    return PasswordHash.recommended()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return _hasher().verify(password, hashed)


CAPACITIES = ("titular", "alterno")


def check_profile(app: App, name: str, entity: str, role: str, capacity: str | None) -> None:
    """A user's name, entity, role and capacity are acceptable; InvalidInput says what is not."""
    if role not in ROLES:
        opts = ", ".join(f"{r} ({role_label(r)})" for r in ROLES)
        raise InvalidInput(f"Rol desconocido «{role}». Roles posibles: {opts}.")
    if capacity is not None and capacity not in CAPACITIES:
        raise InvalidInput(f"Calidad desconocida «{capacity}». Se espera: titular o alterno.")
    if capacity is not None and role != "member":
        raise InvalidInput("Solo los integrantes de la comisión (rol member) tienen calidad de titular o alterno.")
    if not name.strip():
        raise InvalidInput("El nombre no puede estar vacío.")
    app.definitions()  # the plan must be loaded: entities come from it
    with app.db.read() as conn:
        codes = set(conn.execute(select(ENT.c.code)).scalars())
    if entity not in codes:
        raise InvalidInput(f"Entidad desconocida «{entity}». Entidades del plan: {', '.join(sorted(codes))}.")


def add_user(
    app: App,
    email: str,
    name: str,
    entity: str,
    role: str,
    password: str | None = None,
    capacity: str | None = None,
    *,
    password_hash: str | None = None,
) -> UserView:
    """Register a user. ``capacity`` (titular/alterno) applies to commission members only.

    ``password_hash`` (from ``hash_password``) may be given instead of ``password`` when many
    users share one password (the demo): hashing is deliberately slow.
    """
    email = email.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"Correo electrónico no válido: «{email}».")
    check_profile(app, name, entity, role, capacity)
    with app.db.write() as conn:
        try:
            with conn.begin_nested():
                new_id = conn.execute(
                    insert(U).values(
                        email=email, name=name.strip(), entity_code=entity, role=role, capacity=capacity,
                        password_hash=hash_password(password) if password else password_hash,
                        active=True, created_at=app.clock.now(),
                    ).returning(U.c.id)
                ).scalar_one()
        except IntegrityError:
            raise InvalidInput(f"Ya existe un usuario con el correo «{email}».") from None
    return UserView(int(new_id), email, name.strip(), entity, role, True, capacity)


def list_users(app: App) -> list[UserView]:
    app.definitions()  # NotInitialised (a clear message) before the tables exist
    with app.db.read() as conn:
        rows = conn.execute(select(U).order_by(U.c.entity_code, U.c.email)).all()
    return [UserView(r.id, r.email, r.name, r.entity_code, r.role, r.active, r.capacity) for r in rows]


def actor_for(app: App, email: str) -> Actor:
    """The active user with that email, as an Actor."""
    app.definitions()  # NotInitialised (a clear message) before the tables exist
    with app.db.read() as conn:
        row = conn.execute(select(U).where(U.c.email == email.strip().lower())).first()
    if row is None or not row.active:
        raise NotFound(f"No existe un usuario activo con el correo «{email}». Regístrelo con «conaig users add».")
    return Actor(email=row.email, name=row.name, role=row.role, entity=row.entity_code)
