"""When to remind whom of a deadline, and whom to tell of a state change: data of the plan
(``reminders:``) and a pure function of (deliverables, calendar, now).

Default policy: 30, 15, 7 and 1 days before the (effective) deadline; then on the first
business day after it and weekly while the deliverable stays open, copying the entity's
titular and the Technical Secretariat (escalation). Reminders go out on business days at
``send_at`` (09:00 Lima); one that falls on a non-business day before the deadline moves to
the previous business day (so it still comes before), one after the deadline to the next.

A sweep covers the instants ``(since, now]``; when several reminders of one deliverable fell
due in that window (after downtime), only the latest is sent, so a restart catches up
without flooding repeats of older rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar

Audience = Literal["officers", "titular", "members", "secretariat", "advisory"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NonWorkingDay(_Model):
    """An extra non-working day for the public sector, decreed by the Executive."""

    date: date
    note: str = Field(min_length=1)


class EventRule(_Model):
    """Whom to notify when a deliverable enters ``state`` (with which template)."""

    state: str = Field(min_length=1)
    notify: list[Audience] = Field(min_length=1)
    template: str = Field(min_length=1)
    triggers: list[str] = Field(default_factory=list)  # empty: any trigger that reaches the state


def _audience(*names: Audience) -> list[Audience]:
    return list(names)


DEFAULT_EVENTS = (
    EventRule(state="submitted", notify=["secretariat", "advisory"], template="evento_presentado"),
    EventRule(state="observed", notify=["officers"], template="evento_observado"),
    EventRule(state="approved", notify=["officers", "titular"], template="evento_aprobado"),
)


class ReminderPolicy(_Model):
    days_before: list[int] = Field(default_factory=lambda: [30, 15, 7, 1])
    overdue_first_business_day: bool = True
    overdue_every_days: int = Field(default=7, ge=0)  # 0: no repeats after the first
    send_at: time = time(9, 0)
    recipients: list[Audience] = Field(default_factory=lambda: _audience("officers"))
    escalate_overdue: list[Audience] = Field(default_factory=lambda: _audience("titular", "secretariat"))
    non_working_days: list[NonWorkingDay] = Field(default_factory=list)
    events: list[EventRule] = Field(default_factory=lambda: list(DEFAULT_EVENTS))

    @field_validator("days_before")
    @classmethod
    def _positive_unique(cls, value: list[int]) -> list[int]:
        if any(d <= 0 for d in value) or len(set(value)) != len(value):
            raise ValueError("días antes del plazo: enteros positivos, sin repetir")
        return sorted(value, reverse=True)


@dataclass(frozen=True)
class Occurrence:
    """One reminder of one deadline: which rule, on which day and instant, how many days left."""

    rule: str  # before_30 … before_1, overdue_1, overdue_w1, overdue_w2 …
    deadline: date  # the effective deadline (moved to a business day)
    send_on: date
    send_at: datetime  # aware
    days_left: int  # negative when overdue
    escalate: bool


@dataclass(frozen=True)
class OpenDeliverable:
    """What the policy needs of a deliverable that is still open (not approved/withdrawn)."""

    id: int
    due: datetime  # aware


@dataclass(frozen=True)
class Reminder:
    deliverable_id: int
    occurrence: Occurrence

    @property
    def key(self) -> str:
        o = self.occurrence
        return f"reminder:{self.deliverable_id}:{o.rule}:{o.deadline.isoformat()}"


def deadline_day(due: datetime) -> date:
    return due.astimezone(LIMA).date()


def _occ(policy: ReminderPolicy, rule: str, deadline: date, day: date, escalate: bool) -> Occurrence:
    at = datetime.combine(day, policy.send_at, LIMA)
    return Occurrence(rule, deadline, day, at, (deadline - day).days, escalate)


def _schedule(
    policy: ReminderPolicy, calendar: Calendar, deadline: date, until: date, after: date | None = None
) -> list[tuple[str, date, bool]]:
    """(rule, day, escalate) of every reminder of an effective ``deadline`` up to ``until``."""
    out: list[tuple[str, date, bool]] = []
    for days in policy.days_before:
        day = calendar.previous_business_day(deadline - timedelta(days=days))
        if day <= until and not any(o[1] == day for o in out):
            out.append((f"before_{days}", day, False))
    if not policy.overdue_first_business_day:
        return out
    first = calendar.next_business_day(deadline + timedelta(days=1))
    if first > until:
        return out
    out.append(("overdue_1", first, True))
    if policy.overdue_every_days:
        k = 1 if after is None else max(1, (after - first).days // policy.overdue_every_days - 1)
        while (day := calendar.next_business_day(first + timedelta(days=k * policy.overdue_every_days))) <= until:
            out.append((f"overdue_w{k}", day, True))
            k += 1
    return out


def occurrences(
    policy: ReminderPolicy, calendar: Calendar, due: datetime, until: date, after: date | None = None
) -> list[Occurrence]:
    """Every reminder of a deadline, in order, up to the day ``until`` (inclusive); with
    ``after``, weekly repeats well before that day are skipped (they are not needed)."""
    deadline = calendar.effective_deadline(deadline_day(due))
    return [_occ(policy, rule, deadline, day, escalate) for rule, day, escalate in _schedule(policy, calendar, deadline, until, after)]


def latest_on_day(
    policy: ReminderPolicy, calendar: Calendar, day: date, since: datetime | None, now: datetime
) -> Occurrence | None:
    """The latest reminder of a deadline falling on ``day`` (Lima) whose instant is in
    ``(since, now]``. A deadline's reminders depend only on its day."""
    until = now.astimezone(LIMA).date()
    after = since.astimezone(LIMA).date() if since is not None else None
    deadline = calendar.effective_deadline(day)
    found: tuple[str, date, bool] | None = None
    for rule, send_on, escalate in _schedule(policy, calendar, deadline, until, after):
        if after is not None and send_on < after:
            continue  # sent at 09:00 of a day before the one ``since`` falls on: not in the window
        at = datetime.combine(send_on, policy.send_at, LIMA)
        if at <= now and (since is None or at > since):
            found = (rule, send_on, escalate)
    return None if found is None else _occ(policy, found[0], deadline, found[1], found[2])


def latest_in_window(
    policy: ReminderPolicy, calendar: Calendar, due: datetime, since: datetime | None, now: datetime
) -> Occurrence | None:
    """The latest reminder of ``due`` whose instant is in ``(since, now]``."""
    return latest_on_day(policy, calendar, deadline_day(due), since, now)


def days_due(
    first: date, last: date, policy: ReminderPolicy, calendar: Calendar, now: datetime, since: datetime | None
) -> dict[date, Occurrence]:
    """Of the deadline days from ``first`` to ``last``, those with a reminder due in
    ``(since, now]``: what a sweep asks, without reading the deadlines themselves. The days
    after ``now`` stop at the first one with no reminder yet (reminder days never go back as
    the deadline moves later)."""
    if not window_open(policy, calendar, now):
        return {}
    until = now.astimezone(LIMA).date()
    out: dict[date, Occurrence] = {}
    day = first
    while day <= last:
        occ = latest_on_day(policy, calendar, day, since, now)
        if occ is not None:
            out[day] = occ
        elif day > until and not _schedule(policy, calendar, calendar.effective_deadline(day), until):
            break
        day += timedelta(days=1)
    return out


def window_open(policy: ReminderPolicy, calendar: Calendar, now: datetime) -> bool:
    """Reminders go out on business days from ``send_at`` (Lima) on."""
    local = now.astimezone(LIMA)
    return calendar.is_business_day(local.date()) and local.time() >= policy.send_at


def deadlines_due(
    dues: Iterable[datetime], policy: ReminderPolicy, calendar: Calendar, now: datetime, since: datetime | None
) -> dict[datetime, Occurrence]:
    """Of the distinct deadlines ``dues``, those with a reminder due in ``(since, now]``: the
    per-deadline question, which the sweep's per-day ``days_due`` must agree with (checked by a
    property test; the sweep benchmark uses it as its floor)."""
    if not window_open(policy, calendar, now):
        return {}
    out: dict[datetime, Occurrence] = {}
    for due in dues:
        occ = latest_in_window(policy, calendar, due, since, now)
        if occ is not None:
            out[due] = occ
    return out


def forecast(
    deliverables: Iterable[OpenDeliverable], policy: ReminderPolicy, calendar: Calendar, now: datetime, until: date
) -> list[Reminder]:
    """Every reminder the policy will send after ``now`` up to ``until``, in time order."""
    out = [
        Reminder(d.id, occ)
        for d in deliverables
        for occ in occurrences(policy, calendar, d.due, until)
        if occ.send_at > now
    ]
    return sorted(out, key=lambda r: (r.occurrence.send_at, r.deliverable_id))
