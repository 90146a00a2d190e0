"""The progress report as documents: the PDF and DOCX are opened and read, the XLSX read back,
the HTML and Markdown checked, the charts present. Driven through the ``conaig`` command."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.cli import cli
from conaig_flow.clock import FixedClock
from conaig_flow.domain.report_document import Agreement
from conaig_flow.services.reports import reports
from tests.pdfa_checks import check_pdfa
from tests.reports_script import ACTA_1, ACTA_2, NORM_MINEDU, NORM_MINSA, SESSION_1, SESSION_2, play_history

HEADING = (
    "MINISTERIO DE LA MUJER Y POBLACIONES VULNERABLES",
    "Secretaría Técnica de la CONAIG",
    "«Año de la Unidad, la Paz y el Desarrollo»",
    "INFORME N° 004-2023-MIMP/DGIGND",
    "Lima, 5 de febrero de 2023",
    "I. Antecedentes",
    "II. Avance por objetivo",
    "III. Alertas",
    "IV. Conclusiones y recomendaciones",
)


@pytest.fixture
def history(sqlite_app: App, clock: FixedClock) -> App:
    play_history(sqlite_app, clock)
    return sqlite_app


def _report(app: App, tmp_path: Path, fmt: str, *extra: str) -> bytes:
    out = tmp_path / f"informe.{fmt}"
    result = CliRunner().invoke(
        cli,
        ["--db", app.settings.db_url, "--home", str(app.settings.home), "--now", "2023-02-05T10:00",
         "report", "progress", "--as-of", "2023-01-31", "--format", fmt, "--number", "4", "--out", str(out), *extra],
    )
    assert result.exit_code == 0, result.output
    assert "INFORME N° 004-2023-MIMP/DGIGND" in result.output
    return out.read_bytes()


def _agreements(app: App) -> tuple[Agreement, ...]:
    report = reports.progress_report(app, reports.parse_as_of("2023-01-31"))
    assert report.agreements is not None
    return report.agreements


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_pdf_report_reads_as_a_government_report_with_figures_and_three_charts(history: App, tmp_path: Path) -> None:
    data = _report(history, tmp_path, "pdf")
    reader = PdfReader(io.BytesIO(data))
    text = _flat(" ".join(page.extract_text() for page in reader.pages))
    for phrase in HEADING:
        assert _flat(phrase) in text, phrase
    assert "de 26 entregables exigibles (27 registrados, 1 retirado), 4 están aprobados (15.4 % de avance)" in text
    assert NORM_MINSA in text and SESSION_2 in text and ACTA_1 in text and ACTA_2 in text
    assert "13 a favor, 2 en contra, 0 abstenciones" in text  # the agreements section, from the sessions
    assert "Al 31 de enero de 2023 hay 22 entregables vencidos" in text
    assert sum(len(page.images) for page in reader.pages) == 3
    # PDF/A-2b: the metadata is in the XMP packet (fpdf2 writes no Info dictionary in that mode)
    check_pdfa(data, title="INFORME N° 004-2023-MIMP/DGIGND", author="Secretaría Técnica de la CONAIG")
    assert "página 1 de" in text and "Ley N° 27269" in text


def test_docx_report_has_the_sections_the_figures_the_charts_and_room_for_conclusions(history: App, tmp_path: Path) -> None:
    doc = Document(io.BytesIO(_report(history, tmp_path, "docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    text = "\n".join(paragraphs + cells)
    for phrase in HEADING:
        assert phrase in text, phrase
    assert NORM_MINEDU in cells
    headings = [p.text for p in doc.paragraphs if p.style is not None and p.style.name.startswith("Heading 1")]
    assert headings == ["I. Antecedentes", "II. Avance por objetivo", "III. Alertas", "IV. Conclusiones y recomendaciones"]
    after = paragraphs[paragraphs.index("IV. Conclusiones y recomendaciones") + 1:]
    assert after[0].startswith("[Redacte aquí") and all(not p.strip() for p in after[1:])
    assert len(doc.inline_shapes) == 3
    totals = next(t for t in doc.tables if t.rows[0].cells[0].text == "Objetivo")
    assert [c.text for c in totals.rows[-1].cells][:8] == ["Total", "27", "4", "2", "2", "0", "22", "1"]
    agreements = next(t for t in doc.tables if t.rows[0].cells[0].text == "Sesión")
    assert [[c.text for c in r.cells] for r in agreements.rows[1:]] == [
        [SESSION_1, "20/06/2022", a.text, "Aprobado", "15 a favor, 0 en contra, 0 abstenciones", ACTA_1]
        if i == 0 else [SESSION_2, "15/07/2022", a.text, "Aprobado", "13 a favor, 2 en contra, 0 abstenciones", ACTA_2]
        for i, a in enumerate(_agreements(history))
    ]


def test_xlsx_report_reads_back_with_typed_figures(history: App, tmp_path: Path) -> None:
    wb = load_workbook(io.BytesIO(_report(history, tmp_path, "xlsx")))
    assert wb.sheetnames == ["Resumen", "Entregables", "Por actividad", "Oportunidad", "Vencidos", "Programación", "Acuerdos",
                             "Recordatorios"]
    summary = {row[0]: row for row in wb["Resumen"].iter_rows(values_only=True) if row and row[0]}
    assert summary["Total del plan"][2:11] == (27, 4, 2, 2, 0, 22, 1, 15.4, 7.7)
    items = list(wb["Entregables"].iter_rows(values_only=True))
    assert len(items) == 1 + 27
    header = items[0]
    late = [r for r in items[1:] if r[header.index("Situación")] == "Aprobado con retraso"]
    assert sorted(r[header.index("Días de atraso")] for r in late) == [8, 15]  # MINEDU: 10 Jan 2023 against the effective 2 Jan
    assert len(list(wb["Vencidos"].iter_rows(values_only=True))) == 1 + 22
    agreements = list(wb["Acuerdos"].iter_rows(values_only=True))[1:]
    assert [(a[0], a[3], a[4], a[6], a[7]) for a in agreements] == [
        (SESSION_1, "Aprobado", "15 a favor, 0 en contra, 0 abstenciones", "A2.1", ACTA_1),
        (SESSION_2, "Aprobado", "13 a favor, 2 en contra, 0 abstenciones", "A1.2", ACTA_2),
    ]


def test_html_report_embeds_its_charts_and_markdown_and_json_carry_the_same_figures(history: App, tmp_path: Path) -> None:
    html = _report(history, tmp_path, "html").decode("utf-8")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', html)) == 3
    assert "INFORME N° 004-2023-MIMP/DGIGND" in html and "IV. Conclusiones y recomendaciones" in html
    md = _report(history, tmp_path, "md").decode("utf-8")
    assert "# INFORME N° 004-2023-MIMP/DGIGND" in md and "| Total | 27 | 4 | 2 | 2 | 0 | 22 | 1 | 15.4 % | 7.7 % |" in md
    data = json.loads(_report(history, tmp_path, "json"))
    assert data["totales"]["aprobados"] == 4 and data["totales"]["avance_pct"] == 15.4
    assert [(a["sesion"], a["resultado"], a["acta"]) for a in data["acuerdos"]] == [
        (SESSION_1, "Aprobado", ACTA_1), (SESSION_2, "Aprobado", ACTA_2)]
    assert ACTA_2 in html and "13 a favor, 2 en contra, 0 abstenciones" in md
    assert data["encabezado"]["numero"] == "INFORME N° 004-2023-MIMP/DGIGND"
    assert data["recordatorios"] == []  # connected; this history swept no reminders


def test_templates_can_be_overridden_from_a_folder(history: App, tmp_path: Path) -> None:
    folder = tmp_path / "plantillas"
    folder.mkdir()
    (folder / "progress.md.j2").write_text("Informe {{ report.heading.number }}: {{ report.progress.totals.approved }} aprobados\n")
    md = _report(history, tmp_path, "md", "--templates", str(folder)).decode("utf-8")
    assert md == "Informe INFORME N° 004-2023-MIMP/DGIGND: 4 aprobados\n"


def test_unknown_period_is_refused_with_exit_code_2(history: App, tmp_path: Path) -> None:
    from conaig_flow.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--db", history.settings.db_url, "report", "progress", "--as-of", "2023-01-31", "--period", "X",
              "--format", "json", "--out", str(tmp_path / "x.json")])
    assert exc.value.code == 2
