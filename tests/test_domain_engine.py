"""The state engine on a small lifecycle written here (pure: no database, no files).

Each refusal is checked by its full Spanish text, so a message that loses what it names, or a
check that stops refusing, fails here.
"""

from __future__ import annotations

import pytest

from conaig_flow.domain import engine as engine_module
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.engine import Evidence, LifecycleEngine, Scope, engine_from
from conaig_flow.domain.lifecycle import Lifecycle
from conaig_flow.errors import PermissionDenied, RequirementsNotMet, TransitionNotAllowed

LC = Lifecycle.model_validate({
    "kind": "prueba", "name": "Ciclo de prueba", "initial": "draft",
    "states": [
        {"name": "draft", "label": "Borrador"},
        {"name": "submitted", "label": "Presentado"},
        {"name": "reviewed", "label": "Revisado"},
        {"name": "approved", "label": "Aprobado", "terminal": True, "outcome": "approved"},
        {"name": "withdrawn", "label": "Retirado", "terminal": True, "outcome": "withdrawn"},
    ],
    "transitions": [
        {"trigger": "submit", "label": "presentar", "source": "draft", "dest": "submitted",
         "roles": ["officer"], "scope": "own_entity", "requires": ["document"]},
        {"trigger": "observe", "label": "observar", "source": "submitted", "dest": "draft",
         "roles": ["secretariat"], "requires": ["comment"]},
        {"trigger": "opine", "label": "opinar", "source": "submitted", "dest": "submitted",
         "roles": ["reviewer"], "scope": "advisory", "requires": ["comment"]},
        {"trigger": "accept", "label": "dar conformidad", "source": "submitted", "dest": "reviewed",
         "roles": ["secretariat"], "requires": ["contributions_answered"]},
        {"trigger": "approve", "label": "aprobar", "source": "reviewed", "dest": "approved",
         "roles": ["officer", "system"], "scope": "own_entity", "requires": ["norm_reference", "session"]},
        {"trigger": "withdraw", "label": "retirar", "source": ["draft", "submitted"], "dest": "withdrawn",
         "roles": ["officer", "secretariat"], "scope": "own_entity", "requires": ["comment"]},
    ],
})
ENGINE = LifecycleEngine([LC])
SCOPE = Scope(owner_entities=frozenset({"MINSA"}), owner_label="MINSA", advisory_entities=frozenset({"MINCUL"}))
MINSA = Actor("enlace@minsa.gob.pe", "Ana", "officer", "MINSA")
MINEDU = Actor("enlace@minedu.gob.pe", "Luis", "officer", "MINEDU")
ST = Actor("st@mimp.gob.pe", "Secretaría", "secretariat", "MIMP")
MINCUL = Actor("revisor@cultura.gob.pe", "Rosa", "reviewer", "MINCUL")
OTHER_REVIEWER = Actor("revisor@minjus.gob.pe", "Juan", "reviewer", "MINJUS")
NORM = "Resolución Ministerial N° 045-2022-MINSA"


def _t(trigger: str, state: str) -> object:
    return ENGINE.resolve("prueba", state, trigger)


# -- resolve --------------------------------------------------------------------------------

def test_an_unknown_action_is_refused_naming_the_lifecycle_and_what_is_allowed_now() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        ENGINE.resolve("prueba", "draft", "publish")
    assert str(err.value) == (
        "La acción «publish» no existe en el ciclo de vida «Ciclo de prueba». Acciones permitidas ahora: «presentar»; «retirar»."
    )
    assert (err.value.trigger, err.value.state, err.value.allowed) == ("publish", "draft", ["submit", "withdraw"])


def test_a_known_action_from_the_wrong_state_is_refused_naming_the_state() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        ENGINE.resolve("prueba", "reviewed", "submit")
    assert str(err.value) == (
        "La acción «presentar» no está permitida desde el estado «Revisado». Acciones permitidas ahora: «aprobar»."
    )


def test_a_terminal_state_allows_nothing_and_says_so() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        ENGINE.resolve("prueba", "approved", "withdraw")
    assert str(err.value).endswith("Acciones permitidas ahora: ninguna (estado terminal).")
    assert err.value.allowed == []


def test_an_allowed_action_resolves_to_its_transition() -> None:
    t = ENGINE.resolve("prueba", "submitted", "withdraw")
    assert (t.trigger, t.dest) == ("withdraw", "withdrawn")
    assert [x.trigger for x in ENGINE.allowed("prueba", "submitted")] == ["observe", "opine", "accept", "withdraw"]


# -- authorize ------------------------------------------------------------------------------

def test_a_role_not_listed_is_refused_naming_the_roles_that_may() -> None:
    with pytest.raises(PermissionDenied) as err:
        ENGINE.authorize(LC.transitions[0], ST, SCOPE)
    assert str(err.value) == (
        "Como Secretaría Técnica no puede «presentar»; esta acción corresponde a: enlace de entidad."
    )


def test_an_officer_of_another_entity_is_refused_naming_the_owner_and_their_entity() -> None:
    with pytest.raises(PermissionDenied) as err:
        ENGINE.authorize(LC.transitions[0], MINEDU, SCOPE)
    assert str(err.value) == "Solo los enlaces de MINSA pueden «presentar» este entregable; usted pertenece a MINEDU."


def test_an_officer_without_entity_is_told_they_belong_to_none() -> None:
    nobody = Actor("x@example.pe", "X", "officer", "")
    with pytest.raises(PermissionDenied, match="usted pertenece a ninguna entidad"):
        ENGINE.authorize(LC.transitions[0], nobody, SCOPE)


def test_the_owner_officer_may_act() -> None:
    ENGINE.authorize(LC.transitions[0], MINSA, SCOPE)


def test_the_secretariat_and_the_system_act_for_the_whole_commission_whatever_the_scope() -> None:
    withdraw, approve = LC.transitions[5], LC.transitions[4]
    ENGINE.authorize(withdraw, ST, SCOPE)  # own_entity, and MIMP is not the owner
    ENGINE.authorize(approve, SYSTEM, SCOPE)


def test_only_the_advisory_entity_gives_its_opinion() -> None:
    opine = LC.transitions[2]
    ENGINE.authorize(opine, MINCUL, SCOPE)
    with pytest.raises(PermissionDenied) as err:
        ENGINE.authorize(opine, OTHER_REVIEWER, SCOPE)
    assert str(err.value) == "Solo la entidad con rol consultivo en esta actividad (MINCUL) puede «opinar»."
    with pytest.raises(PermissionDenied, match=r"\(ninguna entidad\)"):
        ENGINE.authorize(opine, MINCUL, Scope(frozenset({"MINSA"}), "MINSA"))


# -- requirements ---------------------------------------------------------------------------

def test_a_submission_without_its_document_is_refused_and_with_it_is_ready() -> None:
    submit = LC.transitions[0]
    assert ENGINE.missing(submit, Evidence()) == ["adjuntar el documento del entregable"]
    assert ENGINE.missing(submit, Evidence(documents=("ab" * 32,))) == []


def test_a_blank_comment_is_no_comment() -> None:
    observe = LC.transitions[1]
    want = ["escribir un comentario (en una observación, qué debe corregirse)"]
    assert ENGINE.missing(observe, Evidence(comment="   ")) == want
    assert ENGINE.missing(observe, Evidence()) == want
    assert ENGINE.missing(observe, Evidence(comment="Precisar los plazos.")) == []


def test_an_approval_lists_every_missing_item_at_once() -> None:
    approve = LC.transitions[4]
    assert ENGINE.missing(approve, Evidence(norm_reference="  ", session_ref=" ")) == [
        "indicar la norma institucional que aprueba el protocolo (p. ej. «Resolución Ministerial N° 123-2022-MINSA»)",
        "la referencia a la sesión de la comisión que lo aprobó (la aprobación es en sesión)",
    ]
    assert ENGINE.missing(approve, Evidence(norm_reference=NORM, session_ref="Sesión N° 3")) == []


def test_a_reference_that_is_not_a_norm_is_refused_quoting_it() -> None:
    approve = LC.transitions[4]
    assert ENGINE.missing(approve, Evidence(norm_reference="RM 45", session_ref="Sesión N° 3")) == [
        "la referencia «RM 45» no tiene la forma de una norma: se espera «Tipo de norma N° número-año-SIGLA», "
        "p. ej. «Resolución Ministerial N° 123-2022-MINSA»"
    ]


def test_an_external_requirement_is_met_only_when_the_services_say_so() -> None:
    accept = LC.transitions[3]
    assert ENGINE.missing(accept, Evidence()) == ["no se pudo comprobar el requisito «contributions_answered»"]
    assert ENGINE.missing(accept, Evidence(conditions={"contributions_answered": "responder 2 aportes"})) == [
        "responder 2 aportes"
    ]
    assert ENGINE.missing(accept, Evidence(conditions={"contributions_answered": None})) == []


def test_check_resolves_authorizes_and_refuses_what_is_missing_in_that_order() -> None:
    with pytest.raises(RequirementsNotMet) as err:
        ENGINE.check("prueba", "draft", "submit", MINSA, SCOPE, Evidence())
    assert err.value.missing == ["adjuntar el documento del entregable"] and err.value.trigger == "submit"
    with pytest.raises(PermissionDenied):
        ENGINE.check("prueba", "draft", "submit", MINEDU, SCOPE, Evidence())
    with pytest.raises(TransitionNotAllowed):
        ENGINE.check("prueba", "reviewed", "submit", MINEDU, SCOPE, Evidence())
    t = ENGINE.check("prueba", "draft", "submit", MINSA, SCOPE, Evidence(documents=("ab" * 32,)))
    assert t.dest == "submitted"


# -- firing ---------------------------------------------------------------------------------

def test_firing_moves_the_state_and_leaves_no_model_attached() -> None:
    assert ENGINE.fire("prueba", "draft", "submit") == "submitted"
    assert ENGINE.fire("prueba", "submitted", "opine") == "submitted"
    assert ENGINE.fire("prueba", "submitted", "withdraw") == "withdrawn"
    assert ENGINE.machine("prueba").models == []


def test_firing_what_the_graph_does_not_allow_is_refused_and_leaves_no_model_attached() -> None:
    with pytest.raises(TransitionNotAllowed) as err:
        ENGINE.fire("prueba", "reviewed", "submit")
    assert str(err.value) == "La acción «presentar» no está permitida desde «Revisado»."
    assert err.value.allowed == ["approve"]
    with pytest.raises(TransitionNotAllowed):
        ENGINE.fire("prueba", "draft", "publish")
    assert ENGINE.machine("prueba").models == []


def test_one_machine_is_built_per_lifecycle() -> None:
    before = engine_module.machines_built
    other = LC.model_copy(update={"kind": "otro"})
    built = engine_from({"prueba": LC, "otro": other})
    assert engine_module.machines_built == before + 2
    assert built.lifecycle("otro").kind == "otro" and built.machine("prueba") is not built.machine("otro")


def test_the_machine_offers_no_shortcut_to_a_state_outside_the_lifecycle() -> None:
    """``transitions`` would add ``to_<state>`` triggers of its own; the lifecycle file alone says
    what may be fired."""
    with pytest.raises(TransitionNotAllowed):
        ENGINE.fire("prueba", "draft", "to_approved")
    assert ENGINE.machine("prueba").models == []
