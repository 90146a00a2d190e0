"""When to remind whom of a deadline, and whom to tell of a state change: data of the plan
(``reminders:``) and a pure function of (deliverables, calendar, now).

Default policy: 30, 15, 7 and 1 days before the (effective) deadline; then on the first
business day after it and weekly while the deliverable stays open, up to ``overdue_notices``
overdue notices in all (default 4); after that the deliverable is listed in one weekly
summary to the Technical Secretariat (``overdue_summary``) instead.

Reminders follow the next step (``next_step``): per lifecycle state, who holds it and what
to remind. The entity's officers for a deliverable to present or correct (its titular and
the secretariat copied once overdue); the secretariat and advisory reviewers for one waiting
for review ("pendiente de revisión desde …"); nobody for one waiting for a session (it is
on the secretariat's agenda suggestions instead). Reminders go out on business days at
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
from conaig_flow.domain.deadline import effective_day

Audience = Literal["officers", "titular", "members", "secretariat", "advisory"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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


class NextStep(_Model):
    """Who holds the next step of a deliverable in ``states`` (of the lifecycles ``kinds``;
    every lifecycle when empty) and what its reminders say. ``notify`` empty: nobody is
    reminded (e.g. waiting for a session). ``escalate``: who is copied on overdue notices."""

    states: list[str] = Field(min_length=1)
    kinds: list[str] = Field(default_factory=list)
    notify: list[Audience] = Field(default_factory=list)
    escalate: list[Audience] = Field(default_factory=list)
    action: str = "presentar el entregable"  # what the holder is asked to do, in Spanish
    template: str = "recordatorio"
    overdue_template: str = "recordatorio_vencido"
    note: str | None = None

    def applies(self, kind: str, state: str) -> bool:
        return state in self.states and (not self.kinds or kind in self.kinds)


DEFAULT_NEXT_STEPS = (
    NextStep(states=["draft", "observed"], notify=["officers"], escalate=["titular", "secretariat"],
             action="presentar el entregable", note="La entidad responsable presenta o subsana."),
    NextStep(states=["submitted"], notify=["secretariat", "advisory"], action="revisar el entregable",
             template="recordatorio_revision", overdue_template="recordatorio_revision",
             note="La Secretaría Técnica (y los revisores consultivos) revisan lo presentado."),
    NextStep(states=["reviewed", "consolidated", "pending", "in_consultation"], notify=[],
             note="Espera una sesión (o la consulta en curso): figura en las sugerencias de agenda."),
)


class ReminderPolicy(_Model):
    days_before: list[int] = Field(default_factory=lambda: [30, 15, 7, 1])
    overdue_first_business_day: bool = True
    overdue_every_days: int = Field(default=7, ge=0)  # 0: no repeats after the first
    #: overdue notices to a deliverable's holder in all (the first one and the weekly repeats)
    overdue_notices: int = Field(default=4, ge=1)
    #: who gets the weekly summary of everything still overdue, once notices have stopped
    overdue_summary: list[Audience] = Field(default_factory=lambda: _audience("secretariat"))
    send_at: time = time(9, 0)
    #: the holder and escalation of a state no ``next_step`` names
    recipients: list[Audience] = Field(default_factory=lambda: _audience("officers"))
    escalate_overdue: list[Audience] = Field(default_factory=lambda: _audience("titular", "secretariat"))
    next_step: list[NextStep] = Field(default_factory=lambda: list(DEFAULT_NEXT_STEPS))
    non_working_days: list[NonWorkingDay] = Field(default_factory=list)
    events: list[EventRule] = Field(default_factory=lambda: list(DEFAULT_EVENTS))

    def step_for(self, kind: str, state: str) -> NextStep:
        """The first ``next_step`` naming ``state`` (of ``kind``); else the general holder."""
        for step in self.next_step:
            if step.applies(kind, state):
                return step
        return NextStep(states=[state], notify=list(self.recipients), escalate=list(self.escalate_overdue))

    def step_index(self, kind: str, state: str) -> int:
        """Position of ``step_for`` in ``next_step`` (``len(next_step)``: the general holder)."""
        for i, step in enumerate(self.next_step):
            if step.applies(kind, state):
                return i
        return len(self.next_step)

    def step_at(self, index: int, kind: str, state: str) -> NextStep:
        return self.next_step[index] if index < len(self.next_step) else self.step_for(kind, state)

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
        while k < policy.overdue_notices and (day := _repeat(policy, calendar, first, k)) <= until:
            out.append((f"overdue_w{k}", day, True))
            k += 1
    return out


def rule_label(rule: str) -> str:
    """The reminder rule in words: «7 días antes del plazo», «primer aviso de plazo vencido»,
    «aviso N° 3 de plazo vencido» (``before_7``, ``overdue_1``, ``overdue_w2``)."""
    if rule.startswith("before_") and rule.removeprefix("before_").isdigit():
        days = int(rule.removeprefix("before_"))
        return f"{days} {'día' if days == 1 else 'días'} antes del plazo"
    if rule == "overdue_1":
        return "primer aviso de plazo vencido"
    if rule.startswith("overdue_w") and rule.removeprefix("overdue_w").isdigit():
        return f"aviso N° {int(rule.removeprefix('overdue_w')) + 1} de plazo vencido"
    return rule


def _repeat(policy: ReminderPolicy, calendar: Calendar, first: date, k: int) -> date:
    return calendar.next_business_day(first + timedelta(days=k * policy.overdue_every_days))


def last_notice_day(policy: ReminderPolicy, calendar: Calendar, day: date) -> date:
    """The day of the last overdue notice of a deadline falling on ``day`` (the effective
    deadline itself when the policy sends none after it)."""
    deadline = effective_day(day, calendar)
    if not policy.overdue_first_business_day:
        return deadline
    first = calendar.next_business_day(deadline + timedelta(days=1))
    repeats = policy.overdue_notices - 1 if policy.overdue_every_days else 0
    return first if repeats == 0 else _repeat(policy, calendar, first, repeats)


def notices_over_through(policy: ReminderPolicy, calendar: Calendar, today: date) -> date | None:
    """The latest deadline day whose overdue notices all went out before ``today``: open
    deliverables due on it or earlier get the weekly summary instead. None if there is none
    in the last ten years."""
    span = (policy.overdue_notices - 1) * policy.overdue_every_days if policy.overdue_every_days else 0
    day = today - timedelta(days=span)
    floor = today - timedelta(days=3653)
    while day >= floor:
        if last_notice_day(policy, calendar, day) < today:
            return day
        day -= timedelta(days=1)
    return None


def summary_instant(policy: ReminderPolicy, calendar: Calendar, now: datetime) -> datetime:
    """When this week's overdue summary goes out: the first business day of the ISO week of
    ``now`` (Lima), at ``send_at``."""
    local = now.astimezone(LIMA).date()
    monday = local - timedelta(days=local.weekday())
    day = calendar.next_business_day(monday)
    return datetime.combine(day, policy.send_at, LIMA)


def summary_due(policy: ReminderPolicy, calendar: Calendar, now: datetime) -> date | None:
    """The day of this week's overdue summary when a sweep at ``now`` may write it (its
    instant is past; a sweep after downtime writes it later in the week; its outbox key, one
    per ISO week, keeps it single)."""
    if not policy.overdue_summary:
        return None
    at = summary_instant(policy, calendar, now)
    if at > now or at.astimezone(LIMA).date().isocalendar()[:2] != now.astimezone(LIMA).date().isocalendar()[:2]:
        return None
    return at.astimezone(LIMA).date()


def occurrences(
    policy: ReminderPolicy, calendar: Calendar, due: datetime, until: date, after: date | None = None
) -> list[Occurrence]:
    """Every reminder of a deadline, in order, up to the day ``until`` (inclusive); with
    ``after``, weekly repeats well before that day are skipped (they are not needed)."""
    deadline = effective_day(deadline_day(due), calendar)
    return [_occ(policy, rule, deadline, day, escalate) for rule, day, escalate in _schedule(policy, calendar, deadline, until, after)]


def latest_on_day(
    policy: ReminderPolicy, calendar: Calendar, day: date, since: datetime | None, now: datetime
) -> Occurrence | None:
    """The latest reminder of a deadline falling on ``day`` (Lima) whose instant is in
    ``(since, now]``. A deadline's reminders depend only on its day. The last overdue
    notice is not caught up once the next weekly one would have been due too (after a long
    downtime): the weekly summary lists the deliverable instead."""
    until = now.astimezone(LIMA).date()
    after = since.astimezone(LIMA).date() if since is not None else None
    deadline = effective_day(day, calendar)
    found: tuple[str, date, bool] | None = None
    for rule, send_on, escalate in _schedule(policy, calendar, deadline, until, after):
        if after is not None and send_on < after:
            continue  # sent at 09:00 of a day before the one ``since`` falls on: not in the window
        at = datetime.combine(send_on, policy.send_at, LIMA)
        if at <= now and (since is None or at > since):
            found = (rule, send_on, escalate)
    if found is None or (_is_last_notice(policy, found[0]) and (until - found[1]).days >= _stale_after(policy)):
        return None
    return _occ(policy, found[0], deadline, found[1], found[2])


def _is_last_notice(policy: ReminderPolicy, rule: str) -> bool:
    last = 1 if not policy.overdue_every_days else policy.overdue_notices
    return rule == ("overdue_1" if last == 1 else f"overdue_w{last - 1}")


def _stale_after(policy: ReminderPolicy) -> int:
    return policy.overdue_every_days or 7


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
        elif day > until and not _schedule(policy, calendar, effective_day(day, calendar), until):
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
