"""The effective deadline of a deliverable: the plan's deadline moved off non-working days.

Ley N° 27444, art. 134.2 (art. 145.2 of the TUO, D.S. N° 004-2019-JUS): when the last day of
a term is not a business day, the term runs to the first business day after it. A plan's
deadline of Saturday 31 December 2022 is therefore met on Monday 2 January 2023 (1 January
is Sunday and New Year's Day), and a non-working day decreed later moves it again.

This module is the one place that says so. Every reader (status and its JSON, the web
lists and pages, the calendar feeds, reminders, the progress figures and open data) asks
``effective_deadline`` with the working calendar in force; the plan's own date is kept
beside it (``planned``) with the reason of the move.

Pure: the calendar is handed in, nothing here reads a clock or the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar

#: The rule that moves a deadline, as its refusal and its explanation cite it.
LEGAL_BASIS = "Ley N° 27444, art. 134.2"
LEGAL_TEXT = (
    "Cuando el último día del plazo o la fecha determinada es inhábil o por cualquier otra "
    "circunstancia la atención al público ese día no funcione durante el día normal, se entenderá "
    "prorrogado al primer día hábil siguiente."
)

_MONTHS = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre")
_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def spanish_day(day: date) -> str:
    """'31 de diciembre de 2022' (the wording of ``i18n.fecha``, without Babel: the domain is pure)."""
    return f"{day.day} de {_MONTHS[day.month - 1]} de {day.year}"


@dataclass(frozen=True)
class SkippedDay:
    """A non-working day a deadline passed over, and why it is one."""

    day: date
    why: str  # "sábado", "domingo; Año Nuevo", "Día no laborable (D.S. N° 123-2022-PCM)"


@dataclass(frozen=True)
class Deadline:
    """A deliverable's deadline: the plan's instant and the instant that counts."""

    planned: datetime  # aware: the plan's deadline (23:59:59 Lima on the period's last day)
    effective: datetime  # aware: the same hour on the first business day from that day on
    skipped: tuple[SkippedDay, ...] = ()

    @property
    def moved(self) -> bool:
        return self.effective != self.planned

    @property
    def planned_day(self) -> date:
        return self.planned.astimezone(LIMA).date()

    @property
    def effective_day(self) -> date:
        return self.effective.astimezone(LIMA).date()

    @property
    def reason(self) -> str | None:
        """Why the effective deadline differs from the plan's, in Spanish; None when it does not."""
        if not self.moved:
            return None
        days = "; ".join(f"{s.why.split(';')[0]} {spanish_day(s.day)}" + _names(s.why) for s in self.skipped)
        return (
            f"El plazo del plan ({spanish_day(self.planned_day)}) cae en día inhábil ({days}); "
            f"se traslada al primer día hábil siguiente, {spanish_day(self.effective_day)} ({LEGAL_BASIS})."
        )

    def days_left(self, now: datetime) -> int:
        """Lima calendar days from ``now`` to the effective deadline (negative when overdue)."""
        return (self.effective_day - now.astimezone(LIMA).date()).days

    def is_overdue(self, now: datetime) -> bool:
        return self.effective < now

    def to_json(self) -> dict[str, str | None]:
        return {
            "due": self.planned_day.isoformat(),
            "due_effective": self.effective_day.isoformat(),
            "due_at": self.planned.isoformat(),
            "due_effective_at": self.effective.isoformat(),
            "due_reason": self.reason,
        }


def _names(why: str) -> str:
    rest = [p.strip() for p in why.split(";")[1:] if p.strip()]
    return f": {', '.join(rest)}" if rest else ""


def _why(calendar: Calendar, day: date) -> str:
    parts = [_WEEKDAYS[day.weekday()]]
    if day in calendar.holidays:
        parts.append(calendar.names.get(day, "día no laborable"))
    return "; ".join(parts)


def effective_day(day: date, calendar: Calendar) -> date:
    """The day a deadline falling on ``day`` (Lima) is met: ``day`` itself, or the first
    business day after it (Ley N° 27444, art. 134.2)."""
    return calendar.effective_deadline(day)


def effective_deadline(planned: datetime, calendar: Calendar) -> Deadline:
    """The plan's deadline ``planned`` (aware) as it counts under ``calendar``."""
    local = planned.astimezone(LIMA)
    target = effective_day(local.date(), calendar)
    if target == local.date():
        return Deadline(planned, planned)
    skipped = []
    day = local.date()
    while day < target:
        skipped.append(SkippedDay(day, _why(calendar, day)))
        day += timedelta(days=1)
    effective = datetime.combine(target, local.timetz().replace(tzinfo=None), LIMA)
    return Deadline(planned, effective, tuple(skipped))
