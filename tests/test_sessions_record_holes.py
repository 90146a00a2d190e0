"""Ways the console could have made the record say what did not happen, each closed (SQLite and
PostgreSQL): a ballot recorded for an entity that had left, an item request accepted twice at
once, a voto singular's written grounds lost to a correction, votes recorded before the ballot
history existed left out of it, a voting member marked «presente» without a capacity."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import ConaigError, InvalidInput, SessionRuleViolation
from conaig_flow.services.sessions import actas, agenda, members, sessions, voto_singular
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.common import IT, V
from conaig_flow.services.sessions.console import AttendanceEntry
from conaig_flow.store import migrate
from conaig_flow.store.tables_sessions import VoteHistoryRow
from tests.session_kit import DAY, abstention_allowed_app, convened_session, lima, setup_people, voting_codes
from tests.test_sessions_console import _live, _member

VH = VoteHistoryRow.__table__  # type: ignore[attr-defined]


# -- an entity that left during an open vote ---------------------------------------------------

def test_an_entity_that_left_during_the_vote_without_voting_gets_no_ballot_and_is_not_counted(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)  # 10:05, all 21 present
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[5])
    clock.set(lima(f"{DAY}T10:10"))
    assert codes[5] not in session_console.voters(app, sid, 1)
    with pytest.raises(SessionRuleViolation, match="presente al abrirse la votación del punto 1, se retiró sin votar"):
        session_console.vote_one(app, st, sid, 1, codes[5], "for")
    with pytest.raises(InvalidInput, match=f"{codes[5]} no lo es"):
        session_console.vote_all(app, st, sid, 1, exceptions={codes[5]: ("against", "Se fue")})
    assert session_console.vote_all(app, st, sid, 1) == 20
    decision = session_console.close_vote(app, st, sid, 1)
    assert decision.outcome == "passed"
    assert (decision.tally.present, decision.tally.electorate, decision.tally.votes_for) == (20, 20, 20)
    item = session_views.session_record(app, sid).items[0]
    assert codes[5] not in {v.entity for v in item.votes}


def test_an_entity_that_voted_and_then_left_keeps_its_vote_but_cannot_correct_it_live(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    session_console.vote_one(app, st, sid, 1, codes[5], "against", reason="No hay presupuesto")
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[5])
    with pytest.raises(SessionRuleViolation, match="se retiró sin votar"):
        session_console.vote_one(app, st, sid, 1, codes[5], "for")
    assert session_console.vote_all(app, st, sid, 1) == 20
    decision = session_console.close_vote(app, st, sid, 1)
    assert (decision.tally.present, decision.tally.votes_for, decision.tally.against) == (21, 20, 1)


def test_departures_during_the_vote_can_leave_it_without_quorum(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=12)
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[0])
    session_console.depart(app, st, sid, codes[1])
    assert session_console.vote_all(app, st, sid, 1) == 10
    with pytest.raises(SessionRuleViolation, match="no había quórum al votarse el punto 1"):
        session_votes.close(app, st, sid)
    decision = session_console.close_vote(app, st, sid, 1)  # closed without agreement
    assert decision.outcome == "no_quorum" and decision.tally.present == 10 and not decision.passed


def test_a_member_who_left_and_came_back_votes_again(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[5])
    clock.set(lima(f"{DAY}T10:09"))
    session_console.record_attendance(app, st, sid, [AttendanceEntry(codes[5], "titular")])
    assert codes[5] in session_console.voters(app, sid, 1)
    members.member_vote(app, _member(app, codes[5], "titular"), sid, 1, "for")
    assert session_console.vote_all(app, st, sid, 1) == 20
    assert session_console.close_vote(app, st, sid, 1).tally.present == 21


def test_a_voting_member_cannot_be_marked_present_without_saying_titular_or_alterno(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, recorded_at="09:55")
    code = voting_codes(app)[0]
    with pytest.raises(InvalidInput, match=f"{code} es integrante con voto: indique si asiste su titular o su alterno"):
        session_console.record_attendance(app, st, sid, [AttendanceEntry(code, "present")])
    assert session_views.session_record(app, sid).attendees == []


# -- members' requests for items -----------------------------------------------------------------

def _request(app: App, clock: FixedClock) -> tuple[Any, int, int]:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima(f"{DAY}T10:00"), kind="ordinaria", place="Sala")
    titular = _member(app, voting_codes(app)[0], "titular")
    request_id = agenda.request_item(app, titular, created.id, "Informe sobre el presupuesto 2022")
    return st, created.id, request_id


def _item_count(app: App, sid: int) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(IT).where(IT.c.session_id == sid)).scalar_one())


def test_a_request_accepted_twice_adds_its_item_once(app: App, clock: FixedClock) -> None:
    st, sid, rid = _request(app, clock)
    assert agenda.answer_request(app, st, sid, rid, accept=True) == 1
    with pytest.raises(InvalidInput, match=f"El pedido {rid} ya fue respondido \\(aceptado\\)"):
        agenda.answer_request(app, st, sid, rid, accept=True)
    with pytest.raises(InvalidInput, match="ya fue respondido"):
        agenda.answer_request(app, st, sid, rid, accept=False, reason="Tarde")
    assert _item_count(app, sid) == 1


def test_two_secretaries_accepting_the_same_request_at_once_add_one_item(app: App, clock: FixedClock) -> None:
    st, sid, rid = _request(app, clock)
    for _ in range(5):  # several rounds: the two answers race each time
        barrier = threading.Barrier(2)
        outcomes: list[object] = []
        before = _item_count(app, sid)

        def answer(barrier: threading.Barrier, outcomes: list[object], rid: int) -> None:
            barrier.wait()
            try:
                outcomes.append(agenda.answer_request(app, st, sid, rid, accept=True))
            except ConaigError as exc:
                outcomes.append(exc)

        threads = [threading.Thread(target=answer, args=(barrier, outcomes, rid)) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(outcomes) == 2
        assert _item_count(app, sid) == before + 1, outcomes
        assert sum(isinstance(o, int) for o in outcomes) == 1, outcomes
        rid = agenda.request_item(app, _member(app, voting_codes(app)[0], "titular"), sid, "Otro asunto")
    (first, *_) = agenda.requests_for(app, sid)
    assert first.status == "accepted" and first.position == 1


def test_a_request_whose_item_is_refused_stays_pending_and_adds_nothing(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, recorded_at="09:55")  # convened: only out-of-agenda items
    titular = _member(app, voting_codes(app)[0], "titular")
    rid = agenda.request_item(app, titular, sid, "Un asunto nuevo")
    before = _item_count(app, sid)
    with pytest.raises(SessionRuleViolation):
        agenda.answer_request(app, st, sid, rid, accept=True)
    assert _item_count(app, sid) == before
    assert agenda.requests_for(app, sid)[0].status == "pending"


# -- a voto singular's written grounds and corrections ------------------------------------------

def _singular_with_grounds(app: App, clock: FixedClock) -> tuple[Any, int, list[str]]:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    session_console.vote_one(app, st, sid, 1, codes[2], "against", singular=True)
    voto_singular.hand_grounds(app, st, sid, 1, codes[2], "El protocolo no prevé presupuesto.")
    return st, sid, codes


def _vote_row(app: App, sid: int, entity: str) -> Any:
    with app.db.read() as conn:
        item_id = conn.execute(select(IT.c.id).where(IT.c.session_id == sid, IT.c.position == 1)).scalar_one()
        return conn.execute(select(V).where(V.c.item_id == item_id, V.c.entity_code == entity)).one()


def test_correcting_the_oral_reason_of_the_same_voto_singular_keeps_its_written_grounds(app: App, clock: FixedClock) -> None:
    st, sid, codes = _singular_with_grounds(app, clock)
    session_console.vote_one(app, st, sid, 1, codes[2], "against", reason="Sin presupuesto", singular=True)
    row = _vote_row(app, sid, codes[2])
    assert row.grounds == "El protocolo no prevé presupuesto." and row.grounds_at is not None
    (correction,) = [h for h in session_views.session_record(app, sid).items[0].history if h.correction]
    assert correction.replaced_grounds is None and not correction.replaced_grounds_waived  # nothing was replaced


def test_a_correction_to_another_sense_keeps_the_replaced_grounds_in_the_history(app: App, clock: FixedClock) -> None:
    st, sid, codes = _singular_with_grounds(app, clock)
    session_console.vote_one(app, st, sid, 1, codes[2], "for")
    row = _vote_row(app, sid, codes[2])
    assert (row.sense, row.grounds, row.grounds_at) == ("for", None, None)
    history = [h for h in session_views.session_record(app, sid).items[0].history if h.entity == codes[2]]
    assert [(h.sense_label, h.correction, h.replaced_grounds) for h in history] == [
        ("en contra", False, None), ("a favor", True, "El protocolo no prevé presupuesto.")]


def test_a_waived_grounds_replaced_by_a_correction_is_kept_in_the_history(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    session_console.vote_one(app, st, sid, 1, codes[2], "against", singular=True)
    voto_singular.waive_grounds(app, st, sid, 1, codes[2])
    session_console.vote_one(app, st, sid, 1, codes[2], "for")
    (correction,) = [h for h in session_views.session_record(app, sid).items[0].history if h.correction]
    assert correction.replaced_grounds is None and correction.replaced_grounds_waived


# -- votes recorded before the ballot history existed --------------------------------------------

def test_the_migration_gives_every_vote_without_history_its_first_ballot(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=12)
    session_votes.vote(app, st, sid, 1, codes[0], "for")
    session_votes.vote(app, st, sid, 1, codes[1], "against", reason="Falta sustento")
    with app.db.write() as conn:  # as a database migrated before the history existed would hold them
        conn.execute(delete(VH))
    cfg = migrate._config()
    with app.db.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008_vote_history_grounds@-1")
        conn.commit()
    migrate.upgrade(app.db)
    migrate.upgrade(app.db)  # a second run changes nothing
    history = session_views.session_record(app, sid).items[0].history
    assert sorted((h.entity, h.sense_label, h.reason, h.cast_by, h.by_member, h.correction) for h in history) == sorted([
        (codes[0], "a favor", None, st.email, False, False),
        (codes[1], "en contra", "Falta sustento", st.email, False, False),
    ])
    with app.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(VH)).scalar_one() == 2


# -- a review's second round: who was there when the vote was called, until it ended ---------------

def test_an_alterno_who_arrived_after_the_titular_left_does_not_vote_on_the_open_item(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    x = codes[5]
    session_console.open_vote(app, st, sid, 1)  # 10:05, the titular of x present
    clock.set(lima(f"{DAY}T10:07"))
    session_console.depart(app, st, sid, x)
    clock.set(lima(f"{DAY}T10:08"))
    session_console.record_attendance(app, st, sid, [AttendanceEntry(x, "alterno")])
    clock.set(lima(f"{DAY}T10:10"))
    assert x not in session_console.voters(app, sid, 1)
    with pytest.raises(SessionRuleViolation, match="ni el de quien llegó después de abrirse la votación"):
        members.member_vote(app, _member(app, x, "alterno"), sid, 1, "for")
    assert session_console.vote_all(app, st, sid, 1) == 20
    decision = session_console.close_vote(app, st, sid, 1)
    assert decision.tally.present == 20 and x not in {v.entity for v in session_views.session_record(app, sid).items[0].votes}
    # on the next item the alterno, present when it is put to the vote, votes
    session_console.open_vote(app, st, sid, 2)
    members.member_vote(app, _member(app, x, "alterno"), sid, 2, "for")


def test_a_first_call_arrival_without_departure_does_not_last_into_the_second_call_day(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, second_call="2022-05-21T10:00", recorded_at="09:55")
    codes = voting_codes(app)
    x = codes[0]
    session_console.record_attendance(app, st, sid, [AttendanceEntry(c, "titular") for c in codes[:5]])
    clock.set(lima("2022-05-21T09:58"))
    session_console.record_attendance(app, st, sid, [AttendanceEntry(c, "titular") for c in codes[:8]])
    clock.set(lima("2022-05-21T10:00"))
    session_attendance.open_session(app, st, sid)
    clock.set(lima("2022-05-21T10:05"))
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima("2022-05-21T10:07"))
    session_console.depart(app, st, sid, x)
    clock.set(lima("2022-05-21T10:10"))
    assert x not in session_console.voters(app, sid, 1)
    with pytest.raises(SessionRuleViolation, match="se retiró sin votar"):
        session_console.vote_one(app, st, sid, 1, x, "for")


def test_a_ballot_without_an_instant_is_live_whatever_page_or_command_records_it(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=11)
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[0])
    clock.set(lima(f"{DAY}T10:10"))
    with pytest.raises(SessionRuleViolation, match="se retiró sin votar"):
        session_votes.vote(app, st, sid, 1, codes[0], "for")  # the older session page and the CLI without --at


def test_a_vote_left_without_quorum_closes_without_agreement_and_the_session_concludes(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock, present=11)
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[0])
    clock.set(lima(f"{DAY}T10:10"))
    assert session_console.vote_all(app, st, sid, 1) == 10
    with pytest.raises(SessionRuleViolation, match="cierre la votación del punto desde la consola"):
        session_votes.close(app, st, sid)
    decision = session_console.close_vote(app, st, sid, 1)
    assert decision.outcome == "no_quorum" and decision.tally.present == 10
    item = session_views.session_record(app, sid).items[0]
    assert item.result_label == "Sin acuerdo, por falta de quórum" and item.left_without_voting == [codes[0]]
    clock.set(lima(f"{DAY}T10:20"))
    closing = session_votes.close(app, st, sid)
    assert closing.agreements == []  # no agreement on item 1; the acta says why
    markdown = actas.document(app, sid, "acta", "md")[1].decode()
    assert f"no se cuentan entre los presentes: {codes[0]}" in markdown
    assert "Sin acuerdo, por falta de quórum" in markdown


def test_recording_afterwards_an_arrival_or_departure_inside_a_vote_changes_nothing(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    x, y = codes[5], codes[6]
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:07"))
    session_console.depart(app, st, sid, x)
    clock.set(lima(f"{DAY}T10:10"))
    session_console.vote_all(app, st, sid, 1)
    assert session_console.close_vote(app, st, sid, 1).outcome == "passed"
    clock.set(lima(f"{DAY}T10:30"))
    with pytest.raises(SessionRuleViolation, match="cambiaría quiénes estaban presentes en la votación del punto 1"):
        session_console.record_attendance(app, st, sid, [AttendanceEntry(x, "titular", lima(f"{DAY}T10:09"))])
    session_console.record_attendance(app, st, sid, [AttendanceEntry(x, "titular", lima(f"{DAY}T10:25"))])  # after it: fine
    # y voted at 10:10: its departure cannot be put before its ballot
    with pytest.raises(SessionRuleViolation, match="cambiaría quiénes estaban presentes en la votación del punto 1"):
        session_console.depart(app, st, sid, y, at=lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, y, at=lima(f"{DAY}T10:28"))


def test_the_acta_counts_as_present_those_the_agreement_counts(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:08"))
    session_console.depart(app, st, sid, codes[5])
    clock.set(lima(f"{DAY}T10:10"))
    session_console.vote_all(app, st, sid, 1)
    session_console.close_vote(app, st, sid, 1)
    item = session_views.session_record(app, sid).items[0]
    assert (item.quorum_present, item.votes_for, item.left_without_voting) == (20, 20, [codes[5]])


def test_an_absent_presidency_breaks_no_tie_and_the_tied_item_is_not_approved(app: App, clock: FixedClock) -> None:
    st, sid, codes = _live(app, clock)
    presidency = app.definitions().plan.commission.presidency
    session_console.open_vote(app, st, sid, 1)
    clock.set(lima(f"{DAY}T10:07"))
    session_console.depart(app, st, sid, presidency)
    clock.set(lima(f"{DAY}T10:10"))
    rest = [c for c in codes if c != presidency]
    session_console.vote_all(app, st, sid, 1, exceptions={c: ("against", "No comparte") for c in rest[:10]})
    decision = session_console.close_vote(app, st, sid, 1)
    assert decision.outcome == "rejected" and not decision.tie_broken
    with pytest.raises(SessionRuleViolation, match=rf"La Presidencia \({presidency}\) no estaba presente en la votación del punto 1"):
        session_votes.tiebreak(app, st, sid, 1, "for")
    clock.set(lima(f"{DAY}T10:20"))
    (agreement, *_) = session_votes.close(app, st, sid).agreements
    assert agreement.result == "rejected"
    assert "NO APROBADO (10 a favor, 10 en contra, 0 abstenciones; empate sin voto dirimente: la Presidencia no estaba presente)" \
        in agreement.text


def test_after_the_casting_vote_the_item_takes_no_more_ballots(store_url: str, tmp_path: Path, clock: FixedClock) -> None:
    # the presidency may abstain, then decide
    with abstention_allowed_app(tmp_path, clock, store_url) as app:
        st, sid, codes = _live(app, clock, present=13)
        presidency = app.definitions().plan.commission.presidency
        assert presidency in codes[:13]
        session_votes.vote(app, st, sid, 1, presidency, "abstain", reason="Su sector elaboró la propuesta")
        others = [c for c in codes[:13] if c != presidency]  # 12: 6 for, 6 against
        for n, code in enumerate(others):
            session_votes.vote(app, st, sid, 1, code, "for" if n < 6 else "against", reason=None if n < 6 else "No comparte")
        assert session_views.session_record(app, sid).items[0].result == "tie"
        session_votes.tiebreak(app, st, sid, 1, "for")
        with pytest.raises(SessionRuleViolation, match="ya dirimió el empate del punto 1: su votación no admite más votos ni correcciones"):
            session_votes.correct(app, st, sid, 1, others[0], "against", reason="Cambió de opinión")
        assert session_views.session_record(app, sid).items[0].result == "passed"
