"""The installation the record keeps (art. 99.1, or 99.2 on second call) stays true to the
session's own attendance: an arrival or departure recorded after the installation may not
change which voting members were present at its instant (their count is the installation
quorum the acta states). Departures as they happen and arrivals after the installation are
recorded as before. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain import quorum
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions.common import stays
from tests.session_kit import DAY, arrive, convened_session, lima, setup_people, voting_codes
from tests.test_sessions_console import _live


def at(hhmm: str, day: str = DAY) -> datetime:
    return lima(f"{day}T{hhmm}")


def installation(app: App, sid: int) -> tuple[Any, ...]:
    """What the record states about the installation, the attendance, and who the attendance
    shows present at the installation instant."""
    rec = session_views.session_record(app, sid)
    assert rec.opened_at is not None
    rule = app.definitions().plan.session_rules
    with app.db.read() as conn:
        all_stays = stays(conn, sid)
    voting = voting_codes(app)
    q = quorum.check(rule.quorum_second_call if rec.call == "second" else rule.quorum_first_call, voting, all_stays,
                     rec.opened_at)
    return rec.opened_at, rec.call, rec.quorum_required, rec.quorum_present, rec.attendees, all_stays, q.present


def present_at_installation(app: App, sid: int) -> int:
    return len(installation(app, sid)[-1])


@pytest.mark.parametrize("leave", ["09:58", "10:00"])
def test_a_departure_backdated_to_the_installation_or_before_is_refused_and_changes_nothing(
        app: App, clock: FixedClock, leave: str) -> None:
    st, sid, codes = _live(app, clock, present=11)  # 11 of 21, exactly the quorum, installed at 10:00
    clock.set(at("10:30"))
    before = installation(app, sid)
    assert before[2:4] == (11, 11) and len(before[-1]) == 11
    with pytest.raises(SessionRuleViolation) as refused:
        session_attendance.attend(app, st, sid, codes[5], leave=at(leave))
    message = str(refused.value)
    assert f"No se puede registrar la salida de {app.definitions().plan.entity(codes[5]).name} ({codes[5]})" in message
    assert "la sesión se instaló el 20 de mayo de 2022 a las 10:00, en primera convocatoria" in message
    assert "con quórum de 11 integrantes con voto presentes (art. 99.1 de la Ley N° 27444)" in message
    assert "Registre la salida con una hora posterior a la instalación." in message
    # the departure from the console's form goes through the same rule
    with pytest.raises(SessionRuleViolation, match=r"art\. 99\.1"):
        session_console.depart(app, st, sid, codes[5], at=at(leave))
    assert installation(app, sid) == before


def test_moving_an_arrival_to_after_the_installation_is_refused(app: App, clock: FixedClock) -> None:
    """To move MINSA's arrival (09:55) to 10:10, its stay would have to end before the
    installation: refused; the later arrival then overlaps the stay still open."""
    st, sid, codes = _live(app, clock, present=12)
    clock.set(at("10:30"))
    before = installation(app, sid)
    with pytest.raises(SessionRuleViolation, match=r"Registre la salida con una hora posterior a la instalación"):
        session_attendance.attend(app, st, sid, codes[1], leave=at("09:56"))
    with pytest.raises(InvalidInput, match="ya figura presente"):
        session_attendance.attend(app, st, sid, codes[1], at=at("10:10"))
    assert installation(app, sid) == before


def test_an_arrival_recorded_afterwards_before_the_installation_is_refused(app: App, clock: FixedClock) -> None:
    """An entity absent at the installation cannot be made present at it afterwards (the
    record states 12 present); nor its alterno, nor a stay that spans the installation."""
    st, sid, codes = _live(app, clock, present=12)
    clock.set(at("10:30"))
    before = installation(app, sid)
    absent = codes[15]
    with pytest.raises(SessionRuleViolation) as refused:
        session_attendance.attend(app, st, sid, absent, at=at("09:50"))
    message = str(refused.value)
    assert f"No se puede registrar la llegada de {app.definitions().plan.entity(absent).name} ({absent})" in message
    assert f"con quórum de 12 integrantes con voto presentes (art. 99.1 de la Ley N° 27444), sin {absent}" in message
    assert "Registre la llegada con una hora posterior a la instalación." in message
    with pytest.raises(SessionRuleViolation, match=r"art\. 99\.1"):
        session_attendance.attend(app, st, sid, absent, alterno=True, at=at("10:00"))
    with pytest.raises(SessionRuleViolation, match=r"art\. 99\.1"):
        session_attendance.attend(app, st, sid, absent, at=at("09:50"), leave=at("10:10"))
    assert installation(app, sid) == before


def test_a_departure_recorded_as_it_happens_after_the_installation_is_accepted(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=11)
    clock.set(at("10:30"))
    assert session_attendance.attend(app, st, sid, codes[5], leave=at("10:30")) == "titular"
    assert session_console.depart(app, st, sid, codes[6]).capacity == "titular"  # now, from the console
    session_attendance.attend(app, st, sid, codes[7], leave=at("10:10"))  # after the installation, told later
    rec = session_views.session_record(app, sid)
    assert (rec.quorum_required, rec.quorum_present, rec.quorum_now_present) == (11, 11, 8)
    assert present_at_installation(app, sid) == 11


def test_an_arrival_after_the_installation_is_accepted(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=11)
    clock.set(at("10:30"))
    assert session_attendance.attend(app, st, sid, codes[12], at=at("10:20")) == "titular"
    assert session_attendance.attend(app, st, sid, codes[13], alterno=True) == "alterno"  # now
    assert session_attendance.attend(app, st, sid, codes[14], at=at("10:00:01")) == "titular"
    rec = session_views.session_record(app, sid)
    assert (rec.quorum_present, rec.quorum_now_present) == (11, 14)
    assert present_at_installation(app, sid) == 11


def test_a_correction_that_keeps_who_was_present_at_the_installation_is_accepted(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=11)
    clock.set(at("10:30"))
    # MIMP arrived at 09:50, not 09:55 (its recorded arrival): both before the installation
    session_attendance.attend(app, st, sid, codes[0], at=at("09:50"), leave=at("09:55"))
    # an absent entity came and went before the installation; an invited one left before it
    session_attendance.attend(app, st, sid, codes[16], at=at("09:40"), leave=at("09:45"))
    session_attendance.attend(app, st, sid, "DP", at=at("09:50"))
    session_attendance.attend(app, st, sid, "DP", leave=at("09:59"))
    # the titular present at the installation left at 10:20 and its alterno replaced it
    session_attendance.attend(app, st, sid, codes[2], leave=at("10:20"))
    session_attendance.attend(app, st, sid, codes[2], alterno=True, at=at("10:20"))
    rec = session_views.session_record(app, sid)
    assert rec.quorum_present == 11
    present = installation(app, sid)[-1]
    assert present == frozenset(codes[:11])
    mimp = sorted((a.arrived_at, a.left_at) for a in rec.attendees if a.entity == codes[0])
    assert mimp == [(at("09:50"), at("09:55")), (at("09:55"), None)]


def test_on_second_call_the_refusal_cites_its_article(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, second_call="2022-05-21T10:00", recorded_at="09:55")
    codes = voting_codes(app)
    clock.set(at("10:30", "2022-05-21"))
    arrive(app, st, sid, codes[:7], "09:55", day="2022-05-21")
    opening = session_attendance.open_session(app, st, sid, at=at("10:00", "2022-05-21"))
    assert (opening.call, opening.present, opening.required) == ("second", 7, 7)
    before = installation(app, sid)
    with pytest.raises(SessionRuleViolation) as refused:
        session_attendance.attend(app, st, sid, codes[3], leave=at("09:58", "2022-05-21"))
    message = str(refused.value)
    assert "en segunda convocatoria, con quórum de 7 integrantes con voto presentes (art. 99.2 de la Ley N° 27444)" in message
    assert installation(app, sid) == before
    session_attendance.attend(app, st, sid, codes[3], leave=at("10:30", "2022-05-21"))
    assert present_at_installation(app, sid) == 7
