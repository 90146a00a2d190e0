"""The audit trail: refused attempts, and verification of every deliverable's hash chain."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
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


def hora(value: datetime) -> str:
    return value.astimezone(LIMA).strftime("%H:%M")


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


@dataclass
class _Burst:
    first_at: datetime
    last_at: datetime
    more: int = 0  # refusals after the first, not yet written


class AnonymousRefusals:
    """Refused attempts of clients no one is signed in as, written without letting them flood
    the database: the first of a kind (action, target, reason) is written at once; the same
    refusal again within a minute is only counted, and one row then says how many more came
    and until when. At most ``MAX_KINDS`` kinds are followed per minute; the rest are counted
    together. So 100 anonymous requests to ``/api/me`` make two rows, not 100 synchronous writes,
    and none is lost from the count.
    """

    WINDOW = timedelta(minutes=1)
    MAX_KINDS = 20
    OTHERS = ("varias", "varias rutas", "otras solicitudes anónimas rechazadas")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[str, str, str], _Burst] = {}

    def record(self, app: App, action: str, target: str, reason: str) -> None:
        now = app.clock.now()
        key = (action, target, reason)
        with self._lock:
            due = self._take(lambda b: now - b.first_at >= self.WINDOW)
            burst = self._open.get(key)
            if burst is None and len(self._open) >= self.MAX_KINDS:
                key, burst = self.OTHERS, self._open.get(self.OTHERS)
                if burst is None:
                    burst = self._open[key] = _Burst(now, now)
                burst.more, burst.last_at = burst.more + 1, now
                first = False
            elif burst is None:
                self._open[key] = _Burst(now, now)
                first = True
            else:
                burst.more, burst.last_at = burst.more + 1, now
                first = False
        self._write(app, due)
        if first:
            record_refusal(app, ANONYMOUS, action, target, reason)

    def flush(self, app: App) -> None:
        """Write what is still only counted (at shutdown)."""
        with self._lock:
            due = self._take(lambda b: True)
        self._write(app, due)

    def _take(self, ready: Callable[[_Burst], bool]) -> list[tuple[tuple[str, str, str], _Burst]]:
        out = [(k, b) for k, b in self._open.items() if ready(b)]
        for k, _ in out:
            del self._open[k]
        return [(k, b) for k, b in out if b.more]

    @staticmethod
    def _write(app: App, due: list[tuple[tuple[str, str, str], _Burst]]) -> None:
        if not due:
            return
        with app.db.write() as conn:
            for (action, target, reason), b in due:
                times = "intento igual más" if b.more == 1 else "intentos iguales más"
                summary = f"{reason} (y {b.more} {times} hasta las {hora(b.last_at)})"
                conn.execute(insert(R).values(
                    at=b.last_at, actor_email=ANONYMOUS.email, actor_role=ANONYMOUS.role,
                    actor_entity=ANONYMOUS.entity, action=action, target=target, reason=summary,
                ))


ANONYMOUS = Actor(email="anónimo", name="", role="anonymous", entity="")


def record_anonymous_refusal(app: App, action: str, target: str, reason: str) -> None:
    """A refusal of a client no one is signed in as, counted rather than written each time."""
    keeper = app.memo.get("anonymous_refusals")
    if not isinstance(keeper, AnonymousRefusals):
        keeper = app.memo.setdefault("anonymous_refusals", AnonymousRefusals())
    keeper.record(app, action, target, reason)


def flush_anonymous_refusals(app: App) -> None:
    keeper = app.memo.get("anonymous_refusals")
    if isinstance(keeper, AnonymousRefusals):
        keeper.flush(app)


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
