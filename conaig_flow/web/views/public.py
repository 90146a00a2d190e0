"""What the public face reads (no session): the commission and its plan, its progress (the
open data's figures), its sessions held with their approved actas, and its consultations.

Everything here is either plan data or what the open-data export already publishes; no email,
no person's name, no draft, no outbox. docs/architecture.md "The public face" says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conaig_flow.app import App
from conaig_flow.domain.plan import Activity, Plan
from conaig_flow.domain.progress import Group, ItemProgress, Tally
from conaig_flow.errors import NotFound
from conaig_flow.services.reports import reports
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import views as session_views

#: The acta states in which an acta is the commission's approved record (public).
PUBLIC_ACTA_STATES = ("approved", "signed")


@dataclass(frozen=True)
class ActivityView:
    code: str
    title: str
    product: str
    responsible: str
    periods: str


@dataclass(frozen=True)
class ObjectiveView:
    code: str
    number: int
    title: str
    activities: list[ActivityView]


@dataclass(frozen=True)
class Member:
    code: str
    name: str
    votes: bool


@dataclass(frozen=True)
class PublicHome:
    code: str
    name: str
    kind: str | None
    object: str | None
    legal_basis: list[str]
    plan_title: str
    general_objective: str | None
    presidency: str
    secretariat: str
    members: list[Member]
    invited: list[Member]
    objectives: list[ObjectiveView]


def _responsible(plan: Plan, a: Activity) -> str:
    r = a.responsible
    if r.description:
        return r.description
    if r.entities:
        return ", ".join(plan.owner_name(code) for code in r.entities)
    if r.commission:
        return plan.commission.name
    if r.from_activity:
        return f"Las entidades que cumplieron la actividad {r.from_activity}"
    return f"El equipo de trabajo formado en la actividad {r.team_from}"


def home(app: App) -> PublicHome:
    plan = app.definitions().plan
    c = plan.commission
    sec = c.secretariat
    objectives = [
        ObjectiveView(o.code, o.number, o.title, [
            ActivityView(a.code, a.title, a.product.name,
                         _responsible(plan, a), ", ".join(plan.period(p).name for p in a.schedule))
            for a in plan.activities if a.objective == o.code
        ])
        for o in sorted(plan.objectives, key=lambda o: o.number)
    ]
    members = [Member(e.code, e.name, e.has_vote) for e in plan.entities if e.participation == "member"]
    invited = [Member(e.code, e.name, e.has_vote) for e in plan.entities if e.participation != "member"]
    return PublicHome(
        code=c.code, name=c.name, kind=c.kind, object=c.object, legal_basis=list(c.legal_basis),
        plan_title=plan.plan.title, general_objective=plan.plan.general_objective,
        presidency=plan.owner_name(c.presidency),
        secretariat=f"{sec.unit_name} ({sec.unit_code}) — {plan.owner_name(sec.entity)}",
        members=members, invited=invited, objectives=objectives,
    )


@dataclass(frozen=True)
class PublicProgress:
    as_of: datetime
    totals: Tally
    by_objective: tuple[Group, ...]
    by_activity: tuple[Group, ...]
    items: list[ItemProgress]
    owner_names: dict[str, str]
    activity_titles: dict[str, str]


def progress(app: App) -> PublicProgress:
    """The figures of the open-data export (the same computation, as of now)."""
    facts = reports.open_data(app)
    p = facts.progress
    owners = {k.removeprefix("owner:"): v for k, v in facts.plan_info.items() if k.startswith("owner:")}
    titles = {k.removeprefix("activity:"): v for k, v in facts.plan_info.items() if k.startswith("activity:")}
    items = sorted(p.items, key=lambda i: (i.deliverable.activity, i.deliverable.owner, i.deliverable.period))
    return PublicProgress(p.as_of, p.totals, p.by_objective, p.by_activity, items, owners, titles)


@dataclass(frozen=True)
class PublicAgreement:
    number: int
    text: str
    result: str


@dataclass(frozen=True)
class PublicSession:
    id: int
    label: str
    kind_label: str
    held_on: datetime
    modality: str
    acta_code: str | None
    acta_public: bool
    acta_approved_at: datetime | None
    agreements: list[PublicAgreement]


def held_sessions(app: App) -> list[PublicSession]:
    """The sessions the commission held (concluded), newest first, with their agreements and
    whether their acta is approved (then downloadable)."""
    out = []
    for s in reversed(session_views.list_sessions(app)):
        if s.status != "closed":
            continue
        r = session_views.session_record(app, s.id)
        # agreements are published with the approved acta (until then they are a draft's)
        agreements = [PublicAgreement(i.agreement_number, i.agreement_text or f"{i.text} — {i.result_label}", i.result_label)
                      for i in r.items if i.agreement_number is not None] if r.acta_state in PUBLIC_ACTA_STATES else []
        out.append(PublicSession(
            r.id, r.label, r.kind_label, r.opened_at or r.scheduled_at, r.modality, r.acta_code,
            r.acta_state in PUBLIC_ACTA_STATES, r.acta_approved_at, agreements,
        ))
    return out


def approved_acta(app: App, session_id: int) -> tuple[str, bytes]:
    """(file name, PDF) of a held session's approved acta; NotFound for any other."""
    record = session_views.session_record(app, session_id)
    if record.status != "closed" or record.acta_state not in PUBLIC_ACTA_STATES:
        raise NotFound(f"La sesión N° {session_id} no tiene un acta aprobada publicada.")
    return actas.document(app, session_id, "acta", "pdf")
