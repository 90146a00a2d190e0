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


class _Styles:
    """The document's style ids, looked up once per name. python-docx resolves a style given
    by name on every paragraph or table by walking every style of the document (and again to
    find the default one): for the headings, tables and cell styles of a report that was most
    of the time it took to build."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc
        self._ids: dict[str, str] = {}

    def id(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = self.doc.styles[name].style_id
        return self._ids[name]

    def heading(self, value: str, level: int) -> Any:
        """What ``Document.add_heading`` does: a paragraph in style "Heading <level>"."""
        para = self.doc.add_paragraph(value)
        para._p.get_or_add_pPr().style = self.id(f"Heading {level}")
        return para

    def cell_style(self, size: float) -> str:
        name = f"Celda {size:g} pt"
        if name not in self._ids:
            style = self.doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.doc.styles["Normal"]
            style.font.size = Pt(size)
            style.paragraph_format.space_after = Pt(0)
            self._ids[name] = style.style_id
        return self._ids[name]


def _table(styles: _Styles, headers: Sequence[str], rows: Sequence[Sequence[str]], size: float = 8) -> None:
    """A "Table Grid" table whose rows are written as WordprocessingML in one piece.

    python-docx's ``add_row``, ``cell.text`` and ``paragraph.style`` walk the document's
    styles for every cell, which took minutes for 2,000 deliverables; here each row is XML
    text (escaped), parsed once and appended. The header row repeats on every page.
    """
    doc = styles.doc
    table = doc.add_table(rows=0, cols=len(headers))
    table._tbl.tblPr.style = styles.id("Table Grid")
    style_id = styles.cell_style(size)

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
    styles = _Styles(doc)
    doc.core_properties.title = f"{h.number} — {h.subject}"
    doc.core_properties.author = h.unit_name
    doc.core_properties.language = "es-PE"
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    for section in doc.sections:
        section.left_margin = section.right_margin = Cm(2.5)
        if report.verification_note:  # in the footer, where the signed PDF carries it
            note = section.footer.paragraphs[0]
            note.text = report.verification_note
            for run in note.runs:
                run.font.size = Pt(7)

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

    styles.heading("I. Antecedentes", level=1)
    for para in text.background(report):
        doc.add_paragraph(para)

    styles.heading("II. Avance por objetivo", level=1)
    doc.add_paragraph(text.summary(report))
    _table(styles, ["Objetivo", *text.TALLY_HEADERS], text.group_rows(p.by_objective, total=p.totals))
    _chart(doc, charts, "objetivos")
    for g in p.by_objective:
        styles.heading(f"{g.label} ({g.code})", level=2)
        for a in (a for a in p.by_activity if a.parent == g.code):
            styles.heading(f"{a.code}. {a.label} — avance {text.percent(a.tally.progress_pct)}", level=3)
            rows = [text.item_cells(i) for i in text.items_of(p, a.code)]
            if rows:
                _table(styles, text.ITEM_HEADERS, rows, 7)
            else:
                doc.add_paragraph("Sin entregables registrados a la fecha de corte.")
    styles.heading("Avance por período", level=2)
    _table(styles, ["Período", *text.TALLY_HEADERS], text.group_rows(p.by_period, by_code=True))
    styles.heading("Oportunidad por responsable", level=2)
    _table(styles, text.SCORE_HEADERS, text.score_rows(report), 7)
    _chart(doc, charts, "responsables")
    styles.heading(report.programming_heading, level=2)
    doc.add_paragraph("X: programado en el período; ✔ n: entregables aprobados dentro del período.")
    _table(styles, text.programming_headers(p), text.programming_rows(p), 7)
    _chart(doc, charts, "cronologia")
    if report.agreements is not None:
        styles.heading("Acuerdos adoptados en sesión", level=2)
        if report.agreements:
            _table(styles, text.AGREEMENT_HEADERS, text.agreement_rows(report))
        else:
            doc.add_paragraph("No se adoptaron acuerdos en sesión en el período.")

    styles.heading("III. Alertas", level=1)
    doc.add_paragraph(text.alerts_intro(report))
    if p.overdue:
        _table(styles, text.OVERDUE_HEADERS, text.overdue_rows(p.overdue))
    if p.due_soon:
        doc.add_paragraph(f"Entregables que vencen en los próximos 30 días: {len(p.due_soon)}.")
        _table(styles, text.OVERDUE_HEADERS[:5], text.overdue_rows(p.due_soon, 5))
    if report.reminders is not None:
        styles.heading("Recordatorios enviados", level=2)
        _table(styles, text.REMINDER_HEADERS, text.reminder_rows(report))

    styles.heading("IV. Conclusiones y recomendaciones", level=1)
    doc.add_paragraph(PLACEHOLDER)
    doc.add_paragraph()
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
