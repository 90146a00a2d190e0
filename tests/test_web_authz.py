"""Every route, tried as anonymous, as an officer of another entity and as each role:
nobody gets past their role or entity. A new route without a row here fails the test."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA
from conaig_flow.notify import outbox
from conaig_flow.services import users
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.deliverables import calendar_feed, deliverables
from conaig_flow.services.sessions import agenda, sessions
from conaig_flow.services.sessions import members as session_members
from conaig_flow.web import create_app
from tests.conftest import pdf_bytes
from tests.web_support import PEOPLE, add_web_people, client, minsa_protocol, sign_in

ACTORS = ["anonymous", "other_officer", "officer", "secretariat", "reviewer", "member", "admin"]
ALL = set(ACTORS) - {"anonymous"}
SESSION_RUNNERS = {"secretariat", "admin"}
SESSION_READERS = SESSION_RUNNERS | {"member"}

# route -> who may use it ("public": no session needed). Everyone else signed in must be
# refused with 403 or 404; anonymous must be sent to sign in (303 to /entrar, or 401).
MATRIX: dict[tuple[str, str], set[str] | str] = {
    ("GET", "/"): "public",
    ("GET", "/comision"): "public",
    ("GET", "/comision/avance"): "public",
    ("GET", "/comision/sesiones"): "public",
    ("GET", "/comision/sesiones/{session_id}/acta.pdf"): "public",
    ("GET", "/comision/consultas"): "public",
    ("GET", "/comision/consultas/{consultation_id}"): "public",
    ("GET", "/comision/datos-abiertos"): "public",
    ("GET", "/comision/datos-abiertos/{fmt}.zip"): "public",
    ("GET", "/acerca"): "public",
    ("GET", "/entrar"): "public",
    ("POST", "/entrar"): "public",
    ("POST", "/api/session"): "public",
    ("GET", "/api/openapi.json"): "public",
    ("GET", "/calendario/{token}.ics"): "public",
    ("GET", "/entregables"): ALL,
    ("GET", "/entregables/{deliverable_id}"): ALL - {"other_officer"},
    ("GET", "/entregables/{deliverable_id}/documentos/{document_id}"): ALL - {"other_officer"},
    ("GET", "/entregables/{deliverable_id}/actas/{session_id}.{fmt}"): ALL - {"other_officer"},
    ("POST", "/entregables/{deliverable_id}/acciones/{trigger}"): {"secretariat"},
    ("GET", "/revision"): {"secretariat", "reviewer", "admin"},
    ("GET", "/tablero"): ALL,
    ("GET", "/tablero/informe"): ALL,
    ("GET", "/tablero/datos-abiertos"): ALL,
    ("GET", "/calendario"): {"officer", "other_officer", "secretariat", "admin"},
    ("POST", "/calendario/renovar"): {"officer", "other_officer", "secretariat", "admin"},
    ("GET", "/admin/usuarios"): {"admin"},
    ("GET", "/admin/entidades"): {"admin"},
    ("POST", "/admin/entidades/{code}"): {"admin"},
    ("POST", "/admin/usuarios"): {"admin"},
    ("POST", "/admin/usuarios/{user_id}/estado"): {"admin"},
    ("POST", "/admin/usuarios/{user_id}/contrasena"): {"admin"},
    ("GET", "/admin/usuarios/{user_id}"): {"admin"},
    ("POST", "/admin/usuarios/{user_id}"): {"admin"},
    ("GET", "/cuenta/contrasena"): ALL,
    ("POST", "/cuenta/contrasena"): ALL,
    ("GET", "/contrasena/olvido"): "public",
    ("POST", "/contrasena/olvido"): "public",
    ("GET", "/contrasena/nueva"): "public",
    ("POST", "/contrasena/nueva"): "public",
    ("GET", "/documentos/verificar"): "public",
    ("POST", "/documentos/verificar"): "public",
    ("GET", "/api/me"): ALL,
    ("GET", "/api/deliverables"): ALL,
    ("GET", "/api/deliverables/{deliverable_id}"): ALL - {"other_officer"},
    ("GET", "/api/deliverables/{deliverable_id}/history"): ALL - {"other_officer"},
    ("POST", "/api/deliverables/{deliverable_id}/advance"): {"secretariat"},
    ("GET", "/api/dashboard"): ALL,
    ("GET", "/sesiones"): SESSION_READERS,
    ("POST", "/sesiones"): SESSION_RUNNERS,
    ("GET", "/sesiones/{session_id}"): SESSION_READERS,
    ("POST", "/sesiones/{session_id}/agenda"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/convocar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/asistencia"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/instalar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/puntos/{position}/votos"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/puntos/{position}/conflictos"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/puntos/{position}/resumen"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/puntos/{position}/dirimente"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/resumen"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/concluir"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/acta/aprobar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/acta/firmantes"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/suspender"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/reprogramar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/puntos/{position}/fundamento"): SESSION_RUNNERS,
    ("GET", "/sesiones/{session_id}/acuerdos/{number}/certificacion.{formato}"): SESSION_RUNNERS,
    ("GET", "/sesiones/{session_id}/documentos/{documento}.{formato}"): SESSION_READERS,
    ("GET", "/sesiones/{session_id}/acta/firma"): SESSION_READERS,
    ("POST", "/sesiones/{session_id}/acta/firma/preparar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/acta/firma/copia"): SESSION_READERS,  # a member, for their own entity's place
    ("POST", "/sesiones/{session_id}/acta/firma/subir"): SESSION_READERS,
    ("POST", "/sesiones/{session_id}/acta/firma/archivar"): SESSION_RUNNERS,
    ("GET", "/sesiones/{session_id}/consola"): SESSION_RUNNERS,
    ("GET", "/sesiones/{session_id}/en-vivo"): SESSION_READERS,
    ("GET", "/sesiones/{session_id}/adjuntos/{sha256}"): SESSION_READERS,
    ("POST", "/sesiones/{session_id}/consola/asistencia"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/salida"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/registro"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/registros/{checkin_id}"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/instalar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/abrir"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/todos"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/voto"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/cerrar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/conflicto"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/dirimente"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/puntos/{position}/resumen"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/agenda"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/agenda/{position}/editar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/agenda/{position}/mover"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/agenda/{position}/retirar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/pedidos/{request_id}"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/convocar"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/concluir"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/acta-anterior"): SESSION_RUNNERS,
    ("POST", "/sesiones/{session_id}/consola/documentos"): SESSION_RUNNERS,
    ("GET", "/sesiones/{session_id}/participar"): {"member"},
    ("POST", "/sesiones/{session_id}/participar/asistencia"): {"member"},
    ("POST", "/sesiones/{session_id}/participar/puntos/{position}/voto"): {"member"},
    ("POST", "/sesiones/{session_id}/participar/pedido"): {"member"},
    ("POST", "/sesiones/{session_id}/participar/firma"): {"member"},
    ("GET", "/notificaciones"): SESSION_RUNNERS,
    ("GET", "/notificaciones/{message_id}"): SESSION_RUNNERS,
    ("POST", "/notificaciones/reintentar"): SESSION_RUNNERS,
    ("GET", "/consulta/{consultation_id}"): "public",
    ("POST", "/consulta/{consultation_id}"): "public",
    ("GET", "/consulta/{consultation_id}/i/{token}"): "public",
    ("POST", "/consulta/{consultation_id}/i/{token}"): "public",
    ("GET", "/consulta/{consultation_id}/documento"): "public",
    ("GET", "/consultas"): {"secretariat", "admin"},
    ("POST", "/consultas"): {"secretariat"},
    ("GET", "/consultas/{consultation_id}"): {"secretariat", "admin"},
    ("POST", "/consultas/{consultation_id}/invitar"): {"secretariat"},
    ("POST", "/consultas/{consultation_id}/cerrar"): {"secretariat"},
    ("POST", "/consultas/{consultation_id}/aportes/{contribution_id}/respuesta"): {"secretariat"},
    ("GET", "/consultas/{consultation_id}/matriz.{fmt}"): {"secretariat", "admin"},
    ("GET", "/consultas/{consultation_id}/aportes/{contribution_id}/adjunto"): {"secretariat", "admin"},
    ("POST", "/organizaciones/importar"): {"secretariat", "admin"},
    ("POST", "/salir"): ALL,
    ("POST", "/api/session/logout"): ALL,
}
LOGOUTS = {("POST", "/salir"), ("POST", "/api/session/logout")}


def routes_of(web: Any) -> set[tuple[str, str]]:
    found = set()
    for r in web.routes:
        nested = getattr(r, "original_router", None)  # FastAPI keeps included routers nested
        if nested is not None:
            found |= routes_of(nested)
            continue
        methods = getattr(r, "methods", None)
        for m in set(methods or ()) - {"HEAD"}:
            found.add((m, r.path))
    return found


@pytest.fixture
def world(app: App) -> dict[str, Any]:
    add_web_people(app)
    did = minsa_protocol(app)
    minsa = users.actor_for(app, PEOPLE["officer"])
    deliverables.advance(app, minsa, did, "submit", documents=[("protocolo.pdf", pdf_bytes())])
    token = calendar_feed.token_for(app, minsa, "MINSA")
    user_id = next(u.id for u in users.list_users(app) if u.email == PEOPLE["member"])
    st = users.actor_for(app, PEOPLE["secretariat"])
    session = sessions.create_session(app, st, scheduled_at=app.clock.now() + timedelta(days=30))
    sessions.add_item(app, st, session.id, other="Informe de la Secretaría Técnica")
    sha256 = sessions.add_document(app, st, session.id, "agenda.pdf", pdf_bytes("agenda"), role="agenda")
    member = users.actor_for(app, PEOPLE["member"])
    request_id = agenda.request_item(app, member, session.id, "Un punto pedido")
    sessions.convene(app, st, session.id)
    session_members.set_checkin(app, st, session.id, open_=True)
    session_members.check_in(app, member, session.id)
    return {"deliverable_id": did, "sha256": sha256, "checkin_id": 1, "request_id": request_id, "document_id": 1, "trigger": "observe", "user_id": user_id, "token": token,
            "message_id": outbox.list_outbox(app)[-1].id, "session_id": session.id, "position": 1, "number": 1,
            "documento": "convocatoria", "formato": "html", "code": "MINSA", **consultation_world(app)}


def consultation_world(app: App) -> dict[str, Any]:
    """A public consultation on A3.2 with one invited organisation that has contributed."""
    st = users.actor_for(app, PEOPLE["secretariat"])
    (proposal,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st, proposal.id, "submit", documents=[("propuesta.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st, proposal.id, "accept")
    organisations.import_organisations(app, st, "o.csv", b"nombre,tipo,correos,region\nColectivo Warmi,Colectivo,w@warmi.pe,Puno\n")
    now = app.clock.now()
    view = consultations.open_consultation(app, st, proposal.id, title="Consulta", opens_at=now,
                                           closes_at=now + timedelta(days=30), questions=["Diagnóstico"], public=True)
    (invitation,) = consultations.invite(app, st, view.id)
    contribution = contributions.submit(app, view.id, token=invitation.token, text="Aporte",
                                         attachment=("anexo.pdf", pdf_bytes("anexo")))
    return {"consultation_id": view.id, "contribution_id": contribution.id, "fmt": "xlsx"}


def request(c: Any, method: str, path: str, csrf: str) -> Any:
    if method == "GET":
        return c.get(path)
    if path.startswith("/api/"):
        data = {"trigger": "observe"} if path.endswith("/advance") else None
        if path == "/api/session":
            return c.post(path, json={"email": "nadie@example.pe", "password": "mala"})
        return c.post(path, headers={"X-CSRF-Token": csrf}, data=data)
    data = {"csrf_token": csrf, "activo": "si", "contrasena": "corta"}
    return c.post(path, data=data)


def test_every_route_lets_nobody_past_their_role_or_entity(app: App, world: dict[str, Any]) -> None:
    web = create_app(app)
    assert routes_of(web) == set(MATRIX), "every route must have a row in MATRIX"
    sessions: dict[str, tuple[Any, str]] = {"anonymous": (client(web), "")}
    for actor in ACTORS[1:]:
        sessions[actor] = sign_in(web, PEOPLE[actor])
    ordered = sorted(MATRIX, key=lambda k: k in LOGOUTS)
    failures = []
    for method, template in ordered:
        if (method, template) in LOGOUTS:  # each logout needs sessions still open
            for actor in ACTORS[1:]:
                sessions[actor] = sign_in(web, PEOPLE[actor])
        path = template.format(**world)
        allowed = MATRIX[(method, template)]
        for actor in ACTORS:
            c, csrf = sessions[actor]
            r = request(c, method, path, csrf)
            status = r.status_code
            to_login = status == 401 or (status == 303 and r.headers["location"].startswith("/entrar?"))
            if allowed == "public":  # no session needed (sign-in itself may still refuse)
                ok = status < 500 and not (status == 303 and r.headers["location"].startswith("/entrar?"))
            elif actor == "anonymous":
                ok = to_login
            elif actor in allowed:
                ok = status < 400 or status in (409, 422)
            else:
                ok = status in (403, 404)
            if not ok:
                failures.append(f"{method} {path} as {actor}: {status}")
    assert not failures, "\n".join(failures)
    assert deliverables.get(app, users.actor_for(app, PEOPLE["admin"]), world["deliverable_id"]).state == "submitted"


def test_every_form_post_without_its_csrf_token_is_refused(app: App, world: dict[str, Any]) -> None:
    web = create_app(app)
    refused = []
    for method, template in MATRIX:
        allowed = MATRIX[(method, template)]
        if method != "POST" or allowed == "public" or template.startswith("/api/"):
            continue
        actor = "admin" if "admin" in allowed else sorted(allowed)[0]
        c, _ = sign_in(web, PEOPLE[actor])
        r = c.post(template.format(**world), data={"activo": "si", "contrasena": "corta", "fecha": "2030-01-01"})
        if r.status_code != 403 or "CSRF" not in r.text:
            refused.append(f"POST {template} as {actor} without CSRF: {r.status_code}")
    assert not refused, "\n".join(refused)


def test_the_calendar_feed_lists_the_entitys_deadlines_and_the_sessions_and_refuses_a_wrong_token(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    c, _ = sign_in(web, PEOPLE["officer"])
    page = c.get("/calendario").text
    url = page.split('readonly value="')[1].split('"')[0]
    feed = client(web).get(url.replace("http://127.0.0.1", ""))
    assert feed.headers["content-type"].startswith("text/calendar")
    body = feed.text
    assert "BEGIN:VCALENDAR" in body and "Vence: A1.1" in body and "DTSTART;VALUE=DATE:20230102" in body  # 31 Dec 2022 is a Saturday
    assert "MINEDU" not in body
    st = users.actor_for(sqlite_app, PEOPLE["secretariat"])
    created = sessions.create_session(sqlite_app, st, scheduled_at=datetime(2021, 7, 15, 10, 0, tzinfo=LIMA),
                                      place="Sala de sesiones del MIMP")
    sessions.add_item(sqlite_app, st, created.id, other="Informe de la Secretaría Técnica")
    body = client(web).get(url.replace("http://127.0.0.1", "")).text
    assert "SUMMARY:Sesión ordinaria N° 001-2021 de la CONAIG" in body and "LOCATION:Sala de sesiones del MIMP" in body
    assert "DTSTART:20210715T150000Z" in body  # 10:00 in Lima
    assert "STATUS:TENTATIVE" in body and "Informe de la Secretaría Técnica" in body
    assert client(web).get("/calendario/adivinado.ics").status_code == 404
