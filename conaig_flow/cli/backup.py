"""``conaig backup`` and ``conaig restore``: the database and the documents in one archive."""

from __future__ import annotations

from pathlib import Path

import click

from conaig_flow.cli.context import CliContext, pass_cli


@click.command()
@click.argument("out", type=click.Path(path_type=Path, dir_okay=False))
@pass_cli
def backup(c: CliContext, out: Path) -> None:
    """Copia de seguridad de la base de datos y de los documentos en el archivo OUT, sin detener el sistema."""
    from conaig_flow.services import backups

    report = backups.take(c.app, out)
    t = report.manifest.tables
    click.echo(f"Copia de seguridad guardada en {report.path}: {t.get('deliverables', 0)} entregables, "
               f"{t.get('events', 0)} eventos, {report.documents} archivos de documentos (base {c.app.db.safe_url}).")
    click.echo("Contiene la clave de la instalación y los datos personales de los usuarios: guárdela en un lugar protegido.")


@click.command()
@click.argument("archive", metavar="IN", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--force", is_flag=True, help="Reemplazar los datos que ya tenga la base de destino.")
@pass_cli
def restore(c: CliContext, archive: Path, force: bool) -> None:
    """Restaurar la copia de seguridad IN en una carpeta o base vacía (con --force, sobre datos existentes)."""
    from conaig_flow.services import backups

    report = backups.restore(c.app, archive, force=force)
    m = report.manifest
    click.echo(f"Copia del {m.created_at} restaurada en {c.app.db.safe_url}: {m.tables.get('deliverables', 0)} "
               f"entregables, {m.tables.get('events', 0)} eventos, {report.documents} archivos de documentos.")
    result = report.audit
    if result.first_break is None:
        click.echo(f"Historial íntegro: {result.events} eventos de {result.deliverables} entregables verificados.")
        return
    b = result.first_break
    where = f"entregable {b.deliverable_id}: " if b.deliverable_id is not None else ""
    click.echo(f"Historial alterado en la copia restaurada: {where}{b.reason}. Revise con «conaig audit verify».",
               err=True)
    raise click.exceptions.Exit(1)
