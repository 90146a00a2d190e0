"""The systematisation matrix ("matriz de sistematización de aportes") as XLSX and DOCX."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from conaig_flow.domain.consultation import ORGANISATION_KINDS
from conaig_flow.i18n import fecha, fecha_hora
from conaig_flow.rendering.cells import append_row
from conaig_flow.services.consultation.consultations import ConsultationView
from conaig_flow.services.consultation.contributions import ContributionView

HEADERS = (
    "N°", "Fecha de recepción", "Persona", "Organización", "Tipo de organización", "Región",
    "Pregunta o sección", "Aporte", "Decisión", "Fundamento", "Cambio en la propuesta", "Adjunto",
)


def attachment_url(base_url: str, c: ContributionView) -> str:
    """Where the Technical Secretariat downloads a contribution's attachment (signed in)."""
    return f"{base_url.rstrip('/')}/consultas/{c.consultation_id}/aportes/{c.id}/adjunto"


def in_force(items: Sequence[ContributionView]) -> list[ContributionView]:
    return [c for c in items if c.superseded_by is None]


def rows(items: Sequence[ContributionView]) -> list[list[str]]:
    """One row per contribution in force (corrections replace what they supersede)."""
    out = []
    for c in in_force(items):
        section = f"{c.question_seq}. {c.question_text}" if c.question_seq else "General"
        text = c.text + (f" [corrige el aporte {c.supersedes_id}]" if c.supersedes_id else "")
        out.append([
            str(c.id), fecha_hora(c.received_at), c.submitter_name, c.submitter_organisation,
            ORGANISATION_KINDS.get(c.organisation_kind or "", "Sin clasificar (página pública)"), c.region or "—",
            section, text, c.decision_label, c.reason or "", c.change_location or "", c.attachment_name or "",
        ])
    return out


def title(consultation: ConsultationView) -> str:
    return f"Matriz de sistematización de aportes — {consultation.title}"


def to_xlsx(consultation: ConsultationView, items: Sequence[ContributionView], base_url: str | None = None) -> bytes:
    """The matrix as a workbook; with ``base_url``, each attachment's name links to its download."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Matriz de aportes"
    append_row(ws, [title(consultation)])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [f"Consulta del {fecha(consultation.opens_at)} al {fecha(consultation.closes_at)}; documento: {consultation.document_name}"])
    ws.append([])
    ws.append(list(HEADERS))
    for cell in ws[4]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="6B2C6F")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, row in zip(in_force(items), rows(items), strict=True):
        append_row(ws, row)
        if base_url and c.attachment_sha256:
            cell = ws.cell(row=ws.max_row, column=len(HEADERS))
            cell.hyperlink = attachment_url(base_url, c)
            cell.font = Font(color="0B4F9C", underline="single")
    widths = (6, 20, 22, 28, 20, 16, 30, 60, 18, 40, 28, 30)
    for letter, width in zip("ABCDEFGHIJKL", widths, strict=True):
        ws.column_dimensions[letter].width = width
    for row_cells in ws.iter_rows(min_row=5):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A5"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def to_docx(consultation: ConsultationView, items: Sequence[ContributionView], base_url: str | None = None) -> bytes:
    """The matrix as a document; with ``base_url``, each attachment's name comes with its address."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Cm(1.5))
    doc.add_heading(title(consultation), level=1)
    doc.add_paragraph(
        f"Consulta abierta del {fecha_hora(consultation.opens_at)} al {fecha_hora(consultation.closes_at)} "
        f"(hora de Lima) sobre el documento «{consultation.document_name}»."
    )
    data = rows(items)
    if base_url:
        for c, row in zip(in_force(items), data, strict=True):
            if c.attachment_sha256:
                row[-1] = f"{row[-1]} ({attachment_url(base_url, c)})"
    table = doc.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.font.bold = True
            run.font.size = Pt(8)
    for row in data:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
            for run in cell.paragraphs[0].runs:
                run.font.size = Pt(8)
    if not data:
        doc.add_paragraph("No se recibieron aportes.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
