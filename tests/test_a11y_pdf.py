"""The documents the system generates as PDF (the progress report; actas, convocatorias and
certifications, all drawn by ``rendering.blocks.to_pdf``) read well in assistive technology as
far as fpdf2 allows: a title (Info and XMP) that the reader shows instead of the file name, the
language es-PE, an outline of the headings in reading order, and, where fpdf2 tags content (the
report's charts), a structure tree marked as such with the charts' alternative text. Read back
with pikepdf and pypdf."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

import pikepdf
from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.rendering.blocks import to_pdf
from conaig_flow.rendering.pdfa import DocumentMeta, Letterhead
from tests.test_reports_documents import _report, history  # noqa: F401  (fixture)

ACTA = """# ACTA N° 001-2022-CONAIG

## I. Asistencia

| Entidad | Calidad |
|---|---|
| MIMP | titular |
| MINSA | alterno/a |

## II. Acuerdos

Acuerdo 1: se aprueba la metodología del informe anual.

[[firmas]]
"""


def _outline(pdf: pikepdf.Pdf) -> list[str]:
    titles: list[str] = []

    def walk(item: Any) -> None:
        while item is not None:
            titles.append(str(item.get("/Title")))
            walk(item.get("/First"))
            item = item.get("/Next")

    outlines = pdf.Root.get("/Outlines")
    if outlines is not None:
        walk(outlines.get("/First"))
    return titles


def _accessible_basics(content: bytes, title: str) -> pikepdf.Pdf:
    pdf = pikepdf.open(io.BytesIO(content))
    assert str(pdf.Root.get("/Lang")) == "es-PE"
    # fpdf2 writes a PDF/A document's metadata in XMP only (no Info dictionary, which PDF 2.0
    # deprecates); where an Info dictionary is present its title must agree
    if "/Title" in pdf.docinfo:
        assert str(pdf.docinfo["/Title"]) == title
    with pdf.open_metadata() as meta:
        assert title in str(meta.get("dc:title", ""))
        language = str(meta.get("dc:language", ""))  # /Lang above is what readers use
        assert not language or "es" in language
    assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle) is True
    if "/StructTreeRoot" in pdf.Root:
        assert bool(pdf.Root.MarkInfo.Marked) is True
    return pdf


def test_an_acta_pdf_has_title_language_and_an_outline_of_its_headings_in_reading_order() -> None:
    meta = DocumentMeta(
        title="ACTA N° 001-2022-CONAIG", author="Secretaría Técnica de la CONAIG", subject="Acta de sesión",
        letterhead=Letterhead("Ministerio de la Mujer y Poblaciones Vulnerables", "DGIGND", "Secretaría Técnica"),
        created_at=datetime(2022, 5, 6, 12, 0, tzinfo=LIMA), verify_url="http://127.0.0.1:8000/documentos/verificar",
    )
    content, _ = to_pdf(ACTA, meta, [("secretaria", "Secretaría Técnica")])
    with _accessible_basics(content, "ACTA N° 001-2022-CONAIG") as pdf:
        assert _outline(pdf) == ["ACTA N° 001-2022-CONAIG", "I. Asistencia", "II. Acuerdos"]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    order = [text.index(s) for s in ("ACTA N° 001-2022-CONAIG", "I. Asistencia", "MINSA", "II. Acuerdos", "Acuerdo 1")]
    assert order == sorted(order), "el texto no se lee en el orden del documento"


def test_the_progress_report_pdf_has_title_language_outline_and_its_charts_described(
    history: App, tmp_path: Path  # noqa: F811
) -> None:
    content = _report(history, tmp_path, "pdf")
    with _accessible_basics(content, "INFORME N° 004-2023-MIMP/DGIGND") as pdf:
        outline = _outline(pdf)
        assert outline[:2] == ["I. Antecedentes", "II. Avance por objetivo"], outline
        assert "IV. Conclusiones y recomendaciones" in outline
        figures = [e for e in _struct_elements(pdf.Root.StructTreeRoot) if e.get("/S") == "/Figure"]
        assert len(figures) == 3 and all(str(f.get("/Alt", "")).strip() for f in figures)


def _struct_elements(node: Any) -> list[Any]:
    kids = node.get("/K")
    if kids is None:
        return []
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    out = []
    for k in items:
        if isinstance(k, pikepdf.Dictionary):
            out.append(k)
            out.extend(_struct_elements(k))
    return out
