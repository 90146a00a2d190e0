"""Emails of a consultation, written to the outbox inside the transaction that causes them:
the invitation (with the personal link), a reminder before closing to invited organisations
that have not contributed yet, and the confirmation of each contribution received."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.notify.messages import NewMessage
from conaig_flow.notify.outbox import enqueue, enqueue_many
from conaig_flow.services.consultation.consultations import (
    CON,
    INV,
    ORG,
    C,
    Invitation,
    Q,
    invitation_link,
    invitation_token,
)
from conaig_flow.store.public_address import consultation_page

#: How long before closing the invited organisations that have not contributed are reminded.
CLOSING_REMINDER = timedelta(days=3)


def _consultation_context(app: App, conn: Connection, consultation_id: int) -> dict[str, Any]:
    row = conn.execute(select(C).where(C.c.id == consultation_id)).one()
    questions = [q.text for q in conn.execute(select(Q.c.text).where(Q.c.consultation_id == consultation_id).order_by(Q.c.seq))]
    plan = app.definitions().plan
    return {
        "commission": plan.commission.name,
        "plan_title": plan.plan.title,
        "consultation_id": consultation_id,
        "consultation_title": row.title,
        "document_name": row.document_name,
        "opens_at": row.opens_at.isoformat(),
        "closes_at": row.closes_at.isoformat(),
        "questions": questions,
        "public": bool(row.public),
        "public_link": consultation_page(consultation_id),
    }


def on_invitations(app: App, conn: Connection, consultation_id: int, invitations: list[Any]) -> None:
    """Invitation listener: one email per invited organisation, to all its contacts."""
    if not invitations:
        return
    base = _consultation_context(app, conn, consultation_id)
    messages = []
    for inv in invitations:
        assert isinstance(inv, Invitation)
        messages.append(
            NewMessage(
                key=f"consulta:{consultation_id}:invitacion:{inv.organisation_id}", kind="consultation",
                template="consulta_invitacion", to=inv.emails,
                context={**base, "organisation": inv.organisation_name, "link": invitation_link(app, consultation_id, inv.token)},
            )
        )
    enqueue_many(conn, messages, app.clock.now())


def closing_reminders(app: App, conn: Connection, now: datetime) -> int:
    """Remind, once, the invited organisations that have not contributed, when a consultation
    closes within ``CLOSING_REMINDER``. Called by the reminder sweep (business days, 09:00)."""
    open_ones = conn.execute(
        select(C.c.id).where(C.c.opens_at <= now, C.c.closes_at > now, C.c.closes_at <= now + CLOSING_REMINDER)
    ).scalars().all()
    written = 0
    for cid in open_ones:
        contributed = set(
            conn.execute(select(CON.c.organisation_id).where(CON.c.consultation_id == cid, CON.c.organisation_id.is_not(None))).scalars()
        )
        pending = conn.execute(
            select(ORG.c.id, ORG.c.name, ORG.c.emails).join(INV, INV.c.organisation_id == ORG.c.id).where(INV.c.consultation_id == cid)
        ).all()
        base = _consultation_context(app, conn, cid)

        messages = [
            NewMessage(
                key=f"consulta:{cid}:recordatorio:{org.id}", kind="consultation", template="consulta_recordatorio",
                to=json.loads(org.emails),
                context={**base, "organisation": org.name, "link": invitation_link(app, cid, invitation_token(app, cid, org.id))},
            )
            for org in pending
            if org.id not in contributed
        ]
        written += enqueue_many(conn, messages, now)
    return written


def confirm_contribution(app: App, conn: Connection, contribution_id: int) -> None:
    """The acknowledgement of a contribution, to the email of whoever sent it, with the link to
    the page it was sent from: the organisation's personal page when it came by invitation,
    else the consultation's public page."""
    row = conn.execute(select(CON).where(CON.c.id == contribution_id)).one()
    base = _consultation_context(app, conn, row.consultation_id)
    question = None
    if row.question_id is not None:
        question = conn.execute(select(Q.c.text).where(Q.c.id == row.question_id)).scalar_one()
    enqueue(
        conn,
        NewMessage(
            key=f"consulta:{row.consultation_id}:aporte:{contribution_id}", kind="consultation",
            template="consulta_confirmacion", to=[row.submitter_email],
            context={**base, "contribution_id": contribution_id, "submitter_name": row.submitter_name,
                     "organisation": row.submitter_organisation, "received_at": row.received_at.isoformat(),
                     "question": question, "text": row.text, "supersedes_id": row.supersedes_id,
                     "link": invitation_link(app, row.consultation_id, invitation_token(app, row.consultation_id, row.organisation_id))
                     if row.invitation_id is not None and row.organisation_id is not None
                     else consultation_page(row.consultation_id)},
        ),
        row.received_at,
    )
