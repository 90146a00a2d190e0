"""The effective deadline (Ley N° 27444 art. 134.2), pure, on 2022-2023 dates written out by hand:
Saturday 31 December 2022, Sunday 1 January 2023 (New Year's Day), Monday 2 January 2023;
Wednesday 29 June 2022 (San Pedro y San Pablo)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.deadline import effective_day, effective_deadline

NEW_YEAR = Calendar.of([(date(2023, 1, 1), "Año Nuevo")])
PLAN_DUE = datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA)  # a Saturday


def lima(y: int, m: int, d: int, h: int = 23, mi: int = 59, s: int = 59) -> datetime:
    return datetime(y, m, d, h, mi, s, tzinfo=LIMA)


def test_a_deadline_on_a_saturday_before_a_sunday_holiday_moves_to_monday_at_the_same_hour() -> None:
    d = effective_deadline(PLAN_DUE, NEW_YEAR)
    assert d.moved
    assert d.effective == lima(2023, 1, 2)
    assert (d.planned_day, d.effective_day) == (date(2022, 12, 31), date(2023, 1, 2))
    assert [(s.day, s.why) for s in d.skipped] == [(date(2022, 12, 31), "sábado"), (date(2023, 1, 1), "domingo; Año Nuevo")]
    assert d.reason == (
        "El plazo del plan (31 de diciembre de 2022) cae en día inhábil (sábado 31 de diciembre de 2022; "
        "domingo 1 de enero de 2023: Año Nuevo); se traslada al primer día hábil siguiente, 2 de enero de 2023 "
        "(Ley N° 27444, art. 134.2)."
    )


def test_a_deadline_on_a_business_day_stays_and_has_no_reason() -> None:
    planned = lima(2022, 6, 30)  # Thursday
    d = effective_deadline(planned, NEW_YEAR)
    assert not d.moved and d.effective == planned and d.skipped == () and d.reason is None
    assert effective_day(date(2022, 6, 30), NEW_YEAR) == date(2022, 6, 30)


def test_a_weekday_holiday_with_two_names_moves_the_deadline_one_day_and_names_both() -> None:
    cal = Calendar.of([(date(2022, 6, 29), "San Pedro y San Pablo"), (date(2022, 6, 29), "D.S. N° 1-2022-PCM")])
    d = effective_deadline(lima(2022, 6, 29, 18, 0, 0), cal)
    assert d.effective == lima(2022, 6, 30, 18, 0, 0)
    assert effective_day(date(2022, 6, 29), cal) == date(2022, 6, 30)
    assert d.reason == (
        "El plazo del plan (29 de junio de 2022) cae en día inhábil (miércoles 29 de junio de 2022: San Pedro y "
        "San Pablo, D.S. N° 1-2022-PCM); se traslada al primer día hábil siguiente, 30 de junio de 2022 "
        "(Ley N° 27444, art. 134.2)."
    )


def test_a_non_working_day_known_without_a_name_is_called_so() -> None:
    d = effective_deadline(lima(2022, 10, 7), Calendar(frozenset({date(2022, 10, 7)})))  # a Friday
    assert d.effective == lima(2022, 10, 10)
    assert [s.why for s in d.skipped] == ["viernes; día no laborable", "sábado", "domingo"]
    assert "(viernes 7 de octubre de 2022: día no laborable; sábado 8 de octubre de 2022; domingo 9 de octubre de 2022)" in str(d.reason)


def test_the_lima_day_counts_for_a_deadline_given_in_utc() -> None:
    # 04:59:59 UTC on 1 January 2023 is 23:59:59 on Saturday 31 December in Lima
    d = effective_deadline(datetime(2023, 1, 1, 4, 59, 59, tzinfo=UTC), NEW_YEAR)
    assert d.effective == lima(2023, 1, 2) and d.planned_day == date(2022, 12, 31)


def test_days_left_count_lima_calendar_days_to_the_effective_deadline() -> None:
    d = effective_deadline(PLAN_DUE, NEW_YEAR)
    assert d.days_left(lima(2022, 12, 30, 10, 0, 0)) == 3
    assert d.days_left(datetime(2023, 1, 3, 4, 0, tzinfo=UTC)) == 0  # 23:00 on 2 January in Lima
    assert d.days_left(lima(2023, 1, 4, 9, 0, 0)) == -2


def test_a_deadline_is_overdue_only_after_its_last_second() -> None:
    d = effective_deadline(PLAN_DUE, NEW_YEAR)
    assert not d.is_overdue(lima(2023, 1, 2))
    assert d.is_overdue(lima(2023, 1, 3, 0, 0, 0))
    assert not d.is_overdue(lima(2022, 12, 31, 23, 59, 59))


def test_the_json_gives_both_days_and_instants_and_the_reason() -> None:
    d = effective_deadline(PLAN_DUE, NEW_YEAR)
    assert d.to_json() == {
        "due": "2022-12-31",
        "due_effective": "2023-01-02",
        "due_at": "2022-12-31T23:59:59-05:00",
        "due_effective_at": "2023-01-02T23:59:59-05:00",
        "due_reason": d.reason,
    }
    assert d.reason is not None and d.reason.startswith("El plazo del plan (31 de diciembre de 2022)")


def test_an_unmoved_deadline_is_written_exactly_as_the_plan_gave_it() -> None:
    planned = datetime(2022, 7, 1, 4, 59, 59, tzinfo=UTC)  # Thursday 30 June, 23:59:59 in Lima
    d = effective_deadline(planned, NEW_YEAR)
    assert not d.moved and d.effective_day == date(2022, 6, 30)
    assert d.to_json()["due_effective_at"] == d.to_json()["due_at"] == "2022-07-01T04:59:59+00:00"
