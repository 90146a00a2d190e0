"""Which deliverables a plan creates, for whom, and when each is due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conaig_flow.domain.plan import Activity, Plan


@dataclass(frozen=True)
class DeliverableSpec:
    activity: str
    kind: str
    owner: str  # an entity code, the commission's code, or a team code
    owner_kind: str  # "entity" | "commission" | "team"
    period: str  # the period whose end is the deadline
    due: datetime  # aware, Lima
    title: str


def _title(plan: Plan, act: Activity, owner_name: str, period: str | None) -> str:
    suffix = f" ({period})" if period else ""
    return f"{act.product.name.rstrip('.')} — {owner_name}{suffix}"


def _once(plan: Plan, act: Activity, owner: str, owner_kind: str, owner_name: str) -> DeliverableSpec:
    last = max((plan.period(c) for c in act.schedule), key=lambda p: p.end)
    return DeliverableSpec(
        activity=act.code,
        kind=act.product.kind,
        owner=owner,
        owner_kind=owner_kind,
        period=last.code,
        due=last.deadline,
        title=_title(plan, act, owner_name, None),
    )


def _per_period(
    plan: Plan, act: Activity, owner: str, owner_kind: str, owner_name: str, after: datetime | None
) -> list[DeliverableSpec]:
    out = []
    for code in act.schedule:
        period = plan.period(code)
        if after is not None and period.deadline <= after:
            continue
        out.append(
            DeliverableSpec(
                activity=act.code,
                kind=act.product.kind,
                owner=owner,
                owner_kind=owner_kind,
                period=code,
                due=period.deadline,
                title=_title(plan, act, owner_name, code),
            )
        )
    return out


def initial_deliverables(plan: Plan) -> list[DeliverableSpec]:
    """The deliverables that exist as soon as the plan is loaded: those whose responsible
    entities are listed, and those of the commission itself. Activities whose responsible
    parties come from another deliverable get theirs later (see ``on_approval``)."""
    specs: list[DeliverableSpec] = []
    for act in plan.activities:
        r = act.responsible
        if r.entities:
            for code in r.entities:
                name = plan.entity(code).name
                if act.recurrence == "per_period":
                    specs.extend(_per_period(plan, act, code, "entity", name, None))
                else:
                    specs.append(_once(plan, act, code, "entity", name))
        elif r.commission:
            c = plan.commission
            if act.recurrence == "per_period":
                specs.extend(_per_period(plan, act, c.code, "commission", c.name, None))
            else:
                specs.append(_once(plan, act, c.code, "commission", c.name))
    return specs


def on_approval(
    plan: Plan, activity: str, owner: str, reached_state: str, at: datetime
) -> list[DeliverableSpec]:
    """Deliverables that come into being because ``owner``'s deliverable of ``activity``
    reached ``reached_state`` at ``at`` (e.g. implementation reports once a protocol is
    approved: one per period that ends after the approval)."""
    specs: list[DeliverableSpec] = []
    for act in plan.activities:
        r = act.responsible
        if r.from_activity != activity or r.when_state != reached_state:
            continue
        name = plan.owner_name(owner)
        if act.recurrence == "per_period":
            specs.extend(_per_period(plan, act, owner, "entity", name, at))
        else:
            specs.append(_once(plan, act, owner, "entity", name))
    return specs


def for_team(plan: Plan, forming_activity: str, team_code: str, team_name: str) -> list[DeliverableSpec]:
    """Deliverables owned by the team formed in ``forming_activity``."""
    specs: list[DeliverableSpec] = []
    for act in plan.activities:
        if act.responsible.team_from != forming_activity:
            continue
        if act.recurrence == "per_period":
            specs.extend(_per_period(plan, act, team_code, "team", team_name, None))
        else:
            specs.append(_once(plan, act, team_code, "team", team_name))
    return specs
