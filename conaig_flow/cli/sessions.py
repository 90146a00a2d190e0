"""``conaig session …``: convene, attend, open, vote, close and document a session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.output import emit_document, table
from conaig_flow.cli.spanish import SpanishChoice
from conaig_flow.clock import parse_instant
from conaig_flow.i18n import fecha, fecha_hora
from conaig_flow.services import users
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.common import CAPACITY_LABELS, SENSE_LABELS, load_session, parse_at
from conaig_flow.services.sessions.views import SessionRecord

AS = click.option("--as", "email", required=True, help="Correo del usuario de la Secretaría Técnica que actúa.")
AT_OPT = click.option("--at", "at", metavar="HORA", help="Hora (HH:MM, hora de Lima, el día de la sesión) o fecha-hora ISO; por defecto, ahora.")



@click.group("session")
def session_group() -> None:
    """Sesiones de la comisión y reuniones de trabajo: convocatoria, asistencia, quórum, votos, acuerdos y acta."""


def _at(c: CliContext, sid: int, text: str | None) -> datetime | None:
    if text is None:
        return None
    with c.app.db.read() as conn:
        row = load_session(conn, sid)
    return parse_at(text, row, c.app.clock.now())


@session_group.command("new")
@click.option("--date", "when", required=True, metavar="FECHA-HORA", help="Fecha y hora (AAAA-MM-DDTHH:MM, hora de Lima).")
@click.option("--kind", type=click.Choice(["ordinaria", "extraordinaria", "trabajo"]), default="ordinaria", show_default=True,
              help="trabajo: reunión de trabajo (sin quórum ni votos).")
@click.option("--virtual", is_flag=True, help="Sesión virtual (por defecto, presencial).")
@click.option("--place", help="Lugar, o enlace de la sesión virtual.")
@click.option("--second-call", metavar="FECHA-HORA", help="Fecha y hora de la segunda convocatoria.")
@click.option("--title", help="Reunión de trabajo: de qué trata.")
@click.option("--activity", help="Reunión de trabajo: actividad del plan (p. ej. A3.1).")
@AS
@pass_cli
def session_new(c: CliContext, when: str, kind: str, virtual: bool, place: str | None, second_call: str | None,
                title: str | None, activity: str | None, email: str) -> None:
    """Programar una sesión (ordinaria o extraordinaria) o una reunión de trabajo."""
    actor = users.actor_for(c.app, email)
    created = sessions.create_session(
        c.app, actor, scheduled_at=parse_instant(when), kind=kind, virtual=virtual, place=place,
        second_call_at=parse_instant(second_call) if second_call else None, title=title, activity=activity,
    )
    click.echo(f"Sesión {created.id}: {created.label}, {fecha_hora(parse_instant(when))}.")


@session_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def session_list(c: CliContext, as_json: bool) -> None:
    """Sesiones y reuniones registradas."""
    items = session_views.list_sessions(c.app)
    if as_json or c.as_json:
        c.emit_json([{**i.__dict__, "scheduled_at": i.scheduled_at.isoformat()} for i in items])
        return
    click.echo(table(["ID", "Sesión", "Fecha", "Estado", "Acta"],
                     [[i.id, i.label, fecha_hora(i.scheduled_at), i.status_label, i.acta_code or ""] for i in items]))


@session_group.command("agenda")
@click.argument("sid", type=int)
@click.option("--approve", type=int, metavar="ENTREGABLE", help="Aprobar un entregable (su ID).")
@click.option("--form-team", metavar="CÓDIGO", help="Conformar el equipo de trabajo con este código.")
@click.option("--members", metavar="A,B,C", help="Entidades integrantes del equipo (con --form-team).")
@click.option("--note", metavar="TEXTO", help="Tomar conocimiento de un informe (sin votación).")
@click.option("--other", metavar="TEXTO", help="Otro punto, sometido a votación.")
@AT_OPT
@AS
@pass_cli
def session_agenda(c: CliContext, sid: int, approve: int | None, form_team: str | None, members: str | None,
                   note: str | None, other: str | None, at: str | None, email: str) -> None:
    """Agregar un punto a la agenda (después de la convocatoria: fuera de agenda)."""
    actor = users.actor_for(c.app, email)
    team = (form_team, (members or "").split(",")) if form_team else None
    pos = sessions.add_item(c.app, actor, sid, approve=approve, form_team=team, note=note, other=other,
                            at=_at(c, sid, at))
    click.echo(f"Punto {pos} agregado a la agenda de la sesión {sid}.")


@session_group.command("convene")
@click.argument("sid", type=int)
@AS
@pass_cli
def session_convene(c: CliContext, sid: int, email: str) -> None:
    """Emitir la convocatoria (con su orden del día y la anticipación del plan)."""
    conv = sessions.convene(c.app, users.actor_for(c.app, email), sid)
    click.echo(f"Convocatoria emitida: {conv.label}, {fecha_hora(conv.scheduled_at)}; {len(conv.agenda)} puntos; "
               f"{len(conv.recipients)} destinatarios.")


@session_group.command("attend")
@click.argument("sid", type=int)
@click.argument("entity")
@click.option("--alterno", is_flag=True, help="Asiste el alterno (por defecto, el titular).")
@AT_OPT
@click.option("--leave", metavar="HORA", help="Hora de salida.")
@click.option("--name", "person", help="Nombre de quien asiste.")
@AS
@pass_cli
def session_attend(c: CliContext, sid: int, entity: str, alterno: bool, at: str | None, leave: str | None,
                   person: str | None, email: str) -> None:
    """Registrar la llegada (y/o salida) de una entidad; la Secretaría Técnica por su código (p. ej. DGIGND)."""
    actor = users.actor_for(c.app, email)
    capacity = session_attendance.attend(c.app, actor, sid, entity, alterno=alterno, at=_at(c, sid, at),
                               leave=_at(c, sid, leave), person=person)
    click.echo(f"Asistencia registrada: {entity} ({CAPACITY_LABELS.get(capacity, capacity)}).")


@session_group.command("open")
@click.argument("sid", type=int)
@AT_OPT
@AS
@pass_cli
def session_open(c: CliContext, sid: int, at: str | None, email: str) -> None:
    """Instalar la sesión, con quórum (primera o segunda convocatoria)."""
    o = session_attendance.open_session(c.app, users.actor_for(c.app, email), sid, at=_at(c, sid, at))
    call = "segunda" if o.call == "second" else "primera"
    click.echo(f"Sesión instalada en {call} convocatoria: {o.present} presentes con voto, quórum {o.required}.")


@session_group.command("conflict")
@click.argument("sid", type=int)
@click.argument("item", type=int)
@click.argument("entity")
@click.option("--reason", required=True, help="Motivo del conflicto de intereses.")
@AS
@pass_cli
def session_conflict(c: CliContext, sid: int, item: int, entity: str, reason: str, email: str) -> None:
    """Declarar un conflicto de intereses: la entidad no vota ese punto."""
    sessions.declare_conflict(c.app, users.actor_for(c.app, email), sid, item, entity, reason)
    click.echo(f"{entity} no votará el punto {item} (conflicto de intereses).")


@session_group.command("summary")
@click.argument("sid", type=int)
@click.argument("text")
@click.option("--item", type=int, help="Punto de agenda (sin él: resumen de la reunión de trabajo).")
@AS
@pass_cli
def session_summary(c: CliContext, sid: int, text: str, item: int | None, email: str) -> None:
    """Registrar el resumen de la deliberación de un punto, o de una reunión de trabajo."""
    sessions.set_summary(c.app, users.actor_for(c.app, email), sid, text, item)
    click.echo("Resumen registrado.")


@session_group.command("document")
@click.argument("sid", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--role", type=click.Choice(["result", "agenda"]), default="result", show_default=True,
              help="result: documento resultante; agenda: documento de la convocatoria.")
@AS
@pass_cli
def session_document(c: CliContext, sid: int, file: Path, role: str, email: str) -> None:
    """Adjuntar un documento a la sesión o reunión."""
    sha = sessions.add_document(c.app, users.actor_for(c.app, email), sid, file.name, file.read_bytes(), role)
    click.echo(f"Documento {file.name} adjunto (sha256 {sha[:12]}…).")


@session_group.command("vote")
@click.argument("sid", type=int)
@click.argument("item", type=int)
@click.argument("entity")
@click.argument("sense", metavar="SENTIDO", type=SpanishChoice({"a-favor": "for", "en-contra": "against", "abstencion": "abstain"}))
@click.option("--reason", help="Motivo (obligatorio para votar en contra; fundamento escrito de una abstención, "
                                "si el plan la admite).")
@click.option("--singular", is_flag=True, help="Voto singular: su fundamento escrito puede entregarse hasta el día siguiente.")
@AT_OPT
@AS
@pass_cli
def session_vote(c: CliContext, sid: int, item: int, entity: str, sense: str, reason: str | None, singular: bool,
                 at: str | None, email: str) -> None:
    """Registrar el voto de una entidad integrante en un punto (SENTIDO: a-favor, en-contra o abstencion)."""
    session_votes.vote(c.app, users.actor_for(c.app, email), sid, item, entity, sense, reason=reason,
                       at=_at(c, sid, at), singular=singular)
    click.echo(f"Voto registrado: {entity}, punto {item}, {SENSE_LABELS[sense]}" + (" (voto singular)." if singular else "."))


@session_group.command("tiebreak")
@click.argument("sid", type=int)
@click.argument("item", type=int)
@click.argument("sense", metavar="SENTIDO", type=SpanishChoice({"a-favor": "for", "en-contra": "against"}))
@AS
@pass_cli
def session_tiebreak(c: CliContext, sid: int, item: int, sense: str, email: str) -> None:
    """Voto dirimente de la Presidencia en un empate (SENTIDO: a-favor o en-contra)."""
    session_votes.tiebreak(c.app, users.actor_for(c.app, email), sid, item, sense)
    click.echo(f"Voto dirimente registrado en el punto {item}: {sense}.")


@session_group.command("close")
@click.argument("sid", type=int)
@AT_OPT
@AS
@pass_cli
def session_close(c: CliContext, sid: int, at: str | None, email: str) -> None:
    """Concluir la sesión: adoptar los acuerdos, ejecutarlos y numerar el acta."""
    closing = session_votes.close(c.app, users.actor_for(c.app, email), sid, at=_at(c, sid, at))
    click.echo(f"{closing.label} concluida." + (f" {closing.acta} (borrador)." if closing.acta else ""))
    for a in closing.agreements:
        click.echo(f"  Acuerdo N° {a.number} (punto {a.position}): {a.text}")


@session_group.command("approve-acta")
@click.argument("sid", type=int)
@click.option("--in-session", type=int, metavar="SID", help="Sesión instalada en la que se aprueba (la siguiente).")
@AS
@pass_cli
def session_approve_acta(c: CliContext, sid: int, in_session: int | None, email: str) -> None:
    """Aprobar el acta (al término de la sesión o al inicio de la siguiente)."""
    code = actas.approve_acta(c.app, users.actor_for(c.app, email), sid, in_session=in_session)
    click.echo(f"{code} aprobada.")


def _write_document(c: CliContext, sid: int, which: str, fmt: str, out: Path | None, templates: Path | None) -> None:
    name, content = actas.document(c.app, sid, which, fmt, templates)
    emit_document(name, content, fmt, out, "Documento escrito en")


FORMAT = click.option("--format", "fmt", type=click.Choice(["md", "html", "docx", "pdf"]), default="md", show_default=True)
OUT = click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Archivo de salida.")
TEMPLATES = click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Carpeta de plantillas que reemplazan a las incluidas.")


@session_group.command("acta")
@click.argument("sid", type=int)
@FORMAT
@OUT
@TEMPLATES
@pass_cli
def session_acta(c: CliContext, sid: int, fmt: str, out: Path | None, templates: Path | None) -> None:
    """El acta de la sesión (o el registro de la reunión de trabajo)."""
    _write_document(c, sid, "acta", fmt, out, templates)


@session_group.command("convocatoria")
@click.argument("sid", type=int)
@FORMAT
@OUT
@TEMPLATES
@pass_cli
def session_convocatoria(c: CliContext, sid: int, fmt: str, out: Path | None, templates: Path | None) -> None:
    """La convocatoria de la sesión, con su orden del día."""
    _write_document(c, sid, "convocatoria", fmt, out, templates)


@session_group.command("show")
@click.argument("sid", type=int)
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def session_show(c: CliContext, sid: int, as_json: bool) -> None:
    """Asistencia, quórum y, por punto, votos y resultado."""
    r = session_views.session_record(c.app, sid)
    if as_json or c.as_json:
        c.emit_json(r.to_json())
        return
    _print_record(r)


def _print_record(r: SessionRecord) -> None:
    click.echo(f"{r.label} — {r.status_label}; {fecha_hora(r.scheduled_at)}, {r.modality}"
               + (f", {r.place}" if r.place else ""))
    if r.acta_code:
        click.echo(f"Acta: {r.acta_code} ({r.acta_state_label})")
    if r.opened_at:
        call = "segunda" if r.call == "second" else "primera"
        click.echo(f"Instalada en {call} convocatoria con {r.quorum_present} presentes con voto (quórum {r.quorum_required}).")
    if r.kind != "trabajo":
        click.echo(f"Quórum ahora: {r.quorum_now_present} de {r.voting_members} presentes con voto; "
                   f"se requieren {r.quorum_now_required}.")
    click.echo(f"\nAsistencia ({len(r.attendees)}):")
    click.echo(table(["Entidad", "Calidad", "Representante", "Llegada", "Salida"],
                     [[a.entity, a.capacity_label, a.person or "", fecha_hora(a.arrived_at),
                       fecha_hora(a.left_at) if a.left_at else ""] for a in r.attendees]))
    for i in r.items:
        click.echo(f"\nPunto {i.position}. {i.text}" + (" (fuera de agenda)" if i.out_of_agenda else ""))
        if i.votes:
            click.echo(f"  A favor {i.votes_for}, en contra {i.against}, abstenciones {i.abstentions}: {i.result_label}")
            for v in i.votes:
                click.echo(f"    {v.entity:<10} {v.sense_label}" + (f" — {v.reason}" if v.reason else ""))
        else:
            click.echo(f"  {i.result_label}")
        for entity, reason in i.conflicts:
            click.echo(f"  {entity}: conflicto de intereses ({reason})")
    if r.summary:
        click.echo(f"\nResumen: {r.summary}")
    if r.kind == "trabajo" and r.closed_at:
        click.echo(f"Concluida el {fecha(r.closed_at)}.")


# Signing the acta (PAdES) lives in cli/signatures.py; its commands belong to ``session``.
from conaig_flow.cli.signatures import archive, prepare_signing, sign, signers, signing_copy, upload_signed  # noqa: E402

for _command in (prepare_signing, sign, signing_copy, upload_signed, archive, signers):
    session_group.add_command(_command)

# Cancel/postpone, voto singular grounds, asking to sign, certification (Ley N° 27444) live in
# cli/session_law.py; their commands belong to ``session`` too.
from conaig_flow.cli import session_law  # noqa: E402

session_law.register(session_group)
