"""The administration renames an entity (a plan amendment, services.plan_amendments), each
change in the audited admin log."""

from __future__ import annotations

from sqlalchemy import select

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import NotFound
from conaig_flow.services import plan_amendments
from conaig_flow.web.views.user_admin import ENT, AdminLogEntry, _log, admin_log, require_admin


def rename(app: App, actor: Actor, code: str, name: str) -> bool:
    """Give entity ``code`` the name ``name``; False when it already had it (nothing recorded)."""
    require_admin(app, actor, "rename_entity")
    name = plan_amendments.check_entity_name(name)
    with app.db.write() as conn:
        before = conn.execute(select(ENT.c.name).where(ENT.c.code == code)).scalar_one_or_none()
        if before is None:
            raise NotFound(f"No existe la entidad «{code}».")
        if app.definitions().plan.owner_name(code) == name and before == name:
            return False
        defs = plan_amendments.rename_entity(app, conn, code, name)
        _log(conn, app.clock.now(), actor, "edición de entidad", code, {"entity_name": before}, {"entity_name": name})
    app.use_definitions(defs)
    return True


def log(app: App, actor: Actor, code: str) -> list[AdminLogEntry]:
    return admin_log(app, actor, target=code)
