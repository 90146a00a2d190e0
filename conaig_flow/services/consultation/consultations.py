"""Consultations on a deliverable: open, invite, receive contributions, answer each one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from conaig_flow.app import App
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.engine import Evidence
from conaig_flow.errors import ConaigError, InvalidInput, NotFound, PermissionDenied
from conaig_flow.services.audit import record_refusal
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.public_address import consultation_page, invitation_page
from conaig_flow.store.tables import DeliverableDocumentRow, DeliverableRow, DocumentRow, EventRow
from conaig_flow.store.tables_consultation import (
    ConsultationQuestionRow,
    ConsultationRow,
    ContributionAnswerRow,
    ContributionRow,
    InvitationRow,
    OrganisationRow,
)

C = ConsultationRow.__table__  # type: ignore[attr-defined]
Q = ConsultationQuestionRow.__table__  # type: ignore[attr-defined]
INV = InvitationRow.__table__  # type: ignore[attr-defined]
CON = ContributionRow.__table__  # type: ignore[attr-defined]
ANS = ContributionAnswerRow.__table__  # type: ignore[attr-defined]
ORG = OrganisationRow.__table__  # type: ignore[attr-defined]
DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]
DOC = DocumentRow.__table__  # type: ignore[attr-defined]
D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]

#: Public submissions allowed per address (or email) per hour.
PUBLIC_RATE_LIMIT = 5


@dataclass(frozen=True)
class ConsultationView:
    id: int
    deliverable_id: int
    title: str
    document_sha256: str
    document_name: str
    opens_at: datetime
    closes_at: datetime
    public: bool
    questions: list[tuple[int, str]]


@dataclass(frozen=True)
class Invitation:
    organisation_id: int
    organisation_name: str
    emails: list[str]
    token: str  # shown once: only its hash is stored


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invitation_token(app: App, consultation_id: int, organisation_id: int) -> str:
    """The personal token of an invitation: an HMAC of the invitation under the installation's
    secret key. Only its sha256 is stored; the links in emails are derived again when needed
    (the closing reminder), and nobody without the key can forge one."""
    mac = hmac.new(app.secret(), f"invitation:{consultation_id}:{organisation_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def invitation_link(app: App, consultation_id: int, token: str) -> str:
    """The personal page of an invitation as a site path: an email's link is made absolute
    when the email is sent (``notify.render``), under the public address of that moment."""
    return invitation_page(consultation_id, token)


def public_link(app: App, consultation_id: int) -> str:
    """The public page's full address (shown on the secretariat's page)."""
    return f"{app.public_url()}{consultation_page(consultation_id)}"


def require_secretariat(app: App, actor: Actor, action: str, target: str) -> None:
    if actor.role != "secretariat":
        reason = "Esta acción corresponde a la Secretaría Técnica."
        record_refusal(app, actor, action, target, reason)
        raise PermissionDenied(reason)


def _view(conn: Connection, r: Any) -> ConsultationView:
    questions = [(q.seq, q.text) for q in conn.execute(select(Q).where(Q.c.consultation_id == r.id).order_by(Q.c.seq))]
    return ConsultationView(
        r.id, r.deliverable_id, r.title, r.document_sha256, r.document_name, r.opens_at, r.closes_at, r.public, questions
    )


def get(app: App, consultation_id: int) -> ConsultationView:
    with app.db.read() as conn:
        row = conn.execute(select(C).where(C.c.id == consultation_id)).first()
        if row is None:
            raise NotFound(f"No existe la consulta {consultation_id}.")
        return _view(conn, row)


def open_consultation(
    app: App,
    actor: Actor,
    deliverable_id: int,
    *,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    questions: list[str],
    public: bool = False,
    document: tuple[str, bytes] | None = None,
) -> ConsultationView:
    """Open a consultation on a deliverable's document; fires its lifecycle's consultation step."""
    require_secretariat(app, actor, "consultation-open", f"entregable {deliverable_id}")
    if closes_at <= opens_at:
        raise InvalidInput("La fecha de cierre de la consulta debe ser posterior a la de apertura.")
    questions = [q.strip() for q in questions if q.strip()]
    if not questions:
        raise InvalidInput("Indique al menos una pregunta o sección sobre la que se reciben aportes.")
    if not title.strip():
        raise InvalidInput("La consulta necesita un título.")
    stored = app.documents.put(*document) if document else None
    current = deliverables.get(app, actor, deliverable_id)
    lc = app.definitions().lifecycles[current.kind]
    step = next((t for t in lc.transitions_from(current.state) if t.consultation == "opens"), None)
    if step is None:
        has_step = any(t.consultation == "opens" for t in lc.transitions)
        raise InvalidInput(
            f"El entregable {deliverable_id} está «{current.state_label}»: su ciclo de vida «{lc.name}» "
            + ("no permite abrir la consulta desde ese estado." if has_step else "no tiene etapa de consulta.")
        )
    now = app.clock.now()
    try:
        with app.db.write() as conn:
            if stored is not None:
                deliverables.record_document(app, conn, stored)
                doc_sha, doc_name = stored.sha256, stored.name
            else:
                latest = conn.execute(
                    select(DD.c.sha256, DD.c.name).where(DD.c.deliverable_id == deliverable_id).order_by(DD.c.id.desc()).limit(1)
                ).first()
                if latest is None:
                    raise InvalidInput("El entregable no tiene documento: adjunte el documento que se pone en consulta.")
                doc_sha, doc_name = latest.sha256, latest.name
            cid = conn.execute(
                insert(C).values(
                    deliverable_id=deliverable_id, title=title.strip(), document_sha256=doc_sha, document_name=doc_name,
                    opens_at=opens_at, closes_at=closes_at, public=public, created_by=actor.email, created_at=now,
                ).returning(C.c.id)
            ).scalar_one()
            conn.execute(insert(Q), [{"consultation_id": cid, "seq": n, "text": q} for n, q in enumerate(questions, 1)])
            # The consultation's step is taken by the system on behalf of this service: no
            # person fires it by hand, so no deliverable is «En consulta» without a consultation.
            deliverables.advance_in(
                app, conn, SYSTEM, deliverable_id, step.trigger,
                Evidence(comment=f"Consulta {cid} «{title.strip()}» abierta por {actor.email}", documents=(doc_sha,)),
            )
            row = conn.execute(select(C).where(C.c.id == cid)).one()
            return _view(conn, row)
    except ConaigError as exc:
        record_refusal(app, actor, "consultation-open", f"entregable {deliverable_id}", exc.message)
        raise


def close_consultation(app: App, actor: Actor, consultation_id: int, comment: str | None = None) -> ConsultationView:
    """Close a consultation once every contribution in force is answered in the matrix; fires
    its deliverable's closing step (``consultation: closes``) in the same transaction."""
    target = f"consulta {consultation_id}"
    require_secretariat(app, actor, "consultation-close", target)
    try:
        view = get(app, consultation_id)
        current = deliverables.get(app, actor, view.deliverable_id)
        lc = app.definitions().lifecycles[current.kind]
        step = next((t for t in lc.transitions_from(current.state) if t.consultation == "closes"), None)
        if step is None:
            raise InvalidInput(
                f"La consulta {consultation_id} no está abierta: su entregable N° {current.id} está "
                f"«{current.state_label}», no en consulta."
            )
        with app.db.write() as conn:
            latest = conn.execute(select(func.max(C.c.id)).where(C.c.deliverable_id == view.deliverable_id)).scalar()
            if latest != consultation_id:
                raise InvalidInput(
                    f"La consulta vigente del entregable N° {current.id} es la N° {latest}, no la {consultation_id}."
                )
            note = f"Consulta {consultation_id} «{view.title}» cerrada por {actor.email}"
            if comment and comment.strip():
                note += f": {comment.strip()}"
            deliverables.advance_in(app, conn, SYSTEM, view.deliverable_id, step.trigger, Evidence(comment=note))
        return view
    except ConaigError as exc:
        record_refusal(app, actor, "consultation-close", target, exc.message)
        raise


def latest_consultation(app: App, conn: Connection, deliverable_id: int) -> int | None:
    """The id of the deliverable's newest consultation, if it has any."""
    found = conn.execute(select(func.max(C.c.id)).where(C.c.deliverable_id == deliverable_id)).scalar()
    return int(found) if found is not None else None


def _unmatched(app: App, conn: Connection, deliverable_id: int) -> int:
    """Consultations registered minus the opening steps they back: every opening step not
    undone by a return for lack of a consultation should have its consultation. Negative: the
    deliverable was put «En consulta» by hand (before its consultation step belonged to this
    service); positive: a consultation was registered in this transaction, for its opening."""
    kind = conn.execute(select(D.c.kind).where(D.c.id == deliverable_id)).scalar_one()
    lc = app.definitions().lifecycles[kind]
    opens = [t.trigger for t in lc.transitions if t.consultation == "opens"]
    returns = [t.trigger for t in lc.transitions if "no_consultation" in t.requires]
    counts: dict[str, int] = {
        str(r[0]): int(r[1]) for r in conn.execute(
            select(E.c.trigger, func.count()).where(E.c.deliverable_id == deliverable_id, E.c.trigger.in_(opens + returns))
            .group_by(E.c.trigger)
        )
    }
    openings = sum(counts.get(t, 0) for t in opens) - sum(counts.get(t, 0) for t in returns)
    registered = int(conn.execute(select(func.count()).select_from(C).where(C.c.deliverable_id == deliverable_id)).scalar_one())
    return registered - openings


def consultation_registered_requirement(app: App, conn: Connection, deliverable_id: int) -> str | None:
    """Lifecycle requirement ``consultation_registered`` of the opening step: the consultation
    it opens was registered (by ``open_consultation``, in the same transaction)."""
    if _unmatched(app, conn, deliverable_id) > 0:
        return None
    return "abrir la consulta con su formulario (documento, fechas, preguntas e invitaciones)"


def no_consultation_requirement(app: App, conn: Connection, deliverable_id: int) -> str | None:
    """Lifecycle requirement ``no_consultation`` of the way out: the deliverable is «En consulta»
    with no consultation behind it (moved there by hand by an earlier version)."""
    if _unmatched(app, conn, deliverable_id) < 0:
        return None
    latest = latest_consultation(app, conn, deliverable_id)
    return (
        f"el entregable tiene su consulta registrada (consulta N° {latest}): se cierra desde la página de la consulta"
        if latest is not None else "el entregable no está en consulta"
    )


def invite(app: App, actor: Actor, consultation_id: int, organisation_ids: list[int] | None = None) -> list[Invitation]:
    """Invite organisations (all registered ones by default); those already invited are skipped."""
    require_secretariat(app, actor, "consultation-invite", f"consulta {consultation_id}")
    get(app, consultation_id)
    now = app.clock.now()
    out: list[Invitation] = []
    with app.db.write() as conn:
        query = select(ORG).order_by(ORG.c.name)
        if organisation_ids is not None:
            query = query.where(ORG.c.id.in_(organisation_ids))
        orgs = conn.execute(query).all()
        if organisation_ids is not None and len(orgs) != len(set(organisation_ids)):
            unknown = sorted(set(organisation_ids) - {o.id for o in orgs})
            raise NotFound(f"No existen las organizaciones {', '.join(map(str, unknown))}.")
        invited = set(conn.execute(select(INV.c.organisation_id).where(INV.c.consultation_id == consultation_id)).scalars())
        for org in orgs:
            if org.id in invited:
                continue
            token = invitation_token(app, consultation_id, org.id)
            conn.execute(insert(INV).values(consultation_id=consultation_id, organisation_id=org.id, token_sha256=token_hash(token), invited_at=now))
            out.append(Invitation(org.id, org.name, json.loads(org.emails), token))
        for listener in app.invitation_listeners:
            listener(app, conn, consultation_id, out)
    return out


def _rate_limited(conn: Connection, consultation_id: int, address: str | None, email: str, since: datetime) -> bool:
    clauses = [CON.c.submitter_email == email]
    if address:
        clauses.append(CON.c.client_address == address)
    from sqlalchemy import or_

    count = conn.execute(
        select(func.count()).select_from(CON).where(
            CON.c.consultation_id == consultation_id, CON.c.source == "public", CON.c.received_at >= since, or_(*clauses)
        )
    ).scalar_one()
    return int(count) >= PUBLIC_RATE_LIMIT


@dataclass(frozen=True)
class InvitedOrganisation:
    organisation_id: int
    name: str


def list_consultations(app: App, actor: Actor) -> list[ConsultationView]:
    """Every consultation, newest first (the Technical Secretariat's and admins' view)."""
    require_staff(app, actor, "consultation-list", "consultas")
    with app.db.read() as conn:
        rows = conn.execute(select(C).order_by(C.c.id.desc())).all()
        return [_view(conn, r) for r in rows]


def require_staff(app: App, actor: Actor, action: str, target: str) -> None:
    """Reading consultations' internals (contributions, emails): secretariat and admins."""
    if actor.role not in ("secretariat", "admin"):
        reason = "Solo la Secretaría Técnica puede ver las consultas y sus aportes."
        record_refusal(app, actor, action, target, reason)
        raise PermissionDenied(reason)


def public_view(app: App, consultation_id: int) -> ConsultationView:
    """A consultation as the public page shows it: only if it was opened to everyone."""
    view = get(app, consultation_id)
    if not view.public:
        raise NotFound(f"No existe la consulta pública {consultation_id}.")
    return view


def invitation_view(app: App, consultation_id: int, token: str) -> tuple[ConsultationView, InvitedOrganisation]:
    """The consultation and the organisation a personal link belongs to; refuses a bad token."""
    view = get(app, consultation_id)
    with app.db.read() as conn:
        row = conn.execute(
            select(ORG.c.id, ORG.c.name).join(INV, INV.c.organisation_id == ORG.c.id)
            .where(INV.c.consultation_id == consultation_id, INV.c.token_sha256 == token_hash(token))
        ).first()
    if row is None:
        reason = "El enlace de invitación no es válido para esta consulta (revise que esté completo)."
        record_refusal(app, Actor("anónimo", "", "public", ""), "consultation-link", f"consulta {consultation_id}", reason)
        raise PermissionDenied(reason)
    return view, InvitedOrganisation(row.id, row.name)
