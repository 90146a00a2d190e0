"""A step that only a session or a consultation takes, tried by a person: the engine refuses it
and says, in plain Spanish, how it is done — for the lifecycles the app ships.

Pure: the shipped lifecycle files are read (read-only) and validated, no database. Each expected
text is written out here by hand, so a message that changes, loses the state it names, or goes
to the wrong kind of step fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.engine import Evidence, LifecycleEngine, Scope, by_hand_message
from conaig_flow.domain.lifecycle import Lifecycle
from conaig_flow.errors import PermissionDenied, ServiceStepOnly

LIFECYCLES_DIR = Path(__file__).resolve().parents[1] / "workflows" / "lifecycles"
SHIPPED = {
    lc.kind: lc
    for lc in (Lifecycle.model_validate(yaml.safe_load(p.read_text(encoding="utf-8")))
               for p in sorted(LIFECYCLES_DIR.glob("*.yaml")))
}
ENGINE = LifecycleEngine(SHIPPED.values())
SECRETARIAT = Actor("st@mimp.gob.pe", "Secretaría", "secretariat", "MIMP")
OFFICER = Actor("enlace@minsa.gob.pe", "Ana", "officer", "MINSA")
SCOPE = Scope(owner_entities=frozenset({"MINSA"}), owner_label="MINSA")

APPROVED_IN_SESSION = (
    "Este producto se aprueba en sesión: agréguelo a la agenda de una sesión de la comisión; "
    "el acuerdo de la sesión lo aprobará."
)
AGREEMENT_THAT_DOES_NOT_APPROVE = (
    "El acuerdo de una sesión que no aprueba este producto lo registra la propia sesión al concluir: "
    "agréguelo a la agenda de una sesión de la comisión; su acuerdo quedará en el historial."
)
FULFILLED_BY_THE_SESSION_ACTA = (
    "Este producto es el acta de una sesión: se cumple cuando se aprueba el acta de la sesión "
    "cuyo acuerdo lo adopta. Agregue el punto a la agenda de una sesión de la comisión; el "
    "acuerdo de la sesión y la aprobación de su acta lo darán por cumplido."
)
CONSULTATION_OPENS = (
    "La consulta se abre con su formulario (documento, fechas, preguntas e invitaciones), en «Consultas»: "
    "al abrirla, el entregable pasa a «En consulta»."
)
CONSULTATION_CLOSES = (
    "La consulta se cierra desde su página, en «Consultas», cuando todos sus aportes están respondidos: "
    "al cerrarla, el entregable pasa a «Aportes sistematizados»."
)

#: Every step of the shipped lifecycles that no person takes, with what a person is told.
BY_HAND: dict[tuple[str, str], str] = {
    ("governance_report", "open_consultation"): CONSULTATION_OPENS,
    ("governance_report", "close_consultation"): CONSULTATION_CLOSES,
    ("governance_report", "approve"): APPROVED_IN_SESSION,
    ("governance_report", "record_agreement"): AGREEMENT_THAT_DOES_NOT_APPROVE,
    ("implementation_report", "approve"): APPROVED_IN_SESSION,
    ("implementation_report", "record_agreement"): AGREEMENT_THAT_DOES_NOT_APPROVE,
    ("methodology", "approve"): APPROVED_IN_SESSION,
    ("methodology", "record_agreement"): AGREEMENT_THAT_DOES_NOT_APPROVE,
    ("session_acta", "approve"): FULFILLED_BY_THE_SESSION_ACTA,
    ("session_acta", "record_agreement"): AGREEMENT_THAT_DOES_NOT_APPROVE,
    ("urgent_measures_report", "approve"): APPROVED_IN_SESSION,
    ("urgent_measures_report", "record_agreement"): AGREEMENT_THAT_DOES_NOT_APPROVE,
}


def test_the_table_covers_every_step_of_a_session_or_a_consultation_in_the_shipped_lifecycles() -> None:
    shipped = {(kind, t.trigger) for kind, lc in SHIPPED.items() for t in lc.transitions if t.fired_by is not None}
    assert shipped == set(BY_HAND)


@pytest.mark.parametrize(("kind", "trigger"), list(BY_HAND), ids=[f"{k}-{t}" for k, t in BY_HAND])
def test_a_person_trying_a_session_or_consultation_step_is_told_how_it_is_done(kind: str, trigger: str) -> None:
    step = next(t for t in SHIPPED[kind].transitions if t.trigger == trigger)
    assert by_hand_message(SHIPPED[kind], step) == BY_HAND[(kind, trigger)]
    with pytest.raises(ServiceStepOnly) as err:
        ENGINE.refuse_by_hand(kind, trigger, SECRETARIAT)
    assert str(err.value) == BY_HAND[(kind, trigger)]


@pytest.mark.parametrize(("kind", "trigger"), list(BY_HAND), ids=[f"{k}-{t}" for k, t in BY_HAND])
def test_the_refusal_comes_first_whatever_the_state_and_the_evidence(kind: str, trigger: str) -> None:
    """Not «not allowed from this state» nor «missing the session reference»: how it is done."""
    lc = SHIPPED[kind]
    for state in (s.name for s in lc.states):
        with pytest.raises(ServiceStepOnly) as err:
            ENGINE.check(kind, state, trigger, OFFICER, SCOPE, Evidence())
        assert str(err.value) == BY_HAND[(kind, trigger)]
        assert isinstance(err.value, PermissionDenied)


@pytest.mark.parametrize(("kind", "trigger"), list(BY_HAND), ids=[f"{k}-{t}" for k, t in BY_HAND])
def test_the_session_and_consultation_services_take_those_steps_without_that_refusal(kind: str, trigger: str) -> None:
    ENGINE.refuse_by_hand(kind, trigger, SYSTEM)


def test_steps_a_person_takes_are_not_refused_as_service_steps() -> None:
    for kind, lc in SHIPPED.items():
        for t in lc.transitions:
            if t.fired_by is None:
                ENGINE.refuse_by_hand(kind, t.trigger, SECRETARIAT)
    # protocol_norm has no session or consultation step at all: approval is by institutional norm.
    assert all(t.fired_by is None for t in SHIPPED["protocol_norm"].transitions)
