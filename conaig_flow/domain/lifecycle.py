"""A product kind's lifecycle, as validated data: states, transitions, who may fire each
and what each requires."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from conaig_flow.errors import DefinitionIssue

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]

Role = Literal["officer", "secretariat", "reviewer", "member", "admin", "system"]
Requirement = Literal[
    "document", "comment", "norm_reference", "session", "contributions_answered", "consultation_registered",
    "no_consultation",
]

#: Requirements decided by facts outside the transition request (checked by the services and
#: handed to the engine as ``Evidence.conditions``).
EXTERNAL_REQUIREMENTS = frozenset({"contributions_answered", "consultation_registered", "no_consultation"})
#: External requirements that say whether a transition applies at all (nobody can supply
#: them): a transition whose guard is unmet is not offered to anybody.
GUARD_REQUIREMENTS = frozenset({"no_consultation"})
#: Who fires the transitions that are steps of another feature: only the system, on behalf
#: of that feature's service (a session's agreement, a consultation opened or closed).
SERVICE_ROLES = ("system",)
Scope = Literal["any", "own_entity", "advisory"]
Outcome = Literal["approved", "withdrawn", "rejected"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class State(_Model):
    name: Name
    label: str = Field(min_length=1)
    terminal: bool = False
    outcome: Outcome | None = None  # what a terminal state means for progress figures
    description: str | None = None


class Transition(_Model):
    trigger: Name
    label: str = Field(min_length=1)
    source: list[Name] = Field(min_length=1)
    dest: Name
    roles: list[Role] = Field(min_length=1)
    scope: Scope = "any"
    requires: list[Requirement] = Field(default_factory=list)
    description: str | None = None
    in_session: bool = False  # fired by an agreement of a session, not by hand
    consultation: Literal["opens", "closes"] | None = None  # fired when a consultation opens / closes

    @property
    def fired_by(self) -> Literal["session", "consultation"] | None:
        """The feature whose service alone fires this transition (None: a person fires it)."""
        if self.in_session:
            return "session"
        if self.consultation is not None:
            return "consultation"
        return None

    @field_validator("source", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Lifecycle(_Model):
    kind: Name
    name: str = Field(min_length=1)
    description: str | None = None
    initial: Name
    states: list[State] = Field(min_length=1)
    transitions: list[Transition] = Field(min_length=1)

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.source]

    def transition(self, trigger: str, state: str) -> Transition | None:
        for t in self.transitions:
            if t.trigger == trigger and state in t.source:
                return t
        return None

    @property
    def terminal_states(self) -> list[str]:
        return [s.name for s in self.states if s.terminal]

    def states_with_outcome(self, outcome: str) -> list[str]:
        return [s.name for s in self.states if s.outcome == outcome]

    def action_label(self, trigger: str) -> str:
        """How people read an action of this lifecycle (its label), wherever it starts."""
        return next((t.label for t in self.transitions if t.trigger == trigger), trigger)

    def label(self, state: str) -> str:
        try:
            return self.state(state).label
        except KeyError:
            return state


def check_graph(lc: Lifecycle, file: str) -> list[DefinitionIssue]:
    """Refuse lifecycles with unknown states, unreachable states, no terminal state,
    terminal states with exits, or two transitions for one trigger from one state."""
    issues: list[DefinitionIssue] = []

    def issue(path: str, message: str) -> None:
        issues.append(DefinitionIssue(file, path, message))

    names = [s.name for s in lc.states]
    known = set(names)
    for i, n in enumerate(names):
        if names.index(n) != i:
            issue(f"states[{i}].name", f"estado '{n}' repetido")
    if lc.initial not in known:
        issue("initial", f"estado inicial desconocido '{lc.initial}'")
    for i, t in enumerate(lc.transitions):
        for j, s in enumerate(t.source):
            if s not in known:
                issue(f"transitions[{i}].source[{j}]", f"transición desde un estado desconocido '{s}'")
        if t.dest not in known:
            issue(f"transitions[{i}].dest", f"transición hacia un estado desconocido '{t.dest}'")
    seen: dict[tuple[str, str], int] = {}
    for i, t in enumerate(lc.transitions):
        for s in t.source:
            if (t.trigger, s) in seen:
                issue(
                    f"transitions[{i}].trigger",
                    f"'{t.trigger}' ya está definido desde '{s}' (transitions[{seen[(t.trigger, s)]}])",
                )
            seen[(t.trigger, s)] = i
    for i, t in enumerate(lc.transitions):
        if t.fired_by is None:
            continue
        what = (
            "se ejecuta por el acuerdo de una sesión (in_session: true)"
            if t.fired_by == "session"
            else f"es la etapa de una consulta (consultation: {t.consultation})"
        )
        for j, role in enumerate(t.roles):
            if role not in SERVICE_ROLES:
                issue(
                    f"transitions[{i}].roles[{j}]",
                    f"«{t.trigger}» {what}: ninguna persona la ejecuta a mano, por lo que solo admite el rol "
                    f"system (no «{role}»)",
                )
        if t.in_session and t.consultation is not None:
            issue(f"transitions[{i}]", f"«{t.trigger}» no puede ser a la vez acuerdo de sesión y etapa de consulta")
    terminals = {s.name for s in lc.states if s.terminal}
    if not terminals:
        issue("states", "el ciclo de vida no tiene ningún estado terminal (terminal: true)")
    for i, st in enumerate(lc.states):
        if st.terminal and st.outcome is None:
            issue(f"states[{i}].outcome", "un estado terminal debe indicar su resultado (approved, withdrawn o rejected)")
        if not st.terminal and st.outcome is not None:
            issue(f"states[{i}].outcome", "solo un estado terminal puede indicar un resultado")
    for i, t in enumerate(lc.transitions):
        for s in t.source:
            if s in terminals:
                issue(f"transitions[{i}].source", f"'{s}' es terminal: no puede tener transiciones de salida")
    if issues:
        return issues
    reachable = {lc.initial}
    frontier = [lc.initial]
    while frontier:
        current = frontier.pop()
        for t in lc.transitions_from(current):
            if t.dest not in reachable:
                reachable.add(t.dest)
                frontier.append(t.dest)
    for i, st in enumerate(lc.states):
        if st.name not in reachable:
            issue(f"states[{i}]", f"el estado '{st.name}' es inalcanzable desde '{lc.initial}'")
    return issues
