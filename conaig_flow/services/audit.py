"""The audit trail: refused attempts, and verification of every deliverable's hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.audit_chain import ChainBreak, verify_chain
from conaig_flow.domain.audit_checks import check_attachments, check_identities, check_presence, expected_deliverables
from conaig_flow.store.tables import (
    DeliverableDocumentRow,
    DeliverableRow,
    DocumentRow,
    EventRow,
    RefusedAttemptRow,
    TeamRow,
)

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]
R = RefusedAttemptRow.__table__  # type: ignore[attr-defined]
DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]
DOC = DocumentRow.__table__  # type: ignore[attr-defined]
T = TeamRow.__table__  # type: ignore[attr-defined]


def record_refusal(app: App, actor: Actor, action: str, target: str, reason: str) -> None:
    """Write a refused attempt in its own transaction (the refused one was rolled back)."""
    with app.db.write() as conn:
        conn.execute(
            insert(R).values(
                at=app.clock.now(), actor_email=actor.email, actor_role=actor.role,
                actor_entity=actor.entity, action=action, target=target, reason=reason,
            )
        )


@dataclass(frozen=True)
class RefusedAttempt:
    at: str
    actor_email: str
    actor_role: str
    actor_entity: str
    action: str
    target: str
    reason: str


def refused_attempts(app: App, limit: int = 100) -> list[RefusedAttempt]:
    app.definitions()  # NotInitialised (a clear message) before the tables exist
    with app.db.read() as conn:
        rows = conn.execute(select(R).order_by(R.c.id.desc()).limit(limit)).all()
    return [
        RefusedAttempt(r.at.isoformat(), r.actor_email, r.actor_role, r.actor_entity, r.action, r.target, r.reason)
        for r in rows
    ]


@dataclass(frozen=True)
class AuditResult:
    deliverables: int
    events: int
    first_break: ChainBreak | None
    documents: int = 0
    findings: tuple[ChainBreak, ...] = field(default=())  # every problem found, the first one first


def verify(app: App) -> AuditResult:
    """Everything the official record relies on, read in one snapshot (so that transitions
    committed meanwhile never look like tampering): every deliverable's event chain, its
    identity hash, the deliverables the plan and its approvals created (none deleted), each
    document attachment (its name) and each document file on disk against its sha256."""
    defs = app.definitions()
    with app.db.snapshot() as conn:
        deliverables: list[dict[str, Any]] = [dict(r) for r in conn.execute(select(D).order_by(D.c.id)).mappings()]
        events_by: dict[int, list[dict[str, object]]] = {}
        n_events = 0
        for mapping in conn.execute(select(E).order_by(E.c.id)).mappings():
            n_events += 1
            data: dict[str, object] = dict(mapping)
            data["documents"] = json.loads(str(mapping["documents"]))
            data["at_instant"] = mapping["at"]
            data["at"] = mapping["at"].isoformat()
            events_by.setdefault(int(mapping["deliverable_id"]), []).append(data)
        attachments: list[dict[str, Any]] = [dict(r) for r in conn.execute(select(DD).order_by(DD.c.id)).mappings()]
        sizes = {str(r.sha256): int(r.size) for r in conn.execute(select(DOC.c.sha256, DOC.c.size))}
        teams: list[dict[str, Any]] = [dict(r) for r in conn.execute(select(T)).mappings()]
    findings: list[ChainBreak] = []
    known = {int(d["id"]) for d in deliverables}
    for orphan in sorted(set(events_by) - known):
        ev = events_by[orphan][0]
        findings.append(ChainBreak(orphan, int(str(ev["id"])), int(str(ev["seq"])), "evento de un entregable inexistente"))
    for d in deliverables:
        brk = verify_chain(
            d["id"], events_by.get(d["id"], []), d["head_hash"], d["state"], defs.lifecycles[d["kind"]].initial,
            d["version"],
        )
        if brk is not None:
            findings.append(brk)
    findings += check_identities(deliverables)
    expected = expected_deliverables(defs.plan, defs.lifecycles, deliverables, events_by, teams)
    findings += check_presence(expected, deliverables)
    findings += check_attachments(attachments, events_by)
    referenced: dict[str, int] = {}
    for did, events in sorted(events_by.items()):
        for ev in events:
            for sha in ev["documents"]:  # type: ignore[attr-defined]
                referenced.setdefault(str(sha), did)
    for a in attachments:
        referenced.setdefault(str(a["sha256"]), int(a["deliverable_id"]))
    findings += _check_files(app, referenced, sizes)
    return AuditResult(len(deliverables), n_events, findings[0] if findings else None, len(referenced), tuple(findings))


def _check_files(app: App, referenced: dict[str, int], sizes: dict[str, int]) -> list[ChainBreak]:
    """Each document the history refers to is registered and its file on disk still has the
    content its sha256 names."""
    found = []
    for sha, did in sorted(referenced.items(), key=lambda kv: (kv[1], kv[0])):
        short = f"sha256:{sha[:12]}…"
        if sha not in sizes:
            found.append(ChainBreak(did, None, None, f"el documento {short} no está registrado (registro borrado)"))
            continue
        path = app.documents.path_for(sha)
        try:
            with path.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").hexdigest()
        except FileNotFoundError:
            found.append(ChainBreak(did, None, None, f"falta el archivo del documento {short} ({path})"))
            continue
        except OSError as exc:
            found.append(ChainBreak(did, None, None, f"no se puede leer el archivo del documento {short} ({exc.strerror})"))
            continue
        if digest != sha:
            found.append(ChainBreak(
                did, None, None, f"el archivo del documento {short} fue modificado o reemplazado ({path})"
            ))
    return found
