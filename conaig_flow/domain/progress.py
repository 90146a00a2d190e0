"""Progress figures of a work plan as of an instant: pure functions of (plan, lifecycles,
deliverables, events, as_of).

The state of every deliverable is replayed from its events up to ``as_of``, so a report as
of 30 June 2022 gives the same figures whenever it is produced. Definitions used throughout:

- *approved*: the deliverable reached a state whose lifecycle outcome is ``approved``; its
  approval date is the ``at`` of that event, its evidence the event's norm reference
  (protocols) or session reference (approvals in session).
- *deadline*: the effective one (``domain.deadline``): the plan's due instant (23:59:59 Lima,
  last day of its period) moved to the first business day when it falls on a non-working
  day of the calendar handed in (Ley N° 27444, art. 134.2).
- *on time*: approved at or before its effective deadline.
- *withdrawn*: reached a state whose outcome is ``withdrawn``; it leaves every denominator.
- *overdue*: neither approved nor withdrawn, and its effective due day (Lima) is over at ``as_of``.
- *days late*: Lima calendar days between the effective due date and the approval (late approvals) or
  ``as_of`` (overdue ones).
- *progress %*: approved / applicable (total minus withdrawn).
- *on-time %*: approved on time / assessable, where assessable = applicable deliverables that
  are approved or already due; a deliverable still inside its term does not count against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from conaig_flow.clock import LIMA
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.deadline import Deadline, effective_deadline
from conaig_flow.domain.lifecycle import Lifecycle
from conaig_flow.domain.plan import Plan

#: The trigger that returns a deliverable for correction (counted as an observation).
OBSERVE_TRIGGER = "observe"
#: Open deliverables due within this many days after ``as_of`` are listed as "due soon".
DUE_SOON_DAYS = 30


@dataclass(frozen=True)
class DeliverableFact:
    id: int
    activity: str
    kind: str
    owner: str
    owner_kind: str
    period: str
    title: str
    due: datetime
    created_at: datetime


@dataclass(frozen=True)
class EventFact:
    deliverable_id: int
    seq: int
    trigger: str
    from_state: str
    to_state: str
    at: datetime
    norm_reference: str | None = None
    session_ref: str | None = None


class Status(StrEnum):
    APPROVED_ON_TIME = "approved_on_time"
    APPROVED_LATE = "approved_late"
    IN_TERM = "in_term"
    OVERDUE = "overdue"
    WITHDRAWN = "withdrawn"


STATUS_LABELS: Mapping[Status, str] = {
    Status.APPROVED_ON_TIME: "Aprobado a tiempo",
    Status.APPROVED_LATE: "Aprobado con retraso",
    Status.IN_TERM: "En plazo",
    Status.OVERDUE: "Vencido",
    Status.WITHDRAWN: "Retirado",
}


def lima_day(value: datetime) -> date:
    return value.astimezone(LIMA).date()


@dataclass(frozen=True)
class ItemProgress:
    deliverable: DeliverableFact
    objective: str
    state: str
    state_label: str
    status: Status
    approved_at: datetime | None
    norm_reference: str | None
    session_ref: str | None
    days_late: int
    observations: int
    events: int
    deadline: Deadline  # the effective deadline the statuses were judged against

    @property
    def due(self) -> datetime:
        """The effective deadline's instant."""
        return self.deadline.effective

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def evidence(self) -> str:
        parts = [p for p in (self.norm_reference, self.session_ref) if p]
        return "; ".join(parts)


@dataclass(frozen=True)
class Tally:
    total: int = 0
    approved_on_time: int = 0
    approved_late: int = 0
    in_term: int = 0
    overdue: int = 0
    withdrawn: int = 0

    @property
    def approved(self) -> int:
        return self.approved_on_time + self.approved_late

    @property
    def applicable(self) -> int:
        return self.total - self.withdrawn

    @property
    def assessable(self) -> int:
        return self.approved + self.overdue

    @property
    def progress_pct(self) -> float | None:
        return pct(self.approved, self.applicable)

    @property
    def on_time_pct(self) -> float | None:
        return pct(self.approved_on_time, self.assessable)

    def count(self, status: Status) -> int:
        return int(getattr(self, status.value))

    def to_json(self) -> dict[str, object]:
        return {
            "total": self.total, "aplicables": self.applicable, "aprobados": self.approved,
            "aprobados_a_tiempo": self.approved_on_time, "aprobados_con_retraso": self.approved_late,
            "en_plazo": self.in_term, "vencidos": self.overdue, "retirados": self.withdrawn,
            "evaluables": self.assessable, "avance_pct": self.progress_pct, "oportunidad_pct": self.on_time_pct,
        }


def pct(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    return None if whole == 0 else round(100.0 * part / whole, 1)


def tally(items: Iterable[ItemProgress]) -> Tally:
    counts: dict[Status, int] = defaultdict(int)
    total = 0
    for it in items:
        counts[it.status] += 1
        total += 1
    return Tally(total=total, **{s.value: counts[s] for s in Status})


@dataclass(frozen=True)
class ScoreRow:
    owner: str
    owner_name: str
    tally: Tally
    max_days_late: int
    avg_days_late: float | None  # over late approvals and overdue ones


@dataclass(frozen=True)
class ProgrammingCell:
    period: str
    planned: bool
    approved_in_period: int  # approvals of the activity dated inside the period
    due_in_period: int  # applicable deliverables of the activity due at the period's end
    approved_of_due: int  # of those, approved by as_of


@dataclass(frozen=True)
class ProgrammingRow:
    objective_number: int
    activity: str
    title: str
    product: str
    cells: tuple[ProgrammingCell, ...]


@dataclass(frozen=True)
class TimelinePoint:
    day: date
    approved: int  # cumulative approvals up to this day
    due: int  # cumulative applicable deliverables due up to this day


@dataclass(frozen=True)
class Group:
    code: str
    label: str
    tally: Tally
    parent: str = ""  # an activity's objective


@dataclass(frozen=True)
class Progress:
    plan_code: str
    as_of: datetime
    window_start: datetime
    window_end: datetime
    period: str | None
    items: tuple[ItemProgress, ...]
    totals: Tally
    by_objective: tuple[Group, ...]
    by_activity: tuple[Group, ...]
    by_period: tuple[Group, ...]
    scorecard: tuple[ScoreRow, ...]
    overdue: tuple[ItemProgress, ...]
    due_soon: tuple[ItemProgress, ...]
    programming: tuple[ProgrammingRow, ...]
    timeline: tuple[TimelinePoint, ...] = field(default_factory=tuple)


def replay(
    d: DeliverableFact, lc: Lifecycle, events: Sequence[EventFact], objective: str, as_of: datetime,
    calendar: Calendar | None = None,
) -> ItemProgress:
    """The deliverable as it stood at ``as_of`` (``events`` in order, already cut at as_of),
    judged against its effective deadline under ``calendar`` (weekends only when None)."""
    approved_states = set(lc.states_with_outcome("approved"))
    withdrawn_states = set(lc.states_with_outcome("withdrawn"))
    state = lc.initial
    approved: EventFact | None = None
    observations = 0
    for ev in events:
        state = ev.to_state
        if ev.trigger == OBSERVE_TRIGGER:
            observations += 1
        if ev.to_state in approved_states:
            approved = ev
    deadline = effective_deadline(d.due, calendar or Calendar())
    due, due_day = deadline.effective, deadline.effective_day
    if state in approved_states and approved is not None:
        on_time = approved.at <= due
        status = Status.APPROVED_ON_TIME if on_time else Status.APPROVED_LATE
        late = 0 if on_time else max(1, (lima_day(approved.at) - due_day).days)
    elif state in withdrawn_states:
        status, late = Status.WITHDRAWN, 0
    elif due < as_of and lima_day(as_of) > due_day:  # a deadline lasts its whole last day
        status, late = Status.OVERDUE, (lima_day(as_of) - due_day).days
    else:
        status, late = Status.IN_TERM, 0
    return ItemProgress(
        deliverable=d, objective=objective, state=state, state_label=lc.label(state), status=status,
        approved_at=approved.at if approved and status in (Status.APPROVED_ON_TIME, Status.APPROVED_LATE) else None,
        norm_reference=approved.norm_reference if approved else None,
        session_ref=approved.session_ref if approved else None,
        days_late=late, observations=observations, events=len(events), deadline=deadline,
    )


def period_window(plan: Plan, period: str | None, as_of: datetime) -> tuple[datetime, datetime]:
    """The window a report covers: the period (cut at as_of), or the plan's life up to as_of."""
    if period is None:
        first = min(p.start for p in plan.periods)
        return datetime.combine(first, time(0, 0), LIMA), as_of
    p = plan.period(period)
    return datetime.combine(p.start, time(0, 0), LIMA), min(p.deadline, as_of)


def compute_progress(
    plan: Plan,
    lifecycles: Mapping[str, Lifecycle],
    deliverables: Iterable[DeliverableFact],
    events: Iterable[EventFact],
    as_of: datetime,
    period: str | None = None,
    calendar: Calendar | None = None,
) -> Progress:
    """Every figure of the progress report as of ``as_of``, deadlines moved off the
    non-working days of ``calendar`` (the working calendar in force).

    Deliverables created after ``as_of`` and events after it are ignored.
    """
    window_start, window_end = period_window(plan, period, as_of)
    by_deliverable: dict[int, list[EventFact]] = defaultdict(list)
    for ev in events:
        if ev.at <= as_of:
            by_deliverable[ev.deliverable_id].append(ev)
    activity_order = {a.code: i for i, a in enumerate(plan.activities)}
    objective_of = {a.code: a.objective for a in plan.activities}
    present = sorted(
        (d for d in deliverables if d.created_at <= as_of),
        key=lambda d: (activity_order.get(d.activity, len(activity_order)), d.owner, d.due, d.id),
    )
    items = tuple(
        replay(d, lifecycles[d.kind], sorted(by_deliverable.get(d.id, []), key=lambda e: e.seq),
               objective_of.get(d.activity, ""), as_of, calendar)
        for d in present
    )
    return Progress(
        plan_code=plan.code, as_of=as_of, window_start=window_start, window_end=window_end, period=period,
        items=items, totals=tally(items),
        by_objective=tuple(
            Group(o.code, f"Objetivo prioritario {o.number}", tally(i for i in items if i.objective == o.code))
            for o in plan.objectives
        ),
        by_activity=tuple(
            Group(a.code, a.title, tally(i for i in items if i.deliverable.activity == a.code), a.objective)
            for a in plan.activities
        ),
        by_period=tuple(
            Group(p.code, p.name, tally(i for i in items if i.deliverable.period == p.code)) for p in plan.periods
        ),
        scorecard=scorecard(plan, items),
        overdue=tuple(sorted((i for i in items if i.status is Status.OVERDUE), key=lambda i: (-i.days_late, i.deliverable.id))),
        due_soon=tuple(
            sorted(
                (i for i in items if i.status is Status.IN_TERM and i.due <= as_of + timedelta(days=DUE_SOON_DAYS)),
                key=lambda i: (i.due, i.deliverable.id),
            )
        ),
        programming=programming(plan, items),
        timeline=timeline(items),
    )


def scorecard(plan: Plan, items: Sequence[ItemProgress]) -> tuple[ScoreRow, ...]:
    """One row per responsible party (entity, the commission, a team), best on-time first."""
    grouped: dict[str, list[ItemProgress]] = defaultdict(list)
    for it in items:
        grouped[it.deliverable.owner].append(it)
    rows = []
    for owner, its in grouped.items():
        lateness = [i.days_late for i in its if i.status in (Status.APPROVED_LATE, Status.OVERDUE)]
        rows.append(
            ScoreRow(
                owner=owner, owner_name=plan.owner_name(owner), tally=tally(its),
                max_days_late=max(lateness, default=0),
                avg_days_late=round(sum(lateness) / len(lateness), 1) if lateness else None,
            )
        )
    return tuple(
        sorted(rows, key=lambda r: (-(r.tally.on_time_pct if r.tally.on_time_pct is not None else -1.0), r.owner))
    )


def programming(plan: Plan, items: Sequence[ItemProgress]) -> tuple[ProgrammingRow, ...]:
    """Section V of the plan with planned marks and what was actually approved per period."""
    rows = []
    for act in plan.activities:
        its = [i for i in items if i.deliverable.activity == act.code]
        cells = []
        for p in plan.periods:
            start = datetime.combine(p.start, time(0, 0), LIMA)
            due_here = [i for i in its if i.deliverable.period == p.code and i.status is not Status.WITHDRAWN]
            cells.append(
                ProgrammingCell(
                    period=p.code, planned=p.code in act.schedule,
                    approved_in_period=sum(1 for i in its if i.approved_at is not None and start <= i.approved_at <= p.deadline),
                    due_in_period=len(due_here),
                    approved_of_due=sum(1 for i in due_here if i.approved_at is not None),
                )
            )
        rows.append(
            ProgrammingRow(
                objective_number=plan.objective(act.objective).number, activity=act.code, title=act.title,
                product=act.product.name_in_schedule or act.product.name, cells=tuple(cells),
            )
        )
    return tuple(rows)


def timeline(items: Sequence[ItemProgress]) -> tuple[TimelinePoint, ...]:
    """Cumulative approvals and cumulative due deliverables, one point per day that changes."""
    approvals: dict[date, int] = defaultdict(int)
    dues: dict[date, int] = defaultdict(int)
    for it in items:
        if it.approved_at is not None:
            approvals[lima_day(it.approved_at)] += 1
        if it.status is not Status.WITHDRAWN:
            dues[it.deadline.effective_day] += 1
    points = []
    approved = due = 0
    for day in sorted(set(approvals) | set(dues)):
        approved += approvals.get(day, 0)
        due += dues.get(day, 0)
        points.append(TimelinePoint(day, approved, due))
    return tuple(points)
