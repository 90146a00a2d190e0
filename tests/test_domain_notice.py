"""The convocatoria's notice in business days (pure), on May-July 2022 dates written out by hand:
Friday 13 May, Monday 16 May ... and Wednesday 29 June 2022 (San Pedro y San Pablo)."""

from __future__ import annotations

from datetime import date

from conaig_flow.domain.notice import business_days_between, earliest_session_day, weekdays

FRI_13, MON_16, TUE_17, WED_18, THU_19, FRI_20, SAT_21, MON_23 = (
    date(2022, 5, 13), date(2022, 5, 16), date(2022, 5, 17), date(2022, 5, 18), date(2022, 5, 19),
    date(2022, 5, 20), date(2022, 5, 21), date(2022, 5, 23),
)


def without_san_pedro(day: date) -> bool:
    return day.weekday() < 5 and day != date(2022, 6, 29)


def test_monday_to_friday_are_business_days_by_default() -> None:
    assert [weekdays(date(2022, 5, d)) for d in range(16, 23)] == [True, True, True, True, True, False, False]


def test_the_days_counted_are_those_strictly_between_the_issue_and_the_session() -> None:
    assert business_days_between(MON_16, THU_19) == 2  # Tuesday and Wednesday
    assert business_days_between(FRI_13, WED_18) == 2  # Monday and Tuesday; the weekend does not count
    assert business_days_between(FRI_13, MON_16) == 0
    assert business_days_between(FRI_13, FRI_13) == 0
    assert business_days_between(FRI_13, date(2022, 5, 27)) == 9


def test_a_holiday_the_calendar_knows_is_not_counted() -> None:
    assert business_days_between(date(2022, 6, 27), date(2022, 7, 1)) == 3
    assert business_days_between(date(2022, 6, 27), date(2022, 7, 1), without_san_pedro) == 2


def test_with_two_days_notice_a_convocatoria_of_friday_allows_a_session_on_wednesday() -> None:
    assert earliest_session_day(FRI_13, 2) == WED_18


def test_the_session_itself_falls_on_a_business_day() -> None:
    # issued Wednesday: Thursday and Friday give the notice, Saturday and Sunday are not business days
    assert earliest_session_day(WED_18, 2) == MON_23
    assert earliest_session_day(THU_19, 0) == FRI_20
    assert earliest_session_day(FRI_20, 0) == MON_23
    assert SAT_21 not in {earliest_session_day(d, n) for d in (MON_16, TUE_17, WED_18, THU_19) for n in range(4)}


def test_without_notice_the_session_is_on_the_next_business_day_not_the_day_of_issue() -> None:
    assert earliest_session_day(MON_16, 0) == TUE_17


def test_a_holiday_in_the_notice_period_pushes_the_session_a_day() -> None:
    monday = date(2022, 6, 27)
    assert earliest_session_day(monday, 2) == date(2022, 6, 30)
    assert earliest_session_day(monday, 2, without_san_pedro) == date(2022, 7, 1)
    assert earliest_session_day(monday, 1, without_san_pedro) == date(2022, 6, 30)  # not the holiday
