"""The progress report reads the facts of the other features: the reminders of the outbox
(sent, escalated, pending, dead letters per responsible party) and the agreements of the
sessions; a session agreement that does not approve a deliverable (its ``record_agreement``
self-loop) changes no figure and no reminder."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from email.message import EmailMessage

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.rendering.reports import render
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.services.reports import reports
from conaig_flow.services.reports.reports import parse_as_of
from tests.conftest import add_people, pdf_bytes
from tests.notify_helpers import lima, people, use_smtp
from tests.reports_script import hold_session
from tests.smtp_capture import SmtpCapture

CONAIG_DUE_30_JUNE = ("A2.1", "A3.1")  # the commission's two deliverables due on 30 June 2022


def _text(msg: EmailMessage) -> str:
    return "".join(str(p.get_content()) for p in msg.walk() if p.get_content_type() == "text/plain")


def _run(app: App, clock: FixedClock, day: tuple[int, int, int], *, send: bool = True) -> None:
    clock.set(lima(*day))
    sweep(app)
    if send:
        dispatch(app)


def test_the_report_counts_reminders_sent_escalated_pending_and_dead_per_responsible(
    app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    people(app)
    use_smtp(app, smtp)
    _run(app, clock, (2022, 6, 23))  # 7 days before: A3.1 (A2.1 waits for its session: nobody is reminded)
    _run(app, clock, (2022, 7, 1))  # first business day overdue: escalated
    smtp.handler.reject_recipient = "st@example.pe"
    _run(app, clock, (2022, 7, 8))  # a week overdue: the server refuses them (dead letters)
    smtp.handler.reject_recipient = None
    _run(app, clock, (2022, 7, 15), send=False)  # written, not yet sent

    ids = {d.id for a in CONAIG_DUE_30_JUNE for d in deliverables.list_deliverables(app, activity=a)}
    rows = [v for v in ob.list_outbox(app) if v.key.startswith("reminder:")]
    methodology = {d.id for d in deliverables.list_deliverables(app, activity="A3.1")}
    assert methodology < ids  # of the commission's deliverables due 30 June, only the one with a step to take
    assert {int(v.key.split(":")[1]) for v in rows} == methodology
    received = [r for r in smtp.received if r.key.startswith("reminder:")]
    escalated = [r for r in received if "Con copia a la persona titular" in _text(r.message)]
    statuses = Counter(v.status for v in rows)
    assert (len(received), len(escalated), statuses["dead"], statuses["pending"]) == (2, 1, 1, 1)

    report = reports.progress_report(app, parse_as_of("2022-07-20"))
    assert report.reminders is not None
    (line,) = report.reminders
    assert (line.owner, line.sent, line.escalations, line.pending, line.dead) == ("CONAIG", 2, 1, 1, 1)
    assert line.last_sent is not None and line.last_sent.astimezone(LIMA).date().isoformat() == "2022-07-01"
    md = render(report, "md").decode("utf-8")
    assert f"| CONAIG | {line.owner_name} | 2 | 1 | 01/07/2022 | 1 | 1 |" in md
    data = render(report, "json").decode("utf-8")
    assert '"no_entregados": 1' in data and '"pendientes": 1' in data

    earlier = reports.progress_report(app, parse_as_of("2022-07-05"))
    assert earlier.reminders is not None
    (before,) = earlier.reminders
    assert (before.sent, before.escalations, before.pending, before.dead) == (2, 1, 0, 0)


def test_a_rejected_agreement_changes_no_figure_and_stops_no_reminder(app: App, clock: FixedClock) -> None:
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    (m,) = deliverables.list_deliverables(app, activity="A3.1")
    clock.set(datetime(2022, 5, 2, 10, tzinfo=LIMA))
    deliverables.advance(app, st, m.id, "submit", documents=[("metodologia.pdf", pdf_bytes())])
    clock.set(datetime(2022, 5, 10, 10, tzinfo=LIMA))
    deliverables.advance(app, st, m.id, "accept")
    as_of = parse_as_of("2022-07-05")
    before = reports.progress_report(app, as_of)

    voters = [e.code for e in app.definitions().plan.voting_members][:15]
    against = {code: "La metodología no prioriza los indicadores del sector" for code in voters[:10]}
    hold_session(app, clock, st, datetime(2022, 6, 6, 9, tzinfo=LIMA), datetime(2022, 6, 10, 10, tzinfo=LIMA),
                 approve=m.id, against=against)
    history = deliverables.history(app, st, m.id)
    assert [(e.trigger, e.from_state, e.to_state) for e in history][-1] == ("record_agreement", "reviewed", "reviewed")

    after = reports.progress_report(app, as_of)
    assert after.progress.totals == before.progress.totals
    assert after.progress.scorecard == before.progress.scorecard
    assert after.progress.programming == before.progress.programming
    (item,) = [i for i in after.progress.items if i.deliverable.id == m.id]
    assert (item.state, item.status.value, item.days_late, item.observations) == ("reviewed", "overdue", 5, 0)
    assert (item.approved_at, item.session_ref, item.evidence) == (None, None, "")
    assert after.agreements is not None
    (agreement,) = after.agreements
    assert (agreement.result, agreement.votes, agreement.deliverable_id) == (
        "No aprobado", "5 a favor, 10 en contra, 0 abstenciones", m.id)

    # The reminders: the self-loop wrote no event notification; the methodology, accepted and
    # waiting for a session, has no step for anyone to be reminded of (issue #12): it goes on
    # the secretariat's agenda, and no sweep chases it, overdue or not.
    events = [v for v in ob.list_outbox(app) if v.key.startswith(f"event:{m.id}:")]
    assert [v.key.split(":")[3] for v in events] == ["evento_presentado"]
    clock.set(lima(2022, 7, 1))
    sweep(app)
    reminders = [v for v in ob.list_outbox(app) if v.key.startswith(f"reminder:{m.id}:")]
    assert reminders == []
