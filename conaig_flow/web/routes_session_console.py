"""The secretariat's session console (``/sesiones/{id}/consola``): attendance of every entity
in one form, departures in one click, check-ins from members' devices, each item's vote
(opened, all present at once with exceptions, per entity, corrected, closed), the agenda
before the convocatoria and members' requests, documents, the earlier acta, and the live
part every open page polls (``/sesiones/{id}/en-vivo``).

Every action answers with a Spanish confirmation (``flash``); the irreversible ones
(convene, close an item's vote, conclude the session) need their «Confirmo» box ticked, which
works without JavaScript. Rules and authorisation stay in the session services."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from conaig_flow.app import App
from conaig_flow.errors import ConaigError, InvalidInput
from conaig_flow.i18n import cuenta
from conaig_flow.services.sessions import actas, agenda, members, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import console as session_console
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.common import CAPACITY_LABELS, SENSE_LABELS, load_item, parse_at
from conaig_flow.services.sessions.console import AttendanceEntry
from conaig_flow.web import flash
from conaig_flow.web.deps import CheckedSession, RowId, Session, conaig
from conaig_flow.web.render import hora, page
from conaig_flow.web.views import session_console as console_views
from conaig_flow.web.views import sessions as session_pages
from conaig_flow.web.views.auth import WebSession

router = APIRouter(include_in_schema=False)
CONFIRM = "confirmo"


def console_context(app: App, session: WebSession, session_id: int) -> dict[str, Any]:
    c = console_views.console(app, session.actor, session_id)
    return {"c": c, "s": c.live.record, "live": c.live, "senses": SENSE_LABELS, "capacities": CAPACITY_LABELS,
            "now": hora(app.clock.now()),
            "candidates": session_pages.agenda_candidates(app, session.actor) if c.live.record.status == "planned" else []}


@router.get("/sesiones/{session_id}/consola")
def console_page(request: Request, session: Session, session_id: RowId) -> Response:
    request.state.audited = True
    app = conaig(request)
    done = flash.take(request, session)
    return flash.clear(request, page(request, "session_console.html",
                                     {**console_context(app, session, session_id), "done": done}, session))


@router.get("/sesiones/{session_id}/en-vivo")
def live_fragment(request: Request, session: Session, session_id: RowId) -> Response:
    """The live part of a console or member page: quorum, attendance, tallies (polled)."""
    request.state.audited = True
    app = conaig(request)
    session_pages.require_reader_of(app, session.actor, session_id)
    version = session_views.live_version(app, session_id)
    tag = '"' + hashlib.sha256(f"{version}|{session.csrf_token}|{session.actor.role}".encode()).hexdigest()[:24] + '"'
    if request.headers.get("if-none-match") == tag:  # nothing changed: no record read, nothing rendered
        return Response(status_code=304, headers={"ETag": tag, "Cache-Control": "no-cache"})
    lv = console_views.live(app, session.actor, session_id)
    response = page(request, "_session_live_fragment.html", {"live": lv, "s": lv.record,
                                                             "can_run": session_pages.can_run(session.actor)}, session)
    return Response(bytes(response.body), media_type="text/html; charset=utf-8",
                    headers={"ETag": tag, "Cache-Control": "no-cache", "X-Forma": lv.shape})


def act(request: Request, session: WebSession, session_id: int, action: Callable[[], str], anchor: str = "") -> Response:
    """Run one service call; its confirmation goes to the console after the redirect; a refusal
    is shown on the console with its status and nothing changed."""
    app = conaig(request)
    request.state.audited = True  # the session services record their own refusals
    try:
        session_pages.require_runner(app, session.actor, "session console")
        message = action()
    except ConaigError as exc:
        if exc.http_status in (401, 403, 404):
            raise
        ctx = console_context(app, session, session_id)
        return page(request, "session_console.html", {**ctx, "error": exc.message}, session, status_code=exc.http_status)
    return flash.redirect(f"/sesiones/{session_id}/consola{'#' + anchor if anchor else ''}", session, message)


def confirmed(form: FormData, what: str) -> None:
    if form.get(CONFIRM) != "si":
        raise InvalidInput(f"Marque la casilla «Confirmo» para {what}: es una acción que no se puede deshacer.")


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def shown(app: App, entity: str, capacity: str) -> str:
    """The code people read: the secretariat by its unit's code (its entity also sits as a member)."""
    return app.definitions().plan.commission.secretariat.unit_code if capacity == "secretariat" else entity


# -- attendance ---------------------------------------------------------------------------

@router.post("/sesiones/{session_id}/consola/asistencia")
async def record_attendance(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        record = session_pages.record_for(app, session.actor, session_id)
        now = app.clock.now()
        default = parse_at(text(form, "hora"), record, now)
        plan = app.definitions().plan
        codes = [e.code for e in plan.entities] + [plan.commission.secretariat.unit_code]
        entries = []
        for code in codes:
            choice = text(form, f"asistencia_{code}")
            if choice in ("", "ausente"):
                continue
            if choice not in ("titular", "alterno", "presente"):
                raise InvalidInput(f"Asistencia no válida para {code}: se espera titular, alterno o ausente.")
            own = text(form, f"hora_{code}")
            at = parse_at(own, record, now) if own else default
            entries.append(AttendanceEntry(code, {"presente": "present"}.get(choice, choice), at))
        if not entries:
            raise InvalidInput("Marque al menos una entidad presente (titular, alterno o presente).")
        arrivals = session_console.record_attendance(app, session.actor, session_id, entries)
        if not arrivals:
            return "No hubo cambios: las entidades marcadas ya figuraban presentes."
        parts = [f"{shown(app, a.entity, a.capacity)} ({CAPACITY_LABELS[a.capacity].split(' (')[0]}) a las {hora(a.at)}"
                 for a in arrivals]
        if len(parts) == 1:
            return f"Se registró la asistencia de {parts[0]}."
        return f"Se registró la asistencia de {len(parts)} entidades: " + "; ".join(parts) + "."

    return await run_in_threadpool(act, request, session, session_id, action, "asistencia")


@router.post("/sesiones/{session_id}/consola/salida")
async def departure(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        entity = text(form, "entidad")
        left = session_console.depart(app, session.actor, session_id, entity)
        label = CAPACITY_LABELS[left.capacity].split(" (")[0]
        return f"Se registró la salida de {shown(app, left.entity, left.capacity)} ({label}) a las {hora(left.at)}."

    return await run_in_threadpool(act, request, session, session_id, action, "asistencia")


@router.post("/sesiones/{session_id}/consola/registro")
async def toggle_checkin(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)
    opening = text(form, "abrir") == "si"

    def action() -> str:
        members.set_checkin(app, session.actor, session_id, open_=opening)
        if opening:
            return "Se abrió el registro de asistencia desde los dispositivos de los integrantes."
        return "Se cerró el registro de asistencia desde los dispositivos de los integrantes."

    return await run_in_threadpool(act, request, session, session_id, action, "asistencia")


@router.post("/sesiones/{session_id}/consola/registros/{checkin_id}")
async def answer_checkin(request: Request, session: CheckedSession, session_id: RowId, checkin_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        confirm = text(form, "accion") == "confirmar"
        capacity = text(form, "calidad") or None
        if capacity not in (None, "titular", "alterno"):
            raise InvalidInput("La calidad es titular o alterno.")
        c = members.answer_checkin(app, session.actor, session_id, checkin_id, confirm=confirm, capacity=capacity)
        label = CAPACITY_LABELS[c.capacity]
        if confirm:
            return f"Se registró la asistencia de {c.entity} ({label}) a las {hora(c.requested_at)}, según su registro."
        return f"No se confirmó el registro de asistencia de {c.entity} ({label})."

    return await run_in_threadpool(act, request, session, session_id, action, "asistencia")


@router.post("/sesiones/{session_id}/consola/instalar")
async def install(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    app = conaig(request)

    def action() -> str:
        opening = session_attendance.open_session(app, session.actor, session_id)
        call = "segunda" if opening.call == "second" else "primera"
        return (f"Se instaló la sesión a las {hora(app.clock.now())} en {call} convocatoria, con {opening.present} "
                f"integrantes con voto presentes (se requerían {opening.required}).")

    return await run_in_threadpool(act, request, session, session_id, action, "asistencia")


# -- votes ----------------------------------------------------------------------------------

@router.post("/sesiones/{session_id}/consola/puntos/{position}/abrir")
async def open_vote(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    app = conaig(request)

    def action() -> str:
        at = session_console.open_vote(app, session.actor, session_id, position)
        return f"Se abrió la votación del punto {position} a las {hora(at)}."

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/consola/puntos/{position}/todos")
async def vote_all(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        sense = text(form, "sentido") or "for"
        if sense not in SENSE_LABELS:
            raise InvalidInput("El sentido del voto es a favor, en contra o abstención.")
        exceptions: dict[str, tuple[str, str | None]] = {}
        for e in app.definitions().plan.voting_members:
            other = text(form, f"excepcion_{e.code}")
            if other and other != sense:
                if other not in SENSE_LABELS:
                    raise InvalidInput(f"Sentido no válido para {e.code}: a favor, en contra o abstención.")
                exceptions[e.code] = (other, text(form, f"motivo_{e.code}") or None)
        n = session_console.vote_all(app, session.actor, session_id, position, sense=sense, exceptions=exceptions)
        but = ""
        if exceptions:
            but = ", salvo: " + "; ".join(f"{c} ({SENSE_LABELS[s]})" for c, (s, _) in exceptions.items())
        return f"Se registraron {n} votos en el punto {position}: todos los presentes {SENSE_LABELS[sense]}{but}."

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/consola/puntos/{position}/voto")
async def vote_one(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        entity, sense = text(form, "entidad"), text(form, "sentido")
        corrected = session_console.vote_one(app, session.actor, session_id, position, entity, sense,
                                             reason=text(form, "motivo") or None, singular=bool(text(form, "singular")))
        what = "Se corrigió el voto" if corrected else "Se registró el voto"
        return f"{what} de {entity} en el punto {position}: {SENSE_LABELS.get(sense, sense)}."

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/consola/puntos/{position}/cerrar")
async def close_vote(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        confirmed(form, f"cerrar la votación del punto {position}")
        d = session_console.close_vote(app, session.actor, session_id, position)
        t = d.tally
        result = {"passed": "aprobado", "rejected": "no aprobado", "tie": "empate (dirime la Presidencia)",
                  "no_quorum": "sin acuerdo, por falta de quórum"}.get(d.outcome, d.outcome)
        if d.outcome == "rejected" and not d.tie_broken and 0 < t.votes_for == t.against:
            presidency = app.definitions().plan.commission.presidency
            with app.db.read() as conn:
                impeded = session_votes.presidency_impeded(conn, load_item(conn, session_id, position), presidency)
            why = "está impedida de intervenir en el punto" if impeded else "no estaba presente"
            result += f" (empate sin voto dirimente: la Presidencia {why})"
        return (f"Se cerró la votación del punto {position}: {t.votes_for} a favor, {t.against} en contra, "
                f"{cuenta(t.abstentions, 'abstención')}. Resultado: {result}.")

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/consola/puntos/{position}/dirimente")
async def tiebreak(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        sense = text(form, "sentido")
        session_votes.tiebreak(app, session.actor, session_id, position, sense)
        presidency = app.definitions().plan.commission.presidency
        return (f"Se registró el voto dirimente de la Presidencia ({presidency}) en el punto {position}: "
                f"{SENSE_LABELS.get(sense, sense)}.")

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/consola/puntos/{position}/conflicto")
async def conflict(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        entity = text(form, "entidad")
        sessions.declare_conflict(app, session.actor, session_id, position, entity, text(form, "motivo"))
        return f"Se registró el conflicto de intereses de {entity} en el punto {position}: no vota en él."

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


@router.post("/sesiones/{session_id}/consola/puntos/{position}/resumen")
async def summary(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        sessions.set_summary(app, session.actor, session_id, text(form, "texto"), position)
        return f"Se registró el resumen de la deliberación del punto {position}."

    return await run_in_threadpool(act, request, session, session_id, action, f"punto-{position}")


# -- agenda, requests, convocatoria, closing ----------------------------------------------

@router.post("/sesiones/{session_id}/consola/agenda")
async def add_item(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        kind, wording, deliverable = text(form, "tipo"), text(form, "texto"), text(form, "entregable")
        if kind == "approve":
            if not deliverable.isdigit():
                raise InvalidInput("Elija el entregable que se someterá a aprobación.")
            n = sessions.add_item(app, session.actor, session_id, approve=int(deliverable))
        elif kind == "note":
            n = sessions.add_item(app, session.actor, session_id, note=wording)
        else:
            n = sessions.add_item(app, session.actor, session_id, other=wording)
        if session_views.session_record(app, session_id).status == "open":
            if kind == "note":
                return f"Se agregó el punto {n}, fuera de agenda: la comisión toma conocimiento (no se vota)."
            return f"Se agregó el punto {n}, fuera de agenda: solo se aprueba con el voto unánime de todos los integrantes."
        return f"Se agregó el punto {n} al orden del día."

    return await run_in_threadpool(act, request, session, session_id, action, "agenda")


@router.post("/sesiones/{session_id}/consola/agenda/{position}/editar")
async def edit_item(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        agenda.edit_item(app, session.actor, session_id, position, text(form, "texto"))
        return f"Se modificó el texto del punto {position}."

    return await run_in_threadpool(act, request, session, session_id, action, "agenda")


@router.post("/sesiones/{session_id}/consola/agenda/{position}/mover")
async def move_item(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        to = text(form, "a")
        if not to.isdigit():
            raise InvalidInput("Indique la nueva posición del punto (un número).")
        agenda.move_item(app, session.actor, session_id, position, int(to))
        return f"El punto {position} pasó a ser el punto {int(to)}."

    return await run_in_threadpool(act, request, session, session_id, action, "agenda")


@router.post("/sesiones/{session_id}/consola/agenda/{position}/retirar")
async def remove_item(request: Request, session: CheckedSession, session_id: RowId, position: RowId) -> Response:
    app = conaig(request)

    def action() -> str:
        removed = agenda.remove_item(app, session.actor, session_id, position)
        return f"Se retiró del orden del día el punto {position} («{removed}»)."

    return await run_in_threadpool(act, request, session, session_id, action, "agenda")


@router.post("/sesiones/{session_id}/consola/pedidos/{request_id}")
async def answer_request(request: Request, session: CheckedSession, session_id: RowId, request_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        accept = text(form, "accion") == "aceptar"
        n = agenda.answer_request(app, session.actor, session_id, request_id, accept=accept, reason=text(form, "motivo"))
        if accept:
            return f"Se aceptó el pedido N° {request_id}: es el punto {n} del orden del día."
        return f"No se aceptó el pedido N° {request_id}; se registró el motivo."

    return await run_in_threadpool(act, request, session, session_id, action, "pedidos")


@router.post("/sesiones/{session_id}/consola/convocar")
async def convene(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        confirmed(form, "emitir la convocatoria")
        c = sessions.convene(app, session.actor, session_id)
        return f"Se emitió la convocatoria a {len(c.recipients)} integrantes, con {len(c.agenda)} puntos en el orden del día."

    return await run_in_threadpool(act, request, session, session_id, action)


@router.post("/sesiones/{session_id}/consola/concluir")
async def close(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        confirmed(form, "concluir la sesión")
        closing = session_votes.close(app, session.actor, session_id)
        return f"Se concluyó la sesión a las {hora(app.clock.now())}; se generó el {closing.acta} con {cuenta(len(closing.agreements), 'acuerdo')}."

    return await run_in_threadpool(act, request, session, session_id, action)


@router.post("/sesiones/{session_id}/consola/acta-anterior")
async def approve_earlier(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)

    def action() -> str:
        earlier = text(form, "sesion")
        if not earlier.isdigit():
            raise InvalidInput("Elija la sesión cuya acta se aprueba.")
        code = actas.approve_acta(app, session.actor, int(earlier), in_session=session_id)
        return f"Se aprobó el {code} al inicio de esta sesión."

    return await run_in_threadpool(act, request, session, session_id, action, "acta-anterior")


# -- documents -------------------------------------------------------------------------------

@router.post("/sesiones/{session_id}/consola/documentos")
async def upload(request: Request, session: CheckedSession, session_id: RowId) -> Response:
    form = await request.form()
    app = conaig(request)
    file = form.get("archivo")
    content = await file.read() if isinstance(file, UploadFile) else b""
    name = (file.filename or "") if isinstance(file, UploadFile) else ""

    def action() -> str:
        if not content or not name:
            raise InvalidInput("Elija el archivo que se adjunta a la sesión.")
        sessions.add_document(app, session.actor, session_id, name, content, role="agenda")
        return f"Se adjuntó el documento «{name}» a la sesión."

    try:
        return await run_in_threadpool(act, request, session, session_id, action, "documentos")
    finally:
        await form.close()


@router.get("/sesiones/{session_id}/adjuntos/{sha256}")
def attachment(request: Request, session: Session, session_id: RowId, sha256: str) -> Response:
    """A document attached to the session, for those who may read the session."""
    request.state.audited = True
    name, content = console_views.attachment_for(conaig(request), session.actor, session_id, sha256)
    return Response(content, media_type="application/octet-stream",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})
