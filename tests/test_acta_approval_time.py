"""When an acta may be approved «al término de la misma sesión» (art. 102 de la Ley N° 27444):
on the day the session concluded (Lima), not before it concluded; on a later day only at the
start of a later installed session (``in_session``)."""

from __future__ import annotations

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import SessionRuleViolation
from conaig_flow.services import audit
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.console import AttendanceEntry
from tests.session_kit import DAY, convened_session, lima, setup_people, voting_codes

ACTA = "ACTA N° 001-2022-CONAIG"
FIRST = "Sesión ordinaria N° 001-2022 de la CONAIG"
SECOND = "Sesión ordinaria N° 002-2022 de la CONAIG"


def _installed(app: App, clock: FixedClock, st: Actor, day: str, convene_on: str) -> int:
    """A session convened for ``day`` at 10:00 with 21 members present, installed at 10:00."""
    sid = convened_session(app, clock, st, day=day, convene_on=convene_on, recorded_at="09:55")
    session_console.record_attendance(app, st, sid, [AttendanceEntry(c, "titular") for c in voting_codes(app)])
    clock.set(lima(f"{day}T10:00"))
    session_attendance.open_session(app, st, sid)
    clock.set(lima(f"{day}T10:05"))
    return sid


def _concluded(app: App, clock: FixedClock, closing: str = "11:00") -> tuple[Actor, int]:
    """The first session (20 May 2022), its two items passed, concluded at ``closing`` that day."""
    st = setup_people(app)
    sid = _installed(app, clock, st, DAY, "2022-05-16T09:00")
    session_console.vote_all(app, st, sid, 1, sense="for")
    session_console.vote_all(app, st, sid, 2, sense="for")
    clock.set(lima(f"{DAY}T{closing}"))
    assert session_votes.close(app, st, sid).acta == ACTA
    return st, sid


def _acta_md(app: App, sid: int) -> str:
    return actas.document(app, sid, "acta", "md")[1].decode()


@pytest.mark.parametrize(("closing", "approving"), [("11:00", "11:30"), ("20:00", "23:30")])
def test_the_acta_is_approved_at_the_end_of_its_session_on_the_day_it_concluded(
    app: App, clock: FixedClock, closing: str, approving: str,
) -> None:
    # 23:30 in Lima is already the next day in UTC: the day that counts is Lima's
    st, sid = _concluded(app, clock, closing)
    clock.set(lima(f"{DAY}T{approving}"))
    assert actas.approve_acta(app, st, sid) == ACTA
    record = session_views.session_record(app, sid)
    assert record.acta_state == "approved" and record.acta_approved_in is None
    assert "Acta aprobada el 20 de mayo de 2022, al término de la misma sesión." in _acta_md(app, sid)


@pytest.mark.parametrize("later", ["2022-05-27T16:00", "2022-05-21T00:05"])
def test_on_a_later_day_the_acta_is_not_approved_at_the_end_of_the_same_session(
    app: App, clock: FixedClock, later: str,
) -> None:
    st, sid = _concluded(app, clock)
    clock.set(lima(later))
    before = _acta_md(app, sid)
    with pytest.raises(SessionRuleViolation) as refused:
        actas.approve_acta(app, st, sid)
    today = "27 de mayo de 2022" if later.startswith("2022-05-27") else "21 de mayo de 2022"
    message = refused.value.message
    assert message == (
        f"El {ACTA} ya no puede aprobarse al término de la misma sesión: la {FIRST} concluyó el 20 de mayo de 2022 "
        f"y hoy es {today}. Apruébelo al inicio de la siguiente sesión, una vez instalada, indicando esa sesión como "
        "aquella en la que se aprueba el acta (art. 102 de la Ley N° 27444)."
    )
    record = session_views.session_record(app, sid)
    assert record.acta_state == "draft" and record.acta_approved_at is None and record.acta_approved_in is None
    assert _acta_md(app, sid) == before and "Acta pendiente de aprobación" in before
    refusal = audit.refused_attempts(app, limit=1)[0]
    assert (refusal.action, refusal.reason) == ("session acta approve", message)


def test_before_its_session_concluded_the_acta_is_not_approved(app: App, clock: FixedClock) -> None:
    st, sid = _concluded(app, clock)
    clock.set(lima(f"{DAY}T10:30"))  # a clock behind the recorded conclusion
    with pytest.raises(SessionRuleViolation, match=(
        f"El {ACTA} se aprueba al término de la {FIRST}, no antes: la sesión concluyó el 20 de mayo de 2022, "
        r"11:00 \(art. 102 de la Ley N° 27444\)"
    )):
        actas.approve_acta(app, st, sid)
    assert session_views.session_record(app, sid).acta_state == "draft"


def test_on_a_later_day_the_acta_is_approved_at_the_start_of_the_next_installed_session(app: App, clock: FixedClock) -> None:
    st, sid = _concluded(app, clock)
    second = _installed(app, clock, st, "2022-06-10", "2022-06-06T09:00")
    with pytest.raises(SessionRuleViolation, match="ya no puede aprobarse al término de la misma sesión"):
        actas.approve_acta(app, st, sid)
    assert actas.approve_acta(app, st, sid, in_session=second) == ACTA
    record = session_views.session_record(app, sid)
    assert record.acta_state == "approved" and record.acta_approved_in == SECOND
    assert f"Acta aprobada el 10 de junio de 2022, en la {SECOND}." in _acta_md(app, sid)
