"""The progress report as DOCX (python-docx): the editable version the secretariat completes.

Section IV (conclusiones y recomendaciones) is left with an empty paragraph under its heading
for the secretariat to write; everything else is filled from the figures.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt

from conaig_flow.domain.report_document import ProgressReport
from conaig_flow.i18n import fecha
from conaig_flow.rendering.reports import text
from conaig_flow.rendering.reports.charts import Chart

PLACEHOLDER = "[Redacte aquí las conclusiones y recomendaciones de la Secretaría Técnica.]"


def _table(doc: Any, headers: Sequence[str], rows: Sequence[Sequence[str]], size: float = 8) -> None:
    """A "Table Grid" table whose rows are written as WordprocessingML in one piece.

    python-docx's ``add_row``, ``cell.text`` and ``paragraph.style`` walk the document's
    styles for every cell, which took minutes for 2,000 deliverables; here each row is XML
    text (escaped), parsed once and appended. The header row repeats on every page.
    """
    table = doc.add_table(rows=0, cols=len(headers))
    table.style = "Table Grid"
    style_id = _cell_style(doc, size).style_id

    def row(values: Sequence[str], header: bool) -> str:
        tr_pr = "<w:trPr><w:tblHeader/></w:trPr>" if header else ""
        r_pr = "<w:rPr><w:b/></w:rPr>" if header else ""
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="{style_id}"/></w:pPr>'
            f'<w:r>{r_pr}<w:t xml:space="preserve">{escape(str(v))}</w:t></w:r></w:p></w:tc>'
            for v in values
        )
        return f"<w:tr>{tr_pr}{cells}</w:tr>"

    body = row(headers, True) + "".join(row(r, False) for r in rows)
    for tr in list(parse_xml(f"<w:tbl {nsdecls('w')}>{body}</w:tbl>")):
        table._tbl.append(tr)
    doc.add_paragraph()


def _cell_style(doc: Any, size: float) -> Any:
    name = f"Celda {size:g} pt"
    if name not in [s.name for s in doc.styles]:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.font.size = Pt(size)
        style.paragraph_format.space_after = Pt(0)
    return doc.styles[name]


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
