"""The progress report as DOCX (python-docx): the editable version the secretariat completes.

Section IV (conclusiones y recomendaciones) is left with an empty paragraph under its heading
for the secretariat to write; everything else is filled from the figures.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from conaig_flow.domain.report_document import ProgressReport
from conaig_flow.i18n import fecha
from conaig_flow.reports import text
from conaig_flow.reports.charts import Chart

PLACEHOLDER = "[Redacte aquí las conclusiones y recomendaciones de la Secretaría Técnica.]"


def _table(doc: object, headers: Sequence[str], rows: Sequence[Sequence[str]], size: float = 8) -> None:
    table = doc.add_table(rows=1, cols=len(headers))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for cell, value in zip(table.rows[0].cells, headers, strict=True):
        cell.text = value
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for r in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, r, strict=True):
            cell.text = str(value)
    for row in table.rows:
        for cell in row.cells:
            for para in cell.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(size)
    doc.add_paragraph()  # type: ignore[attr-defined]


def _chart(doc: object, charts: Sequence[Chart], key: str) -> None:
    for c in charts:
        if c.key == key:
            doc.add_picture(io.BytesIO(c.png), width=Cm(15.5))  # type: ignore[attr-defined]
            caption = doc.add_paragraph(c.title)  # type: ignore[attr-defined]
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _centred(doc: object, value: str, *, bold: bool = False, italic: bool = False, size: float = 10) -> None:
    para = doc.add_paragraph()  # type: ignore[attr-defined]
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = para.add_run(value)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def render_docx(report: ProgressReport, charts: Sequence[Chart]) -> bytes:
    h = report.heading
    p = report.progress
    doc = Document()
    doc.core_properties.title = f"{h.number} — {h.subject}"
    doc.core_properties.author = h.unit_name
    doc.core_properties.language = "es-PE"
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.5)

    _centred(doc, h.entity_name.upper(), bold=True)
    _centred(doc, h.unit_name)
    _centred(doc, h.role)
    if h.year_name:
        _centred(doc, f"«{h.year_name}»", italic=True, size=9)
    _centred(doc, h.number, bold=True, size=12)
    memo = doc.add_table(rows=0, cols=2)
    for label, value in (("A", h.addressee), ("De", h.sender), ("Asunto", h.subject),
                         ("Fecha", f"{h.place}, {fecha(h.issued_at)}")):
        cells = memo.add_row().cells
        cells[0].text, cells[1].text = f"{label}:", value
        cells[0].paragraphs[0].runs[0].bold = True
        cells[0].width, cells[1].width = Cm(2.5), Cm(13.5)

    doc.add_heading("I. Antecedentes", level=1)
    for para in text.background(report):
        doc.add_paragraph(para)

    doc.add_heading("II. Avance por objetivo", level=1)
    doc.add_paragraph(text.summary(report))
    _table(doc, ["Objetivo", *text.TALLY_HEADERS], text.group_rows(p.by_objective, total=p.totals))
    _chart(doc, charts, "objetivos")
    for g in p.by_objective:
        doc.add_heading(f"{g.label} ({g.code})", level=2)
        for a in (a for a in p.by_activity if a.parent == g.code):
            doc.add_heading(f"{a.code}. {a.label} — avance {text.percent(a.tally.progress_pct)}", level=3)
            rows = [text.item_cells(i) for i in text.items_of(p, a.code)]
            if rows:
                _table(doc, text.ITEM_HEADERS, rows, 7)
            else:
                doc.add_paragraph("Sin entregables registrados a la fecha de corte.")
    doc.add_heading("Avance por período", level=2)
    _table(doc, ["Período", *text.TALLY_HEADERS], text.group_rows(p.by_period, by_code=True))
    doc.add_heading("Oportunidad por responsable", level=2)
    _table(doc, text.SCORE_HEADERS, text.score_rows(report), 7)
    _chart(doc, charts, "responsables")
    doc.add_heading("Programación (sección V del plan): programado y ejecutado", level=2)
    doc.add_paragraph("X: programado en el período; ✔ n: entregables aprobados dentro del período.")
    _table(doc, text.programming_headers(p), text.programming_rows(p), 7)
    _chart(doc, charts, "cronologia")
    if report.agreements is not None:
        doc.add_heading("Acuerdos adoptados en sesión", level=2)
        if report.agreements:
            _table(doc, text.AGREEMENT_HEADERS, text.agreement_rows(report))
        else:
            doc.add_paragraph("No se adoptaron acuerdos en sesión en el período.")

    doc.add_heading("III. Alertas", level=1)
    doc.add_paragraph(text.alerts_intro(report))
    if p.overdue:
        _table(doc, text.OVERDUE_HEADERS, text.overdue_rows(p.overdue))
    if p.due_soon:
        doc.add_paragraph(f"Entregables que vencen en los próximos 30 días: {len(p.due_soon)}.")
        _table(doc, text.OVERDUE_HEADERS[:5], text.overdue_rows(p.due_soon, 5))
    if report.reminders is not None:
        doc.add_heading("Recordatorios enviados", level=2)
        _table(doc, text.REMINDER_HEADERS, text.reminder_rows(report))

    doc.add_heading("IV. Conclusiones y recomendaciones", level=1)
    doc.add_paragraph(PLACEHOLDER)
    doc.add_paragraph()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
