"""Ways the console could have made the record say what did not happen, each closed (SQLite and
PostgreSQL): a ballot recorded for an entity that had left, an item request accepted twice at
once, a voto singular's written grounds lost to a correction, votes recorded before the ballot
history existed left out of it, a voting member marked «presente» without a capacity."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import ConaigError, InvalidInput, SessionRuleViolation
from conaig_flow.services.sessions import agenda, members, sessions, voto_singular
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.common import IT, V
from conaig_flow.services.sessions.console import AttendanceEntry
from conaig_flow.store import migrate
from conaig_flow.store.tables_sessions import VoteHistoryRow
from tests.session_kit import DAY, convened_session, lima, setup_people, voting_codes
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
    with pytest.raises(SessionRuleViolation, match="se retiró de la sesión después de abrirse la votación del punto 1"):
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
    with pytest.raises(SessionRuleViolation, match="se retiró de la sesión"):
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
        session_console.close_vote(app, st, sid, 1)
    with pytest.raises(SessionRuleViolation, match="no había quórum al votarse el punto 1"):
        session_votes.close(app, st, sid)


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
    assert correction.replaced_grounds == "El protocolo no prevé presupuesto."


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
