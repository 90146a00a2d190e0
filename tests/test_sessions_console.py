"""The session console's rules through the services (SQLite and PostgreSQL): every arrival in
one step, a vote of all present with exceptions, corrections kept in history until the item's
vote is closed, members voting for their entity (titular, or alterno in the titular's
absence), one vote per entity whoever cast it, the agenda edited before the convocatoria and
members' requests for items."""

from __future__ import annotations

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, PermissionDenied, SessionRuleViolation
from conaig_flow.services import users
from conaig_flow.services.sessions import actas, agenda, members, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.console import AttendanceEntry
from tests.session_kit import DAY, convened_session, lima, setup_people, voting_codes


def _live(app: App, clock: FixedClock, present: int = 21) -> tuple[Actor, int, list[str]]:
    """A convened session at its hour, with ``present`` members arrived in one step, installed."""
    st = setup_people(app)
    sid = convened_session(app, clock, st, recorded_at="09:55")
    codes = voting_codes(app)
    arrivals = session_console.record_attendance(
        app, st, sid, [AttendanceEntry(c, "titular" if i < present else "absent") for i, c in enumerate(codes)])
    assert len(arrivals) == present
    clock.set(lima(f"{DAY}T10:00"))
    session_attendance.open_session(app, st, sid)
    clock.set(lima(f"{DAY}T10:05"))
    return st, sid, codes


def _member(app: App, entity: str, capacity: str) -> Actor:
    return users.actor_for(app, f"{capacity}.{entity.lower()}@example.pe")


def test_every_arrival_is_recorded_in_one_step_and_sending_the_form_again_changes_nothing(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=12)
    record = session_views.session_record(app, sid)
    assert record.quorum_now_present == 12 and record.quorum_now_required == 11
    again = session_console.record_attendance(app, st, sid, [AttendanceEntry(c, "titular") for c in codes[:12]])
    assert again == [] and len(session_views.session_record(app, sid).attendees) == 12


def test_one_bad_line_of_the_attendance_form_records_nothing(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, recorded_at="09:55")
    codes = voting_codes(app)
    with pytest.raises(InvalidInput, match="Entidad desconocida «XX»"):
        session_console.record_attendance(app, st, sid, [AttendanceEntry(codes[0], "titular"), AttendanceEntry("XX", "titular")])
    assert session_views.session_record(app, sid).attendees == []


def test_all_present_vote_for_except_the_named_ones_and_the_absent_are_not_counted(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=15)
    assert session_console.voters(app, sid, 1) == codes[:15]
    with pytest.raises(InvalidInput, match=f"{codes[20]} no lo es"):
        session_console.vote_all(app, st, sid, 1, exceptions={codes[20]: ("against", "No asistió")})
    n = session_console.vote_all(app, st, sid, 1, exceptions={codes[3]: ("against", "Falta el presupuesto")})
    assert n == 15
    item = session_views.session_record(app, sid).items[0]
    assert (item.votes_for, item.against, item.abstentions) == (14, 1, 0)
    assert {v.entity for v in item.votes} == set(codes[:15])


def test_a_vote_is_corrected_while_open_the_history_keeps_both_and_after_closing_nothing_changes(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    session_console.vote_all(app, st, sid, 1)
    with pytest.raises(SessionRuleViolation, match="ya votó el punto 1; para cambiar su voto use «Corregir»"):
        session_votes.vote(app, st, sid, 1, codes[2], "against", reason="Error")
    session_votes.correct(app, st, sid, 1, codes[2], "against", reason="No comparte la propuesta")
    item = session_views.session_record(app, sid).items[0]
    assert (item.votes_for, item.against) == (20, 1)
    mine = [h for h in item.history if h.entity == codes[2]]
    assert [(h.sense_label, h.correction) for h in mine] == [("a favor", False), ("en contra", True)]
    decision = session_console.close_vote(app, st, sid, 1)
    assert decision.outcome == "passed" and decision.tally.votes_for == 20
    with pytest.raises(SessionRuleViolation, match="La votación del punto 1 ya se cerró"):
        session_votes.correct(app, st, sid, 1, codes[2], "for")
    assert session_views.session_record(app, sid).items[0].vote_closed_at is not None


def test_the_vote_is_not_closed_while_someone_present_has_not_voted(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=12)
    session_votes.vote(app, st, sid, 1, codes[0], "for")
    with pytest.raises(SessionRuleViolation, match=r"faltan votar: .*art\. 101\.1 de la Ley N° 27444"):
        session_console.close_vote(app, st, sid, 1)


def test_a_member_votes_for_their_entity_and_one_vote_counts_whoever_cast_it(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    titular = _member(app, codes[0], "titular")
    with pytest.raises(SessionRuleViolation, match="aún no abrió la votación del punto 1"):
        members.member_vote(app, titular, sid, 1, "for")
    session_console.open_vote(app, st, sid, 1)
    members.member_vote(app, titular, sid, 1, "for")
    session_votes.correct(app, st, sid, 1, codes[0], "against", reason="Lo dijo en sala")  # the secretariat corrects
    members.member_vote(app, titular, sid, 1, "for")  # and the member again: the latest counts
    item = session_views.session_record(app, sid).items[0]
    (counted,) = [v for v in item.votes if v.entity == codes[0]]
    assert counted.sense == "for" and counted.recorded_by == titular.email
    history = [(h.cast_by, h.by_member, h.sense_label) for h in item.history if h.entity == codes[0]]
    assert history == [(titular.email, True, "a favor"), (st.email, False, "en contra"), (titular.email, True, "a favor")]
    assert item.votes_for == 1


def test_a_titular_present_makes_the_alterno_vote_impossible_and_the_alterno_votes_in_its_absence(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    alterno = _member(app, codes[1], "alterno")
    with pytest.raises(SessionRuleViolation, match="representada en la sesión por su titular: vota quien asiste"):
        members.member_vote(app, alterno, sid, 1, "for")
    # on item 2 the titular has left and the alterno came
    clock.set(lima(f"{DAY}T10:20"))
    session_console.depart(app, st, sid, codes[1])
    clock.set(lima(f"{DAY}T10:25"))
    sessions_open = session_views.session_record(app, sid)
    assert sessions_open.status == "open"
    members.set_checkin(app, st, sid, open_=True)
    members.check_in(app, alterno, sid)
    (pending,) = [c for c in members.checkins(app, sid) if c.status == "pending"]
    members.answer_checkin(app, st, sid, pending.id, confirm=True)
    clock.set(lima(f"{DAY}T10:30"))
    session_console.open_vote(app, st, sid, 2)
    members.member_vote(app, alterno, sid, 2, "for")
    (v,) = [v for v in session_views.session_record(app, sid).items[1].votes if v.entity == codes[1]]
    assert v.capacity == "alterno"


def test_the_alterno_check_in_is_refused_while_the_titular_is_present(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    members.set_checkin(app, st, sid, open_=True)
    alterno = _member(app, codes[4], "alterno")
    members.check_in(app, alterno, sid)
    (pending,) = members.checkins(app, sid)
    with pytest.raises(SessionRuleViolation, match="no pueden estar presentes a la vez"):
        members.answer_checkin(app, st, sid, pending.id, confirm=True)
    members.answer_checkin(app, st, sid, pending.id, confirm=False)
    assert members.checkins(app, sid)[0].status_label == "no confirmada"


def test_a_member_checks_in_only_when_the_secretariat_opened_check_in(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, recorded_at="09:55")
    titular = _member(app, voting_codes(app)[0], "titular")
    with pytest.raises(SessionRuleViolation, match="aún no abrió el registro de asistencia"):
        members.check_in(app, titular, sid)
    with pytest.raises(PermissionDenied):
        members.check_in(app, st, sid)


def test_the_agenda_is_edited_reordered_and_trimmed_before_the_convocatoria_and_not_after(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima(f"{DAY}T10:00"), kind="ordinaria", place="Sala")
    for text in ("Uno", "Dos", "Tres"):
        sessions.add_item(app, st, created.id, other=text)
    agenda.edit_item(app, st, created.id, 2, "Dos, corregido")
    agenda.move_item(app, st, created.id, 3, 1)
    assert agenda.remove_item(app, st, created.id, 2) == "Uno"
    assert [i.text for i in session_views.session_record(app, created.id).items] == ["Tres", "Dos, corregido"]
    sessions.convene(app, st, created.id)
    with pytest.raises(SessionRuleViolation, match=r"art\. 98\.4 de la Ley N° 27444"):
        agenda.move_item(app, st, created.id, 2, 1)
    with pytest.raises(SessionRuleViolation, match="no se editan, reordenan ni retiran"):
        agenda.remove_item(app, st, created.id, 1)


def test_a_member_asks_for_an_item_and_the_secretariat_accepts_one_and_declines_another(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima(f"{DAY}T10:00"), kind="ordinaria", place="Sala")
    titular = _member(app, voting_codes(app)[0], "titular")
    with pytest.raises(PermissionDenied, match=r"art\. 97\.4 de la Ley N° 27444"):
        agenda.request_item(app, st, created.id, "Algo")
    first = agenda.request_item(app, titular, created.id, "Informe sobre la brecha digital")
    second = agenda.request_item(app, titular, created.id, "Otro asunto")
    assert agenda.answer_request(app, st, created.id, first, accept=True) == 1
    with pytest.raises(InvalidInput, match="Indique el motivo"):
        agenda.answer_request(app, st, created.id, second, accept=False)
    agenda.answer_request(app, st, created.id, second, accept=False, reason="Se verá en la próxima sesión")
    reqs = agenda.requests_for(app, created.id)
    assert [(r.status_label, r.reason) for r in reqs] == [("aceptado", None), ("no aceptado", "Se verá en la próxima sesión")]
    assert [i.text for i in session_views.session_record(app, created.id).items] == ["Informe sobre la brecha digital"]


def test_a_member_who_attended_asks_to_sign_the_acta(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.vote_all(app, st, sid, 1)
    session_console.vote_all(app, st, sid, 2)
    clock.set(lima(f"{DAY}T11:00"))
    session_votes.close(app, st, sid)
    code = members.member_ask_to_sign(app, _member(app, codes[5], "titular"), sid)
    assert code == "ACTA N° 001-2022-CONAIG"
    assert any(s.entity == codes[5] for s in session_views.session_record(app, sid).signers)
    with pytest.raises(InvalidInput, match="ya figura entre quienes firman"):
        actas.ask_to_sign(app, st, sid, codes[5])


def test_a_member_whose_departure_is_recorded_cannot_vote_or_correct_from_their_phone(app: App, clock: FixedClock) -> None:
    """Voting from one's own device is for those still in the session: once the secretariat
    records a titular's departure, a ballot or a correction from the phone is refused and the
    counting vote stays as it was."""
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    titular = _member(app, codes[2], "titular")
    members.member_vote(app, titular, sid, 1, "for")
    clock.set(lima(f"{DAY}T10:20"))
    session_console.depart(app, st, sid, codes[2])
    clock.set(lima(f"{DAY}T10:25"))
    with pytest.raises(SessionRuleViolation, match=r"Su salida de la sesión ya está registrada \(titular de "):
        members.member_vote(app, titular, sid, 1, "against", reason="Cambio de opinión")
    (v,) = [v for v in session_views.session_record(app, sid).items[0].votes if v.entity == codes[2]]
    assert v.sense == "for" and v.capacity == "titular"
