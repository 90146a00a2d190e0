"""A session happens at its time (pure: ``now`` is an argument, never read here).

- Installation: from the scheduled time of the call being used (first, or second from its
  own time) and within that call's day (Lima); never in the future of the clock.
- Arrivals may be earlier than the session's time (they are recorded with their time);
  votes only after installation; closing after installation and after the last vote; a
  working meeting does not conclude before its start.
- A second call, when given, follows the plan's rule: the day after the first (Ley N°
  27444 art. 99.2) or, where a reglamento interno says so, a set interval after it.

Every refusal is a ``SessionRuleViolation`` saying what time was given and what is expected.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from conaig_flow.clock import LIMA
from conaig_flow.domain.session_rules import SessionRules
from conaig_flow.errors import SessionRuleViolation

Call = Literal["first", "second"]
MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "setiembre", "octubre",
          "noviembre", "diciembre")


def local_day(at: datetime) -> date:
    return at.astimezone(LIMA).date()


def day_end(at: datetime) -> datetime:
    """The first instant after ``at``'s Lima day (midnight of the next day)."""
    return datetime.combine(local_day(at) + timedelta(days=1), time(0), LIMA)


def spoken_date(day: date | datetime) -> str:
    """'20 de mayo de 2022' (the Lima day of a datetime)."""
    d = local_day(day) if isinstance(day, datetime) else day
    return f"{d.day} de {MONTHS[d.month - 1]} de {d.year}"


def spoken(at: datetime) -> str:
    """'20 de mayo de 2022 a las 10:00' (Lima time)."""
    return f"{spoken_date(at)} a las {at.astimezone(LIMA):%H:%M}"


def not_in_future(at: datetime, now: datetime, what: str) -> None:
    """No time recorded later than the clock: ``what`` is e.g. «la llegada»."""
    if at > now:
        raise SessionRuleViolation(
            f"No se puede registrar {what} el {spoken(at)}: esa hora aún no llega (ahora es el {spoken(now)})."
        )


def check_second_call(rules: SessionRules, first: datetime, second: datetime) -> None:
    """The second call's time, against the plan's rule (refusals cite its basis)."""
    basis = rules.legal_basis.second_call
    if second <= first:
        raise SessionRuleViolation(
            f"La segunda convocatoria debe ser posterior a la primera ({spoken(first)}); se indicó el {spoken(second)}."
        )
    rule = rules.second_call
    if rule.when == "next_day":
        expected = local_day(first) + timedelta(days=1)
        if local_day(second) != expected:
            raise SessionRuleViolation(
                f"La segunda convocatoria se realiza al día siguiente de la primera ({basis}): con la primera el "
                f"{spoken(first)}, la segunda debe ser el {spoken_date(expected)}; se indicó el {spoken(second)}."
            )
        return
    minutes = rule.minutes or 0
    if second < first + timedelta(minutes=minutes):
        raise SessionRuleViolation(
            f"La segunda convocatoria se realiza al menos {minutes} minutos después de la primera ({basis}): "
            f"desde el {spoken(first + timedelta(minutes=minutes))}; se indicó el {spoken(second)}."
        )


def installation_call(scheduled: datetime, second: datetime | None, at: datetime, now: datetime) -> Call:
    """Which call installs the session at ``at``, or a refusal saying when it may be installed."""
    not_in_future(at, now, "la instalación de la sesión")
    if second is not None and at >= second:
        if local_day(at) != local_day(second):
            raise SessionRuleViolation(
                f"La segunda convocatoria era para el {spoken(second)} y ese día ya pasó: la sesión no puede "
                f"instalarse el {spoken(at)}. Reprograme la sesión con una nueva convocatoria."
            )
        return "second"
    if at < scheduled:
        raise SessionRuleViolation(
            f"La sesión está convocada para el {spoken(scheduled)}: no puede instalarse antes de esa hora "
            f"(se indicó el {spoken(at)})."
        )
    if local_day(at) != local_day(scheduled):
        if second is not None:
            raise SessionRuleViolation(
                f"La primera convocatoria era para el {spoken_date(scheduled)} y ese día ya pasó; en segunda "
                f"convocatoria la sesión se instala desde el {spoken(second)} (se indicó el {spoken(at)})."
            )
        raise SessionRuleViolation(
            f"La sesión estaba convocada para el {spoken(scheduled)} y ese día ya pasó: no puede instalarse el "
            f"{spoken(at)}. Reprograme la sesión con una nueva convocatoria."
        )
    return "first"


def check_vote_time(opened_at: datetime, at: datetime, now: datetime) -> None:
    not_in_future(at, now, "un voto")
    if at < opened_at:
        raise SessionRuleViolation(
            f"La sesión se instaló el {spoken(opened_at)}: no se vota antes de su instalación (se indicó el {spoken(at)})."
        )


def check_closing_time(opened_at: datetime, last_act: datetime | None, at: datetime, now: datetime) -> None:
    """Closing after installation and after the last vote: the acta's end is never before its start."""
    not_in_future(at, now, "la conclusión de la sesión")
    if at < opened_at:
        raise SessionRuleViolation(
            f"La sesión se instaló el {spoken(opened_at)}: no puede concluir antes (se indicó el {spoken(at)})."
        )
    if last_act is not None and at < last_act:
        raise SessionRuleViolation(
            f"La última votación de la sesión fue el {spoken(last_act)}: la sesión no puede concluir antes "
            f"(se indicó el {spoken(at)})."
        )


def check_meeting_end(scheduled: datetime, at: datetime, now: datetime) -> None:
    """A working meeting does not conclude before its start."""
    not_in_future(at, now, "la conclusión de la reunión")
    if at < scheduled:
        raise SessionRuleViolation(
            f"La reunión de trabajo está programada para el {spoken(scheduled)}: no puede concluir antes "
            f"(se indicó el {spoken(at)})."
        )
