"""Sessions connected to notify and to the calendar: the convocatoria reaches every member
by email (agenda, Spanish date, .ics with a stable UID) exactly once, and its notice period
is counted on the Peruvian business-day calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from icalendar import Calendar

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.notice import weekdays
from conaig_flow.errors import SessionRuleViolation
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services.deliverables import calendar
from conaig_flow.services.sessions import sessions
from tests.notify_helpers import use_smtp
from tests.session_kit import lima, setup_people
from tests.smtp_capture import SmtpCapture

AGENDA = ["Conformación del equipo de trabajo de medidas urgentes", "Aprobación de la metodología del informe anual"]


def _members(app: App) -> set[str]:
    return {f"{cap}.{e.code.lower()}@example.pe" for e in app.definitions().plan.entities for cap in ("titular", "alterno")} | {
        "integrante@example.pe"
    }


def test_convening_a_session_emails_every_member_once_with_agenda_spanish_date_and_invitation(
    app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    st = setup_people(app)
    use_smtp(app, smtp)
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), place="Sala Micaela Bastidas, MIMP")
    for text in AGENDA:
        sessions.add_item(app, st, created.id, other=text)
    convocatoria = sessions.convene(app, st, created.id)
    members = _members(app)
    assert {r.email for r in convocatoria.recipients} == members

    report = dispatch(app)
    assert report.sent == len(members) == 2 * len(app.definitions().plan.entities) + 1
    assert sorted(r for m in smtp.received for r in m.recipients) == sorted(members)  # one message each
    uids = set()
    for received in smtp.received:
        msg = received.message
        assert msg["Subject"] == f"Convocatoria: {convocatoria.label} — 20 de mayo de 2022, 10:00"
        parts = {p.get_content_type(): p for p in msg.walk() if not p.is_multipart()}
        text = str(parts["text/plain"].get_content())
        assert "20 de mayo de 2022" in text and "Sala Micaela Bastidas, MIMP" in text
        assert f"1. {AGENDA[0]}" in text and f"2. {AGENDA[1]}" in text
        ics = parts["text/calendar"].get_content()
        (event,) = Calendar.from_ical(ics if isinstance(ics, str) else ics.decode()).walk("VEVENT")
        assert event.decoded("dtstart") == datetime(2022, 5, 20, 10, 0, tzinfo=LIMA)
        assert str(event["summary"]) == convocatoria.label and AGENDA[1] in str(event["description"])
        uids.add(str(event["uid"]))
    assert uids == {sessions.session_uid(created.id)}

    with pytest.raises(SessionRuleViolation, match="ya fue emitida"):
        sessions.convene(app, st, created.id)
    assert dispatch(app).sent == 0
    assert len(smtp.received) == len(members)
    assert ob.counts(app) == {"sent": len(members)}


def test_a_refused_convocatoria_writes_nothing_to_the_outbox(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-18T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"))
    sessions.add_item(app, st, created.id, other="Punto")
    with pytest.raises(SessionRuleViolation, match="2 días hábiles"):
        sessions.convene(app, st, created.id)
    assert ob.counts(app) == {}


def test_fiestas_patrias_do_not_count_toward_the_notice_period(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-07-27T09:00"))  # Wednesday; 28 and 29 July are national holidays
    monday = sessions.create_session(app, st, scheduled_at=lima("2022-08-01T10:00"))
    sessions.add_item(app, st, monday.id, other="Punto")
    with pytest.raises(SessionRuleViolation) as refused:
        sessions.convene(app, st, monday.id)
    assert "desde el 3 de agosto de 2022, no el 1 de agosto de 2022" in refused.value.message
    # Counting Monday to Friday only, the same convocatoria would have passed.
    assert sessions.convene(app, st, monday.id, is_business_day=weekdays).agenda == ["Punto"]

    wednesday = sessions.create_session(app, st, scheduled_at=lima("2022-08-03T10:00"))
    sessions.add_item(app, st, wednesday.id, other="Punto")
    assert sessions.convene(app, st, wednesday.id).label


def test_a_non_working_day_decreed_in_the_database_is_not_a_business_day(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    calendar.add_non_working_day(app, st, date(2022, 10, 7), "Decreto Supremo de prueba que declara día no laborable")
    clock.set(lima("2022-10-05T09:00"))  # Wednesday; Friday 7 is decreed non-working, Saturday 8 is a holiday
    created = sessions.create_session(app, st, scheduled_at=lima("2022-10-10T10:00"))
    sessions.add_item(app, st, created.id, other="Punto")
    with pytest.raises(SessionRuleViolation, match="desde el 11 de octubre de 2022"):
        sessions.convene(app, st, created.id)
    assert ob.counts(app) == {}
