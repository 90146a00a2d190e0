"""The sweep writes its reminders with one ``INSERT … SELECT`` in the database; the
explanation (dry run, ``conaig remind``) builds the same rows in Python. Both must agree,
row for row, on SQLite and PostgreSQL. The policy, asked per deadline day, must agree with
the policy asked per deadline. And what a reminder says about its deliverable is read when
it is sent."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.reminder_policy import ReminderPolicy, days_due, deadline_day, deadlines_due
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.notify.outbox import NO_RECIPIENTS, recipients_json
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.calendar import national_holidays
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.store.tables import DeliverableRow
from conaig_flow.store.tables_notify import OutboxRow
from tests.notify_helpers import lima, use_smtp
from tests.smtp_capture import SmtpCapture

OB = OutboxRow.__table__  # type: ignore[attr-defined]
D = DeliverableRow.__table__  # type: ignore[attr-defined]
CAL = Calendar.of(national_holidays(2020, 2024))


def _few_people(app: App) -> None:
    """Officers of three entities only (the others' reminders are dead letters), MINSA's
    titular (escalations copy them) and the secretariat."""
    for code in ("MINSA", "MIMP", "MINEDU"):
        users.add_user(app, f"enlace.{code.lower()}@example.pe", f"Enlace {code}", code, "officer")
    users.add_user(app, "titular.minsa@example.pe", "Titular MINSA", "MINSA", "member", capacity="titular")
    users.add_user(app, "st@example.pe", "Secretaría Técnica", "MIMP", "secretariat")


def _reminder_rows(app: App) -> dict[str, object]:
    with app.db.read() as conn:
        return {r.key: r for r in conn.execute(select(OB).where(OB.c.kind == "reminder"))}


def test_the_insert_writes_exactly_the_rows_the_explanation_lists(app: App, clock: FixedClock) -> None:
    _few_people(app)
    # 2 December 2022: before_30 of the deadlines of 31 December (moved to Monday 2 January),
    # and, for the first sweep ever, the latest weekly reminder of the overdue 30 June ones
    clock.set(lima(2022, 12, 2, 9, 45))
    explained = sweep(app, dry_run=True).planned
    report = sweep(app, explain=True)
    rows = _reminder_rows(app)
    assert report.written == len(rows) == len(explained) == len(report.planned) == 24
    assert [p.message for p in report.planned] == [p.message for p in explained]
    for p in explained:
        m = p.message
        row = rows[m.key]
        nobody = not (m.to or m.cc)
        assert (row.template, row.deliverable_id, row.recipients, json.loads(row.context), row.status, row.last_error,
                row.attachments, row.attempts, row.created_at, row.available_at) == (
            m.template, m.deliverable_id, recipients_json(m.to, m.cc), dict(m.context), "dead" if nobody else "pending",
            NO_RECIPIENTS if nobody else None, "[]", 0, clock.now(), clock.now())
    # the comparison covered every kind of row: dead letters, addressed ones, escalations
    assert Counter(r.status for r in rows.values()) == {"dead": 17, "pending": 7}
    escalated = {k for k, r in rows.items() if json.loads(r.context)["escalated"]}
    assert {k.split(":")[2] for k in escalated} == {"overdue_w22"} and len(escalated) == 2
    minsa = next(r for r in rows.values() if r.recipients == recipients_json(["enlace.minsa@example.pe"], []))
    assert json.loads(minsa.context)["rule"] == "before_30" and json.loads(minsa.context)["deadline"] == "2023-01-02"
    # a second sweep at the same instant, and a sweep with the mark removed, write nothing new
    assert sweep(app).written == 0
    with app.db.write() as conn:
        conn.exec_driver_sql("DELETE FROM reminder_sweeps")
    assert sweep(app).written == 0 and len(_reminder_rows(app)) == 24


def test_a_reminder_describes_its_deliverable_as_it_is_when_sent(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    _few_people(app)
    use_smtp(app, smtp)
    clock.set(lima(2022, 12, 2, 9, 45))
    sweep(app)
    (minsa,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    with app.db.write() as conn:  # renamed after the sweep wrote the reminder, before it is sent
        conn.execute(update(D).where(D.c.id == minsa.id).values(title="Protocolo del MINSA (versión corregida)"))
    key = next(k for k in _reminder_rows(app) if k.startswith(f"reminder:{minsa.id}:"))
    shown = ob.show(app, next(r.id for k, r in _reminder_rows(app).items() if k == key))
    assert shown.context["title"] == "Protocolo del MINSA (versión corregida)" and shown.context["entity_code"] == "MINSA"
    assert dispatch(app).sent == 7
    (received,) = [r for r in smtp.received if r.key == key]
    body = next(p.get_content() for p in received.message.walk() if p.get_content_type() == "text/plain")
    assert "Protocolo del MINSA (versión corregida)" in body and "vence el 2 de enero de 2023" in body
    assert "Ministerio de Salud" in received.message["Subject"]


def test_a_dead_reminder_is_readdressed_on_retry_once_its_people_exist(app: App, clock: FixedClock) -> None:
    _few_people(app)
    clock.set(lima(2022, 12, 2, 9, 45))
    sweep(app)
    (mtpe,) = deliverables.list_deliverables(app, entity="MTPE", activity="A1.1")
    (row,) = [r for k, r in _reminder_rows(app).items() if k.startswith(f"reminder:{mtpe.id}:")]
    assert row.status == "dead" and row.last_error == NO_RECIPIENTS
    users.add_user(app, "enlace.mtpe@example.pe", "Enlace MTPE", "MTPE", "officer")
    assert ob.retry(app, [row.id]) == 1
    again = ob.show(app, row.id)
    assert (again.status, again.to, again.cc) == ("pending", ["enlace.mtpe@example.pe"], [])


@settings(max_examples=60, deadline=None)
@given(
    dues=st.lists(st.datetimes(min_value=datetime(2021, 6, 1), max_value=datetime(2023, 3, 31)), min_size=1, max_size=25),
    start=st.datetimes(min_value=datetime(2021, 7, 1), max_value=datetime(2023, 2, 28)),
    gap_hours=st.integers(min_value=1, max_value=24 * 20),
    first_sweep=st.booleans(),
)
def test_asking_the_policy_per_day_agrees_with_asking_it_per_deadline(
    dues: list[datetime], start: datetime, gap_hours: int, first_sweep: bool
) -> None:
    policy = ReminderPolicy()
    aware = [d.replace(tzinfo=LIMA) for d in dues]
    now = start.replace(tzinfo=LIMA) + timedelta(hours=gap_hours)
    since = None if first_sweep else start.replace(tzinfo=LIMA)
    per_deadline = deadlines_due(aware, policy, CAL, now, since)
    first = min(deadline_day(d) for d in aware)
    per_day = days_due(first, date(2030, 1, 1), policy, CAL, now, since)
    days = {deadline_day(d) for d in aware}
    assert {day: occ for day, occ in per_day.items() if day in days} == {deadline_day(d): o for d, o in per_deadline.items()}
