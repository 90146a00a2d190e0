"""Consultation emails through the outbox to a real SMTP server: invitations received once
each with a working personal link, the confirmation of a contribution, and the reminder
before closing sent only to invited organisations that have not contributed."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import users
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.notifications.reminders import sweep
from tests.conftest import add_people
from tests.notify_helpers import use_smtp
from tests.smtp_capture import SmtpCapture
from tests.test_consultation_core import CLOSES, OPENS, organisations_csv, proposal_ready_for_consultation

LINK = re.compile(r"https?://\S+/consulta/(\d+)/i/([A-Za-z0-9_-]+)")


def _body(received: object) -> str:
    msg = received.message  # type: ignore[attr-defined]
    return str(msg.get_body(preferencelist=("plain",)).get_content())


def test_invitations_arrive_once_each_and_their_links_work(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    use_smtp(app, smtp)
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    clock.set(datetime(2022, 8, 22, 10, 0, tzinfo=LIMA))
    did = proposal_ready_for_consultation(app)
    organisations.import_organisations(app, st, "o.csv", organisations_csv())
    view = consultations.open_consultation(app, st, did, title="Propuesta de informe anual", opens_at=OPENS,
                                           closes_at=CLOSES, questions=["Diagnóstico", "Propuestas"], public=True)
    consultations.invite(app, st, view.id)
    consultations.invite(app, st, view.id)  # nobody is invited twice
    dispatch(app)
    dispatch(app)
    invitations = [r for r in smtp.received if ":invitacion:" in r.key]
    assert len(invitations) == 30 and all(n == 1 for n in Counter(r.key for r in invitations).values())
    first = next(r for r in invitations if "contacto0@org0.pe" in r.recipients)
    assert first.message["Subject"] == "Invitación a la consulta: Propuesta de informe anual (hasta el 30 de setiembre de 2022)"
    body = _body(first)
    assert "del 1 de setiembre de 2022, 09:00 al 30 de setiembre de 2022, 18:00" in body and "2. Propuestas" in body
    match = LINK.search(body)
    assert match is not None and int(match.group(1)) == view.id
    clock.set(datetime(2022, 9, 5, 11, 0, tzinfo=LIMA))
    got = contributions.submit(app, view.id, token=match.group(2), text="Mesas regionales de gobernanza")
    assert got.submitter_organisation == "Organización 00"
    dispatch(app)
    (confirmation,) = [r for r in smtp.received if r.key == f"consulta:{view.id}:aporte:{got.id}"]
    assert confirmation.recipients == ["contacto0@org0.pe"]
    assert "Mesas regionales de gobernanza" in _body(confirmation)


def test_public_contribution_is_confirmed_and_the_closing_reminder_skips_who_contributed(
    app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    use_smtp(app, smtp)
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    clock.set(datetime(2022, 8, 22, 10, 0, tzinfo=LIMA))
    did = proposal_ready_for_consultation(app)
    organisations.import_organisations(app, st, "o.csv", organisations_csv())
    view = consultations.open_consultation(app, st, did, title="Propuesta", opens_at=OPENS, closes_at=CLOSES,
                                           questions=["Diagnóstico"], public=True)
    invitations = consultations.invite(app, st, view.id)
    clock.set(datetime(2022, 9, 6, 12, 0, tzinfo=LIMA))
    contributions.submit(app, view.id, token=invitations[0].token, text="aporte por invitación")
    public = contributions.submit(app, view.id, name="Rosa Quispe", organisation="Colectivo Warmi",
                                  email="rosa@warmi.pe", text="aporte público", question_seq=1)
    dispatch(app)
    (confirmation,) = [r for r in smtp.received if r.key == f"consulta:{view.id}:aporte:{public.id}"]
    assert confirmation.recipients == ["rosa@warmi.pe"] and "Pregunta o sección: Diagnóstico" in _body(confirmation)
    # Tuesday 27 September 2022, 09:30: three days before closing, a business day.
    clock.set(datetime(2022, 9, 27, 9, 30, tzinfo=LIMA))
    sweep(app)
    dispatch(app)
    clock.set(datetime(2022, 9, 28, 9, 30, tzinfo=LIMA))
    sweep(app)
    dispatch(app)
    reminders = [r for r in smtp.received if ":recordatorio:" in r.key]
    assert len(reminders) == 29  # every invited organisation but the one that contributed, once
    assert not any(invitations[0].emails[0] in r.recipients for r in reminders)
    assert reminders[0].message["Subject"] == "Recordatorio: la consulta «Propuesta» cierra el 30 de setiembre de 2022"
    assert LINK.search(_body(reminders[0])) is not None
