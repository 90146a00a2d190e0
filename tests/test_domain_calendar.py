"""Business days as Ley N° 27444 counts them, on dates written out by hand (2022, Peru)."""

from __future__ import annotations

from datetime import date

from conaig_flow.domain.calendar import Calendar, is_business_day

# The 2022 holidays these tests touch, written out: San Pedro y San Pablo (Wednesday 29 June),
# Fiestas Patrias (Thursday 28 and Friday 29 July), Inmaculada Concepción (Thursday 8 December).
HOLIDAYS = [(date(2022, 6, 29), "San Pedro y San Pablo"), (date(2022, 7, 28), "Fiestas Patrias"),
            (date(2022, 7, 29), "Fiestas Patrias"), (date(2022, 12, 8), "Inmaculada Concepción")]
CAL = Calendar.of(HOLIDAYS)


def test_monday_to_friday_are_business_days_and_the_weekend_is_not() -> None:
    week = [date(2022, 6, 20) + (date(2022, 6, 21) - date(2022, 6, 20)) * i for i in range(7)]  # Mon 20 .. Sun 26
    assert [is_business_day(d) for d in week] == [True, True, True, True, True, False, False]
    assert [CAL.is_business_day(d) for d in week] == [True, True, True, True, True, False, False]


def test_a_holiday_on_a_weekday_is_not_a_business_day() -> None:
    assert not CAL.is_business_day(date(2022, 6, 29))  # a Wednesday
    assert not is_business_day(date(2022, 6, 29), {date(2022, 6, 29)})
    assert is_business_day(date(2022, 6, 29))  # without the holiday list: a plain Wednesday


def test_two_names_for_one_day_are_kept_together() -> None:
    cal = Calendar.of([(date(2022, 10, 7), "Día no laborable"), (date(2022, 10, 7), "D.S. N° 123-2022-PCM")])
    assert cal.names == {date(2022, 10, 7): "Día no laborable; D.S. N° 123-2022-PCM"}
    assert cal.holidays == frozenset({date(2022, 10, 7)})
    assert CAL.names[date(2022, 7, 28)] == "Fiestas Patrias"


def test_calendars_with_the_same_days_are_equal_whatever_the_names() -> None:
    assert Calendar.of([(date(2022, 6, 29), "a")]) == Calendar.of([(date(2022, 6, 29), "b")])
    assert hash(Calendar.of([(date(2022, 6, 29), "a")])) == hash(Calendar.of([(date(2022, 6, 29), "b")]))


def test_next_and_previous_business_day_step_over_weekends_and_holidays() -> None:
    assert CAL.next_business_day(date(2022, 7, 27)) == date(2022, 7, 27)  # a business day is itself
    assert CAL.next_business_day(date(2022, 7, 28)) == date(2022, 8, 1)  # Thu, Fri holidays, weekend
    assert CAL.previous_business_day(date(2022, 7, 31)) == date(2022, 7, 27)
    assert CAL.previous_business_day(date(2022, 6, 29)) == date(2022, 6, 28)
    assert CAL.previous_business_day(date(2022, 6, 28)) == date(2022, 6, 28)


def test_a_deadline_on_a_weekday_holiday_moves_to_the_next_business_day() -> None:
    assert CAL.effective_deadline(date(2022, 12, 8)) == date(2022, 12, 9)  # Thursday holiday → Friday
    assert CAL.effective_deadline(date(2022, 12, 31)) == date(2023, 1, 2)  # Saturday → Monday
    assert CAL.effective_deadline(date(2022, 12, 7)) == date(2022, 12, 7)

