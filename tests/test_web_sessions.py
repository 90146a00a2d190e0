"""Sessions in the web app: the secretariat runs one from the agenda to the signed acta
through the pages; members follow it read-only; the rules of the services show as messages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.web import create_app
from tests.conftest import pdf_bytes
from tests.session_kit import abstention_allowed_app, lima
from tests.web_support import PEOPLE, add_web_people, sign_in


def methodology_ready(app: App, clock: FixedClock) -> int:
    clock.set(lima("2022-05-16T09:00"))
    st = users.actor_for(app, PEOPLE["secretariat"])
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    deliverables.advance(app, st, d.id, "submit", documents=[("metodologia.pdf", pdf_bytes("metodología"))])
    deliverables.advance(app, st, d.id, "accept")
    return d.id


def post(c: Any, path: str, csrf: str, **data: Any) -> Any:
    return c.post(path, data={"csrf_token": csrf, **data})


def test_the_secretariat_runs_a_session_in_the_pages_and_the_deliverable_is_approved(sqlite_app: App, clock: FixedClock) -> None:
    app = sqlite_app
    add_web_people(app)
    did = methodology_ready(app, clock)
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, "/sesiones", csrf, fecha="2022-05-20", hora="10:00", tipo="ordinaria", lugar="Sala del MIMP")
    assert r.status_code == 303, r.text
    sid = int(re.search(r"/sesiones/(\d+)", r.headers["location"]).group(1))  # type: ignore[union-attr]
    page = st.get(f"/sesiones/{sid}").text
    assert "Sesión ordinaria N° 001-2022 de la CONAIG" in page and f'<option value="{did}">' in page
    assert post(st, f"/sesiones/{sid}/agenda", csrf, tipo="approve", entregable=str(did)).status_code == 303
    assert post(st, f"/sesiones/{sid}/convocar", csrf).status_code == 303
    assert "Convocatoria - " not in st.get(f"/sesiones/{sid}").text  # nothing raw
    conv = st.get(f"/sesiones/{sid}/documentos/convocatoria.html")
    assert conv.status_code == 200 and "Aprobación:" in conv.text
    clock.set(lima("2022-05-20T10:00"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])  # days later: a new web session
    voting = [e.code for e in app.definitions().plan.voting_members]
    page = st.get(f"/sesiones/{sid}").text
    assert "Sin quórum: 0 de" in page
    for code in voting:
        assert post(st, f"/sesiones/{sid}/asistencia", csrf, entidad=code, calidad="titular", registro="llegada").status_code == 303
    assert "Hay quórum" in st.get(f"/sesiones/{sid}").text
    assert post(st, f"/sesiones/{sid}/instalar", csrf).status_code == 303
    r = post(st, f"/sesiones/{sid}/puntos/1/votos", csrf, entidad=voting[0], sentido="abstain")
    assert r.status_code == 409 and "No se admite la abstención" in r.text and "art. 101.1 de la Ley N° 27444" in r.text
    for code in voting:
        assert post(st, f"/sesiones/{sid}/puntos/1/votos", csrf, entidad=code, sentido="for").status_code == 303
    assert post(st, f"/sesiones/{sid}/concluir", csrf).status_code == 303
    page = st.get(f"/sesiones/{sid}").text
    assert "ACTA N° 001-2022-CONAIG" in page and "Aprobado" in page
    assert deliverables.get(app, users.actor_for(app, PEOPLE["admin"]), did).state == "approved"
    assert post(st, f"/sesiones/{sid}/acta/aprobar", csrf).status_code == 303
    # no form records a signature: the acta's signatures are PAdES signatures that verify
    assert post(st, f"/sesiones/{sid}/acta/firmar", csrf, rol="presidency", entidad="MIMP").status_code in (404, 405)
    assert "firma el PDF del acta con su certificado digital" in st.get(f"/sesiones/{sid}").text
    acta = st.get(f"/sesiones/{sid}/documentos/acta.pdf")
    assert acta.status_code == 200 and acta.content.startswith(b"%PDF")
    assert "acta-001-2022-conaig.pdf" in acta.headers["content-disposition"]

    member, mcsrf = sign_in(web, PEOPLE["member"])
    page = member.get(f"/sesiones/{sid}").text
    assert "ACTA N° 001-2022-CONAIG" in page and "Registrar asistencia" not in page
    assert post(member, f"/sesiones/{sid}/acta/aprobar", mcsrf).status_code == 403
    officer, _ = sign_in(web, PEOPLE["officer"])
    assert officer.get("/sesiones").status_code == 403


def test_convening_without_the_notice_period_is_refused_with_the_earliest_day(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    clock.set(lima("2022-05-18T09:00"))
    web = create_app(sqlite_app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    sid = int(post(st, "/sesiones", csrf, fecha="2022-05-20", hora="10:00").headers["location"].split("/")[2].split("?")[0])
    r = post(st, f"/sesiones/{sid}/convocar", csrf)
    assert r.status_code == 409 and "No se puede convocar sin orden del día" in r.text
    r = post(st, f"/sesiones/{sid}/agenda", csrf, tipo="other", texto="Informe de la Secretaría")
    assert r.status_code == 303
    r = post(st, f"/sesiones/{sid}/convocar", csrf)
    assert r.status_code >= 400 and "días hábiles de anticipación" in r.text


def test_a_tie_is_decided_by_the_presidencys_casting_vote_in_the_page(tmp_path: Path, clock: FixedClock) -> None:
    # a commission whose norm allows abstention: the presidency abstains on the item, then decides
    with abstention_allowed_app(tmp_path, clock) as app:
        _tie_decided_in_the_page(app, clock)


def _tie_decided_in_the_page(app: App, clock: FixedClock) -> None:
    add_web_people(app)
    clock.set(lima("2022-05-16T09:00"))
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    sid = int(post(st, "/sesiones", csrf, fecha="2022-05-20").headers["location"].split("/")[2].split("?")[0])
    post(st, f"/sesiones/{sid}/agenda", csrf, tipo="other", texto="Cronograma de sesiones del segundo semestre")
    post(st, f"/sesiones/{sid}/convocar", csrf)
    clock.set(lima("2022-05-20T10:00"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    presidency = app.definitions().plan.commission.presidency
    present = [e.code for e in app.definitions().plan.voting_members if e.code != presidency][:12]
    for code in [presidency, *present]:
        post(st, f"/sesiones/{sid}/asistencia", csrf, entidad=code)
    post(st, f"/sesiones/{sid}/instalar", csrf)
    # the casting vote is the presidency's in the room: present and abstaining on the item (voting,
    # its own ballot would break the tie; absent or impeded, it could not break it)
    post(st, f"/sesiones/{sid}/puntos/1/votos", csrf, entidad=presidency, sentido="abstain",
         motivo="Su sector elaboró la propuesta")
    for n, code in enumerate(present):
        post(st, f"/sesiones/{sid}/puntos/1/votos", csrf, entidad=code, sentido="for" if n % 2 else "against",
             motivo="" if n % 2 else "Prefiere otro cronograma")
    page = st.get(f"/sesiones/{sid}").text
    assert "Empate (dirime la Presidencia)" in page and "Registrar el voto dirimente" in page
    assert post(st, f"/sesiones/{sid}/puntos/1/dirimente", csrf, sentido="for").status_code == 303
    post(st, f"/sesiones/{sid}/concluir", csrf)
    assert "Resultado: <strong>Aprobado</strong>" in st.get(f"/sesiones/{sid}").text


def test_a_working_meeting_keeps_its_summary_and_its_record_without_votes(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    clock.set(lima("2022-05-16T09:00"))
    web = create_app(sqlite_app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    r = post(st, "/sesiones", csrf, fecha="2022-05-16", hora="11:00", tipo="trabajo", titulo="Metodología A3.1")
    sid = int(r.headers["location"].split("/")[2].split("?")[0])
    page = st.get(f"/sesiones/{sid}").text
    assert "Emitir la convocatoria" not in page and "Agregar el punto" not in page
    post(st, f"/sesiones/{sid}/asistencia", csrf, entidad="MINSA", calidad="alterno")
    assert post(st, f"/sesiones/{sid}/resumen", csrf, texto="Se revisó el borrador de la metodología.").status_code == 303
    r = post(st, f"/sesiones/{sid}/concluir", csrf)  # at 09:00: the meeting is set for 11:00
    assert r.status_code == 409 and "no puede concluir antes" in r.text
    clock.set(lima("2022-05-16T12:30"))
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    assert post(st, f"/sesiones/{sid}/concluir", csrf).status_code == 303
    page = st.get(f"/sesiones/{sid}").text
    assert "Se revisó el borrador de la metodología." in page and "Registro de la reunión" in page
    record = st.get(f"/sesiones/{sid}/documentos/acta.docx")
    assert record.status_code == 200 and record.content.startswith(b"PK")


def test_the_page_offers_approval_at_the_end_of_the_session_only_on_the_day_it_concluded(sqlite_app: App,
                                                                                         clock: FixedClock) -> None:
    from conaig_flow.services.sessions import attendance, votes
    from tests.session_kit import arrive, convened_session, voting_codes

    app = sqlite_app
    add_web_people(app)
    st = users.actor_for(app, PEOPLE["secretariat"])
    sid = convened_session(app, clock, st, others=("Punto",))
    codes = voting_codes(app)[:11]
    arrive(app, st, sid, codes, "09:50")
    attendance.open_session(app, st, sid)
    for code in codes:
        votes.vote(app, st, sid, 1, code, "for")
    votes.close(app, st, sid)
    web = create_app(app)
    client, _ = sign_in(web, PEOPLE["secretariat"])
    form = re.search(r'<form[^>]*id="form-aprobar-acta".*?</form>', client.get(f"/sesiones/{sid}").text, re.S)
    assert form is not None and "al término de esta sesión" in form.group(0) and "Aprobar el acta</button>" in form.group(0)
    clock.set(lima("2022-05-23T09:00"))  # another day: only at the start of the next session (art. 102)
    client, _ = sign_in(web, PEOPLE["secretariat"])
    form = re.search(r'<form[^>]*id="form-aprobar-acta".*?</form>', client.get(f"/sesiones/{sid}").text, re.S)
    assert form is not None and "al término de esta sesión" not in form.group(0)
    assert "La sesión concluyó otro día: su acta se aprueba al inicio de la siguiente sesión (art. 102 de la Ley N° 27444)" \
        in form.group(0)
    assert "Aprobar el acta</button>" not in form.group(0)
