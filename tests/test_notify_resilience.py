"""Never lost, never doubled: the plan's whole life on a fixed clock, downtime, competing
dispatcher processes, a dispatcher killed between claim and send."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.deliverables.calendar import current_calendar
from conaig_flow.services.deliverables.records import DeliverableView
from conaig_flow.services.notifications.reminders import sweep
from tests.notify_helpers import approve_protocol, bulk_messages, lima, people, use_smtp
from tests.reminder_reference import reference_schedule
from tests.smtp_capture import SmtpCapture

CONAIG = str(Path(sys.executable).parent / "conaig")
WALK_END = date(2023, 1, 31)


def _effective(day: date, holidays: frozenset[date]) -> date:
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def _reminder_keys(server: SmtpCapture) -> collections.Counter[str]:
    return collections.Counter(r.key for r in server.received if r.key.startswith("reminder:"))


@pytest.mark.slow
def test_walking_the_plan_life_sends_exactly_the_policy_reminders(sqlite_app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    app = sqlite_app
    people(app)
    use_smtp(app, smtp)
    approved_at: dict[int, datetime] = {}
    created_at: dict[int, datetime] = {}
    day = date(2021, 7, 1)
    while day <= WALK_END:
        for hour in (9, 21):  # a sweep in the morning (after 09:00) and one at night
            clock.set(datetime(day.year, day.month, day.day, hour, 30, tzinfo=LIMA))
            sweep(app)
            dispatch(app)
        # MINSA before any reminder of its deadline (never reminded); MINEDU after before_30 and
        # before_15, before before_7. Each approval creates that entity's implementation reports.
        for entity, when in (("MINSA", date(2022, 3, 15)), ("MINEDU", date(2022, 12, 20))):
            if day == when:
                at = lima(when.year, when.month, when.day, 12, 0)
                approved_at[approve_protocol(app, clock, entity, at)] = at
                for d in deliverables.list_deliverables(app, entity=entity, activity="A1.2"):
                    created_at[d.id] = at
        day += timedelta(days=1)

    cal = current_calendar(app)
    policy = app.definitions().plan.reminders
    assert policy.days_before == [30, 15, 7, 1] and policy.overdue_notices == 4  # the policy the reference counts
    every: list[DeliverableView] = deliverables.list_deliverables(app)
    effective = {d.id: _effective(d.due.astimezone(LIMA).date(), cal.holidays) for d in every}
    expected: collections.Counter[str] = collections.Counter()
    for d in every:
        if not d.terminal and not policy.step_for(d.kind, d.state).notify:
            continue  # waits for a session all along (A2.1): nobody holds a step to remind
        schedule = reference_schedule(d.due, cal.holidays, WALK_END, overdue_notices=4)  # counted by hand, not by the policy code
        for rule, _day, send_at in schedule:
            if d.id in approved_at and send_at >= approved_at[d.id]:
                continue
            if d.id in created_at and send_at <= created_at[d.id]:
                continue
            if d.state == "approved" and d.id not in approved_at:
                continue
            expected[f"reminder:{d.id}:{rule}:{effective[d.id].isoformat()}"] += 1
    got = _reminder_keys(smtp)
    assert got == expected
    assert max(got.values()) == 1
    rules = collections.Counter(k.split(":")[2] for k in got)
    assert rules["before_30"] > 20 and rules["overdue_w1"] > 20
    for r in smtp.received:
        if r.key.startswith("reminder:"):
            sent_on = r.message["Date"].datetime.astimezone(LIMA).date()
            assert cal.is_business_day(sent_on), (r.key, sent_on)
    minsa = next(d for d in every if d.owner == "MINSA" and d.activity == "A1.1")
    minedu = next(d for d in every if d.owner == "MINEDU" and d.activity == "A1.1")
    assert not [k for k in got if k.startswith(f"reminder:{minsa.id}:")]
    assert sorted(k.split(":")[2] for k in got if k.startswith(f"reminder:{minedu.id}:")) == ["before_15", "before_30"]
    minsa_reports = {d.id for d in every if d.owner == "MINSA" and d.activity == "A1.2"}
    overdue = [r for r in smtp.received if r.key.startswith("reminder:") and ":overdue_" in r.key
               and int(r.key.split(":")[1]) in minsa_reports]
    assert all(r.message["Subject"].startswith("Plazo vencido:") for r in overdue)
    assert overdue and all("titular.minsa@example.pe" in r.recipients and "st@example.pe" in r.recipients for r in overdue)


def test_restart_after_three_days_down_catches_up_without_flooding_older_rules(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    for day in (22, 23, 24):  # June 2022, daily until Friday 24
        clock.set(lima(2022, 6, day))
        sweep(app)
        dispatch(app)
    before = _reminder_keys(smtp)
    assert {k.split(":")[2] for k in before} == {"before_15", "before_7"}  # first sweep catches up before_15
    clock.set(lima(2022, 6, 28, 10, 0))  # down from Friday evening to Tuesday: before_1 fell due at 09:00
    sweep(app)
    dispatch(app)
    after_short = _reminder_keys(smtp) - before
    # one: A3.1's (A2.1, due the same day, waits for its session: nobody is reminded)
    assert {k.split(":")[2] for k in after_short} == {"before_1"} and sum(after_short.values()) == 1
    # down again Wednesday to Monday: overdue_1 (Friday 1 July) fell due; only the latest rule goes out
    clock.set(lima(2022, 7, 4, 9, 45))
    sweep(app)
    dispatch(app)
    after_long = _reminder_keys(smtp) - before - after_short
    assert {k.split(":")[2] for k in after_long} == {"overdue_1"} and sum(after_long.values()) == 1
    assert max(_reminder_keys(smtp).values()) == 1


def _dispatcher(db_url: str, home: Path, server: SmtpCapture, **env: str) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ, "CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(server.port), "CONAIG_SMTP_TLS": "none",
        "CONAIG_OUTBOX_BATCH": "20", **env,
    }
    # 3 July 2021 is a Saturday: the sweep of `remind` has nothing to add, it only dispatches
    return subprocess.Popen([CONAIG, "--db", db_url, "--home", str(home), "--now", "2021-07-03", "remind"],
                            env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_two_dispatcher_processes_deliver_a_thousand_messages_exactly_once(app: App, smtp: SmtpCapture, tmp_path: Path) -> None:
    bulk_messages(app, 1000)
    procs = [_dispatcher(app.settings.db_url, tmp_path / f"w{i}", smtp) for i in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    ids = collections.Counter(r.message_id for r in smtp.received)
    assert len(ids) == 1000 and max(ids.values()) == 1
    assert ob.counts(app) == {"sent": 1000}
    sent_by = [int(out.decode().rsplit("Envío: ", 1)[1].split()[0]) for out, _ in outputs]
    assert sum(sent_by) == 1000


def test_a_dispatcher_killed_after_claiming_is_relieved_when_its_lease_expires(app: App, clock: FixedClock, smtp: SmtpCapture, tmp_path: Path) -> None:
    clock.set(datetime(2021, 7, 3, 12, 0, tzinfo=LIMA))
    bulk_messages(app, 3)
    marker = tmp_path / "claimed"
    proc = _dispatcher(app.settings.db_url, tmp_path / "w", smtp, CONAIG_TEST_HOLD_AFTER_CLAIM=str(marker))
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    assert [v.status for v in ob.list_outbox(app)] == ["sending"] * 3
    use_smtp(app, smtp)
    assert dispatch(app).sent == 0  # the dead worker's lease still holds
    clock.advance(timedelta(seconds=app.settings.outbox_lease_seconds + 60))
    assert dispatch(app).sent == 3
    assert sorted(r.key for r in smtp.received) == ["carga:0", "carga:1", "carga:2"]
    assert all(v.attempts == 2 for v in ob.list_outbox(app))


def test_worker_catches_up_at_start_up_and_stops_on_sigterm(app: App, smtp: SmtpCapture, tmp_path: Path) -> None:
    from conaig_flow.scheduler import CHECKPOINT_JOB, DISPATCH_JOB, SWEEP_JOB, build_scheduler

    people(app)
    proc = subprocess.Popen(
        [CONAIG, "--db", app.settings.db_url, "--home", str(tmp_path / "w"), "--now", "2022-06-23T09:30", "worker"],
        env={**os.environ, "CONAIG_SMTP_HOST": "127.0.0.1", "CONAIG_SMTP_PORT": str(smtp.port), "CONAIG_SMTP_TLS": "none"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not _reminder_keys(smtp) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    # A3.1's (A2.1, due the same day, waits for its session: nobody is reminded)
    # (the week's overdue summary may go out too: it is not a reminder of a deadline)
    assert sorted(k.split(":")[2] for k in _reminder_keys(smtp)) == ["before_7"]
    scheduler = build_scheduler(app)
    jobs = {j.id: j for j in scheduler.get_jobs()}
    assert set(jobs) == {SWEEP_JOB, DISPATCH_JOB, CHECKPOINT_JOB}  # the daily audit checkpoint (issue 16)
    assert all(j.coalesce and j.misfire_grace_time >= 600 and j.max_instances == 1 for j in jobs.values())
    assert str(scheduler.timezone) == "America/Lima"
