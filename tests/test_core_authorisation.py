"""Who may act on which deliverable: officers only on their own entity's (or team's), the
advisory opinion only by the MINCUL reviewer, the protocol's approval only by its own entity.
A deliverable out of an officer's reach is "not found", so its existence is not disclosed."""

from __future__ import annotations

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.errors import ConaigError, NotFound, PermissionDenied
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import pdf_bytes
from tests.test_core_lifecycles import LIFECYCLES, NORM, assert_refused, bring_to, deliverable_of, snapshot


def test_an_officer_of_another_entity_cannot_see_nor_act_on_a_protocol(app: App) -> None:
    did = deliverable_of(app, "protocol_norm")
    mtpe = users.actor_for(app, "enlace.mtpe@example.pe")
    before = snapshot(app, did)
    with pytest.raises(NotFound) as caught:
        deliverables.advance(app, mtpe, did, "submit", documents=[("p.pdf", pdf_bytes())])
    assert caught.value.message == f"No existe el entregable {did} o no está a su alcance."
    assert_refused(app, did, before, caught.value, "submit")
    with pytest.raises(NotFound):
        deliverables.get(app, mtpe, did)
    with pytest.raises(NotFound):
        deliverables.history(app, mtpe, did)
    visible = deliverables.list_deliverables(app, mtpe)
    assert {d.owner for d in visible} == {"MTPE"}


def test_officers_act_on_their_teams_report_and_others_do_not_see_it(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "urgent_measures_report")
    minedu = users.actor_for(sqlite_app, "enlace.minedu@example.pe")
    mtpe = users.actor_for(sqlite_app, "enlace.mtpe@example.pe")
    with pytest.raises(NotFound):
        deliverables.advance(sqlite_app, mtpe, did, "submit", documents=[("i.pdf", pdf_bytes())])
    assert did not in [d.id for d in deliverables.list_deliverables(sqlite_app, mtpe)]
    assert did in [d.id for d in deliverables.list_deliverables(sqlite_app, minedu)]
    assert deliverables.advance(sqlite_app, minedu, did, "submit", documents=[("i.pdf", pdf_bytes())]).state == "submitted"


def test_officers_cannot_see_the_commissions_own_products(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "methodology")
    with pytest.raises(NotFound):
        deliverables.advance(sqlite_app, users.actor_for(sqlite_app, "enlace.minsa@example.pe"), did, "submit",
                             documents=[("m.pdf", pdf_bytes())])


@pytest.mark.parametrize("kind", ["protocol_norm", "implementation_report"])
def test_only_the_mincul_reviewer_gives_the_advisory_opinion(app: App, kind: str) -> None:
    did = deliverable_of(app, kind)
    bring_to(app, did, kind, "submitted")
    label = LIFECYCLES[kind].transition("opine", "submitted").label  # type: ignore[union-attr]
    users.add_user(app, "revisor@minsa.example.pe", "Revisor MINSA", "MINSA", "reviewer")
    users.add_user(app, "enlace2@cultura.example.pe", "Enlace MINCUL", "MINCUL", "officer")
    refusals: list[tuple[str, type[ConaigError], str]] = [
        ("revisor@minsa.example.pe", PermissionDenied,
         f"Solo la entidad con rol consultivo en esta actividad (MINCUL) puede «{label}»."),
        ("st@example.pe", PermissionDenied, "esta acción corresponde a: revisor consultivo."),
        ("enlace.minsa@example.pe", PermissionDenied, "Como enlace de entidad no puede"),
        ("enlace2@cultura.example.pe", NotFound, "no está a su alcance"),
    ]
    for email, error, text in refusals:
        before = snapshot(app, did)
        with pytest.raises(error) as caught:
            deliverables.advance(app, users.actor_for(app, email), did, "opine", comment="Opinión.")
        assert text in caught.value.message, email
        assert_refused(app, did, before, caught.value, "opine")
    reviewer = users.actor_for(app, "revisor@cultura.example.pe")
    assert did in [d.id for d in deliverables.list_deliverables(app, reviewer)]
    after = deliverables.advance(app, reviewer, did, "opine", comment="Incorporar la pertinencia lingüística.")
    assert after.state == "submitted"
    last = deliverables.history(app, reviewer, did)[-1]
    assert (last.trigger, last.actor_entity, last.comment) == ("opine", "MINCUL", "Incorporar la pertinencia lingüística.")


def test_a_reviewer_cannot_act_beyond_the_opinion(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "protocol_norm")
    bring_to(sqlite_app, did, "protocol_norm", "submitted")
    with pytest.raises(PermissionDenied, match="corresponde a: Secretaría Técnica"):
        deliverables.advance(sqlite_app, users.actor_for(sqlite_app, "revisor@cultura.example.pe"), did, "accept")


def test_the_protocol_is_approved_by_its_own_entity_not_by_the_secretariat(sqlite_app: App) -> None:
    did = deliverable_of(sqlite_app, "protocol_norm")
    bring_to(sqlite_app, did, "protocol_norm", "reviewed")
    st = users.actor_for(sqlite_app, "st@example.pe")
    with pytest.raises(PermissionDenied, match="esta acción corresponde a: enlace de entidad"):
        deliverables.advance(sqlite_app, st, did, "approve", norm_reference=NORM, documents=[("rm.pdf", pdf_bytes())])
    users.add_user(sqlite_app, "otro.enlace@minedu.example.pe", "Otro", "MINEDU", "officer")
    with pytest.raises(NotFound):
        deliverables.advance(sqlite_app, users.actor_for(sqlite_app, "otro.enlace@minedu.example.pe"), did, "approve",
                             norm_reference=NORM, documents=[("rm.pdf", pdf_bytes())])
