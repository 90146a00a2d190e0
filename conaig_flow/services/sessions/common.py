"""What the session services share: tables, loading, authorisation, times and labels."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA, parse_instant
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.plan import Plan
from conaig_flow.domain.quorum import Presence
from conaig_flow.errors import (
    ConaigError,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SessionRuleViolation,
)
from conaig_flow.i18n import role_label
from conaig_flow.services.audit import record_refusal
from conaig_flow.store.tables_sessions import (
    ActaRow,
    AgreementRow,
    AttendanceRow,
    ConflictRow,
    SessionChangeRow,
    SessionDocumentRow,
    SessionItemRow,
    SessionRow,
    SignatureRow,
    SignRequestRow,
    VoteHistoryRow,
    VoteRow,
)

S = SessionRow.__table__  # type: ignore[attr-defined]
IT = SessionItemRow.__table__  # type: ignore[attr-defined]
AT = AttendanceRow.__table__  # type: ignore[attr-defined]
CF = ConflictRow.__table__  # type: ignore[attr-defined]
V = VoteRow.__table__  # type: ignore[attr-defined]
VH = VoteHistoryRow.__table__  # type: ignore[attr-defined]
AG = AgreementRow.__table__  # type: ignore[attr-defined]
AC = ActaRow.__table__  # type: ignore[attr-defined]
SG = SignatureRow.__table__  # type: ignore[attr-defined]
SD = SessionDocumentRow.__table__  # type: ignore[attr-defined]
SR = SignRequestRow.__table__  # type: ignore[attr-defined]
CH = SessionChangeRow.__table__  # type: ignore[attr-defined]

KINDS = ("ordinaria", "extraordinaria", "trabajo")
KIND_LABELS = {"ordinaria": "Sesión ordinaria", "extraordinaria": "Sesión extraordinaria", "trabajo": "Reunión de trabajo"}
CAPACITY_LABELS = {"titular": "titular", "alterno": "alterno", "invited": "invitada (con voz, sin voto)",
                   "secretariat": "Secretaría Técnica (con voz, sin voto)"}
SENSE_LABELS = {"for": "a favor", "against": "en contra", "abstain": "abstención"}
STATUS_LABELS = {"planned": "programada", "convened": "convocada", "open": "en curso", "closed": "concluida",
                 "cancelled": "suspendida"}
#: Roles that run sessions (convene, record attendance and votes, close, approve the acta).
SESSION_ROLES = frozenset({"secretariat", "admin"})


def require_secretariat(actor: Actor) -> None:
    if actor.role not in SESSION_ROLES:
        raise PermissionDenied(
            "Solo la Secretaría Técnica conduce las sesiones (convocatoria, asistencia, votos, actas); "
            f"usted actúa como {role_label(actor.role)}."
        )


@contextmanager
def refusals(app: App, actor: Actor, action: str, target: str) -> Iterator[None]:
    """Record a refused session action (in its own transaction) and re-raise it."""
    try:
        yield
    except DatabaseUnavailable:
        raise  # not a refusal, and nothing can be recorded
    except ConaigError as exc:
        record_refusal(app, actor, action, target, exc.message)
        raise


def load_session(conn: Connection, session_id: int, *, lock: bool = False) -> Any:
    query = select(S).where(S.c.id == session_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"No existe la sesión {session_id}.")
    return row


def not_cancelled(row: Any) -> None:
    if row.status == "cancelled":
        raise SessionRuleViolation("La sesión fue suspendida: no admite asistencia, votos ni cambios.")


def load_item(conn: Connection, session_id: int, position: int) -> Any:
    row = conn.execute(select(IT).where(IT.c.session_id == session_id, IT.c.position == position)).first()
    if row is None:
        raise NotFound(f"La sesión {session_id} no tiene un punto {position} en su agenda.")
    return row


def stays(conn: Connection, session_id: int) -> list[Presence]:
    rows = conn.execute(select(AT).where(AT.c.session_id == session_id).order_by(AT.c.id)).all()
    return [Presence(r.entity_code, r.capacity, r.arrived_at, r.left_at) for r in rows]


def session_label(plan: Plan, row: Any) -> str:
    number = plan.session_rules.session_number_pattern.format(number=row.number, year=row.year)
    return f"{KIND_LABELS[row.kind]} N° {number} de la {plan.commission.code}"


def parse_at(text: str | None, session_row: Any, default: datetime) -> datetime:
    """``HH:MM`` on the session's day (Lima) — on the second call's day when ``default`` (now)
    falls on it —, or an ISO date-time; nothing → ``default``."""
    if text is None or not text.strip():
        return default
    text = text.strip()
    if len(text) in (4, 5) and ":" in text:
        try:
            hh, mm = (int(p) for p in text.split(":"))
            day = session_row.scheduled_at.astimezone(LIMA).date()
            second = getattr(session_row, "second_call_at", None)
            if second is not None and default.astimezone(LIMA).date() == second.astimezone(LIMA).date():
                day = second.astimezone(LIMA).date()  # on the second call's day, its hours
            return datetime.combine(day, time(hh, mm), LIMA)
        except ValueError:
            raise InvalidInput(f"Hora no válida: «{text}». Se espera HH:MM (hora de Lima).") from None
    return parse_instant(text)


def entity_name(plan: Plan, code: str) -> str:
    try:
        return plan.entity(code).name
    except KeyError:
        return code


def is_secretariat_code(plan: Plan, code: str) -> bool:
    sec = plan.commission.secretariat
    return code.upper() in {sec.unit_code.upper(), "ST", "SECRETARIA", "SECRETARÍA"}
