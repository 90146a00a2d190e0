"""A first end-to-end walk through the core, on SQLite and PostgreSQL."""

from __future__ import annotations

from conaig_flow.bootstrap import App
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import add_people, pdf_bytes


def test_protocol_walks_from_draft_to_approved_and_creates_implementation_reports(app: App) -> None:
    add_people(app)
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    deliverables.advance(app, minsa, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    deliverables.advance(app, st, d.id, "accept")
    done = deliverables.advance(
        app, minsa, d.id, "approve", norm_reference="Resolución Ministerial N° 123-2022-MINSA",
        documents=[("rm.pdf", pdf_bytes("rm"))],
    )
    assert done.state == "approved" and done.version == 4
    reports = deliverables.list_deliverables(app, entity="MINSA", activity="A1.2")
    assert [r.period for r in reports] == ["I-2022", "II-2022"]
    assert audit.verify(app).first_break is None
