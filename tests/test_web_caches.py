"""What the web pages keep per process never shows stale data: the dashboard's figures against
another process's changes and the passing of time, the wording of dates against Babel itself,
and the session's «last seen», written at most once a minute without stretching the idle
timeout."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date, format_datetime

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.actors import SYSTEM
from conaig_flow.errors import AuthenticationRequired
from conaig_flow.i18n import LOCALE, fecha, fecha_hora
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.tables_web import WebSessionRow
from conaig_flow.web import create_app
from conaig_flow.web.views import auth as web_auth
from conaig_flow.web.views import dashboard
from tests.conftest import make_app, pdf_bytes
from tests.test_core_lifecycles import NORM
from tests.web_support import PASSWORD, PEOPLE, add_web_people, sign_in


def figures(board: dashboard.Dashboard) -> dict[str, object]:
    """Everything the dashboard shows of the plan, as plain data."""
    return {
        "total": board.total.to_json(),
        "tallies": [[t.to_json() for t in group]
                    for group in (board.by_objective, board.by_activity, board.by_entity, board.by_period)],
        "overdue": [d.id for d in board.overdue],
        "periods": board.periods,
        "schedule": [asdict(row) for row in board.schedule],
    }


def fresh_figures(app: App, clock: FixedClock) -> dict[str, object]:
    """The figures computed from scratch, by a process that has kept nothing."""
    other = make_app(app.settings.db_url, app.settings.home, clock)
    try:
        return figures(dashboard.build(other, SYSTEM))
    finally:
        other.close()


def test_the_dashboard_sees_at_once_what_another_process_changed(app: App, clock: FixedClock) -> None:
    add_web_people(app)
    web = create_app(app)
    c, _ = sign_in(web, PEOPLE["secretariat"])
    other = make_app(app.settings.db_url, app.settings.home, clock)  # a second web worker, same database
    try:
        first = dashboard.build(app, SYSTEM)
        assert dashboard.build(app, SYSTEM).figures is first.figures  # nothing changed: kept
        assert first.total.counts["in_review"] == 0
        page = c.get("/tablero").text
        assert f"0 de {first.total.total} entregables aprobados" in page

        did = deliverables.list_deliverables(other, entity="MINSA", activity="A1.1")[0].id
        minsa = users.actor_for(other, PEOPLE["officer"])
        deliverables.advance(other, minsa, did, "submit", documents=[("p.pdf", pdf_bytes())])
        submitted = dashboard.build(app, SYSTEM)
        assert submitted.figures is not first.figures
        assert submitted.total.counts["in_review"] == 1
        assert figures(submitted) == fresh_figures(app, clock)
        assert "; 1 en revisión;" in c.get("/tablero").text

        deliverables.advance(other, users.actor_for(other, PEOPLE["secretariat"]), did, "accept")
        deliverables.advance(other, minsa, did, "approve", norm_reference=NORM, documents=[("rm.pdf", pdf_bytes("rm"))])
        approved = dashboard.build(app, SYSTEM)  # the approval also created MINSA's A1.2 reports
        assert approved.total.counts["approved"] == 1 and approved.total.total > first.total.total
        assert figures(approved) == fresh_figures(app, clock)
        assert f"1 de {approved.total.total} entregables aprobados" in c.get("/tablero").text
        assert c.get("/api/dashboard").json()["total"] == approved.total.to_json()
    finally:
        other.close()


def test_the_dashboard_counts_a_deliverable_overdue_the_moment_its_deadline_passes(sqlite_app: App, clock: FixedClock) -> None:
    board = dashboard.build(sqlite_app, SYSTEM)
    open_items = [d for d in deliverables.list_deliverables(sqlite_app) if not d.terminal and d.due >= clock.now()]
    deadline = min(d.due for d in open_items)
    falling_due = {d.id for d in open_items if d.due == deadline}

    clock.set(deadline)  # due at this very instant: not overdue yet
    at_deadline = dashboard.build(sqlite_app, SYSTEM)
    assert at_deadline.figures is board.figures
    assert not falling_due & {d.id for d in at_deadline.overdue}

    clock.set(deadline + timedelta(seconds=1))
    late = dashboard.build(sqlite_app, SYSTEM)
    assert falling_due <= {d.id for d in late.overdue}
    assert late.total.overdue == board.total.overdue + len(falling_due)
    assert figures(late) == fresh_figures(sqlite_app, clock)

    clock.set(deadline - timedelta(days=1))  # a clock set back (tests, --now) is followed too
    back = dashboard.build(sqlite_app, SYSTEM)
    assert not falling_due & {d.id for d in back.overdue}
    assert figures(back) == fresh_figures(sqlite_app, clock)


def test_dates_are_worded_exactly_as_babel_words_them() -> None:
    start = datetime(2021, 12, 30, 18, 0, tzinfo=UTC)
    instants = [start + timedelta(minutes=37 * i) for i in range(400)]  # across Lima's midnights and a new year
    instants += [datetime(2022, 7, 1, 4, 59, 59, tzinfo=UTC), datetime(2022, 7, 1, 5, 0, tzinfo=UTC),
                 datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA)]
    for _ in range(2):  # the second pass answers from the cache
        for when in instants:
            lima = when.astimezone(LIMA)
            assert fecha(when) == format_date(lima.date(), format="d 'de' MMMM 'de' y", locale=LOCALE)
            assert fecha_hora(when) == format_datetime(lima, format="d 'de' MMMM 'de' y, HH:mm", locale=LOCALE)
        assert fecha(date(2022, 6, 30)) == "30 de junio de 2022"
    assert fecha_hora(datetime(2022, 7, 1, 4, 59, 59, tzinfo=UTC)) == "30 de junio de 2022, 23:59"


def _last_seen(app: App, session: web_auth.WebSession) -> datetime:
    from sqlalchemy import select

    table = WebSessionRow.__table__  # type: ignore[attr-defined]
    with app.db.read() as conn:
        value = conn.execute(select(table.c.last_seen_at).where(table.c.user_id == session.user_id)).scalar_one()
    assert isinstance(value, datetime)
    return value


def test_last_seen_is_written_at_most_once_a_minute_and_the_idle_timeout_counts_from_it(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    signed_in_at = clock.now()
    session = web_auth.login(sqlite_app, PEOPLE["officer"], PASSWORD, "127.0.0.1")
    clock.advance(timedelta(seconds=50))
    web_auth.resume(sqlite_app, session.token)
    assert _last_seen(sqlite_app, session) == signed_in_at  # within the minute: no write
    clock.advance(timedelta(seconds=20))
    web_auth.resume(sqlite_app, session.token)
    touched_at = clock.now()
    assert _last_seen(sqlite_app, session) == touched_at
    clock.set(touched_at + web_auth.IDLE_TIMEOUT)  # exactly the idle timeout since the last write: still valid
    web_auth.resume(sqlite_app, session.token)
    clock.set(_last_seen(sqlite_app, session) + web_auth.IDLE_TIMEOUT + timedelta(seconds=1))
    with pytest.raises(AuthenticationRequired) as caught:
        web_auth.resume(sqlite_app, session.token)
    assert caught.value.message == "Su sesión expiró. Inicie sesión nuevamente."
