"""Loading a plan into the database and reading back the definitions in force."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, bindparam, func, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain.planning import DeliverableSpec, initial_deliverables
from conaig_flow.errors import InvalidInput
from conaig_flow.store import migrate
from conaig_flow.store.definition_bundles import bundle_text, stored_definitions
from conaig_flow.store.definitions import Definitions, load_files
from conaig_flow.store.tables import DefinitionRow, DeliverableRow, EntityRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
DEF = DefinitionRow.__table__  # type: ignore[attr-defined]
ENT = EntityRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class InitReport:
    plan_code: str
    definitions_loaded: bool
    entities_added: int
    deliverables_created: int


def _content_sha(defs: Definitions) -> str:
    """What identifies a load: the texts only, not the paths they were read from (which
    depend on the working directory), so ``init`` from another folder changes nothing."""
    content = json.dumps(
        {"plan": defs.plan_source.text, "lifecycles": sorted(s.text for s in defs.lifecycle_sources)},
        ensure_ascii=False,
        sort_keys=True,
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def init(app: App, plan_file: Path, lifecycles_dir: Path | None = None) -> InitReport:
    """Create or migrate the database, load the plan, create its deliverables.

    The files are validated completely before anything is written; running it again with
    the same files changes nothing.
    """
    defs = load_files(plan_file, lifecycles_dir)
    migrate.upgrade(app.db)
    now = app.clock.now()
    text = bundle_text(defs)
    sha = _content_sha(defs)
    with app.db.write() as conn:
        newest = conn.execute(
            select(DEF.c.plan_code, DEF.c.sha256).order_by(DEF.c.id.desc()).limit(1)
        ).first()
        if newest is not None and newest.plan_code != defs.plan.code:
            raise InvalidInput(
                f"Esta base de datos ya contiene el plan «{newest.plan_code}»; no se puede cargar "
                f"«{defs.plan.code}» en ella. Use otra base de datos (--db o --home)."
            )
        loaded = newest is None or newest.sha256 != sha
        if loaded:
            conn.execute(
                insert(DEF).values(
                    plan_code=defs.plan.code, kind="bundle", name=defs.plan_source.name,
                    sha256=sha, text=text, loaded_at=now,
                )
            )
        existing = dict(conn.execute(select(ENT.c.code, ENT.c.name)).tuples().all())
        added = 0
        for e in defs.plan.entities:
            if e.code in existing and existing[e.code] != e.name:  # the plan's wording rules (an amendment undone)
                conn.execute(update(ENT).where(ENT.c.code == e.code).values(name=e.name))
            if e.code not in existing:
                conn.execute(
                    insert(ENT).values(code=e.code, name=e.name, participation=e.participation, votes=e.has_vote)
                )
                added += 1
        created = ensure_deliverables(
            app, conn, defs, initial_deliverables(defs.plan), "Creado al cargar el plan", now
        )
    app.use_definitions(defs)
    return InitReport(defs.plan.code, loaded, added, created)


def ensure_deliverables(
    app: App, conn: Connection, defs: Definitions, specs: list[DeliverableSpec], origin: str, now: object
) -> int:
    """Insert the deliverables of ``specs`` that do not exist yet; returns how many were new."""
    from conaig_flow.domain.audit_chain import GENESIS

    if not specs:
        return 0
    existing = {
        (r.activity, r.owner, r.period)
        for r in conn.execute(
            select(D.c.activity, D.c.owner, D.c.period).where(
                D.c.plan_code == defs.plan.code, D.c.activity.in_({s.activity for s in specs})
            )
        )
    }
    rows = [
        {
            "plan_code": defs.plan.code,
            "activity": s.activity,
            "kind": s.kind,
            "owner": s.owner,
            "owner_kind": s.owner_kind,
            "period": s.period,
            "title": s.title,
            "due_at": s.due,
            "state": defs.lifecycles[s.kind].initial,
            "version": 1,
            "head_hash": GENESIS,
            "origin": origin,
            "created_at": now,
            "updated_at": now,
        }
        for s in specs
        if (s.activity, s.owner, s.period) not in existing
    ]
    if rows:
        conn.execute(insert(D), rows)
        seal_identities(conn, [str(r["activity"]) for r in rows])
    return len(rows)


def seal_identities(conn: Connection, activities: list[str]) -> None:
    """Write the identity hash of the deliverables just created (their ids are needed)."""
    from conaig_flow.domain.audit_chain import identity_hash

    fresh = conn.execute(
        select(D).where(D.c.identity_hash.is_(None), D.c.activity.in_(set(activities)))
    ).mappings().all()
    if fresh:
        conn.execute(
            update(D).where(D.c.id == bindparam("row_id")).values(identity_hash=bindparam("digest")),
            [{"row_id": r["id"], "digest": identity_hash(dict(r))} for r in fresh],
        )


def load_definitions(app: App) -> Definitions:
    """The newest definitions stored in the database (validated again on the way in)."""
    return stored_definitions(app.db)


def count_deliverables(app: App) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(D)).scalar_one())


def owner_exists(app: App, owner: str) -> bool:
    """Whether any deliverable is owned by ``owner`` (an entity, the commission or a team)."""
    with app.db.read() as conn:
        return conn.execute(select(D.c.id).where(D.c.owner == owner).limit(1)).first() is not None
