"""A second commission's plan gives its own report with no code change."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

from docx import Document
from pypdf import PdfReader

from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.rendering.reports import render
from conaig_flow.services import plans, users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.reports import reports
from tests.conftest import make_app, pdf_bytes

PLAN = Path(__file__).resolve().parent / "data" / "comision-anemia-2024.yaml"
YEAR_2024 = ("Año del Bicentenario, de la consolidación de nuestra Independencia, y de la conmemoración de las "
             "heroicas batallas de Junín y Ayacucho")


def test_report_for_another_commission_uses_its_entities_periods_numbering_and_year_name(
    store_url: str, tmp_path: Path
) -> None:
    clock = FixedClock(datetime(2024, 1, 10, 9, 0, tzinfo=LIMA))
    app = make_app(store_url, tmp_path / "home", clock)
    try:
        plans.init(app, PLAN)
        users.add_user(app, "enlace@minsa.example.pe", "Enlace MINSA", "MINSA", "officer")
        users.add_user(app, "st@minsa.example.pe", "Secretaría Técnica", "MINSA", "secretariat")
        officer = users.actor_for(app, "enlace@minsa.example.pe")
        st = users.actor_for(app, "st@minsa.example.pe")
        (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="B1.1")
        deliverables.advance(app, officer, d.id, "submit", documents=[("l.pdf", pdf_bytes())])
        clock.set(datetime(2024, 5, 2, 9, 0, tzinfo=LIMA))
        deliverables.advance(app, st, d.id, "accept")
        clock.set(datetime(2024, 5, 20, 9, 0, tzinfo=LIMA))
        deliverables.advance(app, officer, d.id, "approve", norm_reference="Resolución Ministerial N° 321-2024-MINSA",
                             documents=[("rm.pdf", pdf_bytes("rm"))])
        clock.set(datetime(2024, 7, 3, 9, 0, tzinfo=LIMA))
        report = reports.progress_report(app, reports.parse_as_of("2024-06-30"), number=3)
    finally:
        app.close()

    t = report.progress.totals
    assert (t.total, t.approved_on_time, t.overdue, t.in_term) == (4, 1, 0, 3)
    assert [g.code for g in report.progress.by_objective] == ["OE1", "OE2"]
    assert [c.period for c in report.progress.programming[0].cells] == ["T1-2024", "T2-2024", "T3-2024"]
    assert report.heading.number == "INFORME TÉCNICO N° 003-2024-MINSA-DGIESP"
    assert report.heading.entity_name == "Ministerio de Salud"
    assert report.heading.role == "Secretaría Técnica de la CMRAI"

    pdf_text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render(report, "pdf"))).pages))
    assert "INFORME TÉCNICO N° 003-2024-MINSA-DGIESP" in pdf_text
    assert re.sub(r"\s+", " ", YEAR_2024) in pdf_text
    assert "Lima, 3 de julio de 2024" in pdf_text
    assert "CONAIG" not in pdf_text
    doc = Document(io.BytesIO(render(report, "docx")))
    cells = {c.text for table in doc.tables for row in table.rows for c in row.cells}
    assert "Resolución Ministerial N° 321-2024-MINSA" in cells
    assert len(doc.inline_shapes) == 3
