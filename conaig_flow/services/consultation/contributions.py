"""Contributions to a consultation, their answers (the systematisation matrix) and figures."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.consultation import (
    DECISIONS,
    MAX_CONTRIBUTION_CHARS,
    ContributionFacts,
    Participation,
    current,
    participation,
    unanswered,
    window_problem,
)
from conaig_flow.errors import InvalidInput, NotFound, PermissionDenied, TooManyRequests
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.consultation.consultations import (
    ANS,
    CON,
    INV,
    ORG,
    PUBLIC_RATE_LIMIT,
    C,
    ConsultationView,
    Q,
    _rate_limited,
    get,
    require_secretariat,
    token_hash,
)
from conaig_flow.services.deliverables.deliverables import record_document
from conaig_flow.store.tables import DocumentRow

DOC = DocumentRow.__table__  # type: ignore[attr-defined]
_EMAIL_OK = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ContributionView:
    id: int
    consultation_id: int
    received_at: datetime
    submitter_name: str
    submitter_organisation: str
    submitter_email: str
    organisation_kind: str | None
    region: str | None
    question_seq: int | None
    question_text: str | None
    text: str
    attachment_name: str | None
    attachment_sha256: str | None
    source: str
    supersedes_id: int | None
    superseded_by: int | None
    decision: str | None
    reason: str | None
    change_location: str | None
    answered_by: str | None

    @property
    def decision_label(self) -> str:
        return DECISIONS.get(self.decision or "", "Pendiente de respuesta")


def _public_actor(email: str) -> Actor:
    return Actor(email=email or "anónimo", name="", role="public", entity="")


def submit(
    app: App,
    consultation_id: int,
    *,
    text: str,
    token: str | None = None,
    name: str | None = None,
    organisation: str | None = None,
    email: str | None = None,
    question_seq: int | None = None,
    attachment: tuple[str, bytes] | None = None,
    client_address: str | None = None,
    supersedes: int | None = None,
    honeypot: str | None = None,
) -> ContributionView:
    """Receive a contribution through a personal invitation link (token) or the public page."""
    who = _public_actor((email or "").strip().lower())
    target = f"consulta {consultation_id}"
    try:
        if honeypot:
            raise InvalidInput("No se pudo registrar el aporte.")
        return _submit(app, consultation_id, text, token, name, organisation, email, question_seq,
                       attachment, client_address, supersedes)
    except (InvalidInput, PermissionDenied, NotFound, TooManyRequests) as exc:
        reason = exc.message if not honeypot else "campo trampa (honeypot) completado: envío automatizado"
        record_refusal(app, who, "contribute", target, reason)
        raise


def _submit(
    app: App, consultation_id: int, text: str, token: str | None, name: str | None, organisation: str | None,
    email: str | None, question_seq: int | None, attachment: tuple[str, bytes] | None,
    client_address: str | None, supersedes: int | None,
) -> ContributionView:
    consultation = get(app, consultation_id)
    now = app.clock.now()
    problem = window_problem(consultation.opens_at, consultation.closes_at, now)
    if problem:
        raise PermissionDenied(problem)
    text = (text or "").strip()
    if not text:
        raise InvalidInput("El aporte no puede estar vacío.")
    if len(text) > MAX_CONTRIBUTION_CHARS:
        raise InvalidInput(f"El aporte tiene {len(text):,} caracteres; el máximo es {MAX_CONTRIBUTION_CHARS:,}. Adjunte un documento para textos largos.")
    question_id = None
    if question_seq is not None:
        known = dict(consultation.questions)
        if question_seq not in known:
            raise InvalidInput(f"La consulta no tiene la pregunta N° {question_seq}; tiene {len(known)}.")
    stored = app.documents.put(*attachment) if attachment else None
    with app.db.write() as conn:
        invitation = None
        if token:
            invitation = conn.execute(
                select(INV, ORG.c.name.label("org_name"), ORG.c.emails).join(ORG, ORG.c.id == INV.c.organisation_id)
                .where(INV.c.token_sha256 == token_hash(token), INV.c.consultation_id == consultation_id)
            ).first()
            if invitation is None:
                raise PermissionDenied("El enlace de invitación no es válido para esta consulta (revise que esté completo).")
            org_emails = json.loads(invitation.emails)
            submitter_org = invitation.org_name
            submitter_email = (email or org_emails[0]).strip().lower()
            submitter_name = (name or "").strip() or invitation.org_name
            source = "invitation"
        else:
            if not consultation.public:
                raise PermissionDenied("Esta consulta solo recibe aportes mediante el enlace personal de invitación.")
            submitter_name = (name or "").strip()
            submitter_org = (organisation or "").strip()
            submitter_email = (email or "").strip().lower()
            missing = [label for label, value in (("nombre", submitter_name), ("organización", submitter_org), ("correo", submitter_email)) if not value]
            if missing:
                raise InvalidInput(f"Para enviar un aporte indique: {', '.join(missing)}.")
            if not _EMAIL_OK.match(submitter_email):
                raise InvalidInput(f"Correo electrónico no válido: «{submitter_email}».")
            if _rate_limited(conn, consultation_id, client_address, submitter_email, now - timedelta(hours=1)):
                raise TooManyRequests(f"Se alcanzó el límite de {PUBLIC_RATE_LIMIT} aportes por hora desde esta dirección o correo. Inténtelo más tarde.")
            source = "public"
        if question_seq is not None:
            question_id = conn.execute(select(Q.c.id).where(Q.c.consultation_id == consultation_id, Q.c.seq == question_seq)).scalar_one()
        if supersedes is not None:
            earlier = conn.execute(select(CON).where(CON.c.id == supersedes, CON.c.consultation_id == consultation_id)).first()
            same_author = earlier is not None and (
                (invitation is not None and earlier.invitation_id == invitation.id)
                or (invitation is None and earlier.invitation_id is None and earlier.submitter_email == submitter_email)
            )
            if not same_author:
                raise InvalidInput(f"Solo puede corregir un aporte suyo de esta consulta; el aporte {supersedes} no lo es.")
            if conn.execute(select(CON.c.id).where(CON.c.supersedes_id == supersedes)).first() is not None:
                raise InvalidInput(f"El aporte {supersedes} ya fue reemplazado por una corrección; corrija la más reciente.")
        if stored is not None:
            record_document(app, conn, stored)
        new_id = conn.execute(
            insert(CON).values(
                consultation_id=consultation_id, invitation_id=invitation.id if invitation else None,
                organisation_id=invitation.organisation_id if invitation else None,
                submitter_name=submitter_name, submitter_organisation=submitter_org, submitter_email=submitter_email,
                question_id=question_id, text=text, attachment_sha256=stored.sha256 if stored else None,
                attachment_name=stored.name if stored else None, source=source, client_address=client_address,
                supersedes_id=supersedes, received_at=now,
            ).returning(CON.c.id)
        ).scalar_one()
        from conaig_flow.services.consultation.notices import confirm_contribution

        confirm_contribution(app, conn, new_id)
    return next(c for c in matrix(app, consultation_id) if c.id == new_id)


def answer(app: App, actor: Actor, contribution_id: int, decision: str, reason: str, change_location: str | None = None) -> ContributionView:
    """Record (or revise) the secretariat's answer to a contribution in the matrix."""
    require_secretariat(app, actor, "answer", f"aporte {contribution_id}")
    if decision not in DECISIONS:
        options = ", ".join(f"«{label}»" for label in DECISIONS.values())
        raise InvalidInput(f"Elija la decisión sobre el aporte: {options}." if not decision.strip() else
                           f"Decisión desconocida «{decision}»; se espera una de estas: {options}.")
    if not reason.strip():
        raise InvalidInput("Indique el fundamento de la decisión sobre el aporte.")
    now = app.clock.now()
    with app.db.write() as conn:
        row = conn.execute(select(CON.c.id, CON.c.consultation_id).where(CON.c.id == contribution_id)).first()
        if row is None:
            raise NotFound(f"No existe el aporte {contribution_id}.")
        if conn.execute(select(CON.c.id).where(CON.c.supersedes_id == contribution_id)).first() is not None:
            raise InvalidInput(f"El aporte {contribution_id} fue reemplazado por una corrección: responda la corrección.")
        values = {"decision": decision, "reason": reason.strip(), "change_location": (change_location or "").strip() or None,
                  "answered_by": actor.email, "answered_at": now}
        if conn.execute(select(ANS.c.contribution_id).where(ANS.c.contribution_id == contribution_id)).first():
            conn.execute(update(ANS).where(ANS.c.contribution_id == contribution_id).values(**values))
        else:
            conn.execute(insert(ANS).values(contribution_id=contribution_id, **values))
        consultation_id = row.consultation_id
    return next(c for c in matrix(app, consultation_id) if c.id == contribution_id)


def _contributions(conn: Connection, consultation_ids: list[int]) -> list[ContributionView]:
    rows = conn.execute(
        select(CON, ORG.c.kind.label("org_kind"), ORG.c.region.label("org_region"), Q.c.seq.label("q_seq"),
               Q.c.text.label("q_text"), ANS.c.decision, ANS.c.reason, ANS.c.change_location, ANS.c.answered_by)
        .outerjoin(ORG, ORG.c.id == CON.c.organisation_id)
        .outerjoin(Q, Q.c.id == CON.c.question_id)
        .outerjoin(ANS, ANS.c.contribution_id == CON.c.id)
        .where(CON.c.consultation_id.in_(consultation_ids))
        .order_by(CON.c.id)
    ).all()
    superseded_by = {r.supersedes_id: r.id for r in rows if r.supersedes_id is not None}
    return [
        ContributionView(
            r.id, r.consultation_id, r.received_at, r.submitter_name, r.submitter_organisation, r.submitter_email,
            r.org_kind, r.org_region, r.q_seq, r.q_text, r.text, r.attachment_name, r.attachment_sha256, r.source,
            r.supersedes_id, superseded_by.get(r.id), r.decision, r.reason, r.change_location, r.answered_by,
        )
        for r in rows
    ]


def matrix(app: App, consultation_id: int) -> list[ContributionView]:
    """Every contribution with its answer; superseded ones carry ``superseded_by``."""
    with app.db.read() as conn:
        return _contributions(conn, [consultation_id])


def _facts(items: list[ContributionView]) -> list[ContributionFacts]:
    return [ContributionFacts(c.id, c.supersedes_id, c.decision is not None, c.organisation_kind, c.region) for c in items]


@dataclass(frozen=True)
class ConsultationStatus:
    consultation: ConsultationView
    invited: int
    unanswered: list[int]
    figures: Participation


def status(app: App, consultation_id: int) -> ConsultationStatus:
    consultation = get(app, consultation_id)
    with app.db.read() as conn:
        items = _contributions(conn, [consultation_id])
        invited_kinds = list(conn.execute(
            select(ORG.c.kind).join(INV, INV.c.organisation_id == ORG.c.id).where(INV.c.consultation_id == consultation_id)
        ).scalars())
    current_ids = {f.id for f in current(_facts(items))}
    contributing = [(c.submitter_organisation, c.organisation_kind or "sin_clasificar") for c in items if c.id in current_ids]
    figures = participation(invited_kinds, contributing, _facts(items))
    return ConsultationStatus(consultation, len(invited_kinds), unanswered(_facts(items)), figures)


def unanswered_requirement(app: App, conn: Connection, deliverable_id: int) -> str | None:
    """Lifecycle requirement ``contributions_answered``: every current contribution answered."""
    ids = list(conn.execute(select(C.c.id).where(C.c.deliverable_id == deliverable_id)).scalars())
    if not ids:
        return "abrir la consulta sobre el entregable (no hay consulta registrada)"
    pending = unanswered(_facts(_contributions(conn, ids)))
    if pending:
        listed = ", ".join(str(i) for i in pending[:10]) + ("…" if len(pending) > 10 else "")
        if len(pending) == 1:
            return f"responder en la matriz de sistematización el aporte pendiente (aporte {listed})"
        return f"responder en la matriz de sistematización los {len(pending)} aportes pendientes (aportes {listed})"
    return None


def attachment(app: App, actor: Actor, consultation_id: int, contribution_id: int) -> tuple[str, bytes]:
    """(file name, content) of a contribution's attachment: for the Technical Secretariat and
    the administration only (refusals recorded); NotFound when it has none."""
    from conaig_flow.services.consultation.consultations import require_staff

    require_staff(app, actor, "contribution-attachment", f"aporte {contribution_id}")
    with app.db.read() as conn:
        row = conn.execute(select(CON.c.attachment_name, CON.c.attachment_sha256).where(
            CON.c.id == contribution_id, CON.c.consultation_id == consultation_id)).first()
    if row is None or row.attachment_sha256 is None:
        raise NotFound(f"El aporte N° {contribution_id} de la consulta N° {consultation_id} no tiene adjunto.")
    return str(row.attachment_name or "adjunto"), app.documents.read(row.attachment_sha256)
