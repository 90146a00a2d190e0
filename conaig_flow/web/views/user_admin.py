"""Administration of users and entities (admin role only)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, NotFound, PermissionDenied
from conaig_flow.services import users
from conaig_flow.services.audit import record_refusal
from conaig_flow.store.tables import EntityRow, UserRow
from conaig_flow.store.tables_web import WebSessionRow

U = UserRow.__table__  # type: ignore[attr-defined]
ENT = EntityRow.__table__  # type: ignore[attr-defined]
S = WebSessionRow.__table__  # type: ignore[attr-defined]
MIN_PASSWORD = 10


@dataclass(frozen=True)
class EntityView:
    code: str
    name: str
    participation: str
    votes: bool
    users: int


def require_admin(app: App, actor: Actor, action: str) -> None:
    if actor.role != "admin":
        exc = PermissionDenied("Esta sección es solo para la administración del sistema.")
        record_refusal(app, actor, action, "administración", exc.message)
        raise exc


def list_users(app: App, actor: Actor) -> list[users.UserView]:
    require_admin(app, actor, "list_users")
    return users.list_users(app)


def list_entities(app: App, actor: Actor) -> list[EntityView]:
    require_admin(app, actor, "list_entities")
    with app.db.read() as conn:
        counts = dict(conn.execute(select(U.c.entity_code, func.count()).group_by(U.c.entity_code)).tuples().all())
        rows = conn.execute(select(ENT).order_by(ENT.c.code)).all()
    return [EntityView(r.code, r.name, r.participation, bool(r.votes), int(counts.get(r.code, 0))) for r in rows]


def add_user(app: App, actor: Actor, email: str, name: str, entity: str, role: str, password: str) -> users.UserView:
    require_admin(app, actor, "add_user")
    _check_password(password)
    return users.add_user(app, email, name, entity, role, password)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"La contraseña debe tener al menos {MIN_PASSWORD} caracteres.")


def set_active(app: App, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivating a user also ends all of their web sessions."""
    require_admin(app, actor, "set_active")
    with app.db.write() as conn:
        target = conn.execute(select(U.c.email).where(U.c.id == user_id)).scalar_one_or_none()
        if target is None:
            raise NotFound(f"No existe el usuario {user_id}.")
        if target == actor.email and not active:
            raise InvalidInput("No puede desactivar su propia cuenta.")
        conn.execute(update(U).where(U.c.id == user_id).values(active=active))
        if not active:
            conn.execute(delete(S).where(S.c.user_id == user_id))


def set_password(app: App, actor: Actor, user_id: int, password: str) -> None:
    """A new password ends the user's open sessions."""
    require_admin(app, actor, "set_password")
    _check_password(password)
    with app.db.write() as conn:
        done = conn.execute(update(U).where(U.c.id == user_id).values(password_hash=users.hash_password(password)))
        if done.rowcount != 1:
            raise NotFound(f"No existe el usuario {user_id}.")
        conn.execute(delete(S).where(S.c.user_id == user_id))
