"""``conaig session …`` commands for what Ley N° 27444 adds to a session's record: cancel or
postpone before installation, a voto singular's written grounds, an attendee who asks to
sign the acta, and the certificación of an agreement."""

from __future__ import annotations

from pathlib import Path

import click

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.output import emit_document
from conaig_flow.clock import parse_instant
from conaig_flow.errors import InvalidInput
from conaig_flow.i18n import fecha_hora
from conaig_flow.services import users
from conaig_flow.services.sessions import actas, changes, voto_singular

AS = click.option("--as", "email", required=True, help="Correo del usuario de la Secretaría Técnica que actúa.")


def register(group: click.Group) -> None:
    for command in (session_cancel, session_postpone, session_grounds, session_ask_to_sign, session_certify):
        group.add_command(command)


@click.command("cancel")
@click.argument("sid", type=int)
@click.option("--reason", required=True, help="Motivo de la suspensión (se comunica a los integrantes).")
@AS
@pass_cli
def session_cancel(c: CliContext, sid: int, reason: str, email: str) -> None:
    """Suspender una sesión antes de su instalación; si fue convocada, se avisa a los integrantes."""
    changed = changes.cancel(c.app, users.actor_for(c.app, email), sid, reason=reason)
    click.echo(f"{changed.label} suspendida." + (f" Avisos a {changed.notified} integrantes en la bandeja de salida."
                                                 if changed.notified else ""))


@click.command("postpone")
@click.argument("sid", type=int)
@click.option("--date", "when", required=True, metavar="FECHA-HORA", help="Nueva fecha y hora (AAAA-MM-DDTHH:MM, hora de Lima).")
@click.option("--second-call", metavar="FECHA-HORA", help="Nueva fecha y hora de la segunda convocatoria.")
@click.option("--reason", required=True, help="Motivo de la reprogramación (se comunica a los integrantes).")
@AS
@pass_cli
def session_postpone(c: CliContext, sid: int, when: str, second_call: str | None, reason: str, email: str) -> None:
    """Reprogramar una sesión antes de su instalación; si fue convocada, se avisa con la nueva hora."""
    changed = changes.postpone(
        c.app, users.actor_for(c.app, email), sid, scheduled_at=parse_instant(when), reason=reason,
        second_call_at=parse_instant(second_call) if second_call else None,
    )
    click.echo(f"{changed.label} reprogramada para el {fecha_hora(changed.scheduled_at)}."
               + (f" Avisos a {changed.notified} integrantes en la bandeja de salida." if changed.notified else ""))


@click.command("grounds")
@click.argument("sid", type=int)
@click.argument("item", type=int)
@click.argument("entity")
@click.option("--text", help="Fundamento escrito del voto singular.")
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Archivo de texto con el fundamento.")
@click.option("--waive", is_flag=True, help="El integrante renuncia a presentar el fundamento escrito.")
@AS
@pass_cli
def session_grounds(c: CliContext, sid: int, item: int, entity: str, text: str | None, file: Path | None,
                    waive: bool, email: str) -> None:
    """Registrar el fundamento escrito de un voto singular (hasta el fin del día siguiente), o la renuncia a él."""
    actor = users.actor_for(c.app, email)
    if waive:
        if text or file:
            raise InvalidInput("Indique el fundamento o la renuncia, no ambos.")
        voto_singular.waive_grounds(c.app, actor, sid, item, entity)
        click.echo(f"{entity} renunció a fundamentar por escrito su voto singular del punto {item}.")
        return
    if file is not None:
        text = file.read_text(encoding="utf-8")
    voto_singular.hand_grounds(c.app, actor, sid, item, entity, text or "")
    click.echo(f"Fundamento del voto singular de {entity} (punto {item}) registrado.")


@click.command("ask-to-sign")
@click.argument("sid", type=int)
@click.argument("entity")
@AS
@pass_cli
def session_ask_to_sign(c: CliContext, sid: int, entity: str, email: str) -> None:
    """Un asistente pide firmar el acta: se suma a sus firmantes."""
    actas.ask_to_sign(c.app, users.actor_for(c.app, email), sid, entity)
    click.echo(f"{entity} firmará el acta de la sesión {sid}.")


@click.command("certify")
@click.argument("sid", type=int)
@click.argument("number", type=int)
@click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "pdf"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Archivo de salida.")
@AS
@pass_cli
def session_certify(c: CliContext, sid: int, number: int, fmt: str, out: Path | None, email: str) -> None:
    """Certificación de un acuerdo aprobado (número, fecha y votación), por la Secretaría Técnica."""
    name, content = actas.certification(c.app, users.actor_for(c.app, email), sid, number, fmt)
    emit_document(name, content, fmt, out, "Certificación escrita en")
