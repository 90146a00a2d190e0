"""Demonstration data: the CONAIG plan, one user per role and entity, and a short history."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import click
from fpdf import FPDF

from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.definitions import default_plan_file
from conaig_flow.errors import NotInitialised
from conaig_flow.services import deliverables, plans, users

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


def seed(app: object) -> None:
    """Users and a scripted history, each step at its own date."""
    from conaig_flow.bootstrap import App

    assert isinstance(app, App)
    plan = app.definitions().plan
    pw = users.hash_password(DEMO_PASSWORD)  # once: hashing is deliberately slow, and there are ~70 users
    users.add_user(app, SECRETARIAT, "Secretaría Técnica (DGIGND)", plan.commission.secretariat.entity, "secretariat", password_hash=pw)
    users.add_user(app, "admin@conaig.gob.pe", "Administración del sistema", plan.commission.presidency, "admin", password_hash=pw)
    users.add_user(app, "revisor.intercultural@cultura.gob.pe", "Revisor del enfoque intercultural", "MINCUL", "reviewer", password_hash=pw)
    for e in plan.entities:
        users.add_user(app, officer_email(e.code), f"Enlace de {e.code}", e.code, "officer", password_hash=pw)
        users.add_user(app, f"titular.{e.code.lower()}@conaig.gob.pe", f"Titular de {e.code}", e.code, "member", None, "titular", password_hash=pw)
        users.add_user(app, f"alterno.{e.code.lower()}@conaig.gob.pe", f"Alterno/a de {e.code}", e.code, "member", None, "alterno", password_hash=pw)
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
    finally:
        app.clock = real_clock


def run_demo(c: object, reset: bool) -> None:
    from conaig_flow.cli.context import CliContext

    assert isinstance(c, CliContext)
    if c.home is None and c.db_url is None:
        c.home = str(Path.cwd() / "conaig-demo")
    if c.now is None:
        c.now = DEMO_NOW
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
        click.echo(f"Plan {report.plan_code} cargado en {app.db.url}: {report.deliverables_created} entregables.")
        seed(app)
        click.echo("Usuarios de demostración (contraseña para todos: " + DEMO_PASSWORD + "):")
        click.echo(f"  {SECRETARIAT}  Secretaría Técnica")
        click.echo("  admin@conaig.gob.pe  administrador")
        click.echo("  revisor.intercultural@cultura.gob.pe  revisor (MINCUL)")
        click.echo(f"  {officer_email('MINSA')}, {officer_email('MINEDU')}, … enlace de cada entidad")
    else:
        click.echo(f"Usando los datos de demostración existentes en {app.db.url} (--reset para empezar de nuevo).")
    click.echo(f"Reloj de la demostración: {c.now} (hora de Lima).\n")
    ctx = click.get_current_context()
    from conaig_flow.cli.core import status

    ctx.invoke(status, entity=None, period=None, state=None, activity=None, as_json=False)
