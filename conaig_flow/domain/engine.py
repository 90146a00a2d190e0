"""The state engine: one ``transitions`` Machine per lifecycle, built once.

A deliverable is never attached to a machine for longer than one operation: a light token
carrying its state is added to the machine, the trigger fired, and the token removed, so the
machine's model list does not grow with the number of deliverables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from transitions import Machine, MachineError

from conaig_flow.domain.actors import Actor
from conaig_flow.domain.lifecycle import EXTERNAL_REQUIREMENTS, SERVICE_ROLES, Lifecycle, Transition
from conaig_flow.domain.norms import EXAMPLE, parse_norm_reference
from conaig_flow.errors import PermissionDenied, RequirementsNotMet, ServiceStepOnly, TransitionNotAllowed
from conaig_flow.i18n import role_label

#: Roles that act for the whole commission: a transition's scope does not restrict them.
COMMISSION_WIDE_ROLES = frozenset({"secretariat", "system"})

#: How many Machines were ever built in this process (benchmarks and tests read it).
machines_built = 0


@dataclass(frozen=True)
class Evidence:
    """What a person brings to a transition."""

    comment: str | None = None
    documents: tuple[str, ...] = ()  # sha256 of stored documents
    norm_reference: str | None = None
    session_ref: str | None = None
    #: The session agreement that fires an ``in_session`` transition (set by the session
    #: service only; verified against the session's records before the step is taken).
    agreement_id: int | None = None
    #: External requirements, as checked by the services: name -> what is missing (None: met).
    conditions: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Scope:
    """The facts about a deliverable that authorisation needs."""

    owner_entities: frozenset[str]  # the entity, or the members of the owning team
    owner_label: str
    advisory_entities: frozenset[str] = field(default_factory=frozenset)


class _Token:
    """The lightweight model a Machine drives for the length of one operation."""

    trigger: Callable[[str], bool]  # bound by Machine.add_model (annotation only: no attribute)

    def __init__(self, state: str) -> None:
        self.state = state


class LifecycleEngine:
    def __init__(self, lifecycles: Iterable[Lifecycle]) -> None:
        global machines_built
        self.lifecycles: dict[str, Lifecycle] = {lc.kind: lc for lc in lifecycles}
        self._machines: dict[str, Machine] = {}
        #: kind -> trigger -> a transition of that trigger that only a service fires
        self._service_steps: dict[str, dict[str, Transition]] = {
            kind: {t.trigger: t for t in reversed(lc.transitions) if t.fired_by is not None}
            for kind, lc in self.lifecycles.items()
        }
        for kind, lc in self.lifecycles.items():
            self._machines[kind] = Machine(
                model=[],
                states=[s.name for s in lc.states],
                transitions=[
                    {"trigger": t.trigger, "source": list(t.source), "dest": t.dest}
                    for t in lc.transitions
                ],
                initial=lc.initial,
                auto_transitions=False,
                ignore_invalid_triggers=False,
            )
            machines_built += 1

    def machine(self, kind: str) -> Machine:
        return self._machines[kind]

    def lifecycle(self, kind: str) -> Lifecycle:
        return self.lifecycles[kind]

    def allowed(self, kind: str, state: str) -> list[Transition]:
        return self.lifecycles[kind].transitions_from(state)

    # -- decisions ---------------------------------------------------------------------
    def resolve(self, kind: str, state: str, trigger: str) -> Transition:
        lc = self.lifecycles[kind]
        transition = lc.transition(trigger, state)
        if transition is None:
            allowed = [t.trigger for t in lc.transitions_from(state)]
            labels = {t.trigger: t.label for t in lc.transitions}
            what = "no existe en" if trigger not in labels else "no está permitida desde el estado"
            where = (
                f"el ciclo de vida «{lc.name}»"
                if trigger not in labels
                else f"«{lc.label(state)}»"
            )
            shown = list(dict.fromkeys(t.label for t in lc.transitions_from(state)))
            options = "; ".join(f"«{label}»" for label in shown) if shown else "ninguna (estado terminal)"
            raise TransitionNotAllowed(
                trigger,
                state,
                allowed,
                f"La acción «{labels.get(trigger, trigger)}» {what} {where}. Acciones permitidas ahora: {options}.",
            )
        return transition

    def refuse_by_hand(self, kind: str, trigger: str, actor: Actor) -> None:
        """A step of a session or of a consultation attempted by a person: refused, saying
        how it is done (whatever the deliverable's state)."""
        if actor.role in SERVICE_ROLES:
            return
        step = self._service_steps[kind].get(trigger)
        if step is None:
            return
        raise ServiceStepOnly(by_hand_message(self.lifecycles[kind], step))

    def authorize(self, transition: Transition, actor: Actor, scope: Scope) -> None:
        if actor.role not in transition.roles:
            who = ", ".join(role_label(r) for r in transition.roles)
            raise PermissionDenied(
                f"Como {role_label(actor.role)} no puede «{transition.label}»; "
                f"esta acción corresponde a: {who}."
            )
        if actor.role in COMMISSION_WIDE_ROLES:
            return
        if transition.scope == "own_entity" and actor.entity not in scope.owner_entities:
            raise PermissionDenied(
                f"Solo los enlaces de {scope.owner_label} pueden «{transition.label}» "
                f"este entregable; usted pertenece a {actor.entity or 'ninguna entidad'}."
            )
        if transition.scope == "advisory" and actor.entity not in scope.advisory_entities:
            who = ", ".join(sorted(scope.advisory_entities)) or "ninguna entidad"
            raise PermissionDenied(
                f"Solo la entidad con rol consultivo en esta actividad ({who}) puede "
                f"«{transition.label}»."
            )

    @staticmethod
    def missing(transition: Transition, evidence: Evidence) -> list[str]:
        """What the transition still needs, in plain Spanish (empty when ready)."""
        out: list[str] = []
        for req in transition.requires:
            if req == "document" and not evidence.documents:
                out.append("adjuntar el documento del entregable")
            elif req == "comment" and not (evidence.comment or "").strip():
                out.append("escribir un comentario (en una observación, qué debe corregirse)")
            elif req == "norm_reference":
                ref = (evidence.norm_reference or "").strip()
                if not ref:
                    out.append(
                        "indicar la norma institucional que aprueba el protocolo "
                        f"(p. ej. «{EXAMPLE}»)"
                    )
                elif parse_norm_reference(ref) is None:
                    out.append(
                        f"la referencia «{ref}» no tiene la forma de una norma: se espera "
                        f"«Tipo de norma N° número-año-SIGLA», p. ej. «{EXAMPLE}»"
                    )
            elif req == "session" and not (evidence.session_ref or "").strip():
                out.append(
                    "la referencia a la sesión de la comisión que lo aprobó (la aprobación es en sesión)"
                )
            elif req in EXTERNAL_REQUIREMENTS:
                unmet = evidence.conditions.get(req, f"no se pudo comprobar el requisito «{req}»")
                if unmet:
                    out.append(unmet)
        return out

    def check(
        self, kind: str, state: str, trigger: str, actor: Actor, scope: Scope, evidence: Evidence
    ) -> Transition:
        self.refuse_by_hand(kind, trigger, actor)
        transition = self.resolve(kind, state, trigger)
        self.authorize(transition, actor, scope)
        missing = self.missing(transition, evidence)
        if missing:
            raise RequirementsNotMet(trigger, missing, transition.label)
        return transition

    # -- firing ------------------------------------------------------------------------
    def fire(self, kind: str, state: str, trigger: str) -> str:
        """Run the trigger on the lifecycle's machine; returns the destination state."""
        machine = self._machines[kind]
        token = _Token(state)
        machine.add_model(token, initial=state)
        try:
            token.trigger(trigger)  # bound by add_model
        except (AttributeError, MachineError):  # unknown to the lifecycle, or not from this state
            allowed = [t.trigger for t in self.allowed(kind, state)]
            lc = self.lifecycles[kind]
            label = next((t.label for t in lc.transitions if t.trigger == trigger), trigger)
            raise TransitionNotAllowed(
                trigger, state, allowed, f"La acción «{label}» no está permitida desde «{lc.label(state)}»."
            ) from None
        finally:
            machine.remove_model(token)
        return token.state


def by_hand_message(lc: Lifecycle, step: Transition) -> str:
    """How a step that no person fires is done, in plain Spanish."""
    if step.fired_by == "session":
        dest = lc.state(step.dest)
        if dest.outcome == "approved":
            if lc.kind == "session_acta":
                return (
                    "Este producto es el acta de una sesión: se cumple cuando se aprueba el acta de la sesión "
                    "cuyo acuerdo lo adopta. Agregue el punto a la agenda de una sesión de la comisión; el "
                    "acuerdo de la sesión y la aprobación de su acta lo darán por cumplido."
                )
            return (
                "Este producto se aprueba en sesión: agréguelo a la agenda de una sesión de la comisión; "
                "el acuerdo de la sesión lo aprobará."
            )
        return (
            "El acuerdo de una sesión que no aprueba este producto lo registra la propia sesión al concluir: "
            "agréguelo a la agenda de una sesión de la comisión; su acuerdo quedará en el historial."
        )
    if step.consultation == "opens":
        return (
            f"La consulta se abre con su formulario (documento, fechas, preguntas e invitaciones), en «Consultas»: "
            f"al abrirla, el entregable pasa a «{lc.label(step.dest)}»."
        )
    return (
        f"La consulta se cierra desde su página, en «Consultas», cuando todos sus aportes están respondidos: "
        f"al cerrarla, el entregable pasa a «{lc.label(step.dest)}»."
    )


def engine_from(lifecycles: Mapping[str, Lifecycle]) -> LifecycleEngine:
    return LifecycleEngine(lifecycles.values())
