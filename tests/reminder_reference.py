"""The default reminder policy counted by hand, independently of conaig_flow.domain.reminder_policy:
a reference for the tests (30, 15, 7 and 1 days before the deadline, on the business day
before when that day is not one; then the first business day after the deadline and every
seven days from it, on the business day after), written from the plan's text."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import date, datetime, time, timedelta

from conaig_flow.clock import LIMA

ONE = timedelta(days=1)


def business(holidays: Collection[date]) -> Callable[[date], bool]:
    return lambda d: d.weekday() < 5 and d not in holidays


def reference_schedule(due: datetime, holidays: Collection[date], until: date,
                       overdue_notices: int | None = None) -> list[tuple[str, date, datetime]]:
    """(rule, day, instant) of every reminder of ``due`` up to ``until``; with
    ``overdue_notices``, the notices after the deadline stop at that many (the first included)."""
    ok = business(holidays)
    deadline = due.astimezone(LIMA).date()
    while not ok(deadline):
        deadline += ONE
    days: list[tuple[str, date]] = []
    for n in (30, 15, 7, 1):
        d = deadline - timedelta(days=n)
        while not ok(d):
            d -= ONE
        if d <= until and d not in [x for _, x in days]:
            days.append((f"before_{n}", d))
    first = deadline + ONE
    while not ok(first):
        first += ONE
    if first <= until:
        days.append(("overdue_1", first))
        k = 1
        while True:
            d = first + timedelta(days=7 * k)
            while not ok(d):
                d += ONE
            if d > until or (overdue_notices is not None and k + 1 > overdue_notices):
                break
            days.append((f"overdue_w{k}", d))
            k += 1
    return [(rule, d, datetime.combine(d, time(9, 0), LIMA)) for rule, d in days]
