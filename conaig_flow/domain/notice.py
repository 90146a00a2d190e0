"""The convocatoria's notice period, counted in business days (pure).

``is_business_day`` is injected: the default counts Monday to Friday; the plan's Peruvian
calendar (national holidays, non-working days for the public sector) plugs in here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

BusinessDay = Callable[[date], bool]


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def business_days_between(issued: date, held: date, is_business_day: BusinessDay = weekdays) -> int:
    """Full business days after the day of issue and before the day of the session."""
    count = 0
    day = issued + timedelta(days=1)
    while day < held:
        if is_business_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def earliest_session_day(issued: date, notice: int, is_business_day: BusinessDay = weekdays) -> date:
    """The first business day a session convened on ``issued`` may be held with ``notice`` days."""
    day = issued + timedelta(days=1)
    while business_days_between(issued, day, is_business_day) < notice or not is_business_day(day):
        day += timedelta(days=1)
    return day
