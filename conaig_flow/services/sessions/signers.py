"""Who signs a session's acta (Ley N° 27444 art. 102), read inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from conaig_flow.app import App
from conaig_flow.domain.acta import Signer, signers
from conaig_flow.services.sessions.common import SR
from conaig_flow.services.sessions.voto_singular import singular_votes


def signers_in(app: App, conn: Any, session_id: int, acta_id: int) -> list[Signer]:
    """Who signs the acta (Ley N° 27444 art. 102): the presidency, the secretariat, every
    member with a voto singular in the session, and every attendee who asked."""
    plan = app.definitions().plan
    singular = {v.entity for v in singular_votes(app, conn, session_id)}
    asked = set(conn.execute(select(SR.c.entity_code).where(SR.c.acta_id == acta_id)).scalars())
    return signers(plan.commission.presidency, plan.commission.secretariat.entity, singular, asked)
