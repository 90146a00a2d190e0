"""Report commands: ``conaig report progress`` and ``conaig export`` (open data)."""

from __future__ import annotations

from pathlib import Path

import click

from conaig_flow.cli.context import CliContext, pass_cli
from conaig_flow.i18n import cuenta
from conaig_flow.rendering.reports import FORMATS, default_filename, render
from conaig_flow.rendering.reports import open_data as open_data_out
from conaig_flow.services.reports import reports

BINARY = {"pdf", "docx", "xlsx"}



@click.group("report")
def report_group() -> None:
    """Informes de la Secretaría Técnica."""


@report_group.command("progress")
@click.option("--as-of", "as_of", required=True, metavar="FECHA",
              help="Fecha de corte: AAAA-MM-DD (hasta el fin de ese día, hora de Lima) o AAAA-MM-DDTHH:MM.")
@click.option("--period", metavar="CÓDIGO", help="Período en que se enfoca el informe (p. ej. I-2022).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="html", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Archivo de salida (por defecto, informe-avance-<plan>-<fecha>.<formato> en la carpeta actual; "
                   "«-» para la salida estándar).")
@click.option("--number", type=int, help="Número correlativo del informe (si se omite, queda en blanco para "
                                         "completarlo al registrarlo en el sistema de trámite documentario).")
@click.option("--templates", type=click.Path(file_okay=False, exists=True, path_type=Path),
              envvar="CONAIG_REPORT_TEMPLATES",
              help="Carpeta con plantillas propias (progress.html.j2, progress.md.j2) que reemplazan a las incluidas.")
@pass_cli
def report_progress(c: CliContext, as_of: str, period: str | None, fmt: str, out: Path | None,
                    number: int | None, templates: Path | None) -> None:
    """Informe de avances de la implementación del Plan de Trabajo, a una fecha de corte."""
    report = reports.progress_report(c.app, reports.parse_as_of(as_of), period=period, number=number, checkpoint=True)
    data = render(report, fmt, templates)
    if out is not None and str(out) == "-":
        if fmt in BINARY:
            raise click.UsageError(f"El formato {fmt} es binario: indique un archivo con --out.")
        click.echo(data.decode("utf-8"), nl=False)
        return
    path = out or Path(default_filename(report, fmt))
    path.write_bytes(data)
    t = report.progress.totals
    click.echo(f"{report.heading.number}: {path} ({len(data):,} bytes). Avance {t.approved}/{t.applicable} "
               f"entregables exigibles; {cuenta(t.overdue, 'vencido')}.".replace(",", "."))


@click.command()
@click.option("--format", "fmt", type=click.Choice(open_data_out.FORMATS), default="csv", show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("datos-abiertos"),
              show_default=True, help="Carpeta donde escribir los archivos.")
@pass_cli
def export(c: CliContext, fmt: str, out: Path) -> None:
    """Datos abiertos: entregables, eventos y acuerdos, con su diccionario de columnas."""
    facts = reports.open_data(c.app)
    tables = open_data_out.rows(facts.progress, facts.plan_info, facts.events, facts.agreements)
    written = open_data_out.write(tables, fmt, out, open_data_out.dictionary_markdown())
    counts = ", ".join(f"{name}: {len(rows)}" for name, rows in tables.items())
    click.echo(f"Datos abiertos al {open_data_out.cut_off_day(facts.progress)} ({counts}) en {out}:")
    for path in written:
        click.echo(f"  {path.name}")
