"""Deciding a deliverable in a real session of the commission, the only way an in-session
step happens: a session is programmed, the deliverable put on its agenda, the session
convened with the plan's notice, every voting member arrives at the hour, the session is
installed, everyone votes and the session concludes (the clock moves along)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.actors import Actor
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import votes as session_votes


def session_day(app: App, after: datetime) -> datetime:
    """10:00 Lima of the first day that the plan's notice period allows after ``after``."""
    notice = app.definitions().plan.session_rules.notice_business_days
    with app.db.read() as conn:
        is_business_day = calendar_for(app, conn).is_business_day
    day = after.astimezone(LIMA).date()
    counted = 0
    while counted <= notice:  # full business days strictly between, then a business day
        day += timedelta(days=1)
        if is_business_day(day):
            counted += 1
    return datetime.combine(day, time(10, 0), LIMA)


_teams = iter(range(1, 10_000))


def decide_in_session(app: App, st: Actor, deliverable_id: int, *, passed: bool = True, approve_acta: bool = False) -> int:
    """Hold a session that decides ``deliverable_id`` (passed or not); returns the session id.

    A ``session_acta`` deliverable (A2.1) is decided by the session that forms the working
    team, and fulfilled when that session's acta is approved (``approve_acta``).
    ``app.clock`` must be settable (``FixedClock``); it is left at the session's close."""
    clock = app.clock
    scheduled = session_day(app, clock.now())
    created = sessions.create_session(app, st, scheduled_at=scheduled, place="Sala de sesiones")
    if app.definitions().lifecycles[_kind(app, deliverable_id)].kind == "session_acta":
        sessions.add_item(app, st, created.id, form_team=(f"EQ-{next(_teams)}", ["MINSA", "MINEDU"]))
    else:
        sessions.add_item(app, st, created.id, approve=deliverable_id)
    sessions.convene(app, st, created.id)
    voting = [e.code for e in app.definitions().plan.voting_members]
    clock.set(scheduled)  # type: ignore[attr-defined]
    for code in voting:
        session_attendance.attend(app, st, created.id, code, at=scheduled)
    clock.set(scheduled + timedelta(minutes=5))  # type: ignore[attr-defined]
    session_attendance.open_session(app, st, created.id)
    clock.set(scheduled + timedelta(minutes=30))  # type: ignore[attr-defined]
    for code in voting:
        session_votes.vote(app, st, created.id, 1, code, "for" if passed else "against",
                           reason=None if passed else "No está listo")
    clock.set(scheduled + timedelta(hours=1))  # type: ignore[attr-defined]
    session_votes.close(app, st, created.id)
    if approve_acta:
        actas.approve_acta(app, st, created.id)
    return created.id


def _kind(app: App, deliverable_id: int) -> str:
    from conaig_flow.domain.actors import SYSTEM
    from conaig_flow.services.deliverables import deliverables

    return deliverables.get(app, SYSTEM, deliverable_id).kind
