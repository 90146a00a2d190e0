"""One effective deadline for every reader (issue 12): MINSA's A1.1 is due by the plan on
Saturday 31 December 2022; 1 January 2023 is Sunday and New Year's Day, so the deadline that
counts is Monday 2 January 2023 (Ley N° 27444, art. 134.2). ``status --json``, the calendar
feed, the reminder email (aiosmtpd), the progress report and open data all say so; a
non-working day decreed for 2 January moves it to 3 January in all of them. The web list
and page are checked in a real Chromium (test_deadline_browser.py)."""

from __future__ import annotations

import json
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from icalendar import Calendar as ICalendar

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.deadline import effective_deadline
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.rendering.reports import open_data
from conaig_flow.services import users
from conaig_flow.services.deliverables import calendar_feed, deliverables
from conaig_flow.services.deliverables.calendar import national_holidays
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.services.reports import reports
from tests.conftest import run_cli
from tests.notify_helpers import approve_protocol, lima, people, use_smtp
from tests.smtp_capture import SmtpCapture

PLAN_DUE = datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA)
DECREE = "Día no laborable para el sector público (D.S. N° 999-2022-PCM, de prueba)"


def test_the_plan_deadline_on_a_weekend_moves_to_the_next_business_day_with_its_reason() -> None:
    d = effective_deadline(PLAN_DUE, Calendar.of(national_holidays(2022, 2023)))
    assert d.planned == PLAN_DUE and d.effective == datetime(2023, 1, 2, 23, 59, 59, tzinfo=LIMA)
    assert d.reason == (
        "El plazo del plan (31 de diciembre de 2022) cae en día inhábil (sábado 31 de diciembre de 2022; "
        "domingo 1 de enero de 2023: Año Nuevo); se traslada al primer día hábil siguiente, 2 de enero de 2023 "
        "(Ley N° 27444, art. 134.2)."
    )
    assert d.days_left(datetime(2023, 1, 2, 9, 0, tzinfo=LIMA)) == 0 and not d.is_overdue(datetime(2023, 1, 2, 23, 0, tzinfo=LIMA))
    on_a_weekday = effective_deadline(datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA), Calendar())
    assert not on_a_weekday.moved and on_a_weekday.reason is None


def _status(app: App, capsys: pytest.CaptureFixture[str], home: Path, now: str) -> dict[str, object]:
    code, out, err = run_cli(["--db", app.settings.db_url, "--home", str(home), "--now", now,
                              "status", "--json", "--entity", "MINSA", "--activity", "A1.1"], capsys)
    assert code == 0, err
    (item,) = json.loads(out)
    assert isinstance(item, dict)
    return item


def _feed_day(app: App, deliverable_id: int) -> date:
    token = calendar_feed.token_for(app, users.actor_for(app, "st@example.pe"), "MINSA")
    events = ICalendar.from_ical(calendar_feed.feed(app, token)).walk("VEVENT")
    (event,) = [e for e in events if str(e["UID"]) == f"entregable-{deliverable_id}@conaig-flow"]
    day = event.decoded("DTSTART")
    assert isinstance(day, date)
    return day


def _reminder_text(smtp: SmtpCapture, key: str) -> tuple[str, str]:
    (received,) = [r for r in smtp.received if r.key == key]
    msg: EmailMessage = received.message
    body = next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain")
    return str(msg["Subject"]), str(body)


def _open_data_deadline(app: App, deliverable_id: int) -> tuple[str, str]:
    facts = reports.open_data(app)
    tables = open_data.rows(facts.progress, facts.plan_info, facts.events, facts.agreements)
    (row,) = [r for r in tables["entregables"] if r["ID_ENTREGABLE"] == deliverable_id]
    return str(row["FECHA_LIMITE_PLAN"]), str(row["FECHA_LIMITE"])


def _on_time(app: App, deliverable_id: int) -> tuple[str, int]:
    report = reports.progress_report(app, reports.parse_as_of("2023-01-31"))
    (item,) = [i for i in report.progress.items if i.deliverable.id == deliverable_id]
    return item.status.value, item.days_late


def test_the_31_december_deadline_is_2_january_in_status_feed_reminder_report_and_open_data(
    app: App, clock: FixedClock, smtp: SmtpCapture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people(app)
    use_smtp(app, smtp)
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")

    item = _status(app, capsys, tmp_path / "cli", "2022-12-02T09:30")
    assert (item["due"], item["due_effective"]) == ("2022-12-31", "2023-01-02")
    assert "Año Nuevo" in str(item["due_reason"]) and "Ley N° 27444, art. 134.2" in str(item["due_reason"])
    on_the_day = _status(app, capsys, tmp_path / "cli", "2023-01-02T18:00")
    assert on_the_day["due_effective_at"] == "2023-01-02T23:59:59-05:00"

    assert _feed_day(app, d.id) == date(2023, 1, 2)

    clock.set(lima(2022, 12, 2))  # before_30 of 2 January (3 December is a Saturday)
    sweep(app)
    dispatch(app)
    subject, body = _reminder_text(smtp, f"reminder:{d.id}:before_30:2023-01-02")
    assert subject.endswith("(vence el 2 de enero de 2023)")
    assert ("Plazo:      2 de enero de 2023 (el plazo del 31 de diciembre de 2022 cae en día inhábil y se traslada al "
            "primer día hábil siguiente)") in body

    assert _open_data_deadline(app, d.id) == ("2022-12-31T23:59:59-05:00", "2023-01-02T23:59:59-05:00")

    approve_protocol(app, clock, "MINSA", lima(2023, 1, 2, 12, 0))  # approved on the effective deadline
    clock.set(lima(2023, 2, 3))
    assert _on_time(app, d.id) == ("approved_on_time", 0)
    late = next(i for i in reports.progress_report(app, reports.parse_as_of("2023-01-31")).progress.items
                if i.deliverable.activity == "A1.1" and i.deliverable.owner == "MTPE")
    assert (late.status.value, late.days_late) == ("overdue", 29)  # from 2 January, not 31 December


def test_a_decreed_non_working_day_moves_the_deadline_for_every_reader(
    app: App, clock: FixedClock, smtp: SmtpCapture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people(app)
    use_smtp(app, smtp)
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    home = tmp_path / "cli"
    code, _out, err = run_cli(["--db", app.settings.db_url, "--home", str(home), "--now", "2022-11-25T10:00",
                              "calendar", "add", "2023-01-02", DECREE], capsys)
    assert code == 0, err

    item = _status(app, capsys, home, "2022-12-02T09:30")
    assert (item["due"], item["due_effective"]) == ("2022-12-31", "2023-01-03")
    assert f"lunes 2 de enero de 2023: {DECREE}" in str(item["due_reason"])
    assert deliverables.get(app, users.actor_for(app, "st@example.pe"), d.id).deadline.effective_day == date(2023, 1, 3)
    assert _feed_day(app, d.id) == date(2023, 1, 3)

    clock.set(lima(2022, 12, 2))  # before_30 of 3 January falls on Sunday 4 December: Friday the 2nd
    sweep(app)
    dispatch(app)
    subject, _ = _reminder_text(smtp, f"reminder:{d.id}:before_30:2023-01-03")
    assert subject.endswith("(vence el 3 de enero de 2023)")
    assert _open_data_deadline(app, d.id)[1] == "2023-01-03T23:59:59-05:00"

    approve_protocol(app, clock, "MINSA", lima(2023, 1, 3, 12, 0))  # on the decreed-moved deadline
    clock.set(lima(2023, 2, 3))
    assert _on_time(app, d.id) == ("approved_on_time", 0)
