"""The reminder policy on dates written out by hand: a non-default policy, its validation,
reminders landing on one day, the sending window's edges, catching up after downtime.

Calendar: the 2022 holidays these tests touch (San Pedro y San Pablo on Wednesday 29 June,
Fiestas Patrias on Thursday 28 and Friday 29 July).
"""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from pydantic import ValidationError

from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.reminder_policy import (
    EventRule,
    NextStep,
    NonWorkingDay,
    OpenDeliverable,
    Reminder,
    ReminderPolicy,
    days_due,
    forecast,
    last_notice_day,
    latest_in_window,
    notices_over_through,
    occurrences,
    summary_due,
    summary_instant,
    window_open,
)
from tests.reminder_reference import reference_schedule

CAL = Calendar.of([(date(2022, 6, 29), "San Pedro y San Pablo"), (date(2022, 7, 28), "Fiestas Patrias"),
                   (date(2022, 7, 29), "Fiestas Patrias")])
JUNE_30 = datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA)  # a Thursday


def _at(y: int, m: int, d: int, hh: int = 9, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=LIMA)


def _rules(policy: ReminderPolicy, due: datetime, until: date) -> list[tuple[str, date, int, bool]]:
    return [(o.rule, o.send_on, o.days_left, o.escalate) for o in occurrences(policy, CAL, due, until)]


# -- a non-default policy -------------------------------------------------------------------

def test_a_policy_of_its_own_reminds_on_its_own_days_and_hour() -> None:
    policy = ReminderPolicy(days_before=[3, 10], overdue_every_days=14, send_at=time(15, 30))
    got = occurrences(policy, CAL, JUNE_30, date(2022, 8, 1))
    assert [(o.rule, o.send_on, o.days_left, o.escalate) for o in got] == [
        ("before_10", date(2022, 6, 20), 10, False),
        ("before_3", date(2022, 6, 27), 3, False),
        ("overdue_1", date(2022, 7, 1), -1, True),
        ("overdue_w1", date(2022, 7, 15), -15, True),
        ("overdue_w2", date(2022, 8, 1), -32, True),  # 29 July a holiday, then the weekend
    ]
    assert {o.send_at.timetz().replace(tzinfo=None) for o in got} == {time(15, 30)}
    assert all(o.deadline == date(2022, 6, 30) for o in got)


def test_without_overdue_reminders_nothing_is_sent_after_the_deadline() -> None:
    policy = ReminderPolicy(overdue_first_business_day=False)
    assert [r for r, *_ in _rules(policy, JUNE_30, date(2022, 9, 30))] == ["before_30", "before_15", "before_7", "before_1"]


def test_zero_repeat_days_means_one_overdue_reminder_and_no_repeats() -> None:
    policy = ReminderPolicy(overdue_every_days=0)
    assert [r for r, *_ in _rules(policy, JUNE_30, date(2022, 9, 30))][-2:] == ["before_1", "overdue_1"]


def test_the_first_overdue_reminder_waits_for_the_day_after_the_deadline() -> None:
    assert [r for r, *_ in _rules(ReminderPolicy(), JUNE_30, date(2022, 6, 30))][-1] == "before_1"
    assert [r for r, *_ in _rules(ReminderPolicy(), JUNE_30, date(2022, 7, 1))][-1] == "overdue_1"
    assert [r for r, *_ in _rules(ReminderPolicy(), JUNE_30, date(2022, 7, 7))][-1] == "overdue_1"
    assert [r for r, *_ in _rules(ReminderPolicy(), JUNE_30, date(2022, 7, 8))][-1] == "overdue_w1"


def test_the_default_schedule_agrees_with_a_count_by_hand_over_a_year_of_deadlines() -> None:
    for month in range(1, 13):
        due = datetime(2022, month, 15, 23, 59, 59, tzinfo=LIMA)
        got = [(o.rule, o.send_on) for o in occurrences(ReminderPolicy(), CAL, due, date(2023, 3, 31))]
        # the default policy stops after four overdue notices (issue #12: a weekly summary follows)
        expected = reference_schedule(due, CAL.holidays, date(2023, 3, 31), overdue_notices=4)
        assert got == [(r, d) for r, d, _ in expected], month


# -- validation -----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [[0], [-1], [7, 7], [30, 0, 1]])
def test_days_before_must_be_positive_and_distinct(bad: list[int]) -> None:
    with pytest.raises(ValidationError, match="días antes del plazo: enteros positivos, sin repetir"):
        ReminderPolicy(days_before=bad)


def test_days_before_are_kept_from_the_farthest_to_the_nearest() -> None:
    assert ReminderPolicy(days_before=[1, 30, 7]).days_before == [30, 7, 1]
    assert ReminderPolicy(days_before=[1]).days_before == [1]


def test_negative_repeat_days_are_refused_and_zero_is_accepted() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        ReminderPolicy(overdue_every_days=-1)
    assert ReminderPolicy(overdue_every_days=0).overdue_every_days == 0


def test_the_default_policy_is_30_15_7_1_then_weekly_at_nine_copying_titular_and_secretariat() -> None:
    p = ReminderPolicy()
    assert (p.days_before, p.overdue_first_business_day, p.overdue_every_days, p.send_at) == ([30, 15, 7, 1], True, 7, time(9, 0))
    assert (p.recipients, p.escalate_overdue) == (["officers"], ["titular", "secretariat"])
    assert [(e.state, e.notify, e.template) for e in p.events] == [
        ("submitted", ["secretariat", "advisory"], "evento_presentado"),
        ("observed", ["officers"], "evento_observado"),
        ("approved", ["officers", "titular"], "evento_aprobado"),
    ]


def test_empty_texts_in_a_policy_are_refused() -> None:
    with pytest.raises(ValidationError):
        NonWorkingDay(date=date(2022, 10, 7), note="")
    assert NonWorkingDay(date=date(2022, 10, 7), note="D").note == "D"
    for bad in ({"state": "", "notify": ["officers"], "template": "t"}, {"state": "s", "notify": [], "template": "t"},
                {"state": "s", "notify": ["officers"], "template": ""}):
        with pytest.raises(ValidationError):
            EventRule.model_validate(bad)
    assert EventRule(state="s", notify=["officers"], template="t").triggers == []


def test_a_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        ReminderPolicy().overdue_every_days = 3  # type: ignore[misc]


# -- reminders landing on one day -----------------------------------------------------------

def test_two_rules_landing_on_one_business_day_send_one_reminder_the_farther_one() -> None:
    monday = datetime(2022, 7, 4, 23, 59, 59, tzinfo=LIMA)
    # 2 days before is Saturday, 1 day before is Sunday: both fall back to Friday 1 July
    got = _rules(ReminderPolicy(days_before=[2, 1]), monday, date(2022, 7, 4))
    assert got == [("before_2", date(2022, 7, 1), 3, False)]


# -- the sending window ---------------------------------------------------------------------

def test_the_window_opens_at_nine_sharp_on_business_days() -> None:
    p = ReminderPolicy()
    assert window_open(p, CAL, _at(2022, 6, 23, 9, 0, 0))
    assert not window_open(p, CAL, _at(2022, 6, 23, 8, 59, 59))
    assert not window_open(p, CAL, _at(2022, 6, 25, 10))  # Saturday
    assert not window_open(p, CAL, _at(2022, 6, 29, 10))  # holiday


def test_a_sweep_at_nine_sharp_sends_that_days_reminder_and_one_a_second_earlier_does_not() -> None:
    p = ReminderPolicy()
    occ = latest_in_window(p, CAL, JUNE_30, None, _at(2022, 6, 23, 9, 0, 0))
    assert occ is not None and (occ.rule, occ.send_on, occ.days_left) == ("before_7", date(2022, 6, 23), 7)
    earlier = latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 22, 9, 30), _at(2022, 6, 23, 8, 59, 59))
    assert earlier is None


def test_a_reminder_already_swept_at_its_instant_is_not_due_again() -> None:
    p = ReminderPolicy()
    assert latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 23, 9, 0, 0), _at(2022, 6, 23, 18)) is None
    later = latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 23, 8, 59, 59), _at(2022, 6, 23, 18))
    assert later is not None and later.rule == "before_7"


def test_after_downtime_only_the_latest_reminder_of_the_window_is_due() -> None:
    p = ReminderPolicy()
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 14, 10), _at(2022, 7, 1, 10))
    assert occ is not None and (occ.rule, occ.send_on, occ.escalate) == ("overdue_1", date(2022, 7, 1), True)


def test_catching_up_months_after_the_deadline_finds_the_right_weekly_repeat() -> None:
    p = ReminderPolicy(overdue_notices=20)  # repeats that go on for months (the default stops at four)
    # first overdue reminder Friday 1 July; weekly from it: ... w9 Friday 2 September, w10 Friday 9 September
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 9, 1, 9, 30), _at(2022, 9, 9, 10))
    assert occ is not None and (occ.rule, occ.send_on, occ.days_left) == ("overdue_w10", date(2022, 9, 9), -71)
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 9, 1, 9, 30), _at(2022, 9, 8, 10))
    assert occ is not None and (occ.rule, occ.send_on) == ("overdue_w9", date(2022, 9, 2))
    assert latest_in_window(p, CAL, JUNE_30, _at(2022, 9, 2, 9, 30), _at(2022, 9, 8, 10)) is None


def test_a_sweep_just_before_the_first_weekly_repeat_then_just_after_it_sends_that_repeat() -> None:
    p = ReminderPolicy()
    # the first weekly repeat of 30 June is at 09:00 of Friday 8 July; the last sweep was at 08:00
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 7, 8, 8, 0), _at(2022, 7, 8, 10, 0))
    assert occ is not None and (occ.rule, occ.send_on, occ.days_left) == ("overdue_w1", date(2022, 7, 8), -8)
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 7, 1, 9, 30), _at(2022, 7, 8, 10, 0))
    assert occ is not None and occ.rule == "overdue_w1"


def test_a_sweep_asks_per_deadline_day_and_stops_where_no_reminder_has_begun() -> None:
    p = ReminderPolicy()
    now = _at(2022, 6, 23, 9, 30)
    got = days_due(date(2022, 6, 20), date(2022, 12, 31), p, CAL, now, _at(2022, 6, 22, 9, 30))
    # the deadlines whose reminder falls on Thursday 23 June, counted by hand
    assert {d: (o.rule, o.send_on, o.deadline) for d, o in got.items()} == {
        date(2022, 6, 22): ("overdue_1", date(2022, 6, 23), date(2022, 6, 22)),  # the day after it
        date(2022, 6, 24): ("before_1", date(2022, 6, 23), date(2022, 6, 24)),
        date(2022, 6, 29): ("before_7", date(2022, 6, 23), date(2022, 6, 30)),  # a holiday: moved to the 30th
        date(2022, 6, 30): ("before_7", date(2022, 6, 23), date(2022, 6, 30)),
        date(2022, 7, 8): ("before_15", date(2022, 6, 23), date(2022, 7, 8)),
    }  # 23 July is a Saturday: its deadline moves to Monday 25, its before_30 to Friday 24 June
    assert days_due(date(2022, 6, 20), date(2022, 6, 30), p, CAL, now, _at(2022, 6, 22, 9, 30)) == {
        d: o for d, o in got.items() if d <= date(2022, 6, 30)}  # the last day asked is included
    assert days_due(date(2022, 6, 20), date(2022, 12, 31), p, CAL, _at(2022, 6, 23, 8, 0), None) == {}


def test_a_reminder_is_keyed_by_deliverable_rule_and_effective_deadline() -> None:
    occ = latest_in_window(ReminderPolicy(), CAL, JUNE_30, None, _at(2022, 6, 23, 10))
    assert occ is not None and Reminder(42, occ).key == "reminder:42:before_7:2022-06-30"


def test_the_forecast_lists_what_is_still_to_come_after_now_in_time_order() -> None:
    items = forecast([OpenDeliverable(1, datetime(2022, 7, 15, 23, 59, 59, tzinfo=LIMA)), OpenDeliverable(2, JUNE_30)],
                     ReminderPolicy(), CAL, _at(2022, 6, 23, 9, 0, 0), date(2022, 7, 8))
    assert [(r.deliverable_id, r.occurrence.rule, r.occurrence.send_on) for r in items] == [
        (2, "before_1", date(2022, 6, 28)),
        (1, "before_15", date(2022, 6, 30)),
        (2, "overdue_1", date(2022, 7, 1)),
        (1, "before_7", date(2022, 7, 8)),
        (2, "overdue_w1", date(2022, 7, 8)),
    ]  # the before_7 of 30 June goes out at 09:00 of 23 June: now, not after it


# -- who holds the next step (issue 12): written out from the plan's documented defaults --

def test_by_default_the_entity_is_reminded_to_present_the_secretariat_to_review_and_a_session_nobody() -> None:
    p = ReminderPolicy()
    draft = p.step_for("protocol_norm", "draft")
    assert (draft.notify, draft.escalate, draft.action) == (["officers"], ["titular", "secretariat"], "presentar el entregable")
    assert p.step_for("methodology", "observed") == draft
    submitted = p.step_for("protocol_norm", "submitted")
    assert (submitted.notify, submitted.action, submitted.template) == (["secretariat", "advisory"], "revisar el entregable",
                                                                        "recordatorio_revision")
    assert p.step_for("protocol_norm", "reviewed").notify == []
    assert [p.step_index("protocol_norm", s) for s in ("draft", "observed", "submitted", "reviewed", "in_consultation")] == [0, 0, 1, 2, 2]


def test_a_state_no_step_names_goes_to_the_general_holder_after_the_named_steps() -> None:
    p = ReminderPolicy()
    general = p.step_for("protocol_norm", "approved")
    assert (general.states, general.notify, general.escalate) == (["approved"], ["officers"], ["titular", "secretariat"])
    assert p.step_index("protocol_norm", "approved") == 3  # after the three named steps
    assert p.step_at(3, "protocol_norm", "approved") == general
    assert p.step_at(1, "protocol_norm", "draft") == p.step_for("protocol_norm", "submitted")  # the index decides


def test_a_step_for_some_lifecycles_only_applies_to_those() -> None:
    p = ReminderPolicy(next_step=[
        NextStep(states=["submitted"], kinds=["session_acta"], notify=["members"]),
        NextStep(states=["submitted"], notify=["secretariat"]),
    ])
    assert p.step_for("session_acta", "submitted").notify == ["members"]
    assert p.step_for("protocol_norm", "submitted").notify == ["secretariat"]
    assert (p.step_index("session_acta", "submitted"), p.step_index("protocol_norm", "submitted")) == (0, 1)
    assert p.step_index("protocol_norm", "draft") == 2 and p.step_for("protocol_norm", "draft").notify == ["officers"]
    assert not NextStep(states=["draft"], kinds=["x"]).applies("x", "submitted")
    with pytest.raises(ValidationError, match="states"):
        NextStep(states=[])  # a step for no state would never apply
    assert NextStep(states=["draft"]).applies("any_kind", "draft")


def test_overdue_notices_stop_after_four_by_default_and_a_policy_may_send_one_but_not_none() -> None:
    assert ReminderPolicy().overdue_notices == 4
    one = ReminderPolicy(overdue_notices=1)
    assert [r for r, *_ in _rules(one, JUNE_30, date(2022, 12, 31)) if r.startswith("overdue")] == ["overdue_1"]
    with pytest.raises(ValidationError, match="overdue_notices"):
        ReminderPolicy(overdue_notices=0)


# -- the last overdue notice, and the weekly summary after it (30 June 2022 is a Thursday: the
#    notices go out on Fridays 1, 8, 15 and 22 July; Friday 29 July is Fiestas Patrias) --

def test_the_last_notice_is_caught_up_within_a_week_and_not_after_it() -> None:
    p = ReminderPolicy()
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 7, 21, 10), _at(2022, 7, 28, 10))
    assert occ is not None and (occ.rule, occ.send_on) == ("overdue_w3", date(2022, 7, 22))
    assert latest_in_window(p, CAL, JUNE_30, _at(2022, 7, 21, 10), _at(2022, 7, 29, 10)) is None
    only_one = ReminderPolicy(overdue_notices=1)
    occ = latest_in_window(only_one, CAL, JUNE_30, _at(2022, 6, 30, 10), _at(2022, 7, 7, 10))
    assert occ is not None and occ.rule == "overdue_1"
    assert latest_in_window(only_one, CAL, JUNE_30, _at(2022, 6, 30, 10), _at(2022, 7, 8, 10)) is None


def test_without_repeats_the_single_overdue_notice_is_the_last_and_is_stale_after_seven_days() -> None:
    p = ReminderPolicy(overdue_every_days=0)
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 30, 10), _at(2022, 7, 7, 10))
    assert occ is not None and (occ.rule, occ.send_on) == ("overdue_1", date(2022, 7, 1))
    assert latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 30, 10), _at(2022, 7, 8, 10)) is None


def test_a_reminder_before_the_deadline_is_still_caught_up_after_a_long_downtime() -> None:
    p = ReminderPolicy(overdue_first_business_day=False)
    occ = latest_in_window(p, CAL, JUNE_30, _at(2022, 6, 20, 10), _at(2022, 7, 12, 10))
    assert occ is not None and (occ.rule, occ.send_on) == ("before_1", date(2022, 6, 28))  # 29 June is a holiday


def test_the_last_notice_falls_three_weeks_after_the_first_overdue_one() -> None:
    p = ReminderPolicy()
    assert last_notice_day(p, CAL, date(2022, 6, 30)) == date(2022, 7, 22)
    assert last_notice_day(p, CAL, date(2022, 7, 2)) == date(2022, 7, 26)  # Saturday: due Monday 4, first Tuesday 5
    assert last_notice_day(ReminderPolicy(overdue_notices=1), CAL, date(2022, 6, 30)) == date(2022, 7, 1)
    assert last_notice_day(ReminderPolicy(overdue_notices=2), CAL, date(2022, 6, 30)) == date(2022, 7, 8)
    assert last_notice_day(ReminderPolicy(overdue_every_days=0), CAL, date(2022, 6, 30)) == date(2022, 7, 1)
    no_overdue = ReminderPolicy(overdue_first_business_day=False)
    assert last_notice_day(no_overdue, CAL, date(2022, 7, 2)) == date(2022, 7, 4)


def test_the_summary_takes_the_deadlines_whose_notices_all_went_out_before_today() -> None:
    p = ReminderPolicy()
    assert notices_over_through(p, CAL, date(2022, 7, 23)) == date(2022, 6, 30)  # its last notice: 22 July
    # on 22 July itself 30 June's last notice is today's; 28 June's (first Thursday 30, last 21 July) is over
    assert notices_over_through(p, CAL, date(2022, 7, 22)) == date(2022, 6, 28)
    assert notices_over_through(ReminderPolicy(overdue_every_days=0), CAL, date(2022, 7, 2)) == date(2022, 6, 30)


def test_the_weekly_summary_goes_out_at_nine_on_the_weeks_first_business_day() -> None:
    p = ReminderPolicy()
    assert summary_instant(p, CAL, _at(2022, 7, 27, 15)) == _at(2022, 7, 25, 9)
    monday_off = Calendar.of([(date(2022, 7, 25), "feriado de prueba")])
    assert summary_instant(p, monday_off, _at(2022, 7, 27, 15)) == _at(2022, 7, 26, 9)
    assert summary_due(p, CAL, _at(2022, 7, 25, 8, 59, 59)) is None
    assert summary_due(p, CAL, _at(2022, 7, 25, 9)) == date(2022, 7, 25)
    assert summary_due(p, CAL, _at(2022, 7, 27, 15)) == date(2022, 7, 25)  # a sweep later in the week


def test_no_summary_in_a_week_without_business_days_nor_under_a_policy_without_recipients() -> None:
    week_off = Calendar.of([(date(2022, 7, d), "semana no laborable de prueba") for d in range(25, 30)])
    assert summary_due(ReminderPolicy(), week_off, _at(2022, 7, 29, 12)) is None
    assert summary_due(ReminderPolicy(overdue_summary=[]), CAL, _at(2022, 7, 27, 15)) is None


def test_every_rule_has_its_words() -> None:
    from conaig_flow.domain.reminder_policy import rule_label

    assert rule_label("before_30") == "30 días antes del plazo"
    assert rule_label("before_1") == "1 día antes del plazo"
    assert rule_label("overdue_1") == "primer aviso de plazo vencido"
    assert rule_label("overdue_w1") == "aviso N° 2 de plazo vencido"
    assert rule_label("overdue_w3") == "aviso N° 4 de plazo vencido"
    assert rule_label("before_x") == "before_x" and rule_label("overdue_wx") == "overdue_wx" and rule_label("otra") == "otra"
