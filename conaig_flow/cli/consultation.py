"""`conaig consultation …`: consultations on a deliverable, organisations, contributions, matrix."""

from __future__ import annotations

from pathlib import Path

import click

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.cli.output import shorten, table
from conaig_flow.cli.spanish import SpanishChoice
from conaig_flow.clock import parse_instant
from conaig_flow.domain.consultation import DECISIONS, ORGANISATION_KINDS
from conaig_flow.i18n import action_name, fecha_hora
from conaig_flow.services import users
from conaig_flow.services.consultation import consultations, contributions, organisations


@click.group()
def consultation() -> None:
    """Consultas sobre un entregable: organizaciones, invitaciones, aportes y su matriz."""


@consultation.command("import-orgs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "email", required=True, help="Correo de quien importa (Secretaría Técnica).")
@click.option("--all-or-nothing", is_flag=True, help="Rechazar todo el archivo si alguna fila es inválida.")
@pass_cli
def import_orgs(c: CliContext, file: Path, email: str, all_or_nothing: bool) -> None:
    """Importar organizaciones desde CSV o XLSX (columnas: nombre, tipo, correos, region)."""
    report = organisations.import_file(c.app, users.actor_for(c.app, email), file, all_or_nothing=all_or_nothing)
    click.echo(f"Organizaciones importadas: {report.imported}.")
    if report.problems:
        click.echo(f"Filas rechazadas: {len(report.problems)}" + (" (no se importó ninguna fila)" if all_or_nothing else ""))
        click.echo(table(["Fila", "Organización", "Motivo"], [[p.row, p.name, p.reason] for p in report.problems]))
        raise click.exceptions.Exit(2 if all_or_nothing or report.imported == 0 else 0)


@consultation.command("orgs")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def orgs(c: CliContext, as_json: bool) -> None:
    """Organizaciones registradas."""
    items = organisations.list_organisations(c.app)
    if as_json or c.as_json:
        c.emit_json([o.__dict__ for o in items])
        return
    click.echo(table(["ID", "Organización", "Tipo", "Región", "Correos"],
                     [[o.id, shorten(o.name, 50), o.kind_label, o.region, ", ".join(o.emails)] for o in items]))


@consultation.command("open")
@click.argument("deliverable_id", type=int)
@click.option("--as", "email", required=True, help="Correo de la Secretaría Técnica.")
@click.option("--title", required=True, help="Título de la consulta.")
@click.option("--opens", required=True, help="Apertura (AAAA-MM-DDTHH:MM, hora de Lima).")
@click.option("--closes", required=True, help="Cierre (AAAA-MM-DDTHH:MM, hora de Lima).")
@click.option("--question", "questions", multiple=True, required=True, help="Pregunta o sección a comentar (repetible).")
@click.option("--public", is_flag=True, help="Abrir también una página pública para cualquier persona.")
@click.option("--document", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Documento en consulta (por defecto, el último del entregable).")
@pass_cli
def open_(c: CliContext, deliverable_id: int, email: str, title: str, opens: str, closes: str,
          questions: tuple[str, ...], public: bool, document: Path | None) -> None:
    """Abrir una consulta sobre el documento de un entregable."""
    view = consultations.open_consultation(
        c.app, users.actor_for(c.app, email), deliverable_id, title=title, opens_at=parse_instant(opens),
        closes_at=parse_instant(closes), questions=list(questions), public=public,
        document=(document.name, document.read_bytes()) if document else None,
    )
    click.echo(f"Consulta {view.id} abierta sobre el entregable {deliverable_id}: del {fecha_hora(view.opens_at)} "
               f"al {fecha_hora(view.closes_at)} (hora de Lima); {len(view.questions)} preguntas"
               + ("; página pública habilitada." if view.public else "."))


@consultation.command("close")
@click.argument("consultation_id", type=int)
@click.option("--as", "email", required=True, help="Correo de la Secretaría Técnica.")
@click.option("--comment", help="Comentario que queda en el historial del entregable.")
@pass_cli
def close(c: CliContext, consultation_id: int, email: str, comment: str | None) -> None:
    """Cerrar una consulta con todos sus aportes respondidos (el entregable pasa a «Aportes sistematizados»)."""
    view = consultations.close_consultation(c.app, users.actor_for(c.app, email), consultation_id, comment)
    click.echo(f"Consulta {view.id} cerrada; el entregable {view.deliverable_id} tiene sus aportes sistematizados.")


@consultation.command("invite")
@click.argument("consultation_id", type=int)
@click.option("--as", "email", required=True, help="Correo de la Secretaría Técnica.")
@click.option("--org", "org_ids", multiple=True, type=int, help="Organización a invitar (repetible; por defecto, todas).")
@pass_cli
def invite(c: CliContext, consultation_id: int, email: str, org_ids: tuple[int, ...]) -> None:
    """Invitar organizaciones: cada una recibe un enlace personal."""
    sent = consultations.invite(c.app, users.actor_for(c.app, email), consultation_id, list(org_ids) or None)
    click.echo(f"Invitaciones nuevas: {len(sent)} (las organizaciones ya invitadas no se repiten).")
    if sent:
        click.echo("Los correos con el enlace personal de cada organización están en la bandeja de salida; "
                   "salen con «conaig remind» o con el proceso «conaig worker».")


@consultation.command("contribute")
@click.argument("consultation_id", type=int)
@click.option("--text", required=True, help="Texto del aporte.")
@click.option("--token", help="Token del enlace personal de invitación.")
@click.option("--name", help="Nombre de quien aporta (obligatorio sin invitación).")
@click.option("--organisation", help="Organización (obligatoria sin invitación).")
@click.option("--email", help="Correo (obligatorio sin invitación).")
@click.option("--question", type=int, help="Número de la pregunta o sección.")
@click.option("--attachment", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Documento adjunto.")
@click.option("--supersedes", type=int, help="Aporte propio que esta corrección reemplaza.")
@pass_cli
def contribute(c: CliContext, consultation_id: int, text: str, token: str | None, name: str | None,
               organisation: str | None, email: str | None, question: int | None, attachment: Path | None,
               supersedes: int | None) -> None:
    """Registrar un aporte (con enlace de invitación o, si la consulta es pública, con sus datos)."""
    got = contributions.submit(
        c.app, consultation_id, text=text, token=token, name=name, organisation=organisation, email=email,
        question_seq=question, attachment=(attachment.name, attachment.read_bytes()) if attachment else None,
        supersedes=supersedes,
    )
    click.echo(f"Aporte {got.id} recibido el {fecha_hora(got.received_at)} de {got.submitter_organisation}.")


@consultation.command("answer")
@click.argument("contribution_id", type=int)
@click.option("--as", "email", required=True, help="Correo de la Secretaría Técnica.")
@click.option("--decision", required=True, metavar="DECISIÓN",
              type=SpanishChoice({action_name(label): code for code, label in DECISIONS.items()}),
              help=f"{', '.join(action_name(label) for label in DECISIONS.values())}.")
@click.option("--reason", required=True, help="Fundamento de la decisión.")
@click.option("--change", "change_location", help="Dónde cambia la propuesta (sección, párrafo).")
@pass_cli
def answer(c: CliContext, contribution_id: int, email: str, decision: str, reason: str, change_location: str | None) -> None:
    """Responder un aporte en la matriz de sistematización."""
    got = contributions.answer(c.app, users.actor_for(c.app, email), contribution_id, decision, reason, change_location)
    click.echo(f"Aporte {got.id}: {got.decision_label}.")


@consultation.command("status")
@click.argument("consultation_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON.")
@pass_cli
def status(c: CliContext, consultation_id: int, as_json: bool) -> None:
    """Situación de la consulta: invitaciones, aportes, pendientes y participación."""
    st = contributions.status(c.app, consultation_id)
    f = st.figures
    if as_json or c.as_json:
        c.emit_json({"consultation": st.consultation.id, "invited": st.invited, "contributions": f.total_contributions,
                     "answered": f.answered, "unanswered": st.unanswered, "invited_by_kind": f.invited_by_kind,
                     "contributing_by_kind": f.contributing_by_kind, "contributions_by_kind": f.contributions_by_kind,
                     "contributions_by_region": f.contributions_by_region})
        return
    cv = st.consultation
    now = c.app.clock.now()
    state = "abierta" if cv.opens_at <= now < cv.closes_at else ("por abrir" if now < cv.opens_at else "cerrada")
    click.echo(f"Consulta {cv.id} «{cv.title}» ({state}): del {fecha_hora(cv.opens_at)} al {fecha_hora(cv.closes_at)}.")
    click.echo(f"Organizaciones invitadas: {st.invited}; aportes vigentes: {f.total_contributions}; "
               f"respondidos: {f.answered}; pendientes: {len(st.unanswered)}.")
    kinds = sorted(set(f.invited_by_kind) | set(f.contributions_by_kind))
    click.echo(table(["Tipo de organización", "Invitadas", "Que aportaron", "Aportes"],
                     [[ORGANISATION_KINDS.get(k, "Sin clasificar"), f.invited_by_kind.get(k, 0),
                       f.contributing_by_kind.get(k, 0), f.contributions_by_kind.get(k, 0)] for k in kinds]))
    click.echo(table(["Región", "Aportes"], sorted(f.contributions_by_region.items())))


@consultation.command("matrix")
@click.argument("consultation_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["xlsx", "docx"]), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Archivo de salida.")
@pass_cli
def matrix(c: CliContext, consultation_id: int, fmt: str, out: Path | None) -> None:
    """Exportar la matriz de sistematización de aportes."""
    from conaig_flow.services.consultation import export as consultation_export

    view = consultations.get(c.app, consultation_id)
    items = contributions.matrix(c.app, consultation_id)
    base = c.app.public_url()
    data = (consultation_export.to_xlsx(view, items, base) if fmt == "xlsx"
            else consultation_export.to_docx(view, items, base))
    target = out or Path(f"matriz-aportes-consulta-{consultation_id}.{fmt}")
    target.write_bytes(data)
    click.echo(f"Matriz escrita en {target} ({len(items)} aportes).")
