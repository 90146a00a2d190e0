"""When a session may be installed, voted in and closed (pure), on instants written out by hand:
the first call on Friday 20 May 2022 at 10:00 (Lima, UTC-5), the second the next day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conaig_flow.clock import LIMA
from conaig_flow.domain.session_rules import LegalBasis, SecondCallRule, SessionRules
from conaig_flow.domain.session_time import (
    check_closing_time,
    check_meeting_end,
    check_second_call,
    check_vote_time,
    day_end,
    installation_call,
    not_in_future,
    spoken,
)
from conaig_flow.errors import SessionRuleViolation


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LIMA)


FIRST = at("2022-05-20T10:00")
SECOND = at("2022-05-21T10:00")
LATE = at("2022-05-23T12:00")  # the clock, after everything below
LAW = SessionRules()
INTERVAL = SessionRules(
    second_call=SecondCallRule(when="interval", minutes=30),
    legal_basis=LegalBasis(second_call="art. 8 del Reglamento Interno"),
)


def test_a_lima_day_ends_at_the_next_midnight_in_lima_whatever_the_zone_given() -> None:
    assert day_end(at("2022-05-20T00:00")) == at("2022-05-21T00:00")
    assert day_end(at("2022-05-20T23:59")) == at("2022-05-21T00:00")
    # 03:00 UTC on the 21st is still 22:00 of the 20th in Lima
    assert day_end(datetime(2022, 5, 21, 3, 0, tzinfo=UTC)) == at("2022-05-21T00:00")


def test_times_are_spoken_in_lima() -> None:
    assert spoken(datetime(2022, 5, 20, 15, 0, tzinfo=UTC)) == "20 de mayo de 2022 a las 10:00"
    assert spoken(at("2022-09-01T08:05")) == "1 de setiembre de 2022 a las 08:05"


def test_a_time_equal_to_the_clock_is_recorded_and_a_minute_later_is_not() -> None:
    not_in_future(FIRST, FIRST, "la llegada")
    with pytest.raises(SessionRuleViolation) as refused:
        not_in_future(at("2022-05-20T10:01"), FIRST, "la llegada")
    assert str(refused.value) == (
        "No se puede registrar la llegada el 20 de mayo de 2022 a las 10:01: esa hora aún no llega "
        "(ahora es el 20 de mayo de 2022 a las 10:00)."
    )


def test_by_law_the_second_call_is_any_hour_of_the_next_day() -> None:
    check_second_call(LAW, FIRST, SECOND)
    check_second_call(LAW, FIRST, at("2022-05-21T00:00"))
    check_second_call(LAW, FIRST, at("2022-05-21T23:59"))


def test_by_law_a_second_call_the_same_day_or_two_days_later_is_refused_naming_the_day() -> None:
    for wrong in (at("2022-05-20T18:00"), at("2022-05-22T10:00")):
        with pytest.raises(SessionRuleViolation) as refused:
            check_second_call(LAW, FIRST, wrong)
        assert str(refused.value) == (
            "La segunda convocatoria se realiza al día siguiente de la primera (art. 99.2 de la Ley N° 27444): "
            "con la primera el 20 de mayo de 2022 a las 10:00, la segunda debe ser el 21 de mayo de 2022; "
            f"se indicó el {spoken(wrong)}."
        )


def test_a_second_call_at_or_before_the_first_is_refused() -> None:
    for rules in (LAW, INTERVAL):
        for wrong in (FIRST, at("2022-05-20T09:00")):
            with pytest.raises(SessionRuleViolation, match="La segunda convocatoria debe ser posterior a la primera"):
                check_second_call(rules, FIRST, wrong)


def test_under_a_reglamento_interval_the_second_call_may_be_exactly_thirty_minutes_later_not_one_less() -> None:
    check_second_call(INTERVAL, FIRST, at("2022-05-20T10:30"))
    check_second_call(INTERVAL, FIRST, at("2022-05-22T10:00"))  # no upper bound by the interval rule
    with pytest.raises(SessionRuleViolation) as refused:
        check_second_call(INTERVAL, FIRST, at("2022-05-20T10:29"))
    assert str(refused.value) == (
        "La segunda convocatoria se realiza al menos 30 minutos después de la primera (art. 8 del Reglamento "
        "Interno): desde el 20 de mayo de 2022 a las 10:30; se indicó el 20 de mayo de 2022 a las 10:29."
    )


def test_the_first_call_installs_from_its_exact_hour_within_its_day() -> None:
    assert installation_call(FIRST, None, FIRST, LATE) == "first"
    assert installation_call(FIRST, None, at("2022-05-20T23:59"), LATE) == "first"
    assert installation_call(FIRST, SECOND, at("2022-05-20T10:15"), LATE) == "first"


def test_a_session_is_not_installed_a_minute_before_its_hour() -> None:
    for second in (None, SECOND):
        with pytest.raises(SessionRuleViolation) as refused:
            installation_call(FIRST, second, at("2022-05-20T09:59"), LATE)
        assert str(refused.value) == (
            "La sesión está convocada para el 20 de mayo de 2022 a las 10:00: no puede instalarse antes de esa "
            "hora (se indicó el 20 de mayo de 2022 a las 09:59)."
        )


def test_without_a_second_call_the_session_is_not_installed_the_next_day() -> None:
    with pytest.raises(SessionRuleViolation) as refused:
        installation_call(FIRST, None, at("2022-05-21T10:30"), LATE)
    assert str(refused.value) == (
        "La sesión estaba convocada para el 20 de mayo de 2022 a las 10:00 y ese día ya pasó: no puede instalarse "
        "el 21 de mayo de 2022 a las 10:30. Reprograme la sesión con una nueva convocatoria."
    )


def test_the_second_call_installs_from_its_exact_hour_within_its_day() -> None:
    assert installation_call(FIRST, SECOND, SECOND, LATE) == "second"
    assert installation_call(FIRST, SECOND, at("2022-05-21T17:00"), LATE) == "second"


def test_the_next_morning_before_the_second_calls_hour_the_session_waits_for_it() -> None:
    with pytest.raises(SessionRuleViolation) as refused:
        installation_call(FIRST, SECOND, at("2022-05-21T09:59"), LATE)
    assert str(refused.value) == (
        "La primera convocatoria era para el 20 de mayo de 2022 y ese día ya pasó; en segunda convocatoria la "
        "sesión se instala desde el 21 de mayo de 2022 a las 10:00 (se indicó el 21 de mayo de 2022 a las 09:59)."
    )


def test_once_the_second_calls_day_is_over_the_session_must_be_convened_again() -> None:
    with pytest.raises(SessionRuleViolation) as refused:
        installation_call(FIRST, SECOND, at("2022-05-22T10:30"), LATE)
    assert str(refused.value) == (
        "La segunda convocatoria era para el 21 de mayo de 2022 a las 10:00 y ese día ya pasó: la sesión no puede "
        "instalarse el 22 de mayo de 2022 a las 10:30. Reprograme la sesión con una nueva convocatoria."
    )


def test_a_session_is_not_installed_in_the_future_of_the_clock() -> None:
    with pytest.raises(SessionRuleViolation, match="No se puede registrar la instalación de la sesión el 20 de mayo"):
        installation_call(FIRST, None, at("2022-05-20T10:05"), at("2022-05-20T10:04"))


def test_a_vote_may_be_cast_the_minute_the_session_is_installed_but_not_before() -> None:
    opened = at("2022-05-20T10:08")
    check_vote_time(opened, opened, LATE)
    with pytest.raises(SessionRuleViolation) as refused:
        check_vote_time(opened, at("2022-05-20T10:07"), LATE)
    assert str(refused.value) == (
        "La sesión se instaló el 20 de mayo de 2022 a las 10:08: no se vota antes de su instalación "
        "(se indicó el 20 de mayo de 2022 a las 10:07)."
    )
    with pytest.raises(SessionRuleViolation, match="No se puede registrar un voto"):
        check_vote_time(opened, at("2022-05-20T10:09"), opened)


def test_a_session_closes_at_its_installation_or_last_vote_but_not_before_either() -> None:
    opened, last_vote = at("2022-05-20T10:08"), at("2022-05-20T11:40")
    check_closing_time(opened, None, opened, LATE)
    check_closing_time(opened, last_vote, last_vote, LATE)
    with pytest.raises(SessionRuleViolation) as refused:
        check_closing_time(opened, None, at("2022-05-20T10:07"), LATE)
    assert str(refused.value) == (
        "La sesión se instaló el 20 de mayo de 2022 a las 10:08: no puede concluir antes "
        "(se indicó el 20 de mayo de 2022 a las 10:07)."
    )
    with pytest.raises(SessionRuleViolation) as refused:
        check_closing_time(opened, last_vote, at("2022-05-20T11:39"), LATE)
    assert str(refused.value) == (
        "La última votación de la sesión fue el 20 de mayo de 2022 a las 11:40: la sesión no puede concluir antes "
        "(se indicó el 20 de mayo de 2022 a las 11:39)."
    )
    with pytest.raises(SessionRuleViolation, match="No se puede registrar la conclusión de la sesión"):
        check_closing_time(opened, None, at("2022-05-20T12:00"), at("2022-05-20T11:59"))


def test_a_working_meeting_concludes_from_its_start_not_a_minute_before() -> None:
    check_meeting_end(FIRST, FIRST, LATE)
    with pytest.raises(SessionRuleViolation) as refused:
        check_meeting_end(FIRST, at("2022-05-20T09:59"), LATE)
    assert str(refused.value) == (
        "La reunión de trabajo está programada para el 20 de mayo de 2022 a las 10:00: no puede concluir antes "
        "(se indicó el 20 de mayo de 2022 a las 09:59)."
    )
    with pytest.raises(SessionRuleViolation, match="No se puede registrar la conclusión de la reunión"):
        check_meeting_end(FIRST, at("2022-05-20T11:00"), at("2022-05-20T10:59"))
