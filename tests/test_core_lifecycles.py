"""Every lifecycle of workflows/lifecycles/: each allowed transition, and each way of being refused.

The allowed paths are generated from the lifecycle files themselves (every transition of
every lifecycle is fired from a state reached by firing the others), so a lifecycle added
later is covered too. Refusals change nothing: same state, same version, no event, and a
refused attempt with the Spanish reason.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.engine import Evidence, by_hand_message
from conaig_flow.domain.lifecycle import EXTERNAL_REQUIREMENTS, Lifecycle, Transition
from conaig_flow.domain.planning import for_team
from conaig_flow.errors import ConaigError, PermissionDenied, RequirementsNotMet, ServiceStepOnly, TransitionNotAllowed
from conaig_flow.i18n import role_label
from conaig_flow.services import audit, users
from conaig_flow.services.consultation import consultations
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.plans import ensure_deliverables
from conaig_flow.store.definitions import default_workflows_dir, load_files
from conaig_flow.store.tables import EventRow, TeamMemberRow, TeamRow
from tests.approval_kit import decide_in_session
from tests.conftest import add_people, pdf_bytes
from tests.legacy_kit import old_hand_step

E = EventRow.__table__  # type: ignore[attr-defined]
NORM = "Resolución Ministerial N° 045-2022-MINSA"
SESSION = "Sesión ordinaria N° 3-2022-CONAIG"

LIFECYCLES: dict[str, Lifecycle] = dict(load_files(default_workflows_dir() / "plans" / "conaig-2021-2022.yaml").lifecycles)
TRANSITIONS = [(kind, i) for kind, lc in sorted(LIFECYCLES.items()) for i in range(len(lc.transitions))]
# Requirements a person brings (external ones, like ``contributions_answered``, are checked
# by their own feature's tests).
REQUIREMENTS = [
    (kind, i, req) for kind, i in TRANSITIONS for req in LIFECYCLES[kind].transitions[i].requires
    if req not in EXTERNAL_REQUIREMENTS
]
MISSING_TEXT = {
    "document": "adjuntar el documento del entregable",
    "comment": "escribir un comentario",
    "norm_reference": "indicar la norma institucional que aprueba el protocolo (p. ej. «Resolución Ministerial N° 123-2022-MINSA»)",
    "session": "la referencia a la sesión de la comisión que lo aprobó",
}


def test_every_shipped_lifecycle_is_exercised() -> None:
    files = {p.stem for p in (default_workflows_dir() / "lifecycles").glob("*.yaml")}
    assert set(LIFECYCLES) == files
    assert {"protocol_norm", "implementation_report", "methodology", "governance_report",
            "session_acta", "urgent_measures_report"} <= files


# -- set-up: one deliverable of each kind --------------------------------------------------

def _make_team(app: App) -> None:
    """The working team of A2.1 (formed in session in a later issue), with MINSA and MINEDU."""
    defs = app.definitions()
    now = app.clock.now()
    with app.db.write() as conn:
        conn.execute(insert(TeamRow.__table__).values(  # type: ignore[attr-defined]
            code="ET-01", name="Equipo de trabajo priorizado", activity="A2.1", formed_at=now))
        for entity in ("MINSA", "MINEDU"):
            conn.execute(insert(TeamMemberRow.__table__).values(team_code="ET-01", entity_code=entity))  # type: ignore[attr-defined]
        ensure_deliverables(app, conn, defs, for_team(defs.plan, "A2.1", "ET-01", "Equipo de trabajo"), "prueba", now)


def deliverable_of(app: App, kind: str) -> int:
    """A deliverable of ``kind`` whose officers are MINSA's (entity or team) or the commission."""
    add_people(app)
    if kind == "implementation_report":
        minsa = users.actor_for(app, "enlace.minsa@example.pe")
        (p,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
        app.clock.set(datetime(2022, 2, 1, 10, 0, tzinfo=LIMA))  # type: ignore[attr-defined]
        deliverables.advance(app, minsa, p.id, "submit", documents=[("p.pdf", pdf_bytes())])
        deliverables.advance(app, users.actor_for(app, "st@example.pe"), p.id, "accept")
        deliverables.advance(app, minsa, p.id, "approve", norm_reference=NORM, documents=[("rm.pdf", pdf_bytes("rm"))])
        return deliverables.list_deliverables(app, entity="MINSA", activity="A1.2", period="I-2022")[0].id
    if kind == "urgent_measures_report":
        _make_team(app)
        return deliverables.list_deliverables(app, activity="A2.2")[0].id
    activity = {"protocol_norm": "A1.1", "methodology": "A3.1", "governance_report": "A3.2", "session_acta": "A2.1"}[kind]
    matches = [d for d in deliverables.list_deliverables(app, activity=activity) if d.owner in ("MINSA", "CONAIG")]
    return matches[0].id


def allowed_actor(app: App, t: Transition) -> Actor:
    role = t.roles[0]
    if role == "officer":
        return users.actor_for(app, "enlace.minsa@example.pe")
    if role == "secretariat":
        return users.actor_for(app, "st@example.pe")
    if role == "reviewer":
        return users.actor_for(app, "revisor@cultura.example.pe")
    return SYSTEM


def full_evidence(t: Transition) -> dict[str, object]:
    ev: dict[str, object] = {}
    if "document" in t.requires:
        ev["documents"] = [("doc.pdf", pdf_bytes(t.trigger))]
    if "comment" in t.requires:
        ev["comment"] = f"Comentario para {t.trigger}."
    if "norm_reference" in t.requires:
        ev["norm_reference"] = NORM
    if "session" in t.requires:
        ev["session_ref"] = SESSION
    return ev


def path_to(lc: Lifecycle, target: str) -> list[Transition]:
    """The shortest list of transitions from the initial state to ``target``."""
    queue: deque[tuple[str, list[Transition]]] = deque([(lc.initial, [])])
    seen = {lc.initial}
    while queue:
        state, path = queue.popleft()
        if state == target:
            return path
        for t in lc.transitions_from(state):
            if t.dest not in seen:
                seen.add(t.dest)
                queue.append((t.dest, [*path, t]))
    raise AssertionError(f"{target} unreachable")


def fire(app: App, did: int, t: Transition) -> str:
    """Fire ``t`` the only way it happens: a consultation step by opening or closing the
    consultation, an in-session step by a real session's agreement, the others by hand."""
    st = users.actor_for(app, "st@example.pe")
    if t.consultation == "opens":
        now = app.clock.now()
        consultations.open_consultation(
            app, st, did, title="Consulta", opens_at=now,
            closes_at=now + timedelta(days=30), questions=["¿Qué propone mejorar?"],
        )
        return deliverables.get(app, SYSTEM, did).state
    if t.consultation == "closes":
        with app.db.read() as conn:
            cid = consultations.latest_consultation(app, conn, did)
        assert cid is not None
        consultations.close_consultation(app, st, cid)
        return deliverables.get(app, SYSTEM, did).state
    if t.in_session:
        approves = LIFECYCLES[t_kind(app, did)].state(t.dest).outcome == "approved"
        decide_in_session(app, st, did, passed=approves, approve_acta=approves)
        return deliverables.get(app, SYSTEM, did).state
    return deliverables.advance(app, allowed_actor(app, t), did, t.trigger, **full_evidence(t)).state  # type: ignore[arg-type]


def t_kind(app: App, did: int) -> str:
    return deliverables.get(app, SYSTEM, did).kind


def bring_to(app: App, did: int, kind: str, state: str) -> None:
    for t in path_to(LIFECYCLES[kind], state):
        fire(app, did, t)


def bring_to_source(app: App, did: int, kind: str, t: Transition, source: str) -> None:
    """Reach ``source`` to fire ``t``. The way out of «En consulta» without a consultation
    needs a deliverable put there by hand, as versions before issue 11 allowed."""
    if "no_consultation" not in t.requires:
        bring_to(app, did, kind, source)
        return
    opening = next(o for o in LIFECYCLES[kind].transitions if o.consultation == "opens" and o.dest == source)
    bring_to(app, did, kind, opening.source[0])
    old_hand_step(app, did, opening.trigger, users.actor_for(app, "st@example.pe"))


@dataclass(frozen=True)
class Snapshot:
    state: str
    version: int
    events: int
    refused: int


def snapshot(app: App, did: int) -> Snapshot:
    d = deliverables.get(app, SYSTEM, did)
    with app.db.read() as conn:
        events = int(conn.execute(select(func.count()).select_from(E).where(E.c.deliverable_id == did)).scalar_one())
    return Snapshot(d.state, d.version, events, len(audit.refused_attempts(app, 10_000)))


def assert_refused(app: App, did: int, before: Snapshot, exc: ConaigError, trigger: str) -> None:
    after = snapshot(app, did)
    assert (after.state, after.version, after.events) == (before.state, before.version, before.events)
    assert after.refused == before.refused + 1
    last = audit.refused_attempts(app, 1)[0]
    assert (last.action, last.target, last.reason) == (trigger, f"entregable {did}", exc.message)


# -- allowed paths ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "index"), TRANSITIONS, ids=[f"{k}-{LIFECYCLES[k].transitions[i].trigger}-{i}" for k, i in TRANSITIONS])
def test_each_transition_fires_from_each_of_its_sources(sqlite_app: App, kind: str, index: int) -> None:
    t = LIFECYCLES[kind].transitions[index]
    for source in t.source:
        did = deliverable_of(sqlite_app, kind) if source == t.source[0] else _clone(sqlite_app, kind)
        bring_to_source(sqlite_app, did, kind, t, source)
        before = snapshot(sqlite_app, did)
        fire(sqlite_app, did, t)
        after = deliverables.get(sqlite_app, SYSTEM, did)
        assert (after.state, after.version) == (t.dest, before.version + 1)
        assert snapshot(sqlite_app, did).events == before.events + 1
        last = deliverables.history(sqlite_app, SYSTEM, did)[-1]
        assert (last.trigger, last.from_state, last.to_state) == (t.trigger, source, t.dest)
    assert audit.verify(sqlite_app).first_break is None


def _clone(app: App, kind: str) -> int:
    """Another deliverable of ``kind`` with the same owner, under a made-up period code."""
    from conaig_flow.domain.planning import DeliverableSpec

    defs = app.definitions()
    now = app.clock.now()
    code, owner, owner_kind = {
        "protocol_norm": ("A1.1", "MINSA", "entity"),
        "implementation_report": ("A1.2", "MINSA", "entity"),
        "session_acta": ("A2.1", "CONAIG", "commission"),
        "methodology": ("A3.1", "CONAIG", "commission"),
        "governance_report": ("A3.2", "CONAIG", "commission"),
        "urgent_measures_report": ("A2.2", "ET-01", "team"),
    }[kind]
    period = f"X-{len(deliverables.list_deliverables(app, activity=code))}"
    with app.db.write() as conn:
        ensure_deliverables(app, conn, defs, [DeliverableSpec(code, kind, owner, owner_kind, period, now, "copia")],
                            "prueba", now)
    return deliverables.list_deliverables(app, activity=code, period=period)[0].id


MAIN_LINES = {
    "protocol_norm": ["submit", "opine", "observe", "resubmit", "accept", "approve"],
    "implementation_report": ["submit", "opine", "observe", "resubmit", "accept", "approve"],
    "methodology": ["submit", "observe", "resubmit", "accept", "approve"],
    "governance_report": ["submit", "observe", "resubmit", "accept", "open_consultation", "close_consultation", "approve"],
    "urgent_measures_report": ["submit", "observe", "resubmit", "accept", "approve"],
    "session_acta": ["approve"],
}


@pytest.mark.parametrize("kind", sorted(MAIN_LINES))
def test_main_line_with_the_observe_and_resubmit_loop_ends_approved(app: App, kind: str) -> None:
    lc = LIFECYCLES[kind]
    did = deliverable_of(app, kind)
    state = lc.initial
    for trigger in MAIN_LINES[kind]:
        t = lc.transition(trigger, state)
        assert t is not None, (trigger, state)
        state = fire(app, did, t)
    final = deliverables.get(app, SYSTEM, did)
    assert final.state in lc.states_with_outcome("approved") and final.terminal
    assert final.version == len(MAIN_LINES[kind]) + 1
    assert [e.trigger for e in deliverables.history(app, SYSTEM, did)] == MAIN_LINES[kind]
    with pytest.raises(TransitionNotAllowed, match=r"ninguna \(estado terminal\)"):
        deliverables.advance(app, SYSTEM, did, "withdraw", comment="tarde")


@pytest.mark.parametrize("kind", sorted(LIFECYCLES))
def test_withdraw_from_the_initial_state_needs_a_comment_and_is_final(sqlite_app: App, kind: str) -> None:
    did = deliverable_of(sqlite_app, kind)
    st = users.actor_for(sqlite_app, "st@example.pe")
    before = snapshot(sqlite_app, did)
    with pytest.raises(RequirementsNotMet) as caught:
        deliverables.advance(sqlite_app, st, did, "withdraw", comment="   ")
    assert_refused(sqlite_app, did, before, caught.value, "withdraw")
    d = deliverables.advance(sqlite_app, st, did, "withdraw", comment="Ya no corresponde.")
    assert d.state == "withdrawn" and d.terminal
    assert deliverables.history(sqlite_app, st, did)[-1].comment == "Ya no corresponde."


# -- refusals ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "index", "req"), REQUIREMENTS,
                         ids=[f"{k}-{LIFECYCLES[k].transitions[i].trigger}-{r}" for k, i, r in REQUIREMENTS])
def test_each_missing_requirement_is_refused_with_its_spanish_message(sqlite_app: App, kind: str, index: int, req: str) -> None:
    t = LIFECYCLES[kind].transitions[index]
    did = deliverable_of(sqlite_app, kind)
    bring_to_source(sqlite_app, did, kind, t, t.source[0])
    evidence = full_evidence(t)
    evidence.pop({"document": "documents", "session": "session_ref"}.get(req, req))
    before = snapshot(sqlite_app, did)
    with pytest.raises(RequirementsNotMet) as caught:
        deliverables.advance(sqlite_app, allowed_actor(sqlite_app, t), did, t.trigger, **evidence)  # type: ignore[arg-type]
    assert caught.value.message.startswith(f"No se puede «{t.label}»; falta lo siguiente:")
    assert MISSING_TEXT[req] in caught.value.message
    assert len(caught.value.missing) == 1
    assert_refused(sqlite_app, did, before, caught.value, t.trigger)


@pytest.mark.parametrize("bad", ["RM 45", "Resolución Ministerial 45-2022", "Resolución Ministerial N° 45-22-MINSA", "Oficio N° 12-2022-MINSA"])
def test_a_malformed_norm_reference_is_refused_quoting_it(sqlite_app: App, bad: str) -> None:
    did = deliverable_of(sqlite_app, "protocol_norm")
    bring_to(sqlite_app, did, "protocol_norm", "reviewed")
    minsa = users.actor_for(sqlite_app, "enlace.minsa@example.pe")
    before = snapshot(sqlite_app, did)
    with pytest.raises(RequirementsNotMet) as caught:
        deliverables.advance(sqlite_app, minsa, did, "approve", norm_reference=bad, documents=[("rm.pdf", pdf_bytes())])
    assert f"la referencia «{bad}» no tiene la forma de una norma" in caught.value.message
    assert "«Tipo de norma N° número-año-SIGLA»" in caught.value.message
    assert_refused(sqlite_app, did, before, caught.value, "approve")


def test_a_norm_reference_is_recorded_in_its_normal_form(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "protocol_norm")
    bring_to(sqlite_app, did, "protocol_norm", "reviewed")
    minsa = users.actor_for(sqlite_app, "enlace.minsa@example.pe")
    deliverables.advance(sqlite_app, minsa, did, "approve", norm_reference="Resolución  Ministerial Nº045-2022-MINSA",
                         documents=[("rm.pdf", pdf_bytes())])
    assert deliverables.history(sqlite_app, minsa, did)[-1].norm_reference == NORM


@pytest.mark.parametrize(("kind", "index"), TRANSITIONS, ids=[f"{k}-{LIFECYCLES[k].transitions[i].trigger}-{i}" for k, i in TRANSITIONS])
def test_a_role_not_listed_is_refused_naming_who_may(sqlite_app: App, kind: str, index: int) -> None:
    t = LIFECYCLES[kind].transitions[index]
    did = deliverable_of(sqlite_app, kind)
    bring_to_source(sqlite_app, did, kind, t, t.source[0])
    member = users.actor_for(sqlite_app, "integrante@example.pe")
    assert "member" not in t.roles
    before = snapshot(sqlite_app, did)
    evidence = full_evidence(t)
    evidence.pop("session_ref", None)
    with pytest.raises(PermissionDenied) as caught:
        deliverables.advance(sqlite_app, member, did, t.trigger, **evidence)  # type: ignore[arg-type]
    if t.fired_by is not None:  # a session's or a consultation's step: says how it is done
        assert isinstance(caught.value, ServiceStepOnly)
        assert caught.value.message == by_hand_message(LIFECYCLES[kind], t)
    else:
        who = ", ".join(role_label(r) for r in t.roles)
        assert caught.value.message == (
            f"Como integrante de la comisión no puede «{t.label}»; esta acción corresponde a: {who}."
        )
    assert_refused(sqlite_app, did, before, caught.value, t.trigger)


@pytest.mark.parametrize("kind", sorted(LIFECYCLES))
def test_an_illegal_trigger_is_refused_listing_the_allowed_ones(sqlite_app: App, kind: str) -> None:
    lc = LIFECYCLES[kind]
    did = deliverable_of(sqlite_app, kind)
    allowed = [t.trigger for t in lc.transitions_from(lc.initial)]
    illegal = next(t.trigger for t in lc.transitions if t.trigger not in allowed) if len(
        {t.trigger for t in lc.transitions}) > len(allowed) else None
    st = users.actor_for(sqlite_app, "st@example.pe")
    for trigger, what in ((illegal, "no está permitida desde el estado"), ("publicar", "no existe en el ciclo de vida")):
        if trigger is None:
            continue
        before = snapshot(sqlite_app, did)
        with pytest.raises(TransitionNotAllowed) as caught:
            deliverables.advance(sqlite_app, st, did, trigger, comment="x", session_ref=SESSION)
        assert what in caught.value.message
        labels = "; ".join(dict.fromkeys(f"«{t.label}»" for t in lc.transitions_from(lc.initial)))
        assert caught.value.message.endswith(f"Acciones permitidas ahora: {labels}.")
        assert caught.value.allowed == allowed
        assert_refused(sqlite_app, did, before, caught.value, trigger)


def test_advance_in_inside_a_failed_transaction_leaves_nothing(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "methodology")
    st = users.actor_for(sqlite_app, "st@example.pe")
    before = snapshot(sqlite_app, did)
    with pytest.raises(RuntimeError), sqlite_app.db.write() as conn:
        deliverables.advance_in(sqlite_app, conn, st, did, "withdraw", Evidence(comment="x"))
        raise RuntimeError("the caller's own step failed")
    after = snapshot(sqlite_app, did)
    assert (after.state, after.version, after.events) == (before.state, before.version, before.events)


def test_one_machine_per_lifecycle_and_no_model_left_attached(sqlite_app: App) -> None:
    from conaig_flow.domain import engine as engine_module

    engine = sqlite_app.engine()
    built = engine_module.machines_built
    bring_to(sqlite_app, deliverable_of(sqlite_app, "protocol_norm"), "protocol_norm", "reviewed")
    bring_to(sqlite_app, deliverables.list_deliverables(sqlite_app, activity="A3.1")[0].id, "methodology", "reviewed")
    assert engine_module.machines_built == built  # no Machine built per deliverable or per call
    assert sqlite_app.engine() is engine
    assert all(len(engine.machine(kind).models) == 0 for kind in LIFECYCLES)


def test_the_lifecycle_machine_moves_the_state_and_refuses_what_its_graph_does_not_allow() -> None:
    """``engine.fire`` lets each lifecycle's transitions Machine do the state change: every
    (source, trigger) of the files reaches its destination, every other pair is refused with
    the triggers allowed from that state, and no token stays attached to a Machine."""
    from conaig_flow.domain.engine import LifecycleEngine

    engine = LifecycleEngine(LIFECYCLES.values())
    for kind, lc in LIFECYCLES.items():
        for state in (s.name for s in lc.states):
            allowed = {t.trigger: t.dest for t in lc.transitions if state in t.source}
            for trigger in sorted({t.trigger for t in lc.transitions} | {"no_such_trigger"}):
                if trigger in allowed:
                    assert engine.fire(kind, state, trigger) == allowed[trigger]
                    continue
                with pytest.raises(TransitionNotAllowed) as caught:
                    engine.fire(kind, state, trigger)
                assert caught.value.allowed == [t.trigger for t in lc.transitions_from(state)]
                assert caught.value.message == f"La acción «{lc.action_label(trigger)}» no está permitida desde «{lc.label(state)}»."
        assert len(engine.machine(kind).models) == 0


def test_every_missing_item_is_listed_at_once(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "protocol_norm")
    bring_to(sqlite_app, did, "protocol_norm", "reviewed")
    with pytest.raises(RequirementsNotMet) as caught:
        deliverables.advance(sqlite_app, users.actor_for(sqlite_app, "enlace.minsa@example.pe"), did, "approve",
                             norm_reference="RM 45")
    assert len(caught.value.missing) == 2
    assert "la referencia «RM 45» no tiene la forma de una norma" in caught.value.message
    assert "adjuntar el documento del entregable" in caught.value.message
