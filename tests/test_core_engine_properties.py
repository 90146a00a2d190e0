"""Random sequences of actions against every lifecycle, checked against an oracle written from
the lifecycle files alone: an action succeeds exactly when the file allows it, a refused action
changes nothing, and the history always verifies."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, event, given, settings, target
from hypothesis import strategies as st

from conaig_flow.bootstrap import App
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.lifecycle import EXTERNAL_REQUIREMENTS
from conaig_flow.errors import (
    ConaigError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RequirementsNotMet,
    ServiceStepOnly,
    TransitionNotAllowed,
)
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import add_people, pdf_bytes
from tests.test_core_lifecycles import LIFECYCLES, _clone, _make_team, snapshot

ACTORS = {
    "enlace.minsa@example.pe": ("officer", "MINSA"),
    "enlace.minedu@example.pe": ("officer", "MINEDU"),
    "enlace.mtpe@example.pe": ("officer", "MTPE"),
    "st@example.pe": ("secretariat", "MIMP"),
    "revisor@cultura.example.pe": ("reviewer", "MINCUL"),
    "integrante@example.pe": ("member", "MINSA"),
    "admin@example.pe": ("admin", "MIMP"),
    "system": ("system", ""),
}
OWNERS = {
    "protocol_norm": {"MINSA"}, "implementation_report": {"MINSA"}, "urgent_measures_report": {"MINSA", "MINEDU"},
    "methodology": {"CONAIG"}, "governance_report": {"CONAIG"}, "session_acta": {"CONAIG"},
}
ADVISORY = {"protocol_norm": {"MINCUL"}, "implementation_report": {"MINCUL"}}
TRIGGERS = sorted({t.trigger for lc in LIFECYCLES.values() for t in lc.transitions})
EVIDENCE = ["document", "comment", "norm_reference", "bad_norm", "session"]

step = st.tuples(st.sampled_from(sorted(ACTORS)), st.sampled_from(TRIGGERS), st.sets(st.sampled_from(EVIDENCE)))


def expected(kind: str, state: str, email: str, trigger: str, evidence: set[str]) -> type[ConaigError] | str:
    """The oracle: the destination state, or the class of the refusal."""
    role, entity = ACTORS[email]
    owners, advisory = OWNERS[kind], ADVISORY.get(kind, set())
    if not (role in {"secretariat", "admin", "system", "member"} or entity in owners
            or (role == "reviewer" and entity in advisory)):
        return NotFound
    lc = LIFECYCLES[kind]
    if role != "system" and any(t.trigger == trigger and t.fired_by is not None for t in lc.transitions):
        return ServiceStepOnly  # a session's or a consultation's step: never by hand, whatever the state
    t = next((t for t in lc.transitions if t.trigger == trigger and state in t.source), None)
    if t is None:
        return TransitionNotAllowed
    if role not in t.roles:
        return PermissionDenied
    if role not in {"secretariat", "system"}:
        if t.scope == "own_entity" and entity not in owners:
            return PermissionDenied
        if t.scope == "advisory" and entity not in advisory:
            return PermissionDenied
    for req in t.requires:
        if req in EXTERNAL_REQUIREMENTS:
            # No consultation is ever registered here: nothing can open or close one, and a
            # deliverable cannot be «En consulta» (so the way out never applies either).
            return RequirementsNotMet
        if req == "norm_reference" and "norm_reference" not in evidence:
            return RequirementsNotMet
        if req != "norm_reference" and req not in evidence:
            return RequirementsNotMet
    if "session" in evidence and role != "system":
        return InvalidInput  # a session reference is written by the session's agreement, never by hand
    if t.in_session:
        return ServiceStepOnly  # even the system: no session agreement backs it here
    return t.dest


def _kwargs(evidence: set[str]) -> dict[str, Any]:
    kw: dict[str, Any] = {}
    if "document" in evidence:
        kw["documents"] = [("d.pdf", pdf_bytes())]
    if "comment" in evidence:
        kw["comment"] = "Comentario."
    if "norm_reference" in evidence:
        kw["norm_reference"] = "Resolución Ministerial N° 045-2022-MINSA"
    elif "bad_norm" in evidence:
        kw["norm_reference"] = "RM 45"
    if "session" in evidence:
        kw["session_ref"] = "Sesión N° 2"
    return kw


def _actor(app: App, email: str) -> Actor:
    return SYSTEM if email == "system" else users.actor_for(app, email)


def _able(kind: str, state: str) -> list[tuple[str, str, set[str]]]:
    """Every (actor, trigger, evidence) that the oracle says succeeds from ``state``: the steps
    a person who knows the lifecycle would take."""
    out = []
    for t in LIFECYCLES[kind].transitions_from(state):
        evidence = {r for r in t.requires if r not in EXTERNAL_REQUIREMENTS}
        out += [(email, t.trigger, evidence) for email in sorted(ACTORS)
                if expected(kind, state, email, t.trigger, evidence) == t.dest]
    return out


def _ends(kind: str, state: str, trigger: str) -> bool:
    t = LIFECYCLES[kind].transition(trigger, state)
    return t is not None and LIFECYCLES[kind].state(t.dest).terminal


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(sorted(LIFECYCLES)), length=st.integers(min_value=1, max_value=10), data=st.data())
def test_random_actions_follow_the_lifecycle_files_exactly(sqlite_app: App, kind: str, length: int, data: st.DataObject) -> None:
    """Walks that mostly take an allowed step with its requirements met (five in eight along the
    lifecycle, one in eight any allowed one, terminal included), sometimes an allowed one with
    one requirement forgotten, and otherwise any action by
    anyone with any evidence: both successes and refusals are checked."""
    if not users.list_users(sqlite_app):
        add_people(sqlite_app)
        _make_team(sqlite_app)
    did = _clone(sqlite_app, kind)
    moved = refused = 0
    for _ in range(length):
        before = snapshot(sqlite_app, did)
        able = _able(kind, before.state)
        onward = [a for a in able if not _ends(kind, before.state, a[1])]  # not withdraw/approve yet
        # the same draws at every step whatever the state (Hypothesis needs generation that does
        # not depend on the database): a kind of step, a pick among the candidates, a random step
        choice = data.draw(st.integers(0, 7), label="kind of step")
        pick = data.draw(st.integers(0, 10_000), label="which candidate")
        email, trigger, evidence = data.draw(step, label="any step")
        needy = [a for a in able if a[2]]
        if onward and choice >= 3:
            email, trigger, evidence = onward[pick % len(onward)]
        elif able and choice == 2:
            email, trigger, evidence = able[pick % len(able)]
        elif needy and choice == 1:
            email, trigger, evidence = needy[pick % len(needy)]
            evidence = evidence - {sorted(evidence)[pick % len(evidence)]}
        want = expected(kind, before.state, email, trigger, evidence)
        try:
            got: object = deliverables.advance(sqlite_app, _actor(sqlite_app, email), did, trigger, **_kwargs(evidence)).state
        except ConaigError as exc:
            got = type(exc)
        assert got == want, (kind, before.state, email, trigger, evidence)
        after = snapshot(sqlite_app, did)
        if isinstance(want, str):
            moved += 1
            assert (after.state, after.version, after.events) == (want, before.version + 1, before.events + 1)
        else:
            refused += 1
            event(f"refused: {want.__name__}")
            assert (after.state, after.version, after.events) == (before.state, before.version, before.events)
            assert after.refused == before.refused + 1
    final = snapshot(sqlite_app, did).state
    event(f"transitions that succeeded: {min(moved, 5)}{'+' if moved >= 5 else ''}")
    event(f"walk ends in a terminal state: {final in LIFECYCLES[kind].terminal_states}")
    target(float(moved), label="successful transitions in a walk")
    assert audit.verify(sqlite_app).first_break is None
