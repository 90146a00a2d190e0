"""The session rules at their edges, through the services (SQLite and PostgreSQL): what Ley
N° 27444 fixes for collegiate bodies (arts. 99-102) holds whatever the plan's details."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import InvalidInput, NotFound, QuorumNotMet, SessionRuleViolation
from conaig_flow.services import plans
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.store.definitions import default_workflows_dir
from tests.conftest import make_app
from tests.session_kit import arrive, convened_session, lima, setup_people, voting_codes

AT_VOTE = lima("2022-05-20T10:30")


def _open(app: App, clock: FixedClock, present: int = 12, others: tuple[str, ...] = ("Punto uno", "Punto dos")) -> tuple[int, list[str]]:
    st = setup_people(app)
    sid = convened_session(app, clock, st, others=others)
    codes = voting_codes(app)
    arrive(app, st, sid, codes[:present], "09:50")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:00"))
    return sid, codes


def _st(app: App) -> object:
    from conaig_flow.services import users

    return users.actor_for(app, "st@example.pe")


def test_a_session_is_installed_only_once(app: App, clock: FixedClock) -> None:
    sid, _ = _open(app, clock)
    with pytest.raises(SessionRuleViolation, match=r"Solo se instala una sesión convocada y aún no instalada"):
        session_attendance.open_session(app, _st(app), sid)  # type: ignore[arg-type]


def test_a_member_who_is_not_present_cannot_vote(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock)
    with pytest.raises(SessionRuleViolation, match=r"no está presente \(titular o alterno\) al momento de votar el punto 1"):
        session_votes.vote(app, _st(app), sid, 1, codes[15], "for")  # type: ignore[arg-type]


def test_a_member_votes_once_per_item(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock)
    st = _st(app)
    session_votes.vote(app, st, sid, 1, codes[0], "for")  # type: ignore[arg-type]
    with pytest.raises(SessionRuleViolation, match="ya votó el punto 1"):
        session_votes.vote(app, st, sid, 1, codes[0], "for")  # type: ignore[arg-type]
    tally = session_views.session_record(app, sid)
    assert tally.status == "open"


def test_a_decided_item_takes_no_late_vote(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock, present=11)
    st = _st(app)
    for code in codes[:11]:
        session_votes.vote(app, st, sid, 1, code, "for", at=lima("2022-05-20T10:10"))  # type: ignore[arg-type]
    session_attendance.attend(app, st, sid, codes[12], at=lima("2022-05-20T10:20"))  # type: ignore[arg-type]
    with pytest.raises(SessionRuleViolation, match="no está presente"):
        session_votes.vote(app, st, sid, 1, codes[12], "for", at=lima("2022-05-20T10:21"))  # type: ignore[arg-type]
    with pytest.raises(SessionRuleViolation, match="ya votó el punto 1"):
        session_votes.vote(app, st, sid, 1, codes[0], "for", at=lima("2022-05-20T10:21"))  # type: ignore[arg-type]


def test_an_item_that_is_not_on_the_agenda_takes_no_vote(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock, others=("Punto uno",))
    with pytest.raises(NotFound, match="La sesión 1 no tiene un punto 2 en su agenda"):
        session_votes.vote(app, _st(app), sid, 2, codes[0], "for")  # type: ignore[arg-type]


def test_a_session_does_not_close_while_a_member_present_has_not_voted(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock, present=11)
    st = _st(app)
    for code in codes[:11]:
        session_votes.vote(app, st, sid, 1, code, "for", at=lima("2022-05-20T10:10"))  # type: ignore[arg-type]
    for code in codes[:5]:
        session_votes.vote(app, st, sid, 2, code, "for", at=AT_VOTE)  # type: ignore[arg-type]
    clock.set(lima("2022-05-20T11:00"))
    with pytest.raises(SessionRuleViolation, match="En el punto 2 faltan votar: ") as refused:
        session_votes.close(app, st, sid)  # type: ignore[arg-type]
    assert codes[5] in refused.value.message and codes[0] not in refused.value.message
    assert session_views.session_record(app, sid).status == "open"


def test_without_quorum_at_the_vote_no_vote_is_taken_and_the_acta_records_no_agreement(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock, present=11, others=("Punto uno",))
    st = _st(app)
    session_attendance.attend(app, st, sid, codes[0], leave=AT_VOTE)  # type: ignore[arg-type]
    with pytest.raises(QuorumNotMet, match=r"No hay quórum para votar el punto 1: se requieren 11 integrantes con voto \(art. 99.1 de la Ley N° 27444\); hay 10"):
        session_votes.vote(app, st, sid, 1, codes[1], "for", at=AT_VOTE)  # type: ignore[arg-type]
    clock.set(lima("2022-05-20T11:00"))
    assert session_votes.close(app, st, sid).agreements == []  # type: ignore[arg-type]


def test_an_alterno_arriving_at_the_instant_the_titular_leaves_keeps_the_quorum(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock, present=11, others=("Punto uno",))
    st = _st(app)
    session_attendance.attend(app, st, sid, codes[0], leave=AT_VOTE)  # type: ignore[arg-type]
    session_attendance.attend(app, st, sid, codes[0], alterno=True, at=AT_VOTE)  # type: ignore[arg-type]
    for code in codes[:11]:
        session_votes.vote(app, st, sid, 1, code, "for", at=AT_VOTE)  # type: ignore[arg-type]
    clock.set(lima("2022-05-20T11:00"))
    (agreement,) = session_votes.close(app, st, sid).agreements  # type: ignore[arg-type]
    assert agreement.text == "Punto uno: APROBADO (11 a favor, 0 en contra, 0 abstenciones)"


def test_a_conflict_is_declared_once_and_before_voting(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock)
    st = _st(app)
    session_votes.vote(app, st, sid, 1, codes[0], "for")  # type: ignore[arg-type]
    with pytest.raises(SessionRuleViolation, match=f"{codes[0]} ya votó el punto 1; el conflicto se declara antes de votar"):
        sessions.declare_conflict(app, st, sid, 1, codes[0], "Parentesco con la persona evaluada")  # type: ignore[arg-type]
    sessions.declare_conflict(app, st, sid, 1, codes[1], "Parentesco con la persona evaluada")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match=f"{codes[1]} ya declaró conflicto de intereses en el punto 1"):
        sessions.declare_conflict(app, st, sid, 1, codes[1], "Otra vez")  # type: ignore[arg-type]
    with pytest.raises(SessionRuleViolation, match="declaró conflicto de intereses en el punto 1: no vota"):
        session_votes.vote(app, st, sid, 1, codes[1], "for")  # type: ignore[arg-type]


def _closed(app: App, clock: FixedClock) -> tuple[int, list[str]]:
    sid, codes = _open(app, clock, present=11, others=("Punto uno",))
    st = _st(app)
    for code in codes[:11]:
        session_votes.vote(app, st, sid, 1, code, "for", at=AT_VOTE)  # type: ignore[arg-type]
    clock.set(lima("2022-05-20T11:00"))
    session_votes.close(app, st, sid)  # type: ignore[arg-type]
    return sid, codes


def test_an_acta_is_approved_once(app: App, clock: FixedClock) -> None:
    sid, _ = _closed(app, clock)
    assert actas.approve_acta(app, _st(app), sid) == "ACTA N° 001-2022-CONAIG"  # type: ignore[arg-type]
    with pytest.raises(SessionRuleViolation, match="El ACTA N° 001-2022-CONAIG ya fue aprobado"):
        actas.approve_acta(app, _st(app), sid)  # type: ignore[arg-type]


# Each signer signs once and only in their own place: PAdES signatures, see
# tests/test_signature_refusals.py (the row-only ``actas.sign_acta`` was removed).


# -- a second commission: seven members, two thirds at first call ----------------------------

@pytest.fixture
def example(store_url: str, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    application = make_app(store_url, tmp_path / "home", clock)
    plans.init(application, default_workflows_dir() / "plans" / "comision-ejemplo-2023.yaml")
    yield application
    application.close()


def test_the_second_commission_needs_two_thirds_of_its_seven_members(example: App, clock: FixedClock) -> None:
    from conaig_flow.services import users

    users.add_user(example, "st@example.pe", "Secretaría Técnica", "MINSA", "secretariat")
    for e in example.definitions().plan.entities:
        users.add_user(example, f"titular.{e.code.lower()}@example.pe", f"Titular de {e.code}", e.code, "member",
                       capacity="titular")
    st = users.actor_for(example, "st@example.pe")
    sid = convened_session(example, clock, st, day="2023-05-19", convene_on="2023-05-12T09:00", others=("Punto",))
    codes = voting_codes(example)
    assert len(codes) == 7
    arrive(example, st, sid, codes[:4], "09:50", day="2023-05-19")
    arrive(example, st, sid, ["MCLCP"], "09:50", day="2023-05-19")  # invited: a voice and no vote
    with pytest.raises(QuorumNotMet) as refused:
        session_attendance.open_session(example, st, sid)
    assert (refused.value.present, refused.value.required) == (4, 5)
    arrive(example, st, sid, codes[4:5], "09:55", day="2023-05-19")
    opening = session_attendance.open_session(example, st, sid)
    assert (opening.call, opening.present, opening.required) == ("first", 5, 5)
