"""The progress report as PDF/A-2b (fpdf2, ``rendering/pdfa.py``), with its charts as images:
the commission's letterhead on every page, page numbers, the signed-document footer and the
audit checkpoint the report vouches for.

fpdf2's core fonts are Latin-1 only; the report needs "—", "✔" and "«»", so it embeds the
DejaVu Sans font that matplotlib already ships (``mpl-data/fonts/ttf``, found without
importing matplotlib: ``reports/fonts.py``): no system font and no extra package.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from fpdf import FPDF

from conaig_flow.domain.report_document import ProgressReport
from conaig_flow.i18n import fecha
from conaig_flow.rendering.pdfa import FONT, DocumentMeta, Letterhead, OfficialPdf
from conaig_flow.rendering.reports import text
from conaig_flow.rendering.reports.charts import Chart
from conaig_flow.store.public_address import DEFAULT_PUBLIC_URL, VERIFY_PAGE


class _Table:
    """A bordered table drawn with ``rect`` and ``text``: rows grow to fit wrapped text and the
    header row repeats on every page. fpdf2's own ``table()`` shapes every cell through
    ``multi_cell`` twice, which took minutes for a plan of 2,000 deliverables; this greedy
    word wrap with cached word widths takes a second or two."""

    PAD = 0.8

    def __init__(self, pdf: FPDF, headers: Sequence[str], weights: Sequence[float] | None, size: float) -> None:
        self.pdf = pdf
        self.headers = [str(h) for h in headers]
        weights = list(weights) if weights else [1.0] * len(headers)
        total = sum(weights)
        self.widths = [pdf.epw * w / total for w in weights]
        self.size = size
        self.line_h = size * 0.42
        self._widths_cache: dict[tuple[str, str], float] = {}

    def _width(self, word: str, style: str) -> float:
        key = (word, style)
        if key not in self._widths_cache:
            self._widths_cache[key] = self.pdf.get_string_width(word)
        return self._widths_cache[key]

    def _wrap(self, value: str, width: float, style: str) -> list[str]:
        room = width - 2 * self.PAD
        lines: list[str] = []
        for paragraph in value.split("\n"):
            current = ""
            for word in paragraph.split(" "):
                candidate = f"{current} {word}" if current else word
                if self._width(candidate, style) <= room:
                    current = candidate
                    continue
                if current:
                    lines.append(current)
                while self._width(word, style) > room and len(word) > 1:
                    cut = len(word) - 1
                    while cut > 1 and self._width(word[:cut], style) > room:
                        cut -= 1
                    lines.append(word[:cut])
                    word = word[cut:]
                current = word
            lines.append(current)
        return lines

    def _row(self, cells: Sequence[str], header: bool) -> None:
        pdf = self.pdf
        style = "B" if header else ""
        pdf.set_font(FONT, style, self.size)
        wrapped = [self._wrap(c, w, style) for c, w in zip(cells, self.widths, strict=True)]
        height = max(len(lines) for lines in wrapped) * self.line_h + 2 * self.PAD
        if pdf.get_y() + height > pdf.page_break_trigger and not header:
            pdf.add_page()
            self._row(self.headers, True)
            pdf.set_font(FONT, style, self.size)
        x, y = pdf.l_margin, pdf.get_y()
        for lines, width in zip(wrapped, self.widths, strict=True):
            pdf.rect(x, y, width, height, style="DF" if header else "D")
            for k, line in enumerate(lines):
                pdf.text(x + self.PAD, y + self.PAD + (k + 0.78) * self.line_h, line)
            x += width
        pdf.set_y(y + height)

    def draw(self, rows: Sequence[Sequence[str]]) -> None:
        self.pdf.set_fill_color(232, 232, 232)
        self.pdf.set_draw_color(110, 110, 110)
        self.pdf.set_line_width(0.15)
        if self.pdf.get_y() + 4 * self.line_h > self.pdf.page_break_trigger:
            self.pdf.add_page()
        self._row(self.headers, True)
        for r in rows:
            self._row([str(c) for c in r], False)
        self.pdf.ln(2)


def _table(pdf: FPDF, headers: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float] | None = None,
           size: float = 7) -> None:
    _Table(pdf, headers, widths, size).draw(rows)


def _heading(pdf: FPDF, title: str, level: int = 1) -> None:
    if isinstance(pdf, OfficialPdf):
        pdf.heading(title, level - 1)
    pdf.set_font(FONT, "B", 12 if level == 1 else 10)
    pdf.multi_cell(0, 6, title, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(1)


def _para(pdf: FPDF, body: str, size: float = 10, style: str = "") -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, 5, body, new_x="LMARGIN", new_y="NEXT", align="J")
    pdf.ln(1.5)


def _chart(pdf: FPDF, charts: Sequence[Chart], key: str) -> None:
    for c in charts:
        if c.key == key:
            pdf.image(io.BytesIO(c.png), w=pdf.epw * 0.9, x=pdf.l_margin + pdf.epw * 0.05, title=c.title, alt_text=c.title)
            pdf.ln(2)


def render_pdf(report: ProgressReport, charts: Sequence[Chart], verify_url: str | None = None) -> bytes:
    """``verify_url``: where the signed PDF is checked (the footer); by default the report's
    own (``App.public_url()`` when the report was built), else serve's default address."""
    verify_url = verify_url or report.verify_url or f"{DEFAULT_PUBLIC_URL}{VERIFY_PAGE}"
    h = report.heading
    p = report.progress
    meta = DocumentMeta(
        title=h.number, author=f"{h.unit_name} — {h.role}", subject=h.subject,
        letterhead=Letterhead(h.entity_name, h.unit_name, h.role, h.year_name), created_at=h.issued_at,
        verify_url=verify_url, keywords=f"{report.commission_code}; informe de avance; {h.subject}",
        audit_root=report.audit_root,
    )
    pdf = OfficialPdf(meta)
    pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.cell(0, 7, h.number, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value in (("A", h.addressee), ("De", h.sender), ("Asunto", h.subject),
                         ("Fecha", f"{h.place}, {fecha(h.issued_at)}")):
        pdf.set_font(FONT, "B", 10)
        pdf.cell(22, 5, f"{label}:")
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.line(pdf.l_margin, pdf.get_y() + 2, pdf.l_margin + pdf.epw, pdf.get_y() + 2)
    pdf.ln(5)

    _heading(pdf, "I. Antecedentes")
    for para in text.background(report):
        _para(pdf, para)

    _heading(pdf, "II. Avance por objetivo")
    _para(pdf, text.summary(report))
    _table(pdf, ["Objetivo", *text.TALLY_HEADERS], text.group_rows(p.by_objective, total=p.totals),
           (19, 7, 12, 9, 9, 9, 10, 11, 9, 13))
    _chart(pdf, charts, "objetivos")
    for g in p.by_objective:
        _heading(pdf, f"{g.label} ({g.code})", 2)
        for a in (a for a in p.by_activity if a.parent == g.code):
            _para(pdf, f"{a.code}. {a.label} — avance {text.percent(a.tally.progress_pct)}", 9, "B")
            rows = [text.item_cells(i) for i in text.items_of(p, a.code)]
            if rows:
                _table(pdf, text.ITEM_HEADERS, rows, (6, 16, 11, 26, 13, 13, 40, 9), 6.5)
            else:
                _para(pdf, "Sin entregables registrados a la fecha de corte.", 9, "I")
    _heading(pdf, "Avance por período", 2)
    _table(pdf, ["Período", *text.TALLY_HEADERS], text.group_rows(p.by_period, by_code=True),
           (19, 7, 12, 9, 9, 9, 10, 11, 9, 13))
    _heading(pdf, "Oportunidad por responsable", 2)
    _table(pdf, text.SCORE_HEADERS, text.score_rows(report), (14, 32, 7, 12, 9, 9, 11, 12, 15, 10, 10), 6)
    _chart(pdf, charts, "responsables")
    _heading(pdf, report.programming_heading, 2)
    _para(pdf, "X: programado en el período; ✔ n: entregables aprobados dentro del período.", 8)
    headers = text.programming_headers(p)
    _table(pdf, headers, text.programming_rows(p), (8, 58, 58, *([46 / max(1, len(headers) - 3)] * (len(headers) - 3))))
    _chart(pdf, charts, "cronologia")
    if report.agreements is not None:
        _heading(pdf, "Acuerdos adoptados en sesión", 2)
        if report.agreements:
            _table(pdf, text.AGREEMENT_HEADERS, text.agreement_rows(report), (35, 18, 60, 18, 35, 24))
        else:
            _para(pdf, "No se adoptaron acuerdos en sesión en el período.")

    _heading(pdf, "III. Alertas")
    _para(pdf, text.alerts_intro(report))
    if p.overdue:
        _table(pdf, text.OVERDUE_HEADERS, text.overdue_rows(p.overdue), (8, 12, 20, 40, 16, 12, 16))
    if p.due_soon:
        _para(pdf, f"Entregables que vencen en los próximos 30 días: {len(p.due_soon)}.")
        _table(pdf, text.OVERDUE_HEADERS[:5], text.overdue_rows(p.due_soon, 5), (8, 12, 24, 50, 18))
    if report.reminders is not None:
        _heading(pdf, "Recordatorios enviados", 2)
        _table(pdf, text.REMINDER_HEADERS, text.reminder_rows(report), (20, 50, 22, 22, 22, 18, 16))

    _heading(pdf, "IV. Conclusiones y recomendaciones")
    _para(pdf, "A cargo de la Secretaría Técnica.", 10, "I")
    if report.audit_root:
        _para(pdf, f"El historial del Plan de Trabajo a la emisión de este informe consta en el punto de control de "
                   f"auditoría {report.audit_root}.", 9)
    pdf.ln(4)
    pdf.signature_boxes([("secretariat", f"{h.role} — {h.unit_name}")])
    return pdf.bytes()
