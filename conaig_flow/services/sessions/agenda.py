"""The agenda before the convocatoria: edit, reorder and remove items; members' requests for
items (Ley N° 27444 art. 97.4), accepted or declined with a reason by the secretariat.

After the convocatoria the agenda is the one sent: only an out-of-agenda item may be added,
in the installed session with every voting member present (art. 98.4: ``sessions.add_item``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, NotFound, PermissionDenied, SessionRuleViolation
from conaig_flow.services.sessions import sessions
from conaig_flow.services.sessions.common import CF, IT, load_item, load_session, refusals, require_secretariat
from conaig_flow.store.tables_sessions import ItemRequestRow

IR = ItemRequestRow.__table__  # type: ignore[attr-defined]
REQUEST_LABELS = {"pending": "pendiente", "accepted": "aceptado", "declined": "no aceptado"}


def _planned(app: App, row: Any) -> None:
    if row.status != "planned":
        basis = app.definitions().plan.session_rules.legal_basis.out_of_agenda
        raise SessionRuleViolation(
            "La convocatoria ya fue emitida con su orden del día: sus puntos no se editan, reordenan ni retiran; "
            f"en la sesión instalada solo cabe un punto fuera de agenda ({basis})."
        )


def edit_item(app: App, actor: Actor, session_id: int, position: int, text: str) -> None:
    """Change the wording of an item (another matter, or one to take note of)."""
    with refusals(app, actor, "session agenda edit", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        if not text.strip():
            raise InvalidInput("El texto del punto no puede estar vacío.")
        with app.db.write() as conn:
            _planned(app, load_session(conn, session_id, lock=True))
            item = load_item(conn, session_id, position)
            if item.kind not in ("other", "note"):
                raise InvalidInput(
                    f"El punto {position} se redacta a partir de su entregable o equipo: retírelo y agréguelo de nuevo."
                )
            conn.execute(update(IT).where(IT.c.id == item.id).values(text=text.strip()))


def _renumber(conn: Connection, session_id: int, ids: list[int]) -> None:
    """Give the items the positions 1..n in the order of ``ids`` (through negative positions,
    so the unique (session, position) holds at every step on both databases)."""
    for n, item_id in enumerate(ids, start=1):
        conn.execute(update(IT).where(IT.c.id == item_id).values(position=-n))
    for n, item_id in enumerate(ids, start=1):
        conn.execute(update(IT).where(IT.c.id == item_id).values(position=n))


def _ids(conn: Connection, session_id: int) -> list[int]:
    return [int(i) for i in conn.execute(select(IT.c.id).where(IT.c.session_id == session_id).order_by(IT.c.position)).scalars()]


def move_item(app: App, actor: Actor, session_id: int, position: int, to: int) -> None:
    """Move an item to position ``to`` (the others shift)."""
    with refusals(app, actor, "session agenda move", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            _planned(app, load_session(conn, session_id, lock=True))
            item = load_item(conn, session_id, position)
            ids = _ids(conn, session_id)
            if not 1 <= to <= len(ids):
                raise InvalidInput(f"La nueva posición debe estar entre 1 y {len(ids)}.")
            ids.remove(int(item.id))
            ids.insert(to - 1, int(item.id))
            _renumber(conn, session_id, ids)


def remove_item(app: App, actor: Actor, session_id: int, position: int) -> str:
    """Take an item off the agenda; returns its text."""
    with refusals(app, actor, "session agenda remove", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            _planned(app, load_session(conn, session_id, lock=True))
            item = load_item(conn, session_id, position)
            conn.execute(delete(CF).where(CF.c.item_id == item.id))
            conn.execute(delete(IT).where(IT.c.id == item.id))
            _renumber(conn, session_id, _ids(conn, session_id))
            return str(item.text)


@dataclass(frozen=True)
class ItemRequest:
    id: int
    entity: str
    user_email: str
    text: str
    requested_at: datetime
    status: str
    status_label: str
    reason: str | None
    position: int | None


def request_item(app: App, actor: Actor, session_id: int, text: str) -> int:
    """A member of the commission asks to put a matter on the agenda (art. 97.4)."""
    basis = app.definitions().plan.session_rules.legal_basis.agenda_requests
    with refusals(app, actor, "session item request", f"sesión {session_id}"):
        if actor.role != "member":
            raise PermissionDenied(f"Piden puntos de agenda los integrantes de la comisión ({basis}); usted no lo es.")
        if not text.strip():
            raise InvalidInput("Escriba el asunto que propone para la agenda.")
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            if row.status in ("closed", "cancelled") or row.kind == "trabajo":
                raise SessionRuleViolation("Esta sesión ya no recibe pedidos de puntos de agenda.")
            new_id = conn.execute(insert(IR).values(
                session_id=session_id, entity_code=actor.entity, user_email=actor.email, text=text.strip(),
                requested_at=app.clock.now(), status="pending",
            ).returning(IR.c.id)).scalar_one()
    return int(new_id)


def answer_request(app: App, actor: Actor, session_id: int, request_id: int, *, accept: bool, reason: str = "") -> int | None:
    """Accept (the matter becomes an item, under ``add_item``'s rules) or decline with a reason.
    Returns the new item's position when accepted."""
    with refusals(app, actor, "session item request answer", f"sesión {session_id}, pedido {request_id}"):
        require_secretariat(actor)
        if not accept and not reason.strip():
            raise InvalidInput("Indique el motivo por el que no se acepta el pedido.")
        with app.db.write() as conn:
            # One transaction, the session row locked first: two secretaries answering the same
            # request at once cannot both add its item (the second finds it answered).
            load_session(conn, session_id, lock=True)
            req = conn.execute(select(IR).where(IR.c.id == request_id, IR.c.session_id == session_id)).first()
            if req is None:
                raise NotFound(f"No existe el pedido {request_id} en la sesión {session_id}.")
            if req.status != "pending":
                raise InvalidInput(f"El pedido {request_id} ya fue respondido ({REQUEST_LABELS[req.status]}).")
            position = sessions.add_item_in(app, conn, session_id, other=req.text) if accept else None
            answered = conn.execute(update(IR).where(IR.c.id == request_id, IR.c.status == "pending").values(
                status="accepted" if accept else "declined", reason=reason.strip() or None, answered_by=actor.email,
                answered_at=app.clock.now(), position=position,
            ))
            if answered.rowcount != 1:
                raise InvalidInput(f"El pedido {request_id} ya fue respondido.")
    return position


def requests_for(app: App, session_id: int) -> list[ItemRequest]:
    with app.db.read() as conn:
        rows = conn.execute(select(IR).where(IR.c.session_id == session_id).order_by(IR.c.id)).all()
    return [ItemRequest(r.id, r.entity_code, r.user_email, r.text, r.requested_at, r.status,
                        REQUEST_LABELS.get(r.status, r.status), r.reason, r.position) for r in rows]
