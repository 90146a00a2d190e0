"""Open-data export: deliverables, events and agreements with their column dictionary."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import func, select

from conaig_flow.bootstrap import App
from conaig_flow.cli import cli
from conaig_flow.clock import FixedClock
from conaig_flow.rendering.reports.open_data import DATASETS, dictionary_markdown
from conaig_flow.store.tables import EventRow
from tests.conftest import REPO
from tests.reports_script import ACTA_1, NORM_MINSA, SESSION_1, play_history


def _export(app: App, fmt: str, out: Path) -> str:
    result = CliRunner().invoke(
        cli, ["--db", app.settings.db_url, "--now", "2023-02-05T10:00", "export", "--format", fmt, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return result.output


def _event_count(app: App) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(EventRow.__table__)).scalar_one())  # type: ignore[attr-defined]


def test_csv_export_has_every_deliverable_and_event_with_the_documented_columns_and_no_emails(
    app: App, clock: FixedClock, tmp_path: Path
) -> None:
    play_history(app, clock)
    output = _export(app, "csv", tmp_path / "csv")
    assert "entregables: 27, eventos: 20, acuerdos: 2" in output
    tables = {}
    for d in DATASETS:
        with (tmp_path / "csv" / f"{d.name}.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            assert reader.fieldnames == [c.name for c in d.columns]
            tables[d.name] = list(reader)
    assert len(tables["entregables"]) == 27
    assert len(tables["eventos"]) == _event_count(app) == 20
    minsa = next(r for r in tables["entregables"] if r["ACTIVIDAD"] == "A1.1" and r["RESPONSABLE"] == "MINSA")
    assert (minsa["SITUACION"], minsa["NORMA_APROBACION"], minsa["NUM_OBSERVACIONES"]) == ("approved_on_time", NORM_MINSA, "2")
    assert minsa["FECHA_APROBACION"] == "2022-02-14T10:00:00-05:00"
    assert minsa["FECHA_LIMITE"] == "2022-12-31T23:59:59-05:00"
    first = tables["acuerdos"][0]
    assert (first["SESION"], first["NUM_ACUERDO"], first["RESULTADO"], first["ACTIVIDAD"], first["ACTA"]) == (
        SESSION_1, "1", "Aprobado", "A2.1", ACTA_1)
    assert first["VOTACION"] == "15 a favor, 0 en contra, 0 abstenciones"
    assert first["PUNTO"].startswith("1. Conformación del equipo de trabajo EQ-MU")
    assert first["FECHA"].startswith("2022-06-20T")
    everything = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "csv").glob("*.csv"))
    assert "@" not in everything  # no personal emails
    assert "Falta el anexo" not in everything  # no free-text comments
    with (tmp_path / "csv" / "diccionario.csv").open(encoding="utf-8", newline="") as fh:
        dictionary = list(csv.DictReader(fh))
    assert {(r["CONJUNTO"], r["COLUMNA"]) for r in dictionary} == {(d.name, c.name) for d in DATASETS for c in d.columns}
    assert (tmp_path / "csv" / "LEEME.md").read_text(encoding="utf-8") == dictionary_markdown()


def test_json_and_xlsx_exports_carry_the_same_tables_and_the_dictionary(
    sqlite_app: App, clock: FixedClock, tmp_path: Path
) -> None:
    play_history(sqlite_app, clock)
    _export(sqlite_app, "json", tmp_path / "json")
    data = json.loads((tmp_path / "json" / "datos-abiertos.json").read_text(encoding="utf-8"))
    assert set(data) == {"diccionario", "entregables", "eventos", "acuerdos"}
    assert (len(data["entregables"]), len(data["eventos"]), len(data["acuerdos"])) == (27, 20, 2)
    _export(sqlite_app, "xlsx", tmp_path / "xlsx")
    wb = load_workbook(tmp_path / "xlsx" / "datos-abiertos.xlsx", read_only=True)
    assert wb.sheetnames == ["entregables", "eventos", "acuerdos", "diccionario"]
    rows = list(wb["entregables"].iter_rows(values_only=True))
    assert rows[0] == tuple(c.name for c in DATASETS[0].columns) and len(rows) == 1 + 27
    wb.close()


def test_the_open_data_document_in_docs_is_the_dictionary_shipped_in_the_export() -> None:
    assert (REPO / "docs" / "open-data.md").read_text(encoding="utf-8") == dictionary_markdown()
