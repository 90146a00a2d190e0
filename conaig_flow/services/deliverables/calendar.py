"""The working calendar in force: Peru's national holidays (the ``holidays`` package), the
plan's extra non-working days and those added in the database."""

from __future__ import annotations

import importlib.util
import json
import os
import tempfile
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.calendar import Calendar
from conaig_flow.errors import InvalidInput, PermissionDenied
from conaig_flow.store.tables import NonWorkingDayRow

NWD = NonWorkingDayRow.__table__  # type: ignore[attr-defined]
COUNTRY = "PE"


@lru_cache(maxsize=8)
def national_holidays(first_year: int, last_year: int, cache_dir: Path | None = None) -> tuple[tuple[date, str], ...]:
    """Peru's national holidays for the years given (Spanish names).

    ``holidays`` imports the modules of every country it knows to find Peru's (about 0.15 s of
    CPU, the largest single cost of a short CLI command such as ``conaig status``). The result
    is a pure function of the package's version, the country, the language and the years, so
    with ``cache_dir`` it is kept in a JSON file named after all four and read back by later
    processes; a missing, unreadable or damaged file is computed again, and a folder that
    cannot be written only means the next process computes it too.
    """
    version = _holidays_version() if cache_dir else None
    path = cache_dir / f"feriados-{COUNTRY}-es-{version}-{first_year}-{last_year}.json" if cache_dir and version else None
    if path is not None:
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            return tuple((date.fromisoformat(day), str(name)) for day, name in stored)
        except (OSError, ValueError, TypeError):
            pass
    import holidays

    found = holidays.country_holidays(COUNTRY, years=range(first_year, last_year + 1), language="es")
    days = tuple(sorted((day, str(name)) for day, name in found.items()))
    if path is not None:
        _store(path, [[day.isoformat(), name] for day, name in days])
    return days


def _holidays_version() -> str | None:
    """The installed ``holidays`` version, from the name of its ``.dist-info`` folder beside the
    package, without importing it (its ``__init__`` alone costs as much as the rest of a short
    command, and ``importlib.metadata`` scans every installed distribution). None when it
    cannot be told for certain (then nothing is cached)."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    found = [p.name for p in package.parent.glob("holidays-*.dist-info")]
    if len(found) != 1:
        return None
    return found[0][len("holidays-") : -len(".dist-info")]


def _store(path: Path, data: object) -> None:
    """Write the file whole or not at all (a temporary file renamed over it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".feriados-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass


def holiday_cache_dir(app: App) -> Path:
    """Where the computed national holidays are kept between processes (``<home>/cache``)."""
    return app.settings.home / "cache"


_SELECT_DAYS = select(NWD.c.day, NWD.c.note).order_by(NWD.c.day)
_MEMO_KEY = "calendar.in_force"


def calendar_for(app: App, conn: Connection) -> Calendar:
    """National holidays for the plan's years (and the current one, plus two), the plan's
    ``reminders.non_working_days`` and the rows of ``non_working_days``.

    Read on every call (one small statement), so a day added by another process counts at
    once; the calendar built from the same rows is kept per process (``app.memo``).
    """
    defs = app.definitions()
    plan = defs.plan
    now_year = app.clock.now().year
    first = min(p.start.year for p in plan.periods) - 1
    last = max(max(p.end.year for p in plan.periods), now_year) + 2
    decreed = tuple((r.day, r.note) for r in conn.execute(_SELECT_DAYS))
    key = (id(defs), first, last, decreed)
    cached = app.memo.get(_MEMO_KEY)
    if cached is not None and cached[0] == key and cached[1] is defs:
        return cached[2]  # type: ignore[no-any-return]
    days = list(national_holidays(first, last, holiday_cache_dir(app)))
    days += [(d.date, d.note) for d in plan.reminders.non_working_days]
    days += list(decreed)
    calendar = Calendar.of(days)
    app.memo[_MEMO_KEY] = (key, defs, calendar)
    return calendar


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
    national = (
        {d for d, _ in national_holidays(min(cal.holidays).year, max(cal.holidays).year, holiday_cache_dir(app))}
        if cal.holidays
        else set()
    )
    return [(d, cal.names[d], "feriado nacional" if d in national else "día no laborable") for d in sorted(cal.holidays)]
