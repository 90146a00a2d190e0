"""A third review of the session record (seventh session): ways the record could still say what
did not happen, each closed (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import insert, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import InvalidInput, SessionRuleViolation, TransitionNotAllowed
from conaig_flow.services.sessions import agenda, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.common import IT
from tests.session_kit import DAY, abstention_allowed_app, arrive, convened_session, lima, setup_people, voting_codes
from tests.test_sessions_approval import methodology_ready
from tests.test_sessions_console import _live


def test_an_out_of_agenda_item_is_never_voted_before_it_was_added(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    clock.set(lima(f"{DAY}T10:30"))
    position = sessions.add_item(app, st, sid, other="Asunto fuera de agenda")  # all 21 present
    clock.set(lima(f"{DAY}T10:40"))
    session_console.depart(app, st, sid, codes[20])
    clock.set(lima(f"{DAY}T10:50"))
    with pytest.raises(SessionRuleViolation, match=rf"El punto {position} se agregó el 20 de mayo de 2022 a las 10:30: "
                       r"no pudo votarse antes \(se indicó el 20 de mayo de 2022 a las 10:06\)"):
        session_votes.vote(app, st, sid, position, codes[0], "for", at=lima(f"{DAY}T10:06"))
    assert session_views.session_record(app, sid).items[position - 1].vote_at is None


def test_an_out_of_agenda_item_is_added_inside_the_installed_session_and_not_in_the_future(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)  # installed at 10:00, now 10:05
    with pytest.raises(SessionRuleViolation, match=r"La sesión se instaló el 20 de mayo de 2022 a las 10:00: un punto fuera "
                       r"de agenda se agrega en la sesión instalada, no antes"):
        sessions.add_item(app, st, sid, other="Asunto nuevo", at=lima(f"{DAY}T09:59"))
    with pytest.raises(SessionRuleViolation, match=r"esa hora aún no llega"):
        sessions.add_item(app, st, sid, other="Asunto nuevo", at=lima(f"{DAY}T10:30"))
    assert len(session_views.session_record(app, sid).items) == 2
    # recorded afterwards, at the instant it was added (everyone was present then): the item is
    # added at that instant
    clock.set(lima(f"{DAY}T10:30"))
    session_console.depart(app, st, sid, codes[20])
    clock.set(lima(f"{DAY}T11:00"))
    position = sessions.add_item(app, st, sid, other="Asunto nuevo", at=lima(f"{DAY}T10:15"))
    item = session_views.session_record(app, sid).items[position - 1]
    assert item.out_of_agenda
    with app.db.read() as conn:
        added = conn.execute(select(IT.c.added_at).where(IT.c.session_id == sid, IT.c.position == position)).scalar()
    assert added == lima(f"{DAY}T10:15")


def test_no_ballot_or_correction_is_recorded_for_a_member_who_had_left(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.vote_all(app, st, sid, 1, sense="for")  # 10:05
    clock.set(lima(f"{DAY}T10:10"))
    session_console.depart(app, st, sid, codes[3])
    clock.set(lima(f"{DAY}T10:20"))
    with pytest.raises(SessionRuleViolation, match=r"se retiró sin votar|no se registra un voto después de su salida"):
        session_votes.correct(app, st, sid, 1, codes[3], "against", reason="Cambió de parecer")
    assert session_views.session_record(app, sid).items[0].against == 0

    session_console.open_vote(app, st, sid, 2)  # called at 10:20
    clock.set(lima(f"{DAY}T10:25"))
    session_console.depart(app, st, sid, codes[4])  # leaves at 10:25 without voting
    clock.set(lima(f"{DAY}T10:40"))
    with pytest.raises(SessionRuleViolation, match=r"ya se había retirado el 20 de mayo de 2022 a las 10:30"):
        session_votes.vote(app, st, sid, 2, codes[4], "for", at=lima(f"{DAY}T10:30"))
    with pytest.raises(SessionRuleViolation, match=r"se abrió el 20 de mayo de 2022 a las 10:20: un voto se emite desde "
                       r"entonces y hasta ahora"):
        session_votes.vote(app, st, sid, 2, codes[4], "for", at=lima(f"{DAY}T10:15"))
    # cast while still there (10:22), recorded afterwards: accepted
    session_votes.vote(app, st, sid, 2, codes[4], "for", at=lima(f"{DAY}T10:22"))
    assert session_views.session_record(app, sid).items[1].votes_for == 1


def test_a_presidency_that_left_the_session_gives_no_casting_vote(store_url: str, tmp_path: Path, clock: FixedClock) -> None:
    with abstention_allowed_app(tmp_path, clock, store_url) as app:
        st, sid, codes = _live(app, clock, present=13)
        presidency = app.definitions().plan.commission.presidency
        assert codes[0] == presidency
        session_console.vote_one(app, st, sid, 1, presidency, "abstain", reason="Su sector elaboró la propuesta")
        others = {c: ("against", "No comparte") for c in codes[7:13]}
        session_console.vote_all(app, st, sid, 1, sense="for", exceptions=others)  # 6 for, 6 against
        assert session_views.session_record(app, sid).items[0].result == "tie"
        clock.set(lima(f"{DAY}T10:10"))
        session_console.depart(app, st, sid, presidency)
        assert session_views.session_record(app, sid).items[0].result == "rejected"
        clock.set(lima(f"{DAY}T10:12"))
        with pytest.raises(SessionRuleViolation, match=rf"La Presidencia \({presidency}\) ya no está en la sesión: el voto "
                           r"dirimente lo da quien preside, presente; sin él el empate del punto 1 subsiste"):
            session_votes.tiebreak(app, st, sid, 1, "for")
        session_console.vote_all(app, st, sid, 2, sense="for")
        clock.set(lima(f"{DAY}T10:30"))
        first, _ = session_votes.close(app, st, sid).agreements
        assert first.result == "rejected"
        assert "6 a favor, 6 en contra, 1 abstención; empate sin voto dirimente: la Presidencia no estaba presente" in first.text


def test_a_casting_vote_given_in_the_room_stands_after_the_presidency_leaves(store_url: str, tmp_path: Path,
                                                                             clock: FixedClock) -> None:
    with abstention_allowed_app(tmp_path, clock, store_url) as app:
        st, sid, codes = _live(app, clock, present=13)
        presidency = app.definitions().plan.commission.presidency
        session_console.vote_one(app, st, sid, 1, presidency, "abstain", reason="Su sector elaboró la propuesta")
        session_console.vote_all(app, st, sid, 1, sense="for", exceptions={c: ("against", "No comparte") for c in codes[7:13]})
        session_votes.tiebreak(app, st, sid, 1, "for")
        session_console.vote_all(app, st, sid, 2, sense="for")
        clock.set(lima(f"{DAY}T10:10"))
        session_console.depart(app, st, sid, presidency)
        clock.set(lima(f"{DAY}T10:30"))
        first, _ = session_votes.close(app, st, sid).agreements
        assert first.result == "passed" and "empate dirimido por la Presidencia" in first.text


def test_the_session_does_not_conclude_before_its_votes_were_cast_and_closed(app: App, clock: FixedClock) -> None:
    st, sid, _codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)  # called at 10:05
    clock.set(lima(f"{DAY}T10:40"))
    session_console.vote_all(app, st, sid, 1, sense="for")  # cast at 10:40
    clock.set(lima(f"{DAY}T10:45"))
    session_console.close_vote(app, st, sid, 1)  # closed at 10:45
    session_console.vote_all(app, st, sid, 2, sense="for")
    clock.set(lima(f"{DAY}T11:00"))
    with pytest.raises(SessionRuleViolation, match=r"La última votación de la sesión fue el 20 de mayo de 2022 a las 10:45"):
        session_votes.close(app, st, sid, at=lima(f"{DAY}T10:06"))
    assert session_views.session_record(app, sid).closed_at is None
    assert session_votes.close(app, st, sid, at=lima(f"{DAY}T10:50")).acta is not None


def test_only_a_voting_member_present_declares_a_conflict(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=12)
    name = app.definitions().plan.entity(codes[20]).name
    with pytest.raises(SessionRuleViolation, match=rf"{name} no está presente \(titular o alterno\) en la sesión: solo "
                       r"declara conflicto de intereses quien asiste"):
        sessions.declare_conflict(app, st, sid, 1, codes[20], "Motivo")
    with pytest.raises(InvalidInput, match=r"«XYZ» no es una entidad integrante con voto"):
        sessions.declare_conflict(app, st, sid, 1, "XYZ", "Motivo")
    with pytest.raises(InvalidInput, match=r"«DP» no es una entidad integrante con voto"):
        sessions.declare_conflict(app, st, sid, 1, "DP", "Motivo")  # invited: voice, no vote
    assert session_views.session_record(app, sid).items[0].conflicts == []
    sessions.declare_conflict(app, st, sid, 1, codes[1], "Su titular integra la entidad evaluada")
    assert session_views.session_record(app, sid).items[0].conflicts == [(codes[1], "Su titular integra la entidad evaluada")]


def test_one_session_decides_a_deliverable_and_a_second_agenda_is_refused_until_it_is_off_the_first(
    app: App, clock: FixedClock
) -> None:
    st = setup_people(app)
    did = methodology_ready(app, clock, st)
    clock.set(lima("2022-05-16T09:00"))
    first = sessions.create_session(app, st, scheduled_at=lima(f"{DAY}T10:00")).id
    second = sessions.create_session(app, st, scheduled_at=lima("2022-05-27T10:00")).id
    sessions.add_item(app, st, first, approve=did)
    with pytest.raises(SessionRuleViolation, match=rf"El entregable {did} ya está en la agenda de la Sesión ordinaria N° "
                       r"001-2022 de la CONAIG \(del 20 de mayo de 2022\), que aún no concluye: una sola sesión decide "
                       r"su aprobación"):
        sessions.add_item(app, st, second, approve=did)
    assert session_views.session_record(app, second).items == []
    agenda.remove_item(app, st, first, 1)
    assert sessions.add_item(app, st, second, approve=did) == 1


def test_a_deliverable_decided_by_another_session_is_not_voted_and_the_session_still_concludes(
    app: App, clock: FixedClock
) -> None:
    """Data from before one session alone could hold a deliverable: the same deliverable on two
    convened agendas. Once the first approved it, the second cannot vote it (its agreement could
    not be carried out) and concludes without it."""

    st = setup_people(app)
    did = methodology_ready(app, clock, st)
    sessions_second = convened_session(app, clock, st, day="2022-05-27", others=("Otro punto",))
    first = convened_session(app, clock, st, others=("Punto",))  # the clock is left on its day (20 May)
    with app.db.write() as conn:  # both agendas hold it, as older data may
        for sid in (first, sessions_second):
            conn.execute(insert(IT).values(session_id=sid, position=2, kind="approve", text="Aprobación: metodología",
                                           deliverable_id=did, out_of_agenda=False, added_at=lima("2022-05-16T09:00")))
    codes = voting_codes(app)[:11]
    arrive(app, st, first, codes, "09:50")

    session_attendance.open_session(app, st, first)
    for position in (1, 2):
        for code in codes:
            session_votes.vote(app, st, first, position, code, "for")
    session_votes.close(app, st, first)
    clock.set(lima("2022-05-27T18:00"))  # the second session's times, recorded that evening
    arrive(app, st, sessions_second, codes, "09:50", day="2022-05-27")
    session_attendance.open_session(app, st, sessions_second)
    with pytest.raises(TransitionNotAllowed, match=r"está en «Aprobado en sesión»; solo puede llevarse a sesión para su aprobación desde"):
        session_votes.vote(app, st, sessions_second, 2, codes[0], "for")
    assert session_views.session_record(app, sessions_second).items[1].vote_at is None
    for code in codes:
        session_votes.vote(app, st, sessions_second, 1, code, "for")
    closing = session_votes.close(app, st, sessions_second)
    assert [a.position for a in closing.agreements] == [1]


def test_a_check_in_is_confirmed_only_as_titular_or_alterno(app: App, clock: FixedClock) -> None:
    from conaig_flow.services import users
    from conaig_flow.services.sessions import members

    st, sid, codes = _live(app, clock, present=12)
    members.set_checkin(app, st, sid, open_=True)
    titular = users.actor_for(app, f"titular.{codes[15].lower()}@example.pe")
    members.check_in(app, titular, sid)
    (pending,) = [c for c in members.checkins(app, sid) if c.status == "pending"]
    with pytest.raises(InvalidInput, match="La calidad en que asiste es titular o alterno, no «presidenta»"):
        members.answer_checkin(app, st, sid, pending.id, confirm=True, capacity="presidenta")
    (still,) = [c for c in members.checkins(app, sid) if c.id == pending.id]
    assert (still.status, still.capacity) == ("pending", "titular")
    assert members.answer_checkin(app, st, sid, pending.id, confirm=True, capacity="titular").status == "confirmed"
