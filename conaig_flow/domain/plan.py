"""The work plan of a multisectoral commission, as validated data.

The shape follows the Directiva N° 001-2013-PCM/SC: a commission with member entities,
a presidency and a technical secretariat, periods, objectives and activities with their
products, responsible entities and schedule. Nothing here is specific to CONAIG.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from conaig_flow.clock import LIMA
from conaig_flow.domain.reminder_policy import ReminderPolicy
from conaig_flow.domain.session_rules import QuorumRule as QuorumRule  # re-exported
from conaig_flow.domain.session_rules import SessionRules
from conaig_flow.errors import DefinitionIssue

Code = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]

COMMISSION_OWNER = "commission"  # owner kind of deliverables the commission itself produces


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Entity(_Model):
    code: Code
    name: Text
    participation: Literal["member", "invited"] = "member"
    votes: bool | None = None  # default: members vote, invited entities do not
    note: str | None = None

    @property
    def has_vote(self) -> bool:
        return self.votes if self.votes is not None else self.participation == "member"


class Secretariat(_Model):
    entity: Code
    unit_code: Code
    unit_name: Text


class Commission(_Model):
    code: Code
    name: Text
    kind: str | None = None
    #: the commission's object (what its creating norm sets it up to do), as the plan states it
    object: str | None = None
    legal_basis: list[Text] = Field(default_factory=list)
    presidency: Code
    secretariat: Secretariat


class Period(_Model):
    code: Code
    name: Text
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"el período termina ({self.end}) antes de empezar ({self.start})")
        return self

    @property
    def deadline(self) -> datetime:
        """The last instant of the period: 23:59:59 Lima time on its last day."""
        return datetime.combine(self.end, time(23, 59, 59), LIMA)


class Objective(_Model):
    code: Code
    number: int = Field(ge=1)
    title: Text


class Product(_Model):
    kind: Code
    name: Text
    name_in_schedule: str | None = None  # section V may word the product differently


class Responsible(_Model):
    """Exactly one of: a list of entities; the commission itself; the entities whose
    deliverable of another activity reached a state; the team formed in another activity."""

    entities: list[Code] | None = None
    commission: bool | None = None
    from_activity: Code | None = None
    when_state: Code = "approved"
    team_from: Code | None = None
    description: str | None = None  # the seed's own wording

    @model_validator(mode="after")
    def _exactly_one(self) -> Responsible:
        chosen = [
            n
            for n, v in (
                ("entities", self.entities),
                ("commission", self.commission),
                ("from_activity", self.from_activity),
                ("team_from", self.team_from),
            )
            if v
        ]
        if len(chosen) != 1:
            raise ValueError(
                "indique exactamente una forma de responsable: entities, commission, "
                f"from_activity o team_from (se encontró: {', '.join(chosen) or 'ninguna'})"
            )
        return self


class Advisory(_Model):
    entity: Code
    role: Literal["reviewer"] = "reviewer"
    note: Text


class EntityNote(_Model):
    entity: Code
    note: Text


class Activity(_Model):
    code: Code
    objective: Code
    title: Text
    product: Product
    responsible: Responsible
    schedule: list[Code] = Field(min_length=1)
    recurrence: Literal["once", "per_period"] = "once"
    depends_on: list[Code] = Field(default_factory=list)
    advisory: list[Advisory] = Field(default_factory=list)
    entity_notes: list[EntityNote] = Field(default_factory=list)


SectionRole = Literal["background", "members", "objectives", "activities", "programming", "follow_up"]


class PlanSection(_Model):
    """A section of the plan document that readers of a report may be pointed to."""

    number: Text  # as the plan numbers it: "V"
    title: Text  # "Programación de actividades"
    text: str | None = None  # the section's own words, where a report quotes them


class PlanNote(_Model):
    """A note of the plan (e.g. a footnote) that applies to the whole plan, or to what some
    entities do under it."""

    ref: Text  # how the plan labels it: "Nota 3"
    text: Text  # its words, quoted
    entities: list[Code] = Field(default_factory=list)  # empty: every entity
    where: str | None = None  # where the plan places it: "sección IV, responsables de A1.1"


class PlanInfo(_Model):
    code: Code
    title: Text
    source: str | None = None
    general_objective: str | None = None
    sections: dict[SectionRole, PlanSection] = Field(default_factory=dict)
    notes: list[PlanNote] = Field(default_factory=list)

    def section_ref(self, role: SectionRole) -> str | None:
        """'sección V' when the plan has such a section, else None."""
        section = self.sections.get(role)
        return None if section is None else f"sección {section.number}"


class ReportSettings(_Model):
    """How the technical secretariat heads and numbers its reports (data, per plan).

    ``number_pattern`` fields: number (three digits, or blank lines when the number is
    assigned later by the entity's document management system), year, entity (the
    secretariat's entity code), unit (its unit code). ``year_names`` holds the official
    name of each year ("Año del Bicentenario del Perú: 200 años de Independencia"), set
    every year by Decreto Supremo.
    """

    number_pattern: Text = "INFORME N° {number}-{year}-{entity}/{unit}"
    addressee: str | None = None
    year_names: dict[int, Text] = Field(default_factory=dict)


class Plan(_Model):
    schema_version: Literal[1] = 1
    plan: PlanInfo
    commission: Commission
    entities: list[Entity] = Field(min_length=1)
    session_rules: SessionRules = SessionRules()
    periods: list[Period] = Field(min_length=1)
    objectives: list[Objective] = Field(min_length=1)
    activities: list[Activity] = Field(min_length=1)
    report: ReportSettings = ReportSettings()
    reminders: ReminderPolicy = ReminderPolicy()
    #: how this plan names each product kind (default: its lifecycle's name)
    product_kinds: dict[Code, Text] = Field(default_factory=dict)

    # -- lookups -----------------------------------------------------------------
    @property
    def code(self) -> str:
        return self.plan.code

    def entity(self, code: str) -> Entity:
        for e in self.entities:
            if e.code == code:
                return e
        raise KeyError(code)

    def period(self, code: str) -> Period:
        for p in self.periods:
            if p.code == code:
                return p
        raise KeyError(code)

    def activity(self, code: str) -> Activity:
        for a in self.activities:
            if a.code == code:
                return a
        raise KeyError(code)

    def objective(self, code: str) -> Objective:
        for o in self.objectives:
            if o.code == code:
                return o
        raise KeyError(code)

    @property
    def voting_members(self) -> list[Entity]:
        return [e for e in self.entities if e.has_vote]

    def notes_for(self, entity: str) -> list[PlanNote]:
        """The plan-wide notes that apply to ``entity``."""
        return [n for n in self.plan.notes if not n.entities or entity in n.entities]

    def owner_name(self, owner: str) -> str:
        if owner == self.commission.code:
            return self.commission.name
        try:
            return self.entity(owner).name
        except KeyError:
            return owner


def cross_check(plan: Plan, file: str, lifecycle_kinds: set[str]) -> list[DefinitionIssue]:
    """References between parts of the plan: every code used must be defined, once."""
    issues: list[DefinitionIssue] = []

    def issue(path: str, message: str) -> None:
        issues.append(DefinitionIssue(file, path, message))

    def unique(items: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for i, code in enumerate(items):
            if code in seen:
                issue(f"{path}[{i}].code", f"{what} '{code}' repetido")
            seen.add(code)

    unique([e.code for e in plan.entities], "entities", "código de entidad")
    unique([p.code for p in plan.periods], "periods", "código de período")
    unique([o.code for o in plan.objectives], "objectives", "código de objetivo")
    unique([a.code for a in plan.activities], "activities", "código de actividad")

    entities = {e.code for e in plan.entities}
    periods = {p.code: p for p in plan.periods}
    objectives = {o.code for o in plan.objectives}
    activities = {a.code: a for a in plan.activities}

    def known_entity(code: str, path: str) -> None:
        if code not in entities:
            issue(path, f"entidad desconocida '{code}' (no figura en entities)")

    if plan.commission.code in entities:
        issue("commission.code", f"'{plan.commission.code}' no puede ser también el código de una entidad")
    known_entity(plan.commission.presidency, "commission.presidency")
    for i, plan_note in enumerate(plan.plan.notes):
        for j, code in enumerate(plan_note.entities):
            known_entity(code, f"plan.notes[{i}].entities[{j}]")
    for kind in plan.product_kinds:
        if kind not in lifecycle_kinds:
            issue(f"product_kinds.{kind}", f"tipo de producto '{kind}' sin ciclo de vida")
    for i, step in enumerate(plan.reminders.next_step):
        for j, kind in enumerate(step.kinds):
            if kind not in lifecycle_kinds:
                issue(f"reminders.next_step[{i}].kinds[{j}]", f"tipo de producto '{kind}' sin ciclo de vida")
    known_entity(plan.commission.secretariat.entity, "commission.secretariat.entity")
    ordered = sorted(plan.periods, key=lambda p: p.start)
    for a, b in itertools.pairwise(ordered):
        if b.start <= a.end:
            issue("periods", f"los períodos '{a.code}' y '{b.code}' se superponen")

    def no_repeats(items: list[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for j, code in enumerate(items):
            if code in seen:
                issue(f"{path}[{j}]", f"{what} '{code}' figura dos veces")
            seen.add(code)

    for i, act in enumerate(plan.activities):
        base = f"activities[{i}]"
        no_repeats(act.schedule, f"{base}.schedule", "período")
        no_repeats(act.responsible.entities or [], f"{base}.responsible.entities", "entidad")
        no_repeats(act.depends_on, f"{base}.depends_on", "actividad")
        if act.objective not in objectives:
            issue(f"{base}.objective", f"objetivo desconocido '{act.objective}'")
        if act.product.kind not in lifecycle_kinds:
            kinds = ", ".join(sorted(lifecycle_kinds)) or "ninguno"
            issue(
                f"{base}.product.kind",
                f"tipo de producto '{act.product.kind}' sin ciclo de vida (hay: {kinds})",
            )
        for j, code in enumerate(act.schedule):
            if code not in periods:
                issue(f"{base}.schedule[{j}]", f"período desconocido '{code}'")
        r = act.responsible
        for j, code in enumerate(r.entities or []):
            known_entity(code, f"{base}.responsible.entities[{j}]")
        for field, ref in (("from_activity", r.from_activity), ("team_from", r.team_from)):
            if ref is not None and (ref not in activities or ref == act.code):
                issue(f"{base}.responsible.{field}", f"actividad desconocida '{ref}'")
        for j, code in enumerate(act.depends_on):
            if code not in activities or code == act.code:
                issue(f"{base}.depends_on[{j}]", f"actividad desconocida '{code}'")
        for j, adv in enumerate(act.advisory):
            known_entity(adv.entity, f"{base}.advisory[{j}].entity")
        for j, note in enumerate(act.entity_notes):
            known_entity(note.entity, f"{base}.entity_notes[{j}].entity")
        if act.recurrence == "per_period" and r.from_activity is None and r.entities is None:
            issue(
                f"{base}.recurrence",
                "la recurrencia por período requiere responsables por entidad (entities o from_activity)",
            )
    return issues
