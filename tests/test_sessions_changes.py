"""Cancelling and postponing a session before its installation (SQLite and PostgreSQL): the
members get a Spanish email with the invitation updated in place (same UID, SEQUENCE raised;
METHOD:CANCEL or the new time), the calendar feed follows, and nothing changes once the
session is installed."""

from __future__ import annotations

from datetime import datetime

import pytest
from icalendar import Calendar

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import users
from conaig_flow.services.deliverables import calendar_feed
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import changes as session_changes
from conaig_flow.services.sessions import sessions
from conaig_flow.services.sessions import views as session_views
from tests.notify_helpers import use_smtp
from tests.session_kit import arrive, lima, setup_people, voting_codes
from tests.smtp_capture import SmtpCapture


def _convened(app: App, clock: FixedClock) -> int:
    st = users.actor_for(app, "st@example.pe")
    clock.set(lima("2022-05-16T09:00"))
    sid = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), place="Sala de sesiones del MIMP").id
    sessions.add_item(app, st, sid, other="Cronograma del segundo semestre")
    sessions.convene(app, st, sid)
    return sid


def _events(smtp: SmtpCapture, subject_start: str) -> list[tuple[str, str, object]]:
    """(plain text, METHOD, VEVENT) of every message received whose subject starts so."""
    out = []
    for received in smtp.received:
        msg = received.message
        if not str(msg["Subject"]).startswith(subject_start):
            continue
        parts = {p.get_content_type(): p for p in msg.walk() if not p.is_multipart()}
        ics = parts["text/calendar"].get_content()
        cal = Calendar.from_ical(ics if isinstance(ics, str) else ics.decode())
        (event,) = cal.walk("VEVENT")
        out.append((str(parts["text/plain"].get_content()), str(cal["method"]), event))
    return out


def _feed_events(app: App) -> dict[str, object]:
    st = users.actor_for(app, "st@example.pe")
    token = calendar_feed.token_for(app, st, "MINSA")
    cal = Calendar.from_ical(calendar_feed.feed(app, token))
    return {str(e["uid"]): e for e in cal.walk("VEVENT") if str(e["uid"]).startswith("sesion-")}


def test_a_postponed_session_reaches_every_member_with_the_new_time_and_a_raised_sequence(
    app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    setup_people(app)
    use_smtp(app, smtp)
    st = users.actor_for(app, "st@example.pe")
    sid = _convened(app, clock)
    dispatch(app)
    members = len(smtp.received)
    clock.set(lima("2022-05-18T12:00"))
    with pytest.raises(InvalidInput, match="Indique el motivo"):
        session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-27T10:00"), reason="  ")
    with pytest.raises(SessionRuleViolation, match=r"2 días hábiles de anticipación \(arts. 97.1 y 98.2 de la Ley N° 27444\)"):
        session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-20T15:00"), reason="Cruce de agenda")
    with pytest.raises(SessionRuleViolation, match="al día siguiente de la primera"):
        session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-27T10:00"), reason="Cruce de agenda",
                                 second_call_at=lima("2022-05-27T10:30"))
    changed = session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-27T10:00"), reason="Cruce con la agenda ministerial",
                                       second_call_at=lima("2022-05-28T10:00"))
    assert (changed.sequence, changed.notified) == (1, members)
    dispatch(app)
    notices = _events(smtp, "Sesión reprogramada:")
    assert len(notices) == members
    for text, method, event in notices:
        assert method == "REQUEST" and int(event["sequence"]) == 1  # type: ignore[index]
        assert event.decoded("dtstart") == datetime(2022, 5, 27, 10, 0, tzinfo=LIMA)  # type: ignore[attr-defined]
        assert str(event["uid"]) == sessions.session_uid(sid)  # type: ignore[index]
        assert "se reprograma para el 27 de mayo de 2022, 10:00" in text and "Cruce con la agenda ministerial" in text
        assert "convocada para el 20 de mayo de 2022, 10:00" in text
    feed = _feed_events(app)[sessions.session_uid(sid)]
    assert int(feed["sequence"]) == 1  # type: ignore[index]
    assert feed.decoded("dtstart") == lima("2022-05-27T10:00")  # type: ignore[attr-defined]
    record = session_views.session_record(app, sid)
    assert (record.status, record.scheduled_at, record.second_call_at) == ("convened", lima("2022-05-27T10:00"), lima("2022-05-28T10:00"))
    assert [(c.kind, c.reason) for c in record.changes] == [("postpone", "Cruce con la agenda ministerial")]


def test_a_cancelled_session_sends_a_cancel_and_leaves_the_calendars(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    setup_people(app)
    use_smtp(app, smtp)
    st = users.actor_for(app, "st@example.pe")
    sid = _convened(app, clock)
    assert sessions.session_uid(sid) in _feed_events(app)
    clock.set(lima("2022-05-19T08:00"))
    changed = session_changes.cancel(app, st, sid, reason="Duelo nacional decretado")
    assert changed.sequence == 1 and changed.notified > 0
    dispatch(app)
    notices = _events(smtp, "Sesión suspendida:")
    assert len(notices) == changed.notified
    for text, method, event in notices:
        assert method == "CANCEL" and str(event["status"]) == "CANCELLED" and int(event["sequence"]) == 1  # type: ignore[index]
        assert str(event["uid"]) == sessions.session_uid(sid)  # type: ignore[index]
        assert "queda SUSPENDIDA" in text and "Duelo nacional decretado" in text
    assert sessions.session_uid(sid) not in _feed_events(app)
    assert session_views.session_record(app, sid).status_label == "suspendida"
    with pytest.raises(SessionRuleViolation, match="suspendida"):
        session_attendance.attend(app, st, sid, "MINSA", at=lima("2022-05-19T07:00"))
    with pytest.raises(SessionRuleViolation, match="esta sesión ya fue suspendida"):
        session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-30T10:00"), reason="Nueva fecha")


def test_an_installed_session_can_be_neither_cancelled_nor_postponed(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = _convened(app, clock)
    clock.set(lima("2022-05-20T10:30"))
    arrive(app, st, sid, voting_codes(app)[:11], "09:55")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:05"))
    with pytest.raises(SessionRuleViolation, match="antes de su instalación: esta sesión ya fue instalada"):
        session_changes.cancel(app, st, sid, reason="Se retira la Presidencia")
    with pytest.raises(SessionRuleViolation, match="antes de su instalación"):
        session_changes.postpone(app, st, sid, scheduled_at=lima("2022-06-03T10:00"), reason="Falta tiempo")
    assert session_views.session_record(app, sid).status == "open"


def test_a_planned_session_is_postponed_without_notices(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))
    sid = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00")).id
    changed = session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-17T10:00"), reason="Adelanto")
    assert changed.notified == 0 and session_views.session_record(app, sid).scheduled_at == lima("2022-05-17T10:00")
    with pytest.raises(SessionRuleViolation, match="debe ser posterior a ahora"):
        session_changes.postpone(app, st, sid, scheduled_at=lima("2022-05-16T08:00"), reason="Error")
