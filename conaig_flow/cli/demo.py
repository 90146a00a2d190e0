"""``conaig demo``: the CONAIG plan with demonstration data (one user per role and entity, and a
short history), its situation, and the web app serving it."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import click
from fpdf import FPDF

from conaig_flow.app import App
from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.core import status
from conaig_flow.cli.web import run_server
from conaig_flow.clock import LIMA, FixedClock, ShiftedClock, parse_instant
from conaig_flow.errors import NotInitialised
from conaig_flow.i18n import fecha_hora
from conaig_flow.services import plans, users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.recorded_time import latest_instant
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.store.definitions import default_plan_file

DEMO_NOW = "2022-05-16T10:00"
DEMO_PASSWORD = "conaig-2022"
SECRETARIAT = "secretaria.tecnica@mimp.gob.pe"


def demo_pdf(title: str, body: str) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def officer_email(entity: str) -> str:
    return f"enlace.{entity.lower()}@conaig.gob.pe"


def seed(app: App) -> None:
    """Users and a scripted history, each step at its own date."""
    plan = app.definitions().plan
    pw = users.hash_password(DEMO_PASSWORD)  # once: hashing is deliberately slow, and there are ~70 users
    users.add_user(app, SECRETARIAT, "Secretaría Técnica (DGIGND)", plan.commission.secretariat.entity, "secretariat", password_hash=pw)
    users.add_user(app, "admin@conaig.gob.pe", "Administración del sistema", plan.commission.presidency, "admin", password_hash=pw)
    users.add_user(app, "revisor.intercultural@cultura.gob.pe", "Revisor del enfoque intercultural", "MINCUL", "reviewer", password_hash=pw)
    for e in plan.entities:
        users.add_user(app, officer_email(e.code), f"Enlace de {e.code}", e.code, "officer", password_hash=pw)
        users.add_user(app, f"titular.{e.code.lower()}@conaig.gob.pe", f"Titular de {e.code}", e.code, "member", None, "titular", password_hash=pw)
        users.add_user(app, f"alterno.{e.code.lower()}@conaig.gob.pe", f"Alterno de {e.code}", e.code, "member", None, "alterno", password_hash=pw)
    real_clock = app.clock

    def at(when: str) -> None:
        app.clock = FixedClock(datetime.fromisoformat(when).replace(tzinfo=LIMA))

    def did(entity: str, activity: str = "A1.1") -> int:
        return next(d.id for d in deliverables.list_deliverables(app, entity=entity, activity=activity))

    sec = users.actor_for(app, SECRETARIAT)
    minsa = users.actor_for(app, officer_email("MINSA"))
    minedu = users.actor_for(app, officer_email("MINEDU"))
    mimp = users.actor_for(app, officer_email("MIMP"))
    mincul = users.actor_for(app, "revisor.intercultural@cultura.gob.pe")
    doc = demo_pdf("Protocolo de atención", "Versión preliminar del protocolo de atención con enfoque de género.")
    doc2 = demo_pdf("Protocolo de atención (subsanado)", "Versión que absuelve las observaciones de la Secretaría Técnica.")
    try:
        at("2021-10-15T10:00")
        deliverables.advance(app, minsa, did("MINSA"), "submit", documents=[("protocolo-minsa.pdf", doc)])
        at("2021-10-22T16:00")
        deliverables.advance(app, mincul, did("MINSA"), "opine", comment="Incorporar la pertinencia lingüística en la atención (lenguas originarias).")
        at("2021-10-29T11:00")
        deliverables.advance(app, sec, did("MINSA"), "observe", comment="Precisar los estándares de cumplimiento y los plazos de atención.")
        at("2021-11-10T09:30")
        deliverables.advance(app, minsa, did("MINSA"), "resubmit", documents=[("protocolo-minsa-v2.pdf", doc2)])
        at("2021-11-25T15:00")
        deliverables.advance(app, sec, did("MINSA"), "accept")
        at("2022-02-14T12:00")
        deliverables.advance(app, minsa, did("MINSA"), "approve", norm_reference="Resolución Ministerial N° 123-2022-MINSA",
                             documents=[("rm-123-2022-minsa.pdf", demo_pdf("Resolución Ministerial N° 123-2022-MINSA", "Aprueba el protocolo."))])
        at("2022-03-01T10:00")
        deliverables.advance(app, minedu, did("MINEDU"), "submit", documents=[("protocolo-minedu.pdf", doc)])
        at("2022-03-20T10:00")
        deliverables.advance(app, sec, did("MINEDU"), "accept")
        at("2022-04-05T10:00")
        deliverables.advance(app, mimp, did("MIMP"), "submit", documents=[("protocolo-mimp.pdf", doc)])
        methodology = did("CONAIG", "A3.1")
        at("2022-04-20T10:00")
        deliverables.advance(app, sec, methodology, "submit", documents=[(
            "metodologia-informe-anual.pdf", demo_pdf("Metodología del informe anual", "Propuesta de las alternas y alternos."))])
        at("2022-04-25T10:00")
        deliverables.advance(app, sec, methodology, "accept")
        held_session(app, at, methodology)
    finally:
        app.clock = real_clock


TEAM = ("EQ-MU", ["MIMP", "MINSA", "MINEDU", "MTPE", "MIDIS"])


def held_session(app: App, at: Callable[[str], None], methodology: int) -> None:
    """The I-2022 session, held as the law says: convened on Monday 2 May for Thursday 5 May
    at 10:00, with its second call the next day (Ley N° 27444 art. 99.2). On the 5th only 9 of
    the 21 members come and the first call is not installed (the refusal is recorded); on
    Friday 6 May, 17 are present and the session is installed in second call at 10:05. It
    forms the working team (fulfilling A2.1 when its acta is approved) and approves the
    methodology (A3.1). The clock moves with the session: nothing is recorded ahead of it."""
    from conaig_flow.errors import QuorumNotMet

    sec = users.actor_for(app, SECRETARIAT)
    voting = [e.code for e in app.definitions().plan.voting_members]
    unit = app.definitions().plan.commission.secretariat.unit_code
    at("2022-05-02T09:00")
    sid = sessions.create_session(app, sec, scheduled_at=_lima("2022-05-05T10:00"), place="Sala Micaela Bastidas, MIMP",
                                  second_call_at=_lima("2022-05-06T10:00")).id
    sessions.add_item(app, sec, sid, form_team=TEAM)
    sessions.add_item(app, sec, sid, approve=methodology)
    sessions.convene(app, sec, sid)
    at("2022-05-05T09:50")
    session_attendance.attend(app, sec, sid, unit)
    at("2022-05-05T09:55")
    for code in voting[:9]:
        session_attendance.attend(app, sec, sid, code)
    at("2022-05-05T10:15")
    with contextlib.suppress(QuorumNotMet):  # 9 of the 11 needed: not installed (a recorded refused attempt)
        session_attendance.open_session(app, sec, sid)
    at("2022-05-06T09:50")
    session_attendance.attend(app, sec, sid, unit)
    at("2022-05-06T09:55")
    for code in voting[:17]:
        session_attendance.attend(app, sec, sid, code, alterno=code in ("ONPE", "PJ"))
    at("2022-05-06T10:05")
    session_attendance.open_session(app, sec, sid)
    at("2022-05-06T10:40")
    for code in voting[:17]:
        session_votes.vote(app, sec, sid, 1, code, "for")
    at("2022-05-06T11:20")
    for code in voting[:17]:
        dissent = "Pide incluir indicadores de su sector" if code == "MINDEF" else None
        session_votes.vote(app, sec, sid, 2, code, "against" if dissent else "for", reason=dissent)
    at("2022-05-06T12:00")
    session_votes.close(app, sec, sid)
    actas.approve_acta(app, sec, sid)


def _lima(when: str) -> datetime:
    return datetime.fromisoformat(when).replace(tzinfo=LIMA)


def demo_start(latest: datetime | None) -> datetime:
    """Where the demonstration's clock starts: 16 May 2022, 10:00, or just after the latest
    instant already recorded in its database if that is later (time never runs backwards)."""
    start = parse_instant(DEMO_NOW)
    if latest is not None and latest >= start:
        start = (latest + timedelta(seconds=1)).replace(microsecond=0)
    return start


def run_demo(c: CliContext, reset: bool, *, serve: bool = False, host: str = "127.0.0.1", port: int = 8000) -> None:
    env = os.environ
    if c.home is None and c.db_url is None and not env.get("CONAIG_HOME") and not env.get("CONAIG_DB"):
        c.home = str(Path.cwd() / "conaig-demo")
    if c.home is None and env.get("CONAIG_HOME"):
        c.home = env["CONAIG_HOME"]
    explicit = c.now or env.get("CONAIG_NOW")
    if c.now is None:
        c.now = explicit or DEMO_NOW
    home = Path(c.home) if c.home else None
    if reset and home is not None and home.exists():
        shutil.rmtree(home)
    app = c.app
    try:
        app.definitions()
        fresh = False
    except NotInitialised:
        fresh = True
    if fresh:
        report = plans.init(app, default_plan_file())
        click.echo(f"Plan {report.plan_code} cargado en {app.db.safe_url}: {report.deliverables_created} entregables.")
        seed(app)
        click.echo("Usuarios de demostración (contraseña para todos: " + DEMO_PASSWORD + "):")
        click.echo(f"  {SECRETARIAT}  Secretaría Técnica")
        click.echo("  admin@conaig.gob.pe  administrador")
        click.echo("  revisor.intercultural@cultura.gob.pe  revisor (MINCUL)")
        click.echo(f"  {officer_email('MINSA')}, {officer_email('MINEDU')}, … enlace de cada entidad")
        for held in session_views.list_sessions(app):
            click.echo(f"Sesión de demostración: {held.label}, {held.status_label} ({held.acta_code or 'sin acta'}).")
    else:
        click.echo(f"Usando los datos de demostración existentes en {app.db.safe_url} (para empezar de nuevo, "
                   "bórrelos con la opción de reinicio).")
    if explicit:
        click.echo(f"Reloj de la demostración: {fecha_hora(app.clock.now())} (hora de Lima), como se indicó.\n")
    else:
        start = demo_start(latest_instant(app))
        app.clock = ShiftedClock(start)
        c.now = start.astimezone(LIMA).isoformat()  # the web server started below runs from it too
        continued = start > parse_instant(DEMO_NOW)
        click.echo(f"Reloj de la demostración: {fecha_hora(start)} (hora de Lima)"
                   + (", a continuación del último registro." if continued else ".") + "\n")
    ctx = click.get_current_context()
    ctx.invoke(status, entity=None, period=None, state=None, activity=None, as_json=False)
    if serve:
        click.echo("")
        run_server(c, host, port, 1, hint=lambda url: (
            f"Abra {url}/ e ingrese, por ejemplo, como {officer_email('MINSA')} (enlace del MINSA) o {SECRETARIAT} "
            f"(Secretaría Técnica); contraseña: {DEMO_PASSWORD}"))



@click.command()
@click.option("--reset", is_flag=True, help="Borrar los datos de demostración anteriores.")
@click.option("--no-serve", is_flag=True, help="Solo cargar los datos y mostrar la situación, sin servir la web.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Dirección de la web.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Puerto de la web (0: uno libre, que se indica al iniciar).")
@pass_cli
def demo(c: CliContext, reset: bool, no_serve: bool, host: str, port: int) -> None:
    """Cargar el plan de la CONAIG con usuarios e historia de demostración, mostrar su situación y servir la web."""
    run_demo(c, reset, serve=not no_serve, host=host, port=port)
