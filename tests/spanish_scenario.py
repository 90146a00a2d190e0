"""The full scenario the Spanish scan reads: the CONAIG plan (abstention allowed, with written
grounds, as a reglamento interno may allow it) with the demonstration's users and history
(submitted, opined, observed, resubmitted, accepted, approved with a norm; the I-2022 session
held in second call with a vote against), a public consultation on the A3.2 proposal with
contributions answered and closed, a second session that approves it with votes for, against
and an abstention, reminders swept and everything dispatched to a real SMTP server."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from conaig_flow.bootstrap import App
from conaig_flow.cli import demo
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import plans, users
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.notifications import reminders
from conaig_flow.services.sessions import attendance, sessions, votes
from tests.conftest import make_app, pdf_bytes
from tests.notify_helpers import use_smtp
from tests.session_kit import ABSTENTION_ALLOWED, variant_plan
from tests.smtp_capture import SmtpCapture

ABSTENTION = ABSTENTION_ALLOWED


def lima(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LIMA)


@dataclass
class Scenario:
    app: App
    clock: FixedClock
    db_url: str
    consultation_id: int
    token: str
    logins: dict[str, str]


def build(tmp: Path, smtp: SmtpCapture) -> Scenario:
    clock = FixedClock(lima("2021-07-01T09:00"))
    db_url = f"sqlite:///{tmp / 'conaig.db'}"
    app = make_app(db_url, tmp / "home", clock)
    plans.init(app, variant_plan(tmp, ABSTENTION))
    use_smtp(app, smtp)
    demo.seed(app)
    app.clock = clock
    sec = users.actor_for(app, demo.SECRETARIAT)

    # The consultation on the governance-report proposal (A3.2).
    clock.set(lima("2022-05-16T10:00"))
    (a32,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, sec, a32.id, "submit", documents=[("propuesta.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, sec, a32.id, "observe", comment="Completar el diagnóstico regional.")
    deliverables.advance(app, sec, a32.id, "resubmit", documents=[("propuesta-v2.pdf", pdf_bytes("propuesta v2"))])
    deliverables.advance(app, sec, a32.id, "accept")
    csv = (b"nombre;tipo;correos;region\n"
           b"Gobierno Regional de Puno;Gobierno regional;gr@puno.example.pe;Puno\n"
           b"Colectivo Mujeres del Sur;Sociedad civil;contacto@mujeres.example.pe;Arequipa\n")
    organisations.import_organisations(app, sec, "organizaciones.csv", csv)
    view = consultations.open_consultation(
        app, sec, a32.id, title="Propuesta de informe anual de gobernanza", opens_at=lima("2022-05-17T09:00"),
        closes_at=lima("2022-06-10T18:00"), questions=["Diagnóstico", "Propuestas de mejora"], public=True,
        document=("propuesta.pdf", pdf_bytes("propuesta")),
    )
    invitations = consultations.invite(app, sec, view.id)
    clock.set(lima("2022-05-18T10:00"))
    first = contributions.submit(app, view.id, token=invitations[0].token, text="Crear un observatorio regional.",
                                 question_seq=2)
    second = contributions.submit(app, view.id, text="Incluir indicadores de violencia de género.", name="Rosa Quispe",
                                  organisation="Colectivo Mujeres del Sur", email="rosa@example.pe")
    clock.set(lima("2022-06-08T10:00"))
    reminders.sweep(app)  # the consultation's closing reminder to the organisation that did not contribute
    contributions.answer(app, sec, first.id, "accepted", "Se incorpora en el capítulo 3.", "Capítulo 3")
    contributions.answer(app, sec, second.id, "not_accepted", "Ya figura en el anexo de indicadores.")
    clock.set(lima("2022-06-11T09:00"))
    consultations.close_consultation(app, sec, view.id)

    # The II-2022 session approves it: for, against (with reasons) and a grounded abstention.
    clock.set(lima("2022-06-13T09:00"))
    sid = sessions.create_session(app, sec, scheduled_at=lima("2022-06-16T10:00"), place="Sala Micaela Bastidas, MIMP").id
    sessions.add_item(app, sec, sid, approve=a32.id)
    sessions.convene(app, sec, sid)
    voting = [e.code for e in app.definitions().plan.voting_members]
    clock.set(lima("2022-06-16T09:55"))
    for code in voting[:14]:
        attendance.attend(app, sec, sid, code, alterno=code == "MINEDU")
    clock.set(lima("2022-06-16T10:05"))
    attendance.open_session(app, sec, sid)
    clock.set(lima("2022-06-16T10:30"))
    for n, code in enumerate(voting[:14]):
        if n == 1:
            votes.vote(app, sec, sid, 1, code, "against", reason="Faltan metas para gobiernos locales")
        elif n == 2:
            votes.vote(app, sec, sid, 1, code, "abstain", reason="Conflicto con un informe sectorial en curso")
        else:
            votes.vote(app, sec, sid, 1, code, "for")
    clock.set(lima("2022-06-16T11:00"))
    votes.close(app, sec, sid)

    # A third session, convened for 4 July, is left open in the middle of its vote (its forms
    # are on the page: attendance, votes, the tiebreak, the summary).
    clock.set(lima("2022-06-29T09:00"))
    third = sessions.create_session(app, sec, scheduled_at=lima("2022-07-04T10:00"), kind="extraordinaria",
                                    virtual=True).id
    sessions.add_item(app, sec, third, other="Informe de la Secretaría Técnica sobre el avance del plan")
    sessions.convene(app, sec, third)

    # Months later: reminders of what is overdue, then everything leaves through the outbox.
    clock.set(lima("2022-07-04T08:00"))
    reminders.sweep(app)
    clock.set(lima("2022-07-04T08:05") + timedelta(minutes=1))
    dispatch(app)
    clock.set(lima("2022-07-04T09:58"))
    for code in voting[:12]:
        attendance.attend(app, sec, third, code)
    clock.set(lima("2022-07-04T10:05"))
    attendance.open_session(app, sec, third)
    clock.set(lima("2022-07-04T10:20"))
    votes.vote(app, sec, third, 1, voting[0], "for")
    votes.vote(app, sec, third, 1, voting[1], "abstain", reason="Su entidad elabora un informe paralelo")
    clock.set(lima("2022-07-04T10:30"))
    logins = {
        "secretaría": demo.SECRETARIAT,
        "administración": "admin@conaig.gob.pe",
        "revisor": "revisor.intercultural@cultura.gob.pe",
        "enlace": demo.officer_email("MINSA"),
        "integrante": "titular.minsa@conaig.gob.pe",
    }
    return Scenario(app, clock, db_url, view.id, invitations[1].token, logins)
