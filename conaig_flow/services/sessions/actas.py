"""Actas (draft → approved → signed) and the documents of a session (acta, convocatoria,
working-meeting record) rendered from templates.

Approving the acta fulfils the deliverables whose product is the acta itself (A2.1, A2.3):
for every passed agreement linked to one, the deliverable moves to approved in the same
transaction, with the acta (its PDF, stored content-addressed) as evidence.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain import quorum
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.engine import Evidence
from conaig_flow.domain.plan import Plan
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.i18n import fecha, fecha_hora
from conaig_flow.rendering.pdfa import DocumentMeta, Layout, Letterhead
from conaig_flow.rendering.session_documents import render, render_layout
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.deliverables import record_document
from conaig_flow.services.sessions.common import (
    AC,
    AG,
    AT,
    IT,
    SD,
    SR,
    entity_name,
    load_session,
    refusals,
    require_secretariat,
    session_label,
)
from conaig_flow.services.sessions.signers import required_signers, signer, signers_in
from conaig_flow.services.sessions.views import SessionRecord, record_in, session_record
from conaig_flow.services.sessions.voto_singular import singular_votes
from conaig_flow.store.public_address import VERIFY_PAGE
from conaig_flow.store.tables import DeliverableDocumentRow, DeliverableRow
from conaig_flow.store.tables_signatures import SignedDocumentRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]
SDOC = SignedDocumentRow.__table__  # type: ignore[attr-defined]


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
            basis = plan.session_rules.legal_basis
            pending = [v for v in singular_votes(app, conn, session_id) if v.grounds.pending]
            if pending:
                who = "; ".join(f"{v.entity} en el punto {v.position} ({v.grounds.label})" for v in pending)
                raise SessionRuleViolation(
                    f"El {acta.code} espera el fundamento escrito de los votos singulares ({basis.voto_singular}): "
                    f"{who}. Se aprueba cuando lleguen, cuando el integrante renuncie a presentarlos o vencido el plazo."
                )
            if in_session is not None:
                nxt = load_session(conn, in_session)
                if (nxt.id == session_id or nxt.kind == "trabajo" or nxt.status != "open"
                        or nxt.opened_at is None or row.closed_at is None or nxt.opened_at < row.closed_at):
                    raise SessionRuleViolation(
                        f"El acta se aprueba al término de su sesión o al inicio de la siguiente sesión instalada "
                        f"({basis.acta})."
                    )
            now = app.clock.now()
            if in_session is None:
                _check_same_session(plan, row, acta.code, now)
            conn.execute(update(AC).where(AC.c.id == acta.id).values(state="approved", approved_at=now, approved_in=in_session))
            fulfils = conn.execute(
                select(IT.c.fulfils_id, AG.c.number, AG.c.id).join(AG, AG.c.item_id == IT.c.id).where(
                    IT.c.session_id == session_id, AG.c.result == "passed", IT.c.fulfils_id.is_not(None)
                )
            ).all()
            # the approved acta is frozen: its PDF, stored now, is the one every download
            # serves until it is prepared for signing (a later amendment changes nothing in it)
            record = record_in(app, conn, session_id)
            pdf = render("acta", "pdf", _context(app, record, None), acta.code,
                         meta=document_meta(app, acta.code, acta.code),
                         signers=[(s.key, s.caption) for s in required_signers(app, conn, session_id)])
            name = _file_name(acta.code, "pdf")
            stored = app.documents.put(name, pdf)
            record_document(app, conn, stored)
            conn.execute(update(AC).where(AC.c.id == acta.id).values(document_sha256=stored.sha256))
            if fulfils:
                conn.execute(insert(SD).values(session_id=session_id, sha256=stored.sha256, name=name, role="acta",
                                               uploaded_by=actor.email, uploaded_at=now))
                label = session_label(plan, row)
                for f in fulfils:
                    state = conn.execute(select(D.c.state).where(D.c.id == f.fulfils_id)).scalar()
                    if state != "pending":
                        continue
                    ref = f"{acta.code}, aprobada el {fecha(now)} ({label}, Acuerdo N° {f.number})"
                    rec = deliverables.advance_in(app, conn, SYSTEM, f.fulfils_id, "approve", Evidence(
                        session_ref=ref, documents=(stored.sha256,), comment=f"Cumplido con el {acta.code}",
                        agreement_id=int(f.id),
                    ))
                    deliverables.attach_document(conn, f.fulfils_id, stored.sha256, name, actor.email, now, rec.seq)
    return str(acta.code)


def _check_same_session(plan: Plan, row: Any, code: str, now: datetime) -> None:
    """Approval «al término de la misma sesión» (art. 102): once the session has concluded and
    on the day it concluded (Lima); on a later day only at the start of a later installed session."""
    label = session_label(plan, row)
    basis = plan.session_rules.legal_basis.acta
    closed = row.closed_at
    if closed is None or now < closed:
        when = "aún no ha concluido" if closed is None else f"concluyó el {fecha_hora(closed)}"
        raise SessionRuleViolation(f"El {code} se aprueba al término de la {label}, no antes: la sesión {when} ({basis}).")
    if now.astimezone(LIMA).date() != closed.astimezone(LIMA).date():
        raise SessionRuleViolation(
            f"El {code} ya no puede aprobarse al término de la misma sesión: la {label} concluyó el "
            f"{fecha(closed)} y hoy es {fecha(now)}. Apruébelo al inicio de la siguiente sesión, una vez "
            f"instalada, indicando esa sesión como aquella en la que se aprueba el acta ({basis})."
        )


def ask_to_sign(app: App, actor: Actor, session_id: int, entity: str) -> None:
    """An attendee asks to sign the acta: it joins the signers."""
    with refusals(app, actor, "session acta ask", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            ask_to_sign_in(app, conn, session_id, entity)


def ask_to_sign_in(app: App, conn: Any, session_id: int, entity: str) -> str:
    """``ask_to_sign`` inside the caller's transaction; returns the acta's code."""
    plan = app.definitions().plan
    load_session(conn, session_id, lock=True)
    acta = _acta(conn, session_id)
    if acta.state == "signed":
        raise SessionRuleViolation(f"El {acta.code} ya está firmado por todos sus firmantes.")
    attended = set(conn.execute(select(AT.c.entity_code).where(AT.c.session_id == session_id)).scalars())
    if entity not in attended:
        raise InvalidInput(
            f"{entity_name(plan, entity)} no asistió a la sesión: solo quien asistió puede pedir firmar el acta "
            f"({plan.session_rules.legal_basis.acta})."
        )
    if any(s.entity == entity for s in signers_in(app, conn, session_id, acta.id)):
        raise InvalidInput(f"{entity} ya figura entre quienes firman el {acta.code}.")
    conn.execute(insert(SR).values(acta_id=acta.id, entity_code=entity, requested_at=app.clock.now()))
    return str(acta.code)


def _file_name(code: str, fmt: str) -> str:
    slug = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in code.replace("N°", "")).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug.lower()}.{fmt}"


def document_meta(app: App, title: str, subject: str, audit_root: str | None = None) -> DocumentMeta:
    """Metadata and letterhead of a document the Technical Secretariat issues."""
    plan = app.definitions().plan
    c = plan.commission
    now = app.clock.now()
    try:
        entity = plan.entity(c.secretariat.entity).name
    except KeyError:
        entity = c.secretariat.entity
    letterhead = Letterhead(entity, c.secretariat.unit_name, f"Secretaría Técnica de la {c.code}",
                            plan.report.year_names.get(now.astimezone(LIMA).year))
    return DocumentMeta(
        title=title, author=f"{c.secretariat.unit_name} — Secretaría Técnica de la {c.code}", subject=subject,
        letterhead=letterhead, created_at=now, verify_url=f"{app.public_url()}{VERIFY_PAGE}",
        keywords=f"{c.code}; {subject}", audit_root=audit_root,
    )


def _context(app: App, record: SessionRecord, audit_root: str | None) -> dict[str, Any]:
    plan = app.definitions().plan
    rules = plan.session_rules
    voting = len(plan.voting_members)
    return {
        "s": record,
        "quorum_first": quorum.required_for(rules.quorum_first_call, voting),
        "quorum_second": quorum.required_for(rules.quorum_second_call, voting),
        "audit_root": audit_root,
    }


def signing_pdf(app: App, session_id: int, signers: list[tuple[str, str]], audit_root: str) -> tuple[str, bytes, Layout]:
    """The approved acta as PDF/A with a box per signer and the audit checkpoint printed."""
    record = session_record(app, session_id)
    title = record.acta_code or record.label
    content, layout = render_layout("acta", "pdf", _context(app, record, audit_root), title,
                                    meta=document_meta(app, title, f"Acta de la {record.label}", audit_root), signers=signers)
    return _file_name(title, "pdf"), content, layout


def document(app: App, session_id: int, which: str, fmt: str, templates_dir: Path | None = None) -> tuple[str, bytes]:
    """(file name, content) of the session's ``acta``, ``convocatoria`` or (meetings) record.
    Once the acta is prepared for signing, its PDF is that document, with every signature
    accepted so far."""
    plan = app.definitions().plan
    record: SessionRecord = session_record(app, session_id)
    if which == "acta" and fmt == "pdf" and templates_dir is None:
        with app.db.read() as conn:
            signed = conn.execute(
                select(SDOC.c.name, SDOC.c.current_sha256, SDOC.c.archived_sha256)
                .join(AC, AC.c.id == SDOC.c.acta_id).where(AC.c.session_id == session_id)
            ).first()
            frozen = conn.execute(select(AC.c.code, AC.c.document_sha256).where(
                AC.c.session_id == session_id, AC.c.state == "approved", AC.c.document_sha256.is_not(None))).first()
        if signed is not None:  # the archived copy (B-LTA) once made, else the PDF as signed so far
            return str(signed.name), app.documents.read(signed.archived_sha256 or signed.current_sha256)
        if frozen is not None:  # the approved acta as stored when it was approved
            return _file_name(str(frozen.code), "pdf"), app.documents.read(str(frozen.document_sha256))
    context = _context(app, record, None)
    c = plan.commission
    signers = [signer(plan, "secretariat", "secretariat", c.secretariat.entity, "Secretaría Técnica")]
    if which == "acta" and record.kind != "trabajo":
        with app.db.read() as conn:
            signers = required_signers(app, conn, session_id)
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
    meta = document_meta(app, title, title)
    return _file_name(title, fmt), render(which, fmt, context, title, templates_dir, meta=meta,
                                          signers=[(s.key, s.caption) for s in signers])


def certification(app: App, actor: Actor, session_id: int, number: int, fmt: str,
                  templates_dir: Path | None = None) -> tuple[str, bytes]:
    """The Secretariat's certificación of one agreement (its number, date and vote), as a
    document: only of an agreement that passed, in a session that concluded."""
    with refusals(app, actor, "session certify", f"sesión {session_id}, acuerdo {number}"):
        require_secretariat(actor)
        record: SessionRecord = session_record(app, session_id)
        if record.kind == "trabajo":
            raise SessionRuleViolation("Una reunión de trabajo no adopta acuerdos: no hay acuerdo que certificar.")
        if record.status != "closed":
            raise SessionRuleViolation(
                f"La {record.label} no ha concluido: solo se certifican acuerdos de una sesión concluida."
            )
        item = next((i for i in record.items if i.agreement_number == number), None)
        if item is None:
            raise InvalidInput(f"La {record.label} no tiene un acuerdo N° {number}.")
        if item.result != "passed":
            raise SessionRuleViolation(
                f"El acuerdo N° {number} de la {record.label} no fue aprobado ({item.result_label.lower()}): "
                "solo se certifica un acuerdo aprobado."
            )
        with app.db.read() as conn:
            tie = bool(conn.execute(select(AG.c.tie_broken).where(AG.c.session_id == session_id, AG.c.number == number)).scalar())
        title = f"Certificación del Acuerdo N° {number} - {record.label}"
        context = {"s": record, "i": item, "tie_broken": tie, "issued_at": app.clock.now()}
        c = app.definitions().plan.commission
        secretary = signer(app.definitions().plan, "secretariat", "secretariat", c.secretariat.entity, "Secretaría Técnica")
        return _file_name(title, fmt), render("certificacion", fmt, context, title, templates_dir,
                                              meta=document_meta(app, title, title),
                                              signers=[(secretary.key, secretary.caption)])
