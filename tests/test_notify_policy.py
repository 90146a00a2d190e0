"""The calendar and the reminder policy: pure functions, exact dates of the CONAIG plan."""

from __future__ import annotations

from datetime import date, datetime, time

from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar, is_business_day
from conaig_flow.domain.reminder_policy import (
    NonWorkingDay,
    OpenDeliverable,
    Reminder,
    ReminderPolicy,
    days_due,
    forecast,
    occurrences,
)
from conaig_flow.services.deliverables.calendar import national_holidays
from conaig_flow.store.definitions import default_plan_file, load_files

CAL = Calendar.of(national_holidays(2020, 2024))
JUNE_30 = datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA)
DEC_31 = datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA)


def test_peruvian_national_holidays_and_weekends_are_not_business_days() -> None:
    assert not CAL.is_business_day(date(2022, 6, 29))  # San Pedro y San Pablo
    assert not CAL.is_business_day(date(2022, 7, 28)) and not CAL.is_business_day(date(2022, 7, 29))
    assert not CAL.is_business_day(date(2022, 12, 8))  # Inmaculada Concepción
    assert not CAL.is_business_day(date(2022, 7, 2))  # Saturday
    assert CAL.is_business_day(date(2022, 6, 28))
    assert is_business_day(date(2022, 6, 28)) and not is_business_day(date(2022, 6, 28), {date(2022, 6, 28)})


def test_a_deadline_on_a_non_business_day_moves_to_the_next_business_day() -> None:
    assert CAL.effective_deadline(date(2022, 12, 31)) == date(2023, 1, 2)  # Saturday → Monday
    assert CAL.effective_deadline(date(2022, 6, 30)) == date(2022, 6, 30)
    assert CAL.effective_deadline(date(2022, 7, 28)) == date(2022, 8, 1)  # over Fiestas Patrias and the weekend


def test_default_policy_schedule_for_the_first_semester_2022_deadline() -> None:
    # four overdue notices in all by default (overdue_1 and three weekly repeats), then none
    got = [(o.rule, o.send_on, o.days_left, o.escalate) for o in occurrences(ReminderPolicy(), CAL, JUNE_30, date(2022, 9, 30))]
    assert got == [
        ("before_30", date(2022, 5, 31), 30, False),
        ("before_15", date(2022, 6, 15), 15, False),
        ("before_7", date(2022, 6, 23), 7, False),
        ("before_1", date(2022, 6, 28), 2, False),  # 29 June is a holiday: the day before it
        ("overdue_1", date(2022, 7, 1), -1, True),
        ("overdue_w1", date(2022, 7, 8), -8, True),
        ("overdue_w2", date(2022, 7, 15), -15, True),
        ("overdue_w3", date(2022, 7, 22), -22, True),
    ]
    five = occurrences(ReminderPolicy(overdue_notices=5), CAL, JUNE_30, date(2022, 9, 30))
    assert [(o.rule, o.send_on) for o in five[-2:]] == [
        ("overdue_w3", date(2022, 7, 22)),
        ("overdue_w4", date(2022, 8, 1)),  # 29 July is a holiday: the next business day
    ]
    assert all(o.send_at.timetz().replace(tzinfo=None) == time(9, 0) for o in occurrences(ReminderPolicy(), CAL, JUNE_30, date(2022, 8, 4)))


def test_year_end_deadline_on_saturday_counts_from_the_next_business_day() -> None:
    got = [(o.rule, o.send_on) for o in occurrences(ReminderPolicy(), CAL, DEC_31, date(2023, 1, 12))]
    assert got == [
        ("before_30", date(2022, 12, 2)),
        ("before_15", date(2022, 12, 16)),
        ("before_7", date(2022, 12, 26)),
        ("before_1", date(2022, 12, 30)),
        ("overdue_1", date(2023, 1, 3)),
        ("overdue_w1", date(2023, 1, 10)),
    ]


def test_an_extra_non_working_day_of_the_plan_moves_reminders() -> None:
    cal = Calendar.of([*national_holidays(2022, 2022), (date(2022, 6, 23), "Día no laborable (prueba)")])
    before_7 = next(o for o in occurrences(ReminderPolicy(), cal, JUNE_30, date(2022, 7, 1)) if o.rule == "before_7")
    assert before_7.send_on == date(2022, 6, 22)


def test_only_the_latest_reminder_of_a_window_is_due_and_only_on_business_days_after_send_hour() -> None:
    policy = ReminderPolicy()
    june_30 = JUNE_30.date()
    after_downtime = datetime(2022, 7, 1, 10, 0, tzinfo=LIMA)
    since = datetime(2022, 6, 27, 9, 30, tzinfo=LIMA)
    due = days_due(june_30, june_30, policy, CAL, after_downtime, since)
    assert list(due) == [june_30] and due[june_30].rule == "overdue_1"  # not before_1 of 28 June
    assert Reminder(1, due[june_30]).key == "reminder:1:overdue_1:2022-06-30"
    assert days_due(june_30, june_30, policy, CAL, datetime(2022, 7, 1, 8, 59, tzinfo=LIMA), since) == {}
    assert days_due(june_30, june_30, policy, CAL, datetime(2022, 7, 2, 10, 0, tzinfo=LIMA), since) == {}  # Saturday
    assert days_due(june_30, june_30, policy, CAL, after_downtime, after_downtime) == {}


def test_forecast_lists_every_future_reminder_in_time_order() -> None:
    items = forecast([OpenDeliverable(1, DEC_31), OpenDeliverable(2, JUNE_30)], ReminderPolicy(), CAL,
                     datetime(2022, 6, 20, tzinfo=LIMA), date(2022, 12, 31))
    assert [(r.deliverable_id, r.occurrence.rule) for r in items][:3] == [(2, "before_7"), (2, "before_1"), (2, "overdue_1")]
    assert [r.occurrence.send_at for r in items] == sorted(r.occurrence.send_at for r in items)


def _general(policy: ReminderPolicy) -> ReminderPolicy:
    """The policy without its lifecycle-specific steps and the steps' explanatory notes."""
    steps = [s.model_copy(update={"note": None}) for s in policy.next_step if not s.kinds]
    return policy.model_copy(update={"next_step": steps})


def test_the_conaig_plan_states_the_default_policy_explicitly() -> None:
    plan = load_files(default_plan_file(), None).plan
    # the default policy, plus one step of its own: a protocol with technical conformity
    # waits for the entity's institutional norm, so the entity is reminded
    assert _general(plan.reminders) == _general(ReminderPolicy())
    (own,) = [s for s in plan.reminders.next_step if s.kinds]
    assert (own.kinds, own.states, own.notify) == (["protocol_norm"], ["reviewed"], ["officers"])
    assert "reminders:" in default_plan_file().read_text(encoding="utf-8")
    assert ReminderPolicy(non_working_days=[NonWorkingDay(date=date(2022, 10, 7), note="D.S.")]).non_working_days
