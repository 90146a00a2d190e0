"""Administration of users and entities (admin role only)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, NotFound, PermissionDenied
from conaig_flow.i18n import role_label
from conaig_flow.services import users
from conaig_flow.services.audit import record_refusal
from conaig_flow.store.tables import EntityRow, UserRow
from conaig_flow.store.tables_web import AdminLogRow, WebSessionRow

U = UserRow.__table__  # type: ignore[attr-defined]
ENT = EntityRow.__table__  # type: ignore[attr-defined]
S = WebSessionRow.__table__  # type: ignore[attr-defined]
AL = AdminLogRow.__table__  # type: ignore[attr-defined]
#: what the admin log keeps of a user (never the password hash)
LOGGED = ("email", "name", "entity_code", "role", "capacity", "active")
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


def find_users(app: App, actor: Actor, search: str, offset: int, limit: int) -> tuple[list[users.UserView], int]:
    """One page of the users whose email, name, entity code or entity name contain every word of
    ``search`` (case aside), ordered by entity and email, and how many match in all."""
    require_admin(app, actor, "list_users")
    query = select(U).select_from(U.outerjoin(ENT, ENT.c.code == U.c.entity_code))
    for word in search.lower().split():
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(func.lower(col).like(pattern, escape="\\")
                                  for col in (U.c.email, U.c.name, U.c.entity_code, ENT.c.name))))
    with app.db.read() as conn:
        total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
        rows = conn.execute(query.order_by(U.c.entity_code, U.c.email).offset(offset).limit(limit)).all()
    return [users.UserView(r.id, r.email, r.name, r.entity_code, r.role, r.active, r.capacity) for r in rows], total


def list_entities(app: App, actor: Actor) -> list[EntityView]:
    require_admin(app, actor, "list_entities")
    with app.db.read() as conn:
        counts = dict(conn.execute(select(U.c.entity_code, func.count()).group_by(U.c.entity_code)).tuples().all())
        rows = conn.execute(select(ENT).order_by(ENT.c.code)).all()
    return [EntityView(r.code, r.name, r.participation, bool(r.votes), int(counts.get(r.code, 0))) for r in rows]


def add_user(app: App, actor: Actor, email: str, name: str, entity: str, role: str, password: str) -> users.UserView:
    require_admin(app, actor, "add_user")
    _check_password(password)
    view = users.add_user(app, email, name, entity, role, password)
    with app.db.write() as conn:
        _log(conn, app.clock.now(), actor, "alta", view.email, {}, _snapshot(conn, view.id))
    return view


def _snapshot(conn: Connection, user_id: int) -> dict[str, Any]:
    row = conn.execute(select(*(U.c[c] for c in LOGGED)).where(U.c.id == user_id)).mappings().first()
    if row is None:
        raise NotFound(f"No existe el usuario {user_id}.")
    return dict(row)


def _log(conn: Connection, now: datetime, actor: Actor, action: str, target: str,
         before: dict[str, Any], after: dict[str, Any]) -> None:
    conn.execute(insert(AL).values(
        at=now, actor_email=actor.email, action=action, target=target,
        before=json.dumps(before, ensure_ascii=False, sort_keys=True),
        after=json.dumps(after, ensure_ascii=False, sort_keys=True),
    ))


def get_user(app: App, actor: Actor, user_id: int) -> users.UserView:
    require_admin(app, actor, "get_user")
    with app.db.read() as conn:
        r = _snapshot(conn, user_id)
    return users.UserView(user_id, r["email"], r["name"], r["entity_code"], r["role"], bool(r["active"]), r["capacity"])


def update_user(app: App, actor: Actor, user_id: int, *, name: str, entity: str, role: str,
                capacity: str | None) -> None:
    """Change a user's name, entity, role or capacity (titular/alterno); recorded in the admin log.

    A change of entity or role ends the user's open sessions, so no page keeps showing what the
    person may no longer see."""
    require_admin(app, actor, "update_user")
    users.check_profile(app, name, entity, role, capacity)
    with app.db.write() as conn:
        before = _snapshot(conn, user_id)
        if before["email"] == actor.email and role != "admin":
            raise InvalidInput("No puede quitarse a sí mismo el rol de administración.")
        conn.execute(update(U).where(U.c.id == user_id).values(
            name=name.strip(), entity_code=entity, role=role, capacity=capacity))
        after = _snapshot(conn, user_id)
        if after == before:
            return
        if (before["entity_code"], before["role"]) != (after["entity_code"], after["role"]):
            conn.execute(delete(S).where(S.c.user_id == user_id))
        _log(conn, app.clock.now(), actor, "edición", before["email"],
             {k: v for k, v in before.items() if after[k] != v}, {k: v for k, v in after.items() if before[k] != v})


@dataclass(frozen=True)
class AdminLogEntry:
    at: datetime
    actor_email: str
    action: str
    target: str
    changes: list[tuple[str, Any, Any]]  # (field label, before, after)


FIELD_LABELS = {"email": "correo", "name": "nombre", "entity_code": "entidad", "role": "rol",
                "capacity": "calidad", "active": "activo", "password": "contraseña", "entity_name": "nombre de la entidad"}


def admin_log(app: App, actor: Actor, target: str | None = None, limit: int = 50) -> list[AdminLogEntry]:
    require_admin(app, actor, "admin_log")
    query = select(AL).order_by(AL.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(AL.c.target == target)
    with app.db.read() as conn:
        rows = conn.execute(query).all()
    out = []
    for r in rows:
        before, after = json.loads(r.before), json.loads(r.after)
        keys = sorted(set(before) | set(after), key=lambda k: list(FIELD_LABELS).index(k) if k in FIELD_LABELS else 99)
        out.append(AdminLogEntry(r.at, r.actor_email, r.action, r.target,
                                 [(FIELD_LABELS.get(k, k), _shown(k, before.get(k)), _shown(k, after.get(k)))
                                  for k in keys]))
    return out


def _shown(field: str, value: Any) -> Any:
    """A logged value as a person reads it (a role's name, «sí»/«no»), not its code."""
    if value is None:
        return None
    if field == "role":
        return role_label(str(value))
    if isinstance(value, bool):
        return "sí" if value else "no"
    return value


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
        before = _snapshot(conn, user_id)
        conn.execute(update(U).where(U.c.id == user_id).values(active=active))
        if not active:
            conn.execute(delete(S).where(S.c.user_id == user_id))
        if bool(before["active"]) != active:
            _log(conn, app.clock.now(), actor, "activación" if active else "desactivación", target,
                 {"active": bool(before["active"])}, {"active": active})


def set_password(app: App, actor: Actor, user_id: int, password: str) -> None:
    """A new password ends the user's open sessions."""
    require_admin(app, actor, "set_password")
    _check_password(password)
    with app.db.write() as conn:
        done = conn.execute(update(U).where(U.c.id == user_id).values(password_hash=users.hash_password(password)))
        if done.rowcount != 1:
            raise NotFound(f"No existe el usuario {user_id}.")
        conn.execute(delete(S).where(S.c.user_id == user_id))
        email = conn.execute(select(U.c.email).where(U.c.id == user_id)).scalar_one()
        _log(conn, app.clock.now(), actor, "cambio de contraseña", email, {"password": "anterior"}, {"password": "nueva"})
