"""What the public may read of the consultations: the consultations opened to everyone, and
the answers of the systematisation matrix once published.

"Published" (decided here, docs/architecture.md "The public face"): a consultation opened to
everyone whose closing step the Technical Secretariat has taken — every contribution in force is
then answered (``close_consultation`` requires it) and the deliverable has left «En consulta».
Until then its matrix is a working document of the Secretariat. Invitation-only consultations
are not listed. What is published of each contribution: its question, text, the decision, its
grounds and the change it led to, and who sent it only when it came from an invited organisation
(a legal person the commission invited); a person writing through the public page is shown as
such, never by name, email or the organisation typed in the form (Ley N° 29733). Attachments
stay with the Secretariat.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from conaig_flow.app import App
from conaig_flow.domain.consultation import DECISIONS, ORGANISATION_KINDS
from conaig_flow.errors import NotFound
from conaig_flow.services.consultation.consultations import C, ConsultationView, D, _view
from conaig_flow.services.consultation.contributions import ContributionView, _contributions
from conaig_flow.store.tables import EventRow

E = EventRow.__table__  # type: ignore[attr-defined]

PUBLIC_SUBMITTER = "Participante de la consulta pública"


@dataclass(frozen=True)
class PublicConsultation:
    id: int
    title: str
    activity: str
    deliverable_title: str
    opens_at: datetime
    closes_at: datetime
    window: str  # por abrir | abierta | cerrada
    closed: bool  # the Technical Secretariat took its closing step
    published: bool
    contributions: int  # in force
    document_name: str

    @property
    def window_label(self) -> str:
        if self.closed:
            return "Cerrada"
        return {"por abrir": "Por abrir", "abierta": "Abierta a aportes", "cerrada": "Plazo vencido, en sistematización"}[self.window]


@dataclass(frozen=True)
class PublicAnswer:
    number: int
    question: str
    submitter: str
    kind_label: str
    region: str
    text: str
    decision_label: str
    reason: str
    change_location: str


def _window(opens_at: datetime, closes_at: datetime, now: datetime) -> str:
    if now < opens_at:
        return "por abrir"
    return "abierta" if now < closes_at else "cerrada"


def _closed(app: App, conn: Connection, consultation_id: int, deliverable_id: int) -> bool:
    """Whether the consultation was closed by its closing step (``consultation: closes``): the
    deliverable's history has that step after the consultation was registered (and before the
    next consultation of the deliverable, if any). A consultation whose deliverable was
    withdrawn or returned while in consultation was not closed: its answers are not published."""
    row = conn.execute(select(D.c.kind).where(D.c.id == deliverable_id)).one()
    closing = sorted({t.trigger for t in app.definitions().lifecycles[row.kind].transitions if t.consultation == "closes"})
    created = conn.execute(select(C.c.created_at).where(C.c.id == consultation_id)).scalar_one()
    following = conn.execute(
        select(func.min(C.c.created_at)).where(C.c.deliverable_id == deliverable_id, C.c.id > consultation_id)
    ).scalar()
    query = select(E.c.id).where(E.c.deliverable_id == deliverable_id, E.c.trigger.in_(closing), E.c.at >= created)
    if following is not None:
        query = query.where(E.c.at <= following)
    return conn.execute(query.limit(1)).first() is not None


def _in_force(items: list[ContributionView]) -> list[ContributionView]:
    return [c for c in items if c.superseded_by is None]


def _summary(app: App, conn: Connection, view: ConsultationView, now: datetime) -> PublicConsultation:
    d = conn.execute(select(D.c.activity, D.c.title).where(D.c.id == view.deliverable_id)).one()
    closed = _closed(app, conn, view.id, view.deliverable_id)
    count = len(_in_force(_contributions(conn, [view.id])))
    return PublicConsultation(
        view.id, view.title, d.activity, d.title, view.opens_at, view.closes_at,
        _window(view.opens_at, view.closes_at, now), closed, closed, count, view.document_name,
    )


def list_public(app: App) -> list[PublicConsultation]:
    """The consultations opened to everyone, newest first."""
    now = app.clock.now()
    with app.db.read() as conn:
        rows = conn.execute(select(C).where(C.c.public.is_(True)).order_by(C.c.id.desc())).all()
        return [_summary(app, conn, _view(conn, r), now) for r in rows]


def public_consultation(app: App, consultation_id: int) -> tuple[PublicConsultation, list[tuple[int, str]], list[PublicAnswer]]:
    """A consultation opened to everyone, its questions and (once published) its answered matrix."""
    now = app.clock.now()
    with app.db.read() as conn:
        row = conn.execute(select(C).where(C.c.id == consultation_id, C.c.public.is_(True))).first()
        if row is None:
            raise NotFound(f"No existe la consulta pública N° {consultation_id}.")
        view = _view(conn, row)
        summary = _summary(app, conn, view, now)
        if not summary.published:
            return summary, view.questions, []
        items = _in_force(_contributions(conn, [consultation_id]))
    answers = [
        PublicAnswer(
            number=n,
            question=f"{c.question_seq}. {c.question_text}" if c.question_seq else "General",
            submitter=c.submitter_organisation if c.source == "invitation" else PUBLIC_SUBMITTER,
            kind_label=ORGANISATION_KINDS.get(c.organisation_kind or "", ""),
            region=c.region or "",
            text=c.text,
            decision_label=DECISIONS.get(c.decision or "", "Pendiente de respuesta"),
            reason=c.reason or "",
            change_location=c.change_location or "",
        )
        for n, c in enumerate(items, start=1)
    ]
    return summary, view.questions, answers
