"""Reminders and notifications: remind, forecast, outbox, worker, calendar."""

from __future__ import annotations

import logging
import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

import click
from icalendar import Calendar as ICalendar
from icalendar import Event

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.output import shorten, table
from conaig_flow.cli.spanish import SpanishChoice
from conaig_flow.domain.actors import SYSTEM
from conaig_flow.domain.reminder_policy import rule_label
from conaig_flow.errors import InvalidInput
from conaig_flow.i18n import action_name, days_phrase, fecha, fecha_hora, message_kind_label
from conaig_flow.notify import outbox
from conaig_flow.notify.dispatch import dispatch, renderer_for
from conaig_flow.services.deliverables import calendar as calendar_service
from conaig_flow.services.notifications.reminders import forecast_reminders, sweep

if TYPE_CHECKING:
    from conaig_flow.app import App

#: The outbox statuses as the web shows them, and as typed at the command line (→ stored code).
STATUS_LABELS = {"pending": "pendiente", "sending": "enviándose", "sent": "enviado", "dead": "no entregado",
                 "cancelled": "anulado"}
STATUS_NAMES = {action_name(label): code for code, label in STATUS_LABELS.items()}


def _status(code: str) -> str:
    return STATUS_LABELS.get(code, code)


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"Fecha no válida: «{value}». Se espera AAAA-MM-DD.") from None


@click.command()
@click.option("--dry-run", is_flag=True, help="Mostrar qué se enviaría, a quién y por qué, sin escribir ni enviar.")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def remind(c: CliContext, dry_run: bool, as_json: bool) -> None:
    """Barrer los recordatorios vencidos una vez y enviar la bandeja de salida."""
    app = c.app
    report = sweep(app, dry_run=dry_run, explain=True)
    renderer = renderer_for(app)
    items: list[dict[str, Any]] = [
        {
            "key": p.message.key,
            "deliverable_id": p.reminder.deliverable_id,
            "entity": p.entity,
            "rule": p.reminder.occurrence.rule,
            "to": list(p.message.to),
            "cc": list(p.message.cc),
            "subject": renderer.render(p.message.template, p.context)[0],
            "why": p.why,
            "why_label": p.why_label,
        }
        for p in report.planned
    ]
    sent = None if dry_run else dispatch(app)
    if as_json or c.as_json:
        c.emit_json({
            "at": report.at.isoformat(), "dry_run": dry_run, "reminders": items, "written": report.written,
            "sent": sent.sent if sent else 0, "retried": sent.retried if sent else 0, "dead": sent.dead if sent else 0,
        })
        return
    click.echo(f"Barrido al {fecha_hora(report.at)}: {len(items)} recordatorio(s) corresponden"
               + (" (simulación: no se escribe ni se envía nada)." if dry_run else f"; {report.written} nuevo(s)."))
    for it in items:
        click.echo(f"- {it['subject']}\n    para: {', '.join(it['to']) or '(sin destinatarios)'}"
                   + (f"\n    copia: {', '.join(it['cc'])}" if it["cc"] else "") + f"\n    por qué: {it['why_label']}")
    if sent is not None:
        click.echo(f"Envío: {sent.sent} enviado(s), {sent.retried} para reintentar, {sent.dead} sin entregar.")
        for err in sent.errors:
            click.echo(f"  ! {err}", err=True)


@click.command()
@click.option("--entity", help="Solo los entregables de esta entidad (código).")
@click.option("--until", help="Hasta esta fecha (AAAA-MM-DD).")
@click.option("--ics", "as_ics", is_flag=True, help="Como calendario .ics (un evento por recordatorio).")
@pass_cli
def forecast(c: CliContext, entity: str | None, until: str | None, as_ics: bool) -> None:
    """Todos los recordatorios que la política enviará desde ahora."""
    items = forecast_reminders(c.app, entity=entity, until=_date(until))
    if as_ics:
        cal = ICalendar()
        cal.add("prodid", "-//conaig-flow//Pronóstico de recordatorios//ES")
        cal.add("version", "2.0")
        for f in items:
            ev = Event()
            ev.add("uid", f"recordatorio-{f.deliverable_id}-{f.rule}-{f.deadline.isoformat()}@conaig-flow")
            ev.add("dtstamp", c.app.clock.now())
            ev.add("dtstart", f.send_at)
            ev.add("summary", f"Recordatorio ({days_phrase(f.days_left)}): {f.title}")
            cal.add_component(ev)
        click.echo(cal.to_ical().decode("utf-8"), nl=False)
        return
    if c.as_json:
        c.emit_json([{**f.__dict__, "send_at": f.send_at.isoformat(), "deadline": f.deadline.isoformat()} for f in items])
        return
    rows = [[fecha_hora(f.send_at), f.entity, f.deliverable_id, shorten(f.title, 50), rule_label(f.rule),
             days_phrase(f.days_left), fecha(f.deadline), "sí" if f.escalate else ""] for f in items]
    click.echo(table(["Envío", "Entidad", "N°", "Entregable", "Aviso", "Plazo", "Vence", "Escala"], rows))
    click.echo(f"{len(items)} recordatorio(s), si ningún entregable cambia de estado.")


@click.group("outbox")
def outbox_group() -> None:
    """Bandeja de salida: listar, ver, reintentar."""


@outbox_group.command("list")
@click.option("--status", metavar="ESTADO", type=SpanishChoice(STATUS_NAMES),
              help=f"Solo los mensajes en este estado: {', '.join(STATUS_NAMES)}.")
@click.option("--limit", default=200, show_default=True)
@pass_cli
def outbox_list(c: CliContext, status: str | None, limit: int) -> None:
    """Mensajes de la bandeja de salida, los más recientes primero."""
    items = outbox.list_outbox(c.app, status, limit)
    if c.as_json:
        c.emit_json([i.to_json() for i in items])
        return
    rows = [[i.id, _status(i.status), i.attempts, message_kind_label(i.kind), shorten(", ".join(i.to), 40),
             fecha_hora(i.sent_at) if i.sent_at else "", shorten(i.last_error or i.smtp_reply or "", 50)] for i in items]
    click.echo(table(["N°", "Estado", "Int.", "Tipo", "Para", "Enviado", "Respuesta / error"], rows))
    click.echo("Totales: " + ", ".join(f"{_status(k)}: {v}" for k, v in sorted(outbox.counts(c.app).items())))


@outbox_group.command("show")
@click.argument("message_id", type=int)
@pass_cli
def outbox_show(c: CliContext, message_id: int) -> None:
    """Un mensaje: destinatarios, estado, intentos, respuesta del servidor, contenido."""
    item = outbox.show(c.app, message_id)
    if c.as_json:
        c.emit_json(item.to_json())
        return
    subject, text, _ = renderer_for(c.app).render(item.template, item.context)
    click.echo(f"Mensaje {item.id} ({message_kind_label(item.kind)}) — {_status(item.status)}, {item.attempts} intento(s)")
    click.echo(f"Identificador interno: {item.key}\nPara: {', '.join(item.to)}\nCopia: {', '.join(item.cc)}")
    click.echo(f"Creado: {fecha_hora(item.created_at)}" + (f"; enviado: {fecha_hora(item.sent_at)}" if item.sent_at else ""))
    if item.smtp_reply:
        click.echo(f"Respuesta del servidor: {item.smtp_reply}")
    if item.last_error:
        click.echo(f"Último error: {item.last_error}")
    click.echo(f"\nAsunto: {subject}\n\n{text}")


@outbox_group.command("retry")
@click.argument("message_ids", type=int, nargs=-1)
@click.option("--all-dead", is_flag=True, help="Todos los mensajes sin entregar.")
@pass_cli
def outbox_retry(c: CliContext, message_ids: tuple[int, ...], all_dead: bool) -> None:
    """Volver a poner en cola mensajes sin entregar (dead letter)."""
    if not message_ids and not all_dead:
        raise InvalidInput("Indique los números de los mensajes o --all-dead.")
    n = outbox.retry(c.app, message_ids, all_dead=all_dead)
    click.echo(f"{n} mensaje(s) vuelven a la cola; se enviarán en el próximo envío («conaig remind» o el worker).")


@click.command()
@click.option("--sweep-every", default=15, show_default=True, help="Minutos entre barridos de recordatorios.")
@click.option("--dispatch-every", default=30, show_default=True, help="Segundos entre envíos de la bandeja de salida.")
@pass_cli
def worker(c: CliContext, sweep_every: int, dispatch_every: int) -> None:
    """Proceso de fondo: barrido al iniciar (recupera lo pendiente) y luego periódico; envío."""
    from conaig_flow.scheduler import WorkerOptions, run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"conaig worker: base {c.app.db.safe_url}; correo: "
               + (f"SMTP {c.app.settings.smtp_host}:{c.app.settings.smtp_port}" if c.app.settings.smtp_host
                  else f"Maildir {c.app.settings.home / 'maildir'}"))
    _say_public_address(c.app)
    run_worker(c.app, WorkerOptions(sweep_every_minutes=sweep_every, dispatch_every_seconds=dispatch_every))
    # Everything is committed and the claim given back: close the database and leave at once.
    # The interpreter's own teardown of the loaded modules took seconds on a loaded machine,
    # and a service manager waiting for the stop has nothing to gain from it.
    c.close()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _say_public_address(app: App) -> None:
    """Which address the links of the emails will use: this process listens on nothing, so it
    is CONAIG_PUBLIC_URL, else the one the serving process recorded (read again at each
    dispatch, so a server started later is followed), else serve's default (warned)."""
    from conaig_flow.store.public_address import DEFAULT_PUBLIC_URL, recorded

    if app.settings.public_url:
        click.echo(f"Enlaces de los correos: {app.settings.public_url} (CONAIG_PUBLIC_URL).")
    elif (url := recorded(app.db)) is not None:
        click.echo(f"Enlaces de los correos: {url} (la dirección que registró «conaig serve» al iniciar).")
    else:
        click.echo(
            f"Aviso: no se definió CONAIG_PUBLIC_URL y ningún «conaig serve» registró su dirección en esta base de "
            f"datos: los enlaces de los correos llevarán a {DEFAULT_PUBLIC_URL}. Defina CONAIG_PUBLIC_URL con la "
            "dirección con la que se llega a la aplicación.", err=True,
        )


@click.group("calendar")
def calendar_group() -> None:
    """Días no laborables: feriados nacionales y días decretados para el sector público."""


@calendar_group.command("list")
@click.option("--year", type=int, help="Solo este año.")
@pass_cli
def calendar_list(c: CliContext, year: int | None) -> None:
    """Feriados y días no laborables en vigor."""
    days = [d for d in calendar_service.list_non_working_days(c.app) if year is None or d[0].year == year]
    if c.as_json:
        c.emit_json([{"date": d.isoformat(), "name": n, "source": s} for d, n, s in days])
        return
    click.echo(table(["Fecha", "Día", "Motivo", "Fuente"], [[d.isoformat(), fecha(d), n, s] for d, n, s in days]))


@calendar_group.command("add")
@click.argument("day")
@click.argument("note")
@pass_cli
def calendar_add(c: CliContext, day: str, note: str) -> None:
    """Registrar un día no laborable para el sector público (NOTE: la norma que lo declara)."""
    parsed = _date(day)
    assert parsed is not None
    calendar_service.add_non_working_day(c.app, SYSTEM, parsed, note)
    click.echo(f"Registrado: {fecha(parsed)} — {note}")
