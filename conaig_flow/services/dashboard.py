"""Progress figures of the plan for the dashboard: by objective, activity, entity and
period, the overdue list, and section V's programming table as planned vs actual.

Every signed-in person sees these aggregated figures (the plan's progress is public within
the commission); the deliverables themselves stay visible only to whom ``can_see`` allows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.definitions import Definitions
from conaig_flow.domain.actors import Actor
from conaig_flow.services.deliverables import view
from conaig_flow.services.records import DeliverableView
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


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    total: Tally
    by_objective: list[Tally]
    by_activity: list[Tally]
    by_entity: list[Tally]
    by_period: list[Tally]
    overdue: list[DeliverableView]
    periods: list[tuple[str, str]]  # (code, name)
    schedule: list[ScheduleRow]


def bucket(defs: Definitions, d: DeliverableView) -> str:
    lc = defs.lifecycles[d.kind]
    if d.terminal:
        return "approved" if lc.state(d.state).outcome == "approved" else "closed"
    if d.state == lc.initial:
        return "pending"
    if d.state == "observed":
        return "observed"
    return "in_review"


def build(app: App, actor: Actor) -> Dashboard:
    del actor  # every signed-in role sees the aggregated figures
    defs = app.definitions()
    plan = defs.plan
    now = app.clock.now()
    with app.db.read() as conn:
        rows = conn.execute(select(D).order_by(D.c.activity, D.c.id)).all()
    items = [view(defs, r) for r in rows]
    total = Tally("total", "Todo el plan")
    by_obj = {o.code: Tally(o.code, f"Objetivo {o.number}") for o in plan.objectives}
    by_act = {a.code: Tally(a.code, f"{a.code} — {a.product.name}") for a in plan.activities}
    by_ent: dict[str, Tally] = {}
    by_per = {p.code: Tally(p.code, p.name) for p in plan.periods}
    overdue = []
    for d in items:
        b = bucket(defs, d)
        late = not d.terminal and d.due < now
        if late:
            overdue.append(d)
        obj = plan.activity(d.activity).objective
        ent = by_ent.setdefault(d.owner, Tally(d.owner, d.owner_name))
        for t in (total, by_obj[obj], by_act[d.activity], ent, by_per[d.period]):
            t.total += 1
            t.counts[b] += 1
            t.overdue += int(late)
    schedule = []
    for a in plan.activities:
        cells = []
        for p in plan.periods:
            mine = [d for d in items if d.activity == a.code]
            due_here = [d for d in mine if d.period == p.code]
            approved_in = [
                d for d in mine
                if bucket(defs, d) == "approved" and p.start <= d.updated_at.astimezone(LIMA).date() <= p.end
            ]
            cells.append(ScheduleCell(
                planned=p.code in a.schedule, due=len(due_here),
                approved=sum(1 for d in due_here if bucket(defs, d) == "approved"),
                approved_in_period=len(approved_in),
            ))
        schedule.append(ScheduleRow(a.code, a.product.name_in_schedule or a.product.name, cells))
    return Dashboard(
        now=now, total=total, by_objective=list(by_obj.values()), by_activity=list(by_act.values()),
        by_entity=sorted(by_ent.values(), key=lambda t: t.key), by_period=list(by_per.values()),
        overdue=sorted(overdue, key=lambda d: (d.due, d.id)),
        periods=[(p.code, p.name) for p in plan.periods], schedule=schedule,
    )
