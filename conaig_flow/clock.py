"""Time is an input: the only module allowed to read the system clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """Always the same instant; tests move it by hand."""

    def __init__(self, instant: datetime) -> None:
        self._instant = _aware(instant)

    def now(self) -> datetime:
        return self._instant

    def set(self, instant: datetime) -> None:
        self._instant = _aware(instant)

    def advance(self, delta: timedelta) -> None:
        self._instant += delta


class ShiftedClock:
    """Starts at a chosen instant and then runs at the speed of real time.

    This is what ``--now`` gives a long-running process (the web app, the worker):
    the system lives inside the plan's life but time still passes.
    """

    def __init__(self, start: datetime) -> None:
        self._offset = _aware(start) - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=LIMA)
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse ``--now``/``CONAIG_NOW``: an ISO date (noon, Lima) or datetime (Lima if naive)."""
    from conaig_flow.errors import InvalidInput

    text = text.strip()
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            return datetime.combine(d, time(12, 0), LIMA).astimezone(UTC)
        return _aware(datetime.fromisoformat(text))
    except ValueError:
        raise InvalidInput(
            f"Fecha u hora no válida: «{text}». Se espera AAAA-MM-DD o AAAA-MM-DDTHH:MM "
            "(hora de Lima si no indica zona), p. ej. 2022-05-16 o 2022-05-16T09:30."
        ) from None
