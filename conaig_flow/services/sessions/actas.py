"""Actas (draft → approved → signed) and the documents of a session (acta, convocatoria,
working-meeting record) rendered from templates.

Approving the acta fulfils the deliverables whose product is the acta itself (A2.1, A2.3):
for every passed agreement linked to one, the deliverable moves to approved in the same
transaction, with the acta (its PDF, stored content-addressed) as evidence.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from conaig_flow.app import App
from conaig_flow.domain import quorum
from conaig_flow.domain.acta import SIGNER_LABELS, state_after_signature
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.engine import Evidence
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.i18n import fecha
from conaig_flow.rendering.session_documents import render
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.deliverables import record_document
from conaig_flow.services.sessions.common import (
    AC,
    AG,
    AT,
    IT,
    SD,
    SG,
    load_session,
    refusals,
    require_secretariat,
    session_label,
)
from conaig_flow.services.sessions.views import SessionRecord, record_in, session_record
from conaig_flow.store.tables import DeliverableDocumentRow, DeliverableRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]


def _acta(conn: Any, session_id: int) -> Any:
    acta = conn.execute(select(AC).where(AC.c.session_id == session_id)).first()
    if acta is None:
        raise SessionRuleViolation("La sesión no tiene acta todavía: se genera al concluir la sesión.")
    return acta


def approve_acta(app: App, actor: Actor, session_id: int, *, in_session: int | None = None) -> str:
    """Approve the acta at the end of its own session, or at the start of the next one
    (``in_session``, which must be installed). Returns the acta's code."""
    plan = app.definitions().plan
    with refusals(app, actor, "session acta approve", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            acta = _acta(conn, session_id)
            if acta.state != "draft":
                raise SessionRuleViolation(f"El {acta.code} ya fue aprobado.")
            if in_session is not None:
                nxt = load_session(conn, in_session)
                if nxt.id == session_id or nxt.kind == "trabajo" or nxt.status != "open":
                    raise SessionRuleViolation(
                        "El acta se aprueba al término de su sesión o al inicio de otra sesión instalada."
                    )
            now = app.clock.now()
            conn.execute(update(AC).where(AC.c.id == acta.id).values(state="approved", approved_at=now, approved_in=in_session))
            fulfils = conn.execute(
                select(IT.c.fulfils_id, AG.c.number).join(AG, AG.c.item_id == IT.c.id).where(
                    IT.c.session_id == session_id, AG.c.result == "passed", IT.c.fulfils_id.is_not(None)
                )
            ).all()
            if fulfils:
                record = record_in(app, conn, session_id)
                pdf = render("acta", "pdf", {"s": record}, acta.code)
                name = _file_name(acta.code, "pdf")
                stored = app.documents.put(name, pdf)
                record_document(app, conn, stored)
                conn.execute(update(AC).where(AC.c.id == acta.id).values(document_sha256=stored.sha256))
                conn.execute(insert(SD).values(session_id=session_id, sha256=stored.sha256, name=name, role="acta",
                                               uploaded_by=actor.email, uploaded_at=now))
                label = session_label(plan, row)
                for f in fulfils:
                    state = conn.execute(select(D.c.state).where(D.c.id == f.fulfils_id)).scalar()
                    if state != "pending":
                        continue
                    ref = f"{acta.code}, aprobada el {fecha(now)} ({label}, Acuerdo N° {f.number})"
                    rec = deliverables.advance_in(app, conn, actor, f.fulfils_id, "approve", Evidence(
                        session_ref=ref, documents=(stored.sha256,), comment=f"Cumplido con el {acta.code}",
                    ))
                    conn.execute(insert(DD).values(deliverable_id=f.fulfils_id, sha256=stored.sha256, name=name,
                                                   uploaded_by=actor.email, uploaded_at=now, event_seq=rec.seq))
    return str(acta.code)


def sign_acta(app: App, actor: Actor, session_id: int, entity: str, role: str, person: str | None = None) -> str:
    """Record a signature (presidency, secretariat, or a member who asks to sign); the acta
    is signed once the presidency and the secretariat have signed. Returns its state."""
    plan = app.definitions().plan
    with refusals(app, actor, "session acta sign", f"sesión {session_id}"):
        require_secretariat(actor)
        if role not in SIGNER_LABELS:
            raise InvalidInput(f"Quien firma lo hace como: {', '.join(SIGNER_LABELS)}.")
        if role == "presidency" and entity != plan.commission.presidency:
            raise InvalidInput(f"La Presidencia la ejerce {plan.commission.presidency}, no {entity}.")
        if role == "secretariat":
            sec = plan.commission.secretariat
            if entity not in (sec.entity, sec.unit_code):
                raise InvalidInput(f"La Secretaría Técnica la ejerce {sec.unit_code} ({sec.entity}), no {entity}.")
            entity = sec.entity
        if role == "member" and entity not in {e.code for e in plan.entities}:
            raise InvalidInput(f"Entidad desconocida «{entity}».")
        with app.db.write() as conn:
            load_session(conn, session_id, lock=True)
            acta = _acta(conn, session_id)
            if acta.state == "draft":
                raise SessionRuleViolation(f"El {acta.code} debe aprobarse antes de firmarse.")
            attended = conn.execute(select(AT.c.id).where(AT.c.session_id == session_id, AT.c.entity_code == entity)).first()
            if role == "member" and attended is None:
                raise SessionRuleViolation(
                    f"{entity} no asistió a la sesión: firman el acta quienes asistieron y lo solicitan "
                    "(Ley N° 27444, art. 102)."
                )
            if conn.execute(select(SG.c.id).where(SG.c.acta_id == acta.id, SG.c.entity_code == entity, SG.c.role == role)).first():
                raise InvalidInput(f"{entity} ya firmó el {acta.code} como {SIGNER_LABELS[role]}.")
            now = app.clock.now()
            conn.execute(insert(SG).values(acta_id=acta.id, entity_code=entity, role=role, person_name=person, signed_at=now))
            roles = set(conn.execute(select(SG.c.role).where(SG.c.acta_id == acta.id)).scalars())
            state = state_after_signature(roles)
            if state != acta.state:
                conn.execute(update(AC).where(AC.c.id == acta.id).values(state=state, signed_at=now))
    return state


def _file_name(code: str, fmt: str) -> str:
    slug = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in code.replace("N°", "")).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug.lower()}.{fmt}"


def document(app: App, session_id: int, which: str, fmt: str, templates_dir: Path | None = None) -> tuple[str, bytes]:
    """(file name, content) of the session's ``acta``, ``convocatoria`` or (meetings) record."""
    plan = app.definitions().plan
    record: SessionRecord = session_record(app, session_id)
    rules = plan.session_rules
    voting = len(plan.voting_members)
    context = {
        "s": record,
        "quorum_first": quorum.required_for(rules.quorum_first_call, voting),
        "quorum_second": quorum.required_for(rules.quorum_second_call, voting),
    }
    if which == "acta":
        if record.kind == "trabajo":
            which = "reunion"
            title = f"{record.title} - {record.label}"
        else:
            title = record.acta_code or f"Acta (borrador) - {record.label}"
    elif which == "convocatoria":
        title = f"Convocatoria - {record.label}"
    else:
        raise InvalidInput("Documento desconocido: acta o convocatoria.")
    return _file_name(title, fmt), render(which, fmt, context, title, templates_dir)
