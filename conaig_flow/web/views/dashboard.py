"""Progress figures of the plan for the dashboard: by objective, activity, entity and
period, the overdue list, and section V's programming table as planned vs actual.

Every signed-in person sees these aggregated figures (the plan's progress is public within
the commission); the deliverables themselves stay visible only to whom ``can_see`` allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.actors import Actor
from conaig_flow.services.deliverables.deliverables import view
from conaig_flow.services.deliverables.records import DeliverableView
from conaig_flow.store.definitions import Definitions
from conaig_flow.store.tables import DeliverableRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]

#: Buckets a deliverable falls in, in display order, with their Spanish labels.
BUCKETS: dict[str, str] = {
    "approved": "Aprobados",
    "in_review": "En revisión",
    "observed": "Observados",
    "pending": "Por presentar",
    "closed": "Retirados",
}


@dataclass
class Tally:
    key: str
    label: str
    total: int = 0
    overdue: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))

    @property
    def approved_pct(self) -> int:
        return round(100 * self.counts["approved"] / self.total) if self.total else 0

    def to_json(self) -> dict[str, object]:
        return {"key": self.key, "label": self.label, "total": self.total, "overdue": self.overdue,
                "approved_pct": self.approved_pct, "counts": dict(self.counts)}


@dataclass(frozen=True)
class ScheduleCell:
    planned: bool
    due: int  # deliverables of the activity due at the end of this period
    approved: int  # of those, how many are approved
    approved_in_period: int  # approvals of this activity that happened within the period


@dataclass(frozen=True)
class ScheduleRow:
    activity: str
    product: str
    cells: list[ScheduleCell]


@dataclass(frozen=True, eq=False)
class Figures:
    """The plan-wide figures at one data version; the same object is handed out while it holds
    (see ``build``), so whoever renders it may keep the result beside it."""

    total: Tally
    by_objective: list[Tally]
    by_activity: list[Tally]
    by_entity: list[Tally]
    by_period: list[Tally]
    overdue: list[DeliverableView]
    periods: list[tuple[str, str]]  # (code, name)
    schedule: list[ScheduleRow]


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    figures: Figures

    @property
    def total(self) -> Tally:
        return self.figures.total

    @property
    def by_objective(self) -> list[Tally]:
        return self.figures.by_objective

    @property
    def by_activity(self) -> list[Tally]:
        return self.figures.by_activity

    @property
    def by_entity(self) -> list[Tally]:
        return self.figures.by_entity

    @property
    def by_period(self) -> list[Tally]:
        return self.figures.by_period

    @property
    def overdue(self) -> list[DeliverableView]:
        return self.figures.overdue

    @property
    def periods(self) -> list[tuple[str, str]]:
        return self.figures.periods

    @property
    def schedule(self) -> list[ScheduleRow]:
        return self.figures.schedule


def bucket(defs: Definitions, d: DeliverableView) -> str:
    lc = defs.lifecycles[d.kind]
    if d.terminal:
        return "approved" if lc.state(d.state).outcome == "approved" else "closed"
    if d.state == lc.initial:
        return "pending"
    if d.state == "observed":
        return "observed"
    return "in_review"


# The data version of the deliverables table. Every change the application makes to it is an
# insert (the count grows) or a transition (``deliverables._ADVANCE_ROW`` raises the row's
# version by one, so the sum grows); rows are never deleted. Both only grow, so two reads
# that give the same count and sum saw the same rows; the largest id and update instant are
# there for a database rebuilt from scratch under a running process.
_DATA_VERSION = select(func.count(), func.coalesce(func.sum(D.c.version), 0), func.max(D.c.id), func.max(D.c.updated_at))
_ALL_ROWS = select(D).order_by(D.c.activity, D.c.id)
_MEMO_KEY = "dashboard.figures"


def _version_of(rows: Sequence[Any]) -> tuple[Any, ...]:
    """``_DATA_VERSION`` computed from the rows themselves (so it is exactly theirs, whatever
    the isolation level: on PostgreSQL two statements of one transaction may see different data)."""
    if not rows:
        return (0, 0, None, None)
    return (len(rows), sum(r.version for r in rows), max(r.id for r in rows), max(r.updated_at for r in rows))


@dataclass(frozen=True)
class _Cached:
    definitions: Definitions
    version: tuple[Any, ...]
    #: the figures hold for any instant in (valid_after, valid_until]: no deliverable that is
    #: still open falls due in between (overdue means due before now)
    valid_after: datetime | None
    valid_until: datetime | None
    figures: Figures

    def holds(self, definitions: Definitions, version: tuple[Any, ...], now: datetime) -> bool:
        return (
            definitions is self.definitions and version == self.version
            and (self.valid_after is None or self.valid_after < now)
            and (self.valid_until is None or now <= self.valid_until)
        )


def build(app: App, actor: Actor) -> Dashboard:
    """The dashboard at ``app.clock.now()``.

    The figures are kept per process (``app.memo``) and reused only after checking, on every
    call, that the deliverables table is at the same data version and that no open
    deliverable fell due since: a change made by another process is seen at once.
    """
    del actor  # every signed-in role sees the aggregated figures
    defs = app.definitions()
    now = app.clock.now()
    cached = app.memo.get(_MEMO_KEY)
    with app.db.read() as conn:
        if isinstance(cached, _Cached):
            version = tuple(conn.execute(_DATA_VERSION).one())
            if cached.holds(defs, version, now):
                return Dashboard(now=now, figures=cached.figures)
        rows = conn.execute(_ALL_ROWS).all()
    entry = _compute(defs, rows, now)
    app.memo[_MEMO_KEY] = entry
    return Dashboard(now=now, figures=entry.figures)


def _compute(defs: Definitions, rows: Sequence[Any], now: datetime) -> _Cached:
    plan = defs.plan
    items = [view(defs, r) for r in rows]
    buckets = [bucket(defs, d) for d in items]
    total = Tally("total", "Todo el plan")
    by_obj = {o.code: Tally(o.code, f"Objetivo {o.number}") for o in plan.objectives}
    by_act = {a.code: Tally(a.code, f"{a.code} — {a.product.name}") for a in plan.activities}
    by_ent: dict[str, Tally] = {}
    by_per = {p.code: Tally(p.code, p.name) for p in plan.periods}
    objective_of = {a.code: a.objective for a in plan.activities}
    overdue = []
    valid_after: datetime | None = None
    valid_until: datetime | None = None
    of_activity: dict[str, list[tuple[DeliverableView, str]]] = {}
    for d, b in zip(items, buckets, strict=True):
        late = not d.terminal and d.due < now
        if late:
            overdue.append(d)
            valid_after = d.due if valid_after is None else max(valid_after, d.due)
        elif not d.terminal:
            valid_until = d.due if valid_until is None else min(valid_until, d.due)
        ent = by_ent.setdefault(d.owner, Tally(d.owner, d.owner_name))
        for t in (total, by_obj[objective_of[d.activity]], by_act[d.activity], ent, by_per[d.period]):
            t.total += 1
            t.counts[b] += 1
            t.overdue += int(late)
        of_activity.setdefault(d.activity, []).append((d, b))
    schedule = []
    for a in plan.activities:
        mine = of_activity.get(a.code, [])
        cells = []
        for p in plan.periods:
            due_here = [b for d, b in mine if d.period == p.code]
            approved_in = [
                d for d, b in mine if b == "approved" and p.start <= d.updated_at.astimezone(LIMA).date() <= p.end
            ]
            cells.append(ScheduleCell(
                planned=p.code in a.schedule, due=len(due_here),
                approved=sum(1 for b in due_here if b == "approved"),
                approved_in_period=len(approved_in),
            ))
        schedule.append(ScheduleRow(a.code, a.product.name_in_schedule or a.product.name, cells))
    figures = Figures(
        total=total, by_objective=list(by_obj.values()), by_activity=list(by_act.values()),
        by_entity=sorted(by_ent.values(), key=lambda t: t.key), by_period=list(by_per.values()),
        overdue=sorted(overdue, key=lambda d: (d.due, d.id)),
        periods=[(p.code, p.name) for p in plan.periods], schedule=schedule,
    )
    return _Cached(defs, _version_of(rows), valid_after, valid_until, figures)
