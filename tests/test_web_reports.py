"""The dashboard's downloads: the progress report in every format, as of a date and for a
period, and the open-data export as a .zip."""

from __future__ import annotations

import io
import zipfile

import openpyxl

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
    assert openpyxl.load_workbook(io.BytesIO(xlsx.content)).sheetnames
    period = sqlite_app.definitions().plan.periods[0].code
    data = c.get("/tablero/informe", params={"formato": "json", "periodo": period}).json()
    assert period in str(data)
    for fmt in ("html", "md", "docx"):
        assert c.get("/tablero/informe", params={"formato": fmt}).status_code == 200
    bad = c.get("/tablero/informe", params={"formato": "pdf", "corte": "ayer"})
    assert bad.status_code == 422 and "Fecha de corte no válida" in bad.text
    z = c.get("/tablero/datos-abiertos", params={"formato": "csv"})
    names = zipfile.ZipFile(io.BytesIO(z.content)).namelist()
    assert z.headers["content-type"] == "application/zip" and "LEEME.md" in names and "diccionario.csv" in names
