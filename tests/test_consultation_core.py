"""Consultation on the A3.2 governance-report proposal: organisations, invitations,
contributions, answers, the matrix, and the approval gate — on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.consultation import REGIONS
from conaig_flow.errors import (
    InvalidInput,
    PermissionDenied,
    RequirementsNotMet,
    TooManyRequests,
)
from conaig_flow.services import audit, users
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.consultation import export as consultation_export
from conaig_flow.services.deliverables import deliverables
from tests.approval_kit import decide_in_session
from tests.conftest import add_people, pdf_bytes

KINDS = ["Gobierno regional", "Gobierno local", "Sociedad civil", "Colectivo", "Academia", "Cooperación internacional"]
OPENS = datetime(2022, 9, 1, 9, 0, tzinfo=LIMA)
CLOSES = datetime(2022, 9, 30, 18, 0, tzinfo=LIMA)


def organisations_csv() -> bytes:
    lines = ["nombre;tipo;correos;region"]
    for n in range(30):
        lines.append(f"Organización {n:02d};{KINDS[n % len(KINDS)]};contacto{n}@org{n}.pe;{REGIONS[n % len(REGIONS)]}")
    lines.append("Organización sin tipo;Club deportivo;a@b.pe;Cusco")
    lines.append("Organización sin correo;Academia;;Puno")
    lines.append("Organización 03;Academia;otra@org.pe;Lima")  # duplicate of a good row
    return ("\n".join(lines) + "\n").encode("utf-8")


def proposal_ready_for_consultation(app: App) -> int:
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st, d.id, "submit", documents=[("propuesta.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st, d.id, "accept")
    return d.id


@pytest.fixture
def consultation(app: App, clock: FixedClock) -> tuple[App, int, int, list[consultations.Invitation]]:
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    clock.set(datetime(2022, 8, 20, 10, 0, tzinfo=LIMA))
    did = proposal_ready_for_consultation(app)
    report = organisations.import_organisations(app, st, "organizaciones.csv", organisations_csv())
    assert report.imported == 30
    view = consultations.open_consultation(
        app, st, did, title="Propuesta de informe anual de gobernanza", opens_at=OPENS, closes_at=CLOSES,
        questions=["Diagnóstico de la gobernanza", "Propuestas de mejora"], public=True,
    )
    invitations = consultations.invite(app, st, view.id)
    clock.set(OPENS + timedelta(days=1))
    return app, did, view.id, invitations


def test_import_takes_the_30_good_rows_and_refuses_the_3_bad_ones_with_reasons(app: App) -> None:
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    report = organisations.import_organisations(app, st, "organizaciones.csv", organisations_csv())
    assert report.imported == 30
    reasons = {p.row: p.reason for p in report.problems}
    assert sorted(reasons) == [32, 33, 34]
    assert "tipo «Club deportivo» desconocido" in reasons[32]
    assert "falta al menos un correo" in reasons[33]
    assert "ya está registrada" in reasons[34]
    names = {o.name for o in organisations.list_organisations(app)}
    assert len(names) == 30 and "Organización sin tipo" not in names and "Organización sin correo" not in names


def test_all_or_nothing_import_refuses_the_whole_file(app: App) -> None:
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    report = organisations.import_organisations(app, st, "o.csv", organisations_csv(), all_or_nothing=True)
    assert report.imported == 0 and len(report.problems) == 3
    assert organisations.list_organisations(app) == []


def test_xlsx_import_and_missing_columns(app: App) -> None:
    from openpyxl import Workbook

    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Nombre", "Tipo", "Correos", "Región"])
    ws.append(["Gobierno Regional de Puno", "gobierno regional", "gr@puno.gob.pe", "PUNO"])
    buf = io.BytesIO()
    wb.save(buf)
    assert organisations.import_organisations(app, st, "o.xlsx", buf.getvalue()).imported == 1
    (org,) = organisations.list_organisations(app)
    assert (org.kind, org.region) == ("gobierno_regional", "Puno")
    with pytest.raises(InvalidInput, match="faltan las columnas"):
        organisations.import_organisations(app, st, "o.csv", b"nombre,tipo\nX,Academia\n")


def test_opening_the_consultation_moves_the_proposal_into_consultation(consultation: tuple[App, int, int, list[consultations.Invitation]]) -> None:
    app, did, cid, invitations = consultation
    assert deliverables.get(app, users.actor_for(app, "st@example.pe"), did).state == "in_consultation"
    assert len(invitations) == 30 and len({i.token for i in invitations}) == 30
    again = consultations.invite(app, users.actor_for(app, "st@example.pe"), cid)
    assert again == []  # nobody is invited twice


def test_contributions_by_personal_link_and_public_page_and_refusals(consultation: tuple[App, int, int, list[consultations.Invitation]], clock: FixedClock) -> None:
    app, _did, cid, invitations = consultation
    first = contributions.submit(app, cid, token=invitations[0].token, text="Crear un observatorio regional.", question_seq=2)
    assert first.source == "invitation" and first.submitter_organisation == invitations[0].organisation_name
    public = contributions.submit(app, cid, name="Rosa Quispe", organisation="Colectivo Warmi", email="rosa@warmi.pe",
                                  text="Incluir a las organizaciones de mujeres indígenas.", client_address="203.0.113.9")
    assert public.source == "public" and public.organisation_kind is None
    with pytest.raises(PermissionDenied, match="enlace de invitación no es válido"):
        contributions.submit(app, cid, token=invitations[1].token[:-2] + "xx", text="manipulado")
    with pytest.raises(InvalidInput, match="indique: organización, correo"):
        contributions.submit(app, cid, name="Sin datos", text="aporte")
    with pytest.raises(InvalidInput, match="No se pudo registrar"):
        contributions.submit(app, cid, name="Bot", organisation="Bot", email="bot@spam.pe", text="spam", honeypot="http://spam")
    for n in range(4):
        contributions.submit(app, cid, name="Rosa", organisation="Colectivo Warmi", email="rosa@warmi.pe", text=f"aporte {n}", client_address="203.0.113.9")
    with pytest.raises(TooManyRequests):
        contributions.submit(app, cid, name="Rosa", organisation="Colectivo Warmi", email="otra@warmi.pe", text="uno más", client_address="203.0.113.9")
    clock.set(CLOSES)
    with pytest.raises(PermissionDenied, match="La consulta cerró el 30 de setiembre de 2022, 18:00"):
        contributions.submit(app, cid, token=invitations[2].token, text="tarde")
    reasons = [r.reason for r in audit.refused_attempts(app)]
    assert any("cerró" in r for r in reasons) and any("honeypot" in r for r in reasons)
    assert len(contributions.matrix(app, cid)) == 6  # nothing refused was stored


def test_a_correction_supersedes_and_only_the_current_one_needs_an_answer(consultation: tuple[App, int, int, list[consultations.Invitation]]) -> None:
    app, _did, cid, invitations = consultation
    st = users.actor_for(app, "st@example.pe")
    first = contributions.submit(app, cid, token=invitations[0].token, text="Versión 1")
    second = contributions.submit(app, cid, token=invitations[0].token, text="Versión 2", supersedes=first.id)
    with pytest.raises(InvalidInput, match="no lo es"):
        contributions.submit(app, cid, token=invitations[1].token, text="ajeno", supersedes=second.id)
    with pytest.raises(InvalidInput, match="reemplazado"):
        contributions.answer(app, st, first.id, "accepted", "ok")
    assert contributions.status(app, cid).unanswered == [second.id]
    rows = consultation_export.rows(contributions.matrix(app, cid))
    assert [r[0] for r in rows] == [str(second.id)] and "corrige el aporte" in rows[0][7]


def test_the_proposal_cannot_advance_while_a_contribution_is_unanswered(consultation: tuple[App, int, int, list[consultations.Invitation]]) -> None:
    app, did, cid, invitations = consultation
    st = users.actor_for(app, "st@example.pe")
    a = contributions.submit(app, cid, token=invitations[0].token, text="Aporte A", question_seq=1)
    b = contributions.submit(app, cid, token=invitations[5].token, text="Aporte B", question_seq=2)
    contributions.answer(app, st, a.id, "accepted", "Se incorpora.", "Sección 2, párrafo 3")
    with pytest.raises(RequirementsNotMet, match=f"el aporte pendiente \\(aporte {b.id}\\)"):
        consultations.close_consultation(app, st, cid)
    assert deliverables.get(app, st, did).state == "in_consultation"
    contributions.answer(app, st, b.id, "not_accepted", "Excede el objeto de la comisión.")
    consultations.close_consultation(app, st, cid)
    assert deliverables.get(app, st, did).state == "consolidated"
    decide_in_session(app, st, did)
    assert deliverables.get(app, st, did).state == "approved"


def test_matrix_exports_read_back_and_participation_figures(consultation: tuple[App, int, int, list[consultations.Invitation]]) -> None:
    app, _did, cid, invitations = consultation
    st = users.actor_for(app, "st@example.pe")
    a = contributions.submit(app, cid, token=invitations[0].token, text="Fortalecer las instancias regionales", question_seq=1)
    contributions.submit(app, cid, token=invitations[1].token, text="Presupuesto con enfoque de género", question_seq=2)
    contributions.answer(app, st, a.id, "partly_accepted", "Se acoge lo relativo a las instancias.", "Cap. III")
    view = consultations.get(app, cid)
    items = contributions.matrix(app, cid)
    ws = load_workbook(io.BytesIO(consultation_export.to_xlsx(view, items))).active
    assert ws is not None
    values = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert values[0][:2] == ["N°", "Fecha de recepción"]
    assert values[1][7] == "Fortalecer las instancias regionales" and values[1][8] == "Acogido parcialmente"
    assert values[2][8] == "Pendiente de respuesta"
    text = "\n".join(cell.text for row in Document(io.BytesIO(consultation_export.to_docx(view, items))).tables[0].rows for cell in row.cells)
    assert "Presupuesto con enfoque de género" in text and "Se acoge lo relativo" in text
    figures = contributions.status(app, cid).figures
    inviting = {i.organisation_name for i in invitations[:2]}
    assert figures.total_contributions == 2 and figures.answered == 1 and len(inviting) == 2
    assert sum(figures.invited_by_kind.values()) == 30
    assert sum(figures.contributions_by_region.values()) == 2


def test_only_the_secretariat_opens_invites_and_answers(consultation: tuple[App, int, int, list[consultations.Invitation]]) -> None:
    app, _did, cid, invitations = consultation
    officer = users.actor_for(app, "enlace.minsa@example.pe")
    with pytest.raises(PermissionDenied):
        consultations.invite(app, officer, cid)
    c = contributions.submit(app, cid, token=invitations[0].token, text="x")
    with pytest.raises(PermissionDenied):
        contributions.answer(app, officer, c.id, "accepted", "ok")
    with pytest.raises(PermissionDenied):
        organisations.import_organisations(app, officer, "o.csv", organisations_csv())


def test_a_deliverable_without_a_consultation_step_cannot_open_one(app: App) -> None:
    add_people(app)
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    with pytest.raises(InvalidInput, match="no tiene etapa de consulta"):
        consultations.open_consultation(app, st, d.id, title="x", opens_at=OPENS, closes_at=CLOSES, questions=["q"],
                                        document=("d.pdf", pdf_bytes()))
