"""The working calendar in force: Peru's national holidays (the ``holidays`` package), the
plan's extra non-working days and those added in the database."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.calendar import Calendar
from conaig_flow.errors import InvalidInput, PermissionDenied
from conaig_flow.store.tables_notify import NonWorkingDayRow

NWD = NonWorkingDayRow.__table__  # type: ignore[attr-defined]
COUNTRY = "PE"


@lru_cache(maxsize=8)
def national_holidays(first_year: int, last_year: int) -> tuple[tuple[date, str], ...]:
    """Peru's national holidays for the years given (Spanish names)."""
    found = holidays.country_holidays(COUNTRY, years=range(first_year, last_year + 1), language="es")
    return tuple(sorted((day, str(name)) for day, name in found.items()))


def calendar_for(app: App, conn: Connection) -> Calendar:
    """National holidays for the plan's years (and the current one, plus two), the plan's
    ``reminders.non_working_days`` and the rows of ``non_working_days``."""
    plan = app.definitions().plan
    now_year = app.clock.now().year
    first = min(p.start.year for p in plan.periods) - 1
    last = max(max(p.end.year for p in plan.periods), now_year) + 2
    days = list(national_holidays(first, last))
    days += [(d.date, d.note) for d in plan.reminders.non_working_days]
    days += [(r.day, r.note) for r in conn.execute(select(NWD.c.day, NWD.c.note))]
    return Calendar.of(days)


def current_calendar(app: App) -> Calendar:
    with app.db.read() as conn:
        return calendar_for(app, conn)


def add_non_working_day(app: App, actor: Actor, day: date, note: str) -> None:
    """Record an extra non-working day decreed for the public sector (secretariat or admin)."""
    if actor.role not in ("secretariat", "admin", "system"):
        raise PermissionDenied("Solo la Secretaría Técnica o la administración registran días no laborables.")
    if not note.strip():
        raise InvalidInput("Indique la norma que declara el día no laborable (p. ej. «D.S. N° 123-2022-PCM»).")
    with app.db.write() as conn:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(NWD).values(day=day, note=note.strip(), added_by=actor.email, added_at=app.clock.now())
                )
        except IntegrityError:
            raise InvalidInput(f"El día {day.isoformat()} ya está registrado como no laborable.") from None


def list_non_working_days(app: App) -> list[tuple[date, str, str]]:
    """(day, name, source) for every non-working day in force, national holidays included."""
    cal = current_calendar(app)
    national = {d for d, _ in national_holidays(min(cal.holidays).year, max(cal.holidays).year)} if cal.holidays else set()
    return [(d, cal.names[d], "feriado nacional" if d in national else "día no laborable") for d in sorted(cal.holidays)]
