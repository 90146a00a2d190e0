"""The evidence behind in-session steps: the session agreement that took each one.

A transition marked ``in_session`` (``approve``, ``record_agreement``) is taken only by the
session service, as the system, from the agreement of an item of that session; its event
carries the agreement's id (``events.agreement_id``, hashed with the event). This module
checks that link when the step is taken, resolves it for the deliverable's history (session,
date, agreement number, acta), and audits a database for steps with no such evidence
(``conaig audit sessions``), e.g. approvals fired by hand by earlier versions.

Events written before the link existed carry the agreement only in their ``session_ref``
text, which the session service wrote as «… Acuerdo N° n, ACTA N° …» (at closing) or
«ACTA N° …, aprobada el … (…, Acuerdo N° n)» (at the acta's approval); those are matched by
the acta's code and the agreement's number, and then checked like the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from conaig_flow.app import App
from conaig_flow.domain.plan import Plan
from conaig_flow.services.sessions.common import AC, AG, IT, S, session_label
from conaig_flow.store.tables import DeliverableRow, EventRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]

_AGREEMENTS = (
    select(
        AG.c.id, AG.c.number, AG.c.result, AG.c.decided_at, AG.c.session_id,
        S.c.kind, S.c.number.label("session_number"), S.c.year, S.c.scheduled_at, S.c.status,
        IT.c.deliverable_id, IT.c.fulfils_id, AC.c.code.label("acta_code"), AC.c.state.label("acta_state"),
    )
    .join(IT, IT.c.id == AG.c.item_id)
    .join(S, S.c.id == AG.c.session_id)
    .outerjoin(AC, AC.c.session_id == AG.c.session_id)
)
_AGREEMENT_NUMBER = re.compile(r"Acuerdo N° (\d+)")
#: Session statuses in which an agreement may take a step: ``open`` is the session being
#: concluded in the same transaction; ``closed`` a concluded one (the acta approved later).
_DECIDING = frozenset({"open", "closed"})


@dataclass(frozen=True)
class SessionEvidence:
    """A session agreement, as the evidence of a deliverable's step."""

    agreement_id: int
    agreement_number: int
    result: str  # passed | rejected
    decided_at: datetime
    session_id: int
    session_label: str
    session_date: datetime  # the session's scheduled date and time
    session_status: str
    acta_code: str | None
    acta_state: str | None  # draft | approved | signed
    item_deliverable: int | None  # the deliverable the item puts to the vote
    item_fulfils: int | None  # the session_acta deliverable the agreement fulfils

    @property
    def concluded(self) -> bool:
        return self.session_status == "closed"

    @property
    def result_label(self) -> str:
        return "aprobado" if self.result == "passed" else "no aprobado"

    def concerns(self, deliverable_id: int) -> bool:
        return deliverable_id in (self.item_deliverable, self.item_fulfils)


def _evidence(plan: Plan, r: Any) -> SessionEvidence:
    label = session_label(plan, _SessionKey(r.kind, r.session_number, r.year))
    return SessionEvidence(
        r.id, r.number, r.result, r.decided_at, r.session_id, label, r.scheduled_at, r.status,
        r.acta_code, r.acta_state, r.deliverable_id, r.fulfils_id,
    )


@dataclass(frozen=True)
class _SessionKey:
    kind: str
    number: int
    year: int


def agreement(conn: Connection, plan: Plan, agreement_id: int) -> SessionEvidence | None:
    row = conn.execute(_AGREEMENTS.where(AG.c.id == agreement_id)).first()
    return _evidence(plan, row) if row is not None else None


def problem_with(ev: SessionEvidence, deliverable_id: int, approves: bool, *, concluded: bool) -> str | None:
    """What is wrong with ``ev`` as the evidence of a step on ``deliverable_id`` (None: nothing).

    ``approves``: the step approves the deliverable (else it records an agreement that does
    not); ``concluded``: the session must have concluded (the audit; while the session is
    being concluded its agreements take their steps inside the closing transaction)."""
    which = f"el Acuerdo N° {ev.agreement_number} de la {ev.session_label}"
    if not ev.concerns(deliverable_id):
        return f"{which[0].upper()}{which[1:]} no trata el entregable {deliverable_id}."
    if approves and ev.result != "passed":
        return f"{which[0].upper()}{which[1:]} no fue aprobado: no puede aprobar el entregable."
    if not approves and ev.result == "passed":
        return f"{which[0].upper()}{which[1:]} fue aprobado: no es un acuerdo que deje el entregable sin aprobar."
    if approves and ev.item_fulfils == deliverable_id and ev.acta_state not in ("approved", "signed"):
        return f"El acta de la {ev.session_label} no está aprobada: el producto se cumple al aprobarse el acta."
    if ev.session_status not in (("closed",) if concluded else _DECIDING):
        return f"La {ev.session_label} no ha concluido: sus acuerdos aún no existen."
    return None


def agreement_problem(conn: Connection, agreement_id: int | None, deliverable_id: int, approves: bool, plan: Plan) -> str | None:
    """Why an in-session step on ``deliverable_id`` may not be taken with ``agreement_id``."""
    if agreement_id is None:
        return (
            "Este paso solo lo da el acuerdo de una sesión de la comisión: agregue el entregable a la agenda "
            "de una sesión; al concluir la sesión, su acuerdo se registrará en el entregable."
        )
    ev = agreement(conn, plan, agreement_id)
    if ev is None:
        return f"No existe el acuerdo de sesión {agreement_id}."
    return problem_with(ev, deliverable_id, approves, concluded=False)


class _Agreements:
    """Every agreement of the database, by id and by (acta code, number), read once."""

    def __init__(self, conn: Connection, plan: Plan) -> None:
        self.by_id = {int(r.id): _evidence(plan, r) for r in conn.execute(_AGREEMENTS)}
        self.by_acta = {(ev.acta_code, ev.agreement_number): ev for ev in self.by_id.values() if ev.acta_code}
        self.codes = sorted({code for code, _ in self.by_acta if code}, key=len, reverse=True)

    def of_event(self, agreement_id: int | None, session_ref: str | None) -> SessionEvidence | None:
        """The agreement an event names: by its link, or (older events) by its reference text."""
        if agreement_id is not None:
            return self.by_id.get(agreement_id)
        if not session_ref:
            return None
        number = _AGREEMENT_NUMBER.search(session_ref)
        code = next((c for c in self.codes if c in session_ref), None)
        if number is None or code is None:
            return None
        return self.by_acta.get((code, int(number.group(1))))


def history_evidence(conn: Connection, app: App, kind: str, events: Iterable[Any]) -> dict[int, SessionEvidence]:
    """seq -> the session agreement behind each in-session step of one deliverable's events."""
    defs = app.definitions()
    lc = defs.lifecycles[kind]
    steps = [e for e in events if (t := lc.transition(e.trigger, e.from_state)) is not None and t.in_session]
    if not steps:
        return {}
    known = _Agreements(conn, defs.plan)
    out: dict[int, SessionEvidence] = {}
    for e in steps:
        ev = known.of_event(e.agreement_id, e.session_ref)
        if ev is not None and ev.concerns(e.deliverable_id):
            out[e.seq] = ev
    return out


@dataclass(frozen=True)
class UnbackedStep:
    """An approval or agreement step whose evidence is not a fitting agreement of a concluded session."""

    deliverable_id: int
    activity: str
    owner: str
    title: str
    seq: int
    trigger: str
    label: str  # the transition's label
    at: datetime
    actor_email: str
    actor_role: str
    session_ref: str | None
    problem: str

    def to_json(self) -> dict[str, Any]:
        return {
            "entregable": self.deliverable_id, "actividad": self.activity, "responsable": self.owner,
            "titulo": self.title, "evento": self.seq, "accion": self.label, "fecha": self.at.isoformat(),
            "usuario": self.actor_email, "rol": self.actor_role, "referencia_de_sesion": self.session_ref,
            "problema": self.problem,
        }


@dataclass(frozen=True)
class SessionAudit:
    checked: int  # in-session steps looked at
    unbacked: list[UnbackedStep]


def audit_sessions(app: App) -> SessionAudit:
    """Every approval or agreement step (``in_session`` transitions) whose evidence is not an
    agreement of a concluded session that decided that deliverable that way."""
    defs = app.definitions()
    triggers = sorted({t.trigger for lc in defs.lifecycles.values() for t in lc.transitions if t.in_session})
    checked = 0
    out: list[UnbackedStep] = []
    if not triggers:
        return SessionAudit(0, [])
    with app.db.read() as conn:
        known = _Agreements(conn, defs.plan)
        rows = conn.execute(
            select(E, D.c.kind, D.c.activity, D.c.owner, D.c.title)
            .join(D, D.c.id == E.c.deliverable_id)
            .where(E.c.trigger.in_(triggers))
            .order_by(E.c.deliverable_id, E.c.seq)
        ).all()
    for r in rows:
        lc = defs.lifecycles[r.kind]
        t = lc.transition(r.trigger, r.from_state)
        if t is None or not t.in_session:
            continue
        checked += 1
        approves = lc.state(t.dest).outcome == "approved"
        ev = known.of_event(r.agreement_id, r.session_ref)
        if ev is None:
            problem = (
                "no corresponde a ningún acuerdo de sesión registrado"
                + (f" (referencia escrita: «{r.session_ref}»)" if r.session_ref else "")
                + "; fue registrado a mano, sin sesión, quórum ni votación."
            )
        else:
            found = problem_with(ev, r.deliverable_id, approves, concluded=True)
            if found is None:
                continue
            problem = found
        out.append(UnbackedStep(
            r.deliverable_id, r.activity, r.owner, r.title, r.seq, r.trigger, t.label, r.at, r.actor_email,
            r.actor_role, r.session_ref, problem,
        ))
    return SessionAudit(checked, out)
