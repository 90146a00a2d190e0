"""Audit checkpoints: written at each session's close, at each progress report, when an acta
is prepared for signing and daily by the worker; checked by ``conaig audit verify``.

A checkpoint holds the head of every deliverable's hash chain (events counted and the last
hash) and the hash of every closed session's record (attendance, items, votes, agreements,
the acta's number), hashed to one root together with the previous checkpoint's root, and
signed with the installation's Ed25519 key (see ``store/checkpoints.py``). Whoever can write
the database can rewrite a chain and recompute its hashes; they cannot make the chain pass
through a head that a signed checkpoint outside the database recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from conaig_flow.app import App
from conaig_flow.domain import checkpoint as cp
from conaig_flow.i18n import fecha_hora
from conaig_flow.store.checkpoints import CheckpointFiles, StoredCheckpoint
from conaig_flow.store.tables import DeliverableRow, EventRow
from conaig_flow.store.tables_sessions import (
    ActaRow,
    AgreementRow,
    AttendanceRow,
    SessionItemRow,
    SessionRow,
    VoteRow,
)

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]
S = SessionRow.__table__  # type: ignore[attr-defined]
IT = SessionItemRow.__table__  # type: ignore[attr-defined]
AT = AttendanceRow.__table__  # type: ignore[attr-defined]
V = VoteRow.__table__  # type: ignore[attr-defined]
AG = AgreementRow.__table__  # type: ignore[attr-defined]
AC = ActaRow.__table__  # type: ignore[attr-defined]


def files(app: App) -> CheckpointFiles:
    s = app.settings
    folder = s.home / "auditoria"
    key = Path(s.audit_key).expanduser() if s.audit_key else folder / "clave-auditoria.pem"
    return CheckpointFiles(folder / "puntos-de-control", key)


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    at: datetime
    reason: str
    root: str
    leaves: int

    @property
    def short(self) -> str:
        return cp.short(self.root)

    @property
    def label(self) -> str:
        """As documents print it: «N° 4 (1 de junio de 2022, 10:00) · 3F2A-9C01-77B4-D2E8»."""
        return f"N° {self.seq} ({fecha_hora(self.at)}) · {self.short}"


def _rows(conn: Connection, table: Any, where: Any) -> list[dict[str, Any]]:
    return [dict(m) for m in conn.execute(select(table).where(where).order_by(table.c.id)).mappings()]


def leaves(conn: Connection) -> dict[str, str]:
    """The current heads: every deliverable's chain and every closed session's record."""
    out: dict[str, str] = {}
    counts: dict[int, int] = {
        int(d): int(n) for d, n in conn.execute(select(E.c.deliverable_id, func.count()).group_by(E.c.deliverable_id))
    }
    for did, head in conn.execute(select(D.c.id, D.c.head_hash)).all():
        out[f"entregable:{did}"] = cp.deliverable_leaf(int(counts.get(did, 0)), head)
    for session in conn.execute(select(S).where(S.c.status == "closed").order_by(S.c.id)).mappings():
        sid = session["id"]
        items = _rows(conn, IT, IT.c.session_id == sid)
        item_ids = [i["id"] for i in items]
        acta = conn.execute(select(AC.c.code, AC.c.number, AC.c.year, AC.c.drafted_at).where(AC.c.session_id == sid)).first()
        record = {
            "sesion": dict(session), "puntos": items, "asistencia": _rows(conn, AT, AT.c.session_id == sid),
            "votos": _rows(conn, V, V.c.item_id.in_(item_ids)) if item_ids else [],
            "acuerdos": _rows(conn, AG, AG.c.session_id == sid),
            "acta": list(acta) if acta else None,
        }
        out[f"sesion:{sid}"] = cp.record_hash(record)
    return out


def _view(stored: StoredCheckpoint) -> Checkpoint:
    p = stored.payload
    return Checkpoint(stored.seq, datetime.fromisoformat(str(p["fecha"])), str(p.get("motivo", "")), str(p["raiz"]),
                      len(p.get("hojas", {})))


def write(app: App, reason: str) -> Checkpoint:
    """Write a checkpoint of the history as it is now."""
    store = files(app)
    with app.db.read() as conn:
        current = leaves(conn)
    for _ in range(5):
        existing = store.read_all()
        previous = str(existing[-1].payload.get("raiz", "")) if existing else cp.GENESIS
        seq = existing[-1].seq + 1 if existing else 1
        root = cp.root(current, previous)
        payload = {"numero": seq, "fecha": app.clock.now().isoformat(), "motivo": reason, "anterior": previous,
                   "raiz": root, "hojas": current}
        try:
            return _view(store.write(payload))
        except FileExistsError:  # another process wrote this number first: take the next one
            continue
    raise RuntimeError("no se pudo escribir el punto de control de auditoría")


def latest(app: App) -> Checkpoint | None:
    existing = files(app).read_all()
    return _view(existing[-1]) if existing and existing[-1].payload else None


@dataclass(frozen=True)
class Finding:
    checkpoint: int | None
    subject: str  # "entregable 12", "sesión 3", "punto de control 4"
    reason: str

    def describe(self) -> str:
        where = f" (punto de control N° {self.checkpoint})" if self.checkpoint is not None else ""
        return f"{self.subject}{where}: {self.reason}"


def verify(app: App) -> tuple[int, list[Finding]]:
    """Check the checkpoints themselves (key, chain of roots) and every chain and closed
    session against each of them. Returns (checkpoints read, findings)."""
    store = files(app)
    stored = store.read_all()
    findings: list[Finding] = []
    previous = cp.GENESIS
    for n, s in enumerate(stored, start=1):
        if not s.payload:
            findings.append(Finding(s.seq, f"el archivo {s.path.name}", "no es un punto de control legible"))
            continue
        if s.seq != n:
            findings.append(Finding(s.seq, "los puntos de control", f"se esperaba el N° {n} y aparece el N° {s.seq} (archivo borrado o renombrado)"))
        if not store.signature_ok(s):
            findings.append(Finding(s.seq, "el punto de control", "su firma no es de la clave de auditoría de esta instalación (editado o firmado con otra clave)"))
        hojas = s.payload.get("hojas", {})
        if s.payload.get("anterior") != previous:
            findings.append(Finding(s.seq, "el punto de control", "no enlaza con el punto de control anterior"))
        if cp.root(hojas, str(s.payload.get("anterior", ""))) != s.payload.get("raiz"):
            findings.append(Finding(s.seq, "el punto de control", "su raíz no corresponde a sus hojas (editado)"))
        previous = str(s.payload.get("raiz", ""))
    if not stored:
        return 0, findings
    with app.db.read() as conn:
        now = leaves(conn)
        by_seq: dict[tuple[int, int], str] = {
            (int(r.deliverable_id), int(r.seq)): str(r.hash) for r in conn.execute(select(E.c.deliverable_id, E.c.seq, E.c.hash))
        }
    reported: set[str] = set()
    for s in reversed(stored):  # the newest first: one finding per deliverable or session
        for name, value in dict(s.payload.get("hojas", {})).items():
            if name in reported:
                continue
            kind, _, ident = name.partition(":")
            if kind == "entregable":
                count, head = cp.parse_deliverable_leaf(str(value))
                if name not in now:
                    findings.append(Finding(s.seq, f"entregable {ident}", "ya no existe en la base de datos"))
                elif count and by_seq.get((int(ident), count)) != head:
                    findings.append(Finding(s.seq, f"entregable {ident}", f"su cadena fue reescrita: el evento N° {count} no tiene la huella registrada ({head[:12]}…)"))
                else:
                    continue
            elif kind == "sesion":
                if now.get(name) == value:
                    continue
                findings.append(Finding(s.seq, f"sesión {ident}", "su registro (asistencia, votos, acuerdos o acta) cambió después de concluida"))
            else:
                continue
            reported.add(name)
    return len(stored), findings


def export(app: App) -> bytes:
    """Every checkpoint file and the installation's public key, as one JSON document."""
    store = files(app)
    items = [json.loads(s.raw) for s in store.read_all() if s.payload]
    return json.dumps({"clave_publica": store.public_key_pem(), "puntos_de_control": items},
                      ensure_ascii=False, indent=1).encode("utf-8")
