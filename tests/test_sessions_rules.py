"""The rules of the collegiate body, enforced by the session services (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import PermissionDenied, QuorumNotMet, SessionRuleViolation
from conaig_flow.services import audit
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import sessions
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from tests.session_kit import (
    abstention_allowed_app,
    arrive,
    convened_session,
    lima,
    setup_people,
    voting_codes,
)


def test_ten_of_twenty_one_present_is_no_quorum_and_no_vote_can_be_taken(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    arrive(app, st, sid, voting_codes(app)[:10], "09:50")
    arrive(app, st, sid, ["DP", "DGIGND"], "09:50")  # invited and secretariat do not count
    with pytest.raises(QuorumNotMet) as refused:
        session_attendance.open_session(app, st, sid)
    assert (refused.value.present, refused.value.required) == (10, 11)
    assert "No hay quórum en primera convocatoria" in refused.value.message
    with pytest.raises(SessionRuleViolation, match="sesión instalada"):
        session_votes.vote(app, st, sid, 1, "MINSA", "for")
    assert session_views.session_record(app, sid).status == "convened"
    assert any(r.action == "session open" for r in audit.refused_attempts(app))


def test_eleven_present_make_quorum(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    arrive(app, st, sid, voting_codes(app)[:11], "09:50")
    opening = session_attendance.open_session(app, st, sid)
    assert (opening.call, opening.present, opening.required) == ("first", 11, 11)
    record = session_views.session_record(app, sid)
    assert (record.status, record.quorum_present, record.quorum_required) == ("open", 11, 11)


def test_second_call_needs_a_third_of_the_members_and_never_fewer_than_three(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, second_call="2022-05-21T10:00")
    arrive(app, st, sid, voting_codes(app)[:6], "09:50")
    with pytest.raises(QuorumNotMet, match=r"primera convocatoria: se requieren 11 integrantes con voto \(art. 99.1 de la Ley N° 27444\); hay 6"):
        session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:15"))
    clock.set(lima("2022-05-21T18:00"))
    # Who came on the 20th is not present on the 21st unless recorded again.
    arrive(app, st, sid, voting_codes(app)[:6], "09:55", day="2022-05-21")
    with pytest.raises(QuorumNotMet, match=r"segunda convocatoria: se requieren 7 integrantes con voto \(art. 99.2 de la Ley N° 27444\); hay 6") as refused:
        session_attendance.open_session(app, st, sid, at=lima("2022-05-21T10:05"))
    assert refused.value.required == 7
    session_attendance.attend(app, st, sid, voting_codes(app)[6], at=lima("2022-05-21T10:00"))
    opening = session_attendance.open_session(app, st, sid, at=lima("2022-05-21T10:05"))
    assert (opening.call, opening.present, opening.required) == ("second", 7, 7)


def test_a_member_leaving_mid_session_drops_quorum_for_the_next_vote(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    eleven = voting_codes(app)[:11]
    arrive(app, st, sid, eleven, "09:50")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:00"))
    for code in eleven:
        session_votes.vote(app, st, sid, 1, code, "for", at=lima("2022-05-20T10:10"))
    session_attendance.attend(app, st, sid, "MINSA", leave=lima("2022-05-20T10:20"))
    with pytest.raises(QuorumNotMet, match="para votar el punto 2") as refused:
        session_votes.vote(app, st, sid, 2, "MIMP", "for", at=lima("2022-05-20T10:30"))
    assert refused.value.present == 10
    record = session_views.session_record(app, sid)
    assert record.items[0].votes_for == 11 and record.items[1].votes == []
    closing = session_votes.close(app, st, sid)
    assert [a.result for a in closing.agreements] == ["passed"]  # item 2 was never put to the vote


def test_titular_and_alterno_of_one_entity_cannot_both_be_present(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    session_attendance.attend(app, st, sid, "MINSA", at=lima("2022-05-20T09:50"))
    with pytest.raises(SessionRuleViolation, match="titular y el alterno"):
        session_attendance.attend(app, st, sid, "MINSA", alterno=True, at=lima("2022-05-20T10:05"))
    session_attendance.attend(app, st, sid, "MINSA", leave=lima("2022-05-20T11:00"))
    assert session_attendance.attend(app, st, sid, "MINSA", alterno=True, at=lima("2022-05-20T11:00")) == "alterno"
    people = [(a.entity, a.capacity, a.person) for a in session_views.session_record(app, sid).attendees]
    assert people == [("MINSA", "titular", "Titular de MINSA"), ("MINSA", "alterno", "Alterno de MINSA")]


def test_defensoria_and_the_secretariat_have_a_voice_and_no_vote(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    arrive(app, st, sid, [*voting_codes(app)[:11], "DP", "DGIGND"], "09:50")
    session_attendance.open_session(app, st, sid)
    with pytest.raises(PermissionDenied, match=r"Defensoría del Pueblo \(DP\) participa como entidad invitada, con voz y sin voto"):
        session_votes.vote(app, st, sid, 1, "DP", "for")
    with pytest.raises(PermissionDenied, match="Secretaría Técnica participa con voz y sin voto"):
        session_votes.vote(app, st, sid, 1, "DGIGND", "for")
    capacities = {a.entity: a.capacity for a in session_views.session_record(app, sid).attendees if a.entity in ("DP",)}
    assert capacities == {"DP": "invited"}


def test_a_tie_is_broken_by_the_presidency(store_url: str, tmp_path: Path, clock: FixedClock) -> None:
    # a commission whose norm allows abstention: the presidency may abstain on an item and then
    # decide its tie (under the CONAIG plan a present presidency votes, and its vote decides)
    with abstention_allowed_app(tmp_path, clock, store_url) as app:
        st = setup_people(app)
        sid = convened_session(app, clock, st, others=("Propuesta A", "Propuesta B", "Propuesta C"))
        twelve = voting_codes(app)[:12]  # MIMP first: the presidency
        arrive(app, st, sid, twelve, "09:50")
        session_attendance.open_session(app, st, sid)
        sessions.declare_conflict(app, st, sid, 3, twelve[11], "Su sector presentó la propuesta")
        for n, code in enumerate(twelve):
            session_votes.vote(app, st, sid, 1, code, "for" if n < 6 else "against", reason=None if n < 6 else "No comparte")
            session_votes.vote(app, st, sid, 2, code, "against" if n < 6 else "for", reason="No comparte" if n < 6 else None)
            if n == 0:  # the presidency abstains, with its grounds
                session_votes.vote(app, st, sid, 3, code, "abstain", reason="Su sector elaboró la propuesta")
            elif n != 11:  # 5 for, 5 against
                sense = "for" if n < 6 else "against"
                session_votes.vote(app, st, sid, 3, code, sense, reason="No comparte" if sense == "against" else None)
        record = session_views.session_record(app, sid)
        assert [i.result for i in record.items] == ["passed", "rejected", "tie"]
        with pytest.raises(SessionRuleViolation, match=r"la Presidencia \(MIMP\) tiene el voto dirimente \(art. 100.1 de la Ley N° 27444\)"):
            session_votes.close(app, st, sid)
        with pytest.raises(SessionRuleViolation, match=r"El punto 1 no está empatado: no hay voto dirimente que registrar"):
            session_votes.tiebreak(app, st, sid, 1, "against")  # a passed item's result cannot be flipped
        session_votes.tiebreak(app, st, sid, 3, "for")
        with pytest.raises(SessionRuleViolation, match=r"La Presidencia ya dirimió el empate del punto 3"):
            session_votes.tiebreak(app, st, sid, 3, "against")  # nor a decided tie's
        with pytest.raises(SessionRuleViolation, match=r"MIMP ya votó el punto 3; el conflicto se declara antes de votar"):
            sessions.declare_conflict(app, st, sid, 3, "MIMP", "Se advirtió tarde")  # nor undone by a late conflict
        assert [i.result for i in session_views.session_record(app, sid).items] == ["passed", "rejected", "passed"]
        closing = session_votes.close(app, st, sid)
        assert [a.result for a in closing.agreements] == ["passed", "rejected", "passed"]
        assert "empate dirimido por la Presidencia" in closing.agreements[0].text
        assert "5 a favor, 5 en contra, 1 abstención; empate dirimido por la Presidencia" in closing.agreements[2].text


def test_a_presidency_impeded_on_an_item_does_not_decide_its_tie(app: App, clock: FixedClock) -> None:
    """Art. 101.1 asks a vote only of the members present «no impedidos legalmente de intervenir»:
    a presidency that declared a conflict of interest on an item does not intervene in it, its
    casting vote included; the tie stands and the item is not approved."""
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    twelve = voting_codes(app)[:12]  # MIMP first: the presidency
    arrive(app, st, sid, twelve, "09:50")
    session_attendance.open_session(app, st, sid)
    sessions.declare_conflict(app, st, sid, 1, twelve[0], "Su titular integra la entidad evaluada")
    sessions.declare_conflict(app, st, sid, 1, twelve[11], "Su sector presentó la propuesta")
    for n, code in enumerate(twelve[1:11]):  # 5 for, 5 against
        sense = "for" if n < 5 else "against"
        session_votes.vote(app, st, sid, 1, code, sense, reason="No comparte" if sense == "against" else None)
    assert session_views.session_record(app, sid).items[0].result == "rejected"
    with pytest.raises(SessionRuleViolation, match=r"La Presidencia \(MIMP\) declaró conflicto de intereses en el punto 1: "
                       r"está impedida de intervenir en él y no puede dirimir el empate; el punto no se aprueba "
                       r"\(art. 101.1 de la Ley N° 27444\)"):
        session_votes.tiebreak(app, st, sid, 1, "for")
    (agreement,) = session_votes.close(app, st, sid).agreements
    assert agreement.result == "rejected"
    assert "NO APROBADO (5 a favor, 5 en contra, 0 abstenciones; empate sin voto dirimente: la Presidencia estaba " \
           "impedida de intervenir en el punto)" in agreement.text


def test_an_abstention_is_refused_where_the_law_allows_none(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    arrive(app, st, sid, voting_codes(app)[:11], "09:50")
    session_attendance.open_session(app, st, sid)
    with pytest.raises(SessionRuleViolation, match=r"No se admite la abstención.*\(art. 101.1 de la Ley N° 27444\)"):
        session_votes.vote(app, st, sid, 1, "MINSA", "abstain", reason="Requiere consultar a su sector")
    assert session_views.session_record(app, sid).items[0].votes == []


def test_an_item_outside_the_agenda_needs_all_twenty_one_present_and_a_unanimous_vote(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    codes = voting_codes(app)
    with pytest.raises(SessionRuleViolation, match="convocatoria ya fue emitida"):
        sessions.add_item(app, st, sid, other="Pronunciamiento")
    arrive(app, st, sid, codes[:20], "09:50")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:00"))
    with pytest.raises(SessionRuleViolation, match=r"requiere a los 21 integrantes con voto presentes \(art. 98.4 de la Ley N° 27444\); están 20 \(faltan: MP\)"):
        sessions.add_item(app, st, sid, other="Pronunciamiento")
    arrive(app, st, sid, ["MP"], "10:05")
    clock.set(lima("2022-05-20T10:10"))
    unanimous = sessions.add_item(app, st, sid, other="Pronunciamiento por el 8 de marzo")
    split = sessions.add_item(app, st, sid, other="Cambio de sede")
    for item in (1, 2):
        for code in codes:
            session_votes.vote(app, st, sid, item, code, "for")
    for n, code in enumerate(codes):
        session_votes.vote(app, st, sid, unanimous, code, "for")
        session_votes.vote(app, st, sid, split, code, "against" if n == 3 else "for", reason="Sin sustento" if n == 3 else None)
    closing = session_votes.close(app, st, sid)
    assert [a.result for a in closing.agreements] == ["passed", "passed", "passed", "rejected"]
    record = session_views.session_record(app, sid)
    assert [i.out_of_agenda for i in record.items] == [False, False, True, True]


def test_a_conflicted_member_does_not_vote_and_is_not_counted(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    codes = voting_codes(app)[:11]
    arrive(app, st, sid, codes, "09:50")
    session_attendance.open_session(app, st, sid)
    sessions.declare_conflict(app, st, sid, 1, "MINEDU", "Su titular integra la entidad evaluada")
    with pytest.raises(SessionRuleViolation, match="conflicto de intereses"):
        session_votes.vote(app, st, sid, 1, "MINEDU", "for")
    for n, code in enumerate(c for c in codes if c != "MINEDU"):
        session_votes.vote(app, st, sid, 1, code, "for" if n < 6 else "against", reason=None if n < 6 else "No comparte")
    (agreement, *_) = session_votes.close(app, st, sid).agreements
    assert agreement.result == "passed"  # 6 of the 10 who may vote


def test_a_convocatoria_with_too_little_notice_is_refused(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-18T09:00"))  # Wednesday; only Thursday lies between it and Friday
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"))
    sessions.add_item(app, st, created.id, other="Punto")
    with pytest.raises(SessionRuleViolation, match=r"2 días hábiles de anticipación.*desde el 23 de mayo de 2022"):
        sessions.convene(app, st, created.id)
    clock.set(lima("2022-05-16T09:00"))  # Monday: Tuesday to Thursday lie between
    holidays = {lima("2022-05-17T00:00").date(), lima("2022-05-18T00:00").date()}
    with pytest.raises(SessionRuleViolation, match="desde el 23 de mayo de 2022"):
        sessions.convene(app, st, created.id, is_business_day=lambda d: d.weekday() < 5 and d not in holidays)
    convocatoria = sessions.convene(app, st, created.id)
    assert convocatoria.agenda == ["Punto"]
    assert len(convocatoria.recipients) == 2 * len(app.definitions().plan.entities) + 1  # titulares, alternos, member


def test_only_the_secretariat_runs_a_session(app: App, clock: FixedClock) -> None:
    from conaig_flow.services import users

    setup_people(app)
    officer = users.actor_for(app, "enlace.minsa@example.pe")
    with pytest.raises(PermissionDenied, match="Solo la Secretaría Técnica"):
        sessions.create_session(app, officer, scheduled_at=lima("2022-05-20T10:00"))


def test_an_arrival_or_departure_recorded_afterwards_cannot_change_who_was_present_at_a_vote(
    app: App, clock: FixedClock
) -> None:
    """The secretariat records times after the fact; a time that would change who sat at a vote
    already cast (and so its quorum, its electorate and the acta's count) is refused, and a
    time after the vote is taken."""
    st = setup_people(app)
    sid = convened_session(app, clock, st, others=("Propuesta",))
    codes = voting_codes(app)
    eleven = codes[:11]
    arrive(app, st, sid, eleven, "09:50")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:00"))
    for code in eleven:
        session_votes.vote(app, st, sid, 1, code, "for", at=lima("2022-05-20T10:30"))
    before = session_views.session_record(app, sid)
    with pytest.raises(SessionRuleViolation, match=r"No se puede registrar la salida de .* cambiaría quiénes estaban presentes en la votación del punto 1"):
        session_attendance.attend(app, st, sid, eleven[3], leave=lima("2022-05-20T10:20"))
    with pytest.raises(SessionRuleViolation, match=r"No se puede registrar la llegada de .* votación del punto 1"):
        session_attendance.attend(app, st, sid, codes[12], at=lima("2022-05-20T10:15"))
    after = session_views.session_record(app, sid)
    assert [(a.entity, a.left_at) for a in after.attendees] == [(a.entity, a.left_at) for a in before.attendees]
    session_attendance.attend(app, st, sid, eleven[3], leave=lima("2022-05-20T10:45"))  # after the vote: fine
    session_attendance.attend(app, st, sid, codes[12], at=lima("2022-05-20T10:40"))
    assert len(session_views.session_record(app, sid).attendees) == len(after.attendees) + 1
