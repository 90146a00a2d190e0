"""The dashboard's downloads: the progress report in every format, as of a date and for a
period, and the open-data export as a .zip."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from docx import Document

from conaig_flow.bootstrap import App
from conaig_flow.web import create_app
from tests.web_support import PEOPLE, add_web_people, sign_in


def test_the_dashboard_offers_the_progress_report_and_the_open_data(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    c, _ = sign_in(web, PEOPLE["officer"])
    assert "Descargar el informe" in c.get("/tablero").text
    pdf = c.get("/tablero/informe", params={"formato": "pdf", "corte": "2021-12-31"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "informe-avance-" in pdf.headers["content-disposition"] and "2021-12-31" in pdf.headers["content-disposition"]
    xlsx = c.get("/tablero/informe", params={"formato": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Resumen", "Entregables", "Por actividad", "Oportunidad", "Vencidos", "Programación",
                               "Acuerdos", "Recordatorios"]
    rows = list(book["Entregables"].iter_rows(values_only=True))
    assert rows[0][:4] == ("ID", "Objetivo", "Actividad", "Responsable") and len(rows) == 1 + 24  # the 24 deliverables
    # the period chosen on the page is the report's window: II-2021 is July to December 2021
    data = c.get("/tablero/informe", params={"formato": "json", "periodo": "II-2021", "corte": "2022-12-31"}).json()
    assert data["periodo"] == "II-2021"
    assert data["ventana"] == {"desde": "2021-07-01T00:00:00-05:00", "hasta": "2021-12-31T23:59:59-05:00"}
    whole = c.get("/tablero/informe", params={"formato": "json", "corte": "2022-12-31"}).json()
    assert whole["periodo"] is None and whole["ventana"]["hasta"].startswith("2022-12-31T23:59:59")
    title = "Informe de avances de la implementación del Plan de Trabajo"
    html = c.get("/tablero/informe", params={"formato": "html"})
    assert html.headers["content-type"].startswith("text/html") and '<html lang="es-PE">' in html.text
    assert title in html.text and "al 1 de julio de 2021" in html.text
    md = c.get("/tablero/informe", params={"formato": "md"})
    assert md.text.startswith("**MINISTERIO DE LA MUJER Y POBLACIONES VULNERABLES**") and title in md.text
    docx = c.get("/tablero/informe", params={"formato": "docx"})
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.content)).paragraphs)
    assert text.startswith("MINISTERIO DE LA MUJER Y POBLACIONES VULNERABLES") and "IV. Conclusiones y recomendaciones" in text
    bad = c.get("/tablero/informe", params={"formato": "pdf", "corte": "ayer"})
    assert bad.status_code == 422 and "Fecha de corte no válida" in bad.text
    z = c.get("/tablero/datos-abiertos", params={"formato": "csv"})
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert z.headers["content-type"] == "application/zip" and "LEEME.md" in names and "diccionario.csv" in names
