"""Business days as Ley N° 27444 counts them: Monday to Friday, except national holidays and
the extra non-working days the Executive decrees for the public sector.

Pure: the holiday set is data handed in (the services build it from the ``holidays`` package,
the plan and the database); nothing here reads a clock or a file.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

_DAY = timedelta(days=1)


def is_business_day(day: date, holidays: Collection[date] = frozenset()) -> bool:
    """True on Monday..Friday when ``day`` is not in ``holidays``."""
    return day.weekday() < 5 and day not in holidays


@dataclass(frozen=True)
class Calendar:
    """A working calendar: weekends plus a set of non-working days (with their names)."""

    holidays: frozenset[date] = frozenset()
    names: dict[date, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, days: Iterable[tuple[date, str]]) -> Calendar:
        names: dict[date, str] = {}
        for day, name in days:
            names[day] = f"{names[day]}; {name}" if day in names else name
        return cls(frozenset(names), names)

    def is_business_day(self, day: date) -> bool:
        return is_business_day(day, self.holidays)

    def next_business_day(self, day: date) -> date:
        """``day`` itself if it is a business day, else the first one after it."""
        while not self.is_business_day(day):
            day += _DAY
        return day

    def previous_business_day(self, day: date) -> date:
        """``day`` itself if it is a business day, else the last one before it."""
        while not self.is_business_day(day):
            day -= _DAY
        return day

    def effective_deadline(self, day: date) -> date:
        """A deadline that falls on a non-business day moves to the next business day."""
        return self.next_business_day(day)
