"""Amendments of the plan in force made from the web, not from a file: an entity's name.

An amendment is stored as the newest definitions bundle (``definitions``), exactly as a load of
the files would be, so every page, email and document uses the new name from then on; the
entity's code is its identity (deliverables, users, actas refer to it) and is not edited here.
Loading the plan file again (``conaig init``) puts the file's wording back: keep the file in step.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import yaml
from sqlalchemy import Connection, insert, update

from conaig_flow.app import App
from conaig_flow.errors import ConaigError, InvalidInput, NotFound
from conaig_flow.store.definition_bundles import (
    bundle_text,
    definitions_row_at,
    locked_newest_definitions,
    parse_bundle,
)
from conaig_flow.store.definitions import Definitions, Source, parse_definitions
from conaig_flow.store.tables import DefinitionRow, EntityRow

DEF = DefinitionRow.__table__  # type: ignore[attr-defined]
ENT = EntityRow.__table__  # type: ignore[attr-defined]
MAX_NAME = 200


def _sha(defs: Definitions) -> str:
    content = json.dumps(
        {"plan": defs.plan_source.text, "lifecycles": sorted(s.text for s in defs.lifecycle_sources)},
        ensure_ascii=False, sort_keys=True,
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def check_entity_name(name: str) -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("Escriba el nombre de la entidad (por ejemplo, «Ministerio de Salud»).")
    if len(cleaned) > MAX_NAME:
        raise InvalidInput(f"El nombre tiene {len(cleaned)} caracteres; el máximo es {MAX_NAME}.")
    return cleaned


def renamed(defs: Definitions, code: str, name: str) -> Definitions:
    """The definitions with entity ``code`` named ``name`` (validated like a file)."""
    data: Any = yaml.safe_load(defs.plan_source.text)
    entity = next((e for e in data.get("entities", []) if e.get("code") == code), None)
    if entity is None:
        raise NotFound(f"El plan no tiene la entidad «{code}».")
    entity["name"] = name
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
    try:
        return parse_definitions(Source(defs.plan_source.name, text), defs.lifecycle_sources)
    except ConaigError as exc:  # e.g. a name the plan's schema refuses
        raise InvalidInput(f"El plan no admite ese nombre: {exc.message}") from exc


def rename_entity(app: App, conn: Connection, code: str, name: str) -> Definitions:
    """Store the plan with entity ``code`` renamed as the definitions in force (in ``conn``'s
    transaction); the caller puts them in use after the commit. Renamed from the newest stored
    definitions, read under a lock, so a rename made meanwhile by another process is kept."""
    defs = renamed(locked_newest_definitions(conn)[1], code, name)
    conn.execute(insert(DEF).values(
        plan_code=defs.plan.code, kind="bundle", name=defs.plan_source.name, sha256=_sha(defs),
        text=bundle_text(defs), loaded_at=app.clock.now(),
    ))
    conn.execute(update(ENT).where(ENT.c.code == code).values(name=name))
    return defs


def definitions_at(app: App, conn: Connection, when: datetime | None) -> Definitions:
    """The definitions in force at ``when`` (None: now): a concluded session's records name
    the entities as they were named when it concluded, whatever an amendment says later.
    Older versions are parsed once per process (kept in ``app.memo`` by row id)."""
    current = app.definitions()
    if when is None:
        return current
    found = definitions_row_at(conn, when)
    if found is None or found[0] == app._definitions_id:
        return current
    kept: dict[int, Definitions] = app.memo.setdefault("definitions_by_id", {})
    if found[0] not in kept:
        kept[found[0]] = parse_bundle(found[1])
    return kept[found[0]]
