"""A commission with a history for the public-face tests: the demonstration's users and
history (a session held with its acta approved), a second session concluded with its acta still
a draft, and a public consultation on A3.2 with an invited organisation's and a private
person's contributions, answered; ``close`` takes the consultation's closing step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from conaig_flow.bootstrap import App
from conaig_flow.cli import demo
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import users
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import attendance, sessions, votes
from conaig_flow.services.sessions import views as session_views
from tests.conftest import pdf_bytes

SECRETARIAT = demo.SECRETARIAT
PASSWORD = demo.DEMO_PASSWORD
PRIVATE_PERSON = "María Quispe Mamani"
PRIVATE_EMAIL = "maria.quispe@correo.pe"
PRIVATE_ORG = "Vecinos de Ayaviri"
PRIVATE_ATTACHMENT = "anexo-de-maria.pdf"
ORG_EMAIL = "contacto@warmi.pe"
ORG_TEXT = "Incluir a las organizaciones de mujeres indígenas en el diagnóstico regional."
PERSON_TEXT = "Agregar indicadores de violencia en zonas rurales altoandinas."
ORG_REASON = "Se incorpora en el capítulo de diagnóstico."


def lima(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LIMA)


@dataclass
class PublicWorld:
    approved_session: int
    draft_session: int
    draft_acta_code: str
    consultation_id: int
    proposal_id: int


def build(app: App) -> PublicWorld:
    clock = FixedClock(lima("2021-07-01T09:00"))
    app.clock = clock
    demo.seed(app)
    app.clock = clock
    st = users.actor_for(app, SECRETARIAT)
    approved = next(s.id for s in session_views.list_sessions(app) if s.acta_code)
    # a second session, concluded: its acta waits for the next session's approval
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), kind="ordinaria",
                                      place="Sala Micaela Bastidas, MIMP")
    sessions.add_item(app, st, created.id, other="Informe de la Secretaría Técnica sobre el avance")
    sessions.convene(app, st, created.id)
    clock.set(lima("2022-05-20T18:00"))
    voting = [e.code for e in app.definitions().plan.voting_members]
    for code in voting[:15]:
        attendance.attend(app, st, created.id, code, at=lima("2022-05-20T09:55"))
    attendance.open_session(app, st, created.id, at=lima("2022-05-20T10:05"))
    votes.close(app, st, created.id, at=lima("2022-05-20T11:00"))
    draft_code = session_views.session_record(app, created.id).acta_code
    assert draft_code is not None
    # a public consultation on the annual report's proposal
    clock.set(lima("2022-05-23T09:00"))
    (proposal,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st, proposal.id, "submit", documents=[("propuesta-informe.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st, proposal.id, "accept")
    organisations.import_organisations(
        app, st, "o.csv", f"nombre,tipo,correos,region\nColectivo Warmi,Colectivo,{ORG_EMAIL},Puno\n".encode())
    view = consultations.open_consultation(
        app, st, proposal.id, title="Consulta sobre la propuesta de informe anual", opens_at=clock.now(),
        closes_at=clock.now() + timedelta(days=20), questions=["Diagnóstico", "Propuestas de mejora"], public=True,
        document=("propuesta-informe-consulta.pdf", pdf_bytes("propuesta en consulta")))
    (invitation,) = consultations.invite(app, st, view.id)
    clock.set(lima("2022-05-25T11:00"))
    org = contributions.submit(app, view.id, token=invitation.token, text=ORG_TEXT, question_seq=1)
    person = contributions.submit(app, view.id, text=PERSON_TEXT, name=PRIVATE_PERSON, organisation=PRIVATE_ORG,
                                  email=PRIVATE_EMAIL, attachment=(PRIVATE_ATTACHMENT, pdf_bytes("anexo")),
                                  client_address="192.0.2.7")
    contributions.answer(app, st, org.id, "accepted", ORG_REASON, "Capítulo II")
    contributions.answer(app, st, person.id, "partly_accepted", "Se incluye un indicador de zonas rurales.")
    return PublicWorld(approved, created.id, draft_code, view.id, proposal.id)


def close(app: App, world: PublicWorld) -> None:
    """After the consultation's window: the Technical Secretariat closes it (its answers publish)."""
    assert isinstance(app.clock, FixedClock)
    app.clock.set(lima("2022-06-14T09:00"))
    consultations.close_consultation(app, users.actor_for(app, SECRETARIAT), world.consultation_id)
