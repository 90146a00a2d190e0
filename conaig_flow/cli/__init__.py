"""The ``conaig`` command. Errors are mapped to messages and exit codes here, in one place.

Commands load lazily (click's "LazyGroup" pattern): ``COMMANDS`` names the module and object
of each, with the one-line help that ``conaig --help`` lists, so ``--help``, ``--version`` and
each command import only what they need (``tests/test_cli_lazy.py`` checks that every line
here is the command's own help, and what a few commands import). click's own texts ("Usage:",
"Show this message and exit.", its error messages) are Spanish through its gettext hooks
(``cli/spanish.py``).
"""

from __future__ import annotations

import importlib
import sys
from gettext import gettext
from typing import Any

import click

from conaig_flow import __version__
from conaig_flow.cli.context import CliContext
from conaig_flow.cli.spanish import DECIMAL, WHOLE_NUMBER, use_spanish
from conaig_flow.errors import ConaigError

use_spanish()

#: name → (module under conaig_flow.cli, object, first paragraph of its help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("core", "init", "Crear o actualizar la base de datos, cargar el plan y crear sus entregables."),
    "plan": ("core", "plan_group", "Consultar el plan cargado."),
    "status": ("core", "status", "Entregables con su estado y plazo, a la fecha (--now)."),
    "advance": ("core", "advance", "Ejecutar una acción del ciclo de vida (presentar, observar, dar-conformidad-tecnica…)."),
    "history": ("core", "history", "Historial de un entregable (cada acción con quién, cuándo y qué aportó)."),
    "users": ("core", "users_group", "Usuarios: enlaces de entidades, Secretaría Técnica, revisores, integrantes."),
    "audit": ("core", "audit_group", "Auditoría del historial."),
    "lifecycle": ("core", "lifecycle_group", "Ciclos de vida de los productos."),
    "session": ("sessions", "session_group",
                "Sesiones de la comisión y reuniones de trabajo: convocatoria, asistencia, quórum, votos, acuerdos y acta."),
    "remind": ("notify", "remind", "Barrer los recordatorios vencidos una vez y enviar la bandeja de salida."),
    "forecast": ("notify", "forecast", "Todos los recordatorios que la política enviará desde ahora."),
    "outbox": ("notify", "outbox_group", "Bandeja de salida: listar, ver, reintentar."),
    "worker": ("notify", "worker",
               "Proceso de fondo: barrido al iniciar (recupera lo pendiente) y luego periódico; envío."),
    "calendar": ("notify", "calendar_group",
                 "Días no laborables: feriados nacionales y días decretados para el sector público."),
    "report": ("reports", "report_group", "Informes de la Secretaría Técnica."),
    "export": ("reports", "export", "Datos abiertos: entregables, eventos y acuerdos, con su diccionario de columnas."),
    "consultation": ("consultation", "consultation",
                     "Consultas sobre un entregable: organizaciones, invitaciones, aportes y su matriz."),
    "serve": ("web", "serve", "Servir la aplicación web (con SQLite, también el worker de recordatorios; "
              "con PostgreSQL ejecute aparte «conaig worker»)."),
    "backup": ("backup", "backup", "Copia de seguridad de la base de datos y de los documentos en el archivo OUT, sin detener el sistema."),
    "restore": ("backup", "restore", "Restaurar la copia de seguridad IN en una carpeta o base vacía (con --force, sobre datos existentes)."),
    "document": ("signatures", "document_group", "Documentos firmados digitalmente."),
    "demo": ("demo", "demo",
             "Cargar el plan de la CONAIG con usuarios e historia de demostración, mostrar su situación y servir la web."),
}


OPTIONS_METAVAR = "[OPCIONES]"
SUBCOMMAND_METAVAR = "COMANDO [ARGUMENTOS]..."


#: click names a value by its type ("--as TEXT", "--limit INTEGER") and an argument by its
#: parameter's name ("DELIVERABLE_ID"): neither goes through gettext, so they are named here.
TYPE_METAVARS = {"text": "TEXTO", "integer": "ENTERO", "float": "NÚMERO", "boolean": "SÍ/NO", "path": "RUTA",
                 "filename": "ARCHIVO", "file": "ARCHIVO", "uuid": "UUID", "datetime": "FECHA",
                 "integer range": "ENTERO", "float range": "NÚMERO", "número entero": "ENTERO", "número": "NÚMERO"}
ARGUMENT_METAVARS = {"deliverable_id": "ENTREGABLE", "trigger": "ACCIÓN", "sid": "SESIÓN", "item": "PUNTO",
                     "entity": "ENTIDAD", "email": "CORREO", "file": "ARCHIVO", "out": "SALIDA", "kind": "TIPO",
                     "consultation_id": "CONSULTA", "contribution_id": "APORTE", "message_id": "MENSAJE",
                     "message_ids": "MENSAJES", "number": "NÚMERO", "day": "DÍA", "note": "NOTA", "text": "TEXTO",
                     "archive": "ARCHIVO"}


def _spanish_param(param: click.Parameter) -> None:
    if type(param.type) is click.types.IntParamType:
        param.type = WHOLE_NUMBER
    elif type(param.type) is click.types.FloatParamType:
        param.type = DECIMAL
    if param.metavar is not None or isinstance(param.type, click.Choice):
        return
    if isinstance(param, click.Argument):
        param.metavar = ARGUMENT_METAVARS.get(param.name or "", (param.name or "").upper())
    elif isinstance(param, click.Option) and not param.is_flag:
        param.metavar = TYPE_METAVARS.get(param.type.name.lower(), param.type.name.upper())


def _spanish_metavars(command: click.Command) -> None:
    """click's usage line says "[OPTIONS]" and "COMMAND [ARGS]..." (attributes, not gettext texts)."""
    command.options_metavar = OPTIONS_METAVAR
    for param in command.params:
        _spanish_param(param)
    if isinstance(command, click.Group):
        command.subcommand_metavar = SUBCOMMAND_METAVAR
        for sub in command.commands.values():
            _spanish_metavars(sub)


class LazyGroup(click.Group):
    """A group whose subcommands are imported when one is run (or its own help is asked for)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute, _help = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"conaig_flow.cli.{module}"), attribute)
            assert isinstance(command, click.Command)
            _spanish_metavars(command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The listing of ``--help`` from ``COMMANDS``, without importing a command."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(n) for n in names)
        # a bare Command built from the stored line shortens it exactly as click shortens a command's own help
        rows = [(n, click.Command(n, help=COMMANDS[n][2]).get_short_help_str(limit)) for n in names if n in COMMANDS]
        with formatter.section(gettext("Commands")):  # click's own title, translated like the rest
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, options_metavar=OPTIONS_METAVAR, subcommand_metavar=SUBCOMMAND_METAVAR, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_url", metavar="URL", help="Base de datos (sqlite:///… o postgresql://…); por defecto SQLite en --home. También CONAIG_DB.")
@click.option("--home", metavar="DIR", help="Carpeta de datos (base SQLite, documentos, correo). También CONAIG_HOME.")
@click.option("--now", metavar="FECHA", help="Ejecutar como si fuera esta fecha (AAAA-MM-DD[THH:MM], hora de Lima). También CONAIG_NOW.")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON para los listados.")
@click.version_option(version=__version__, message="conaig-flow %(version)s")  # no metadata scan of site-packages
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, home: str | None, now: str | None, as_json: bool) -> None:
    """conaig-flow: seguimiento del Plan de Trabajo de la comisión."""
    ctx.obj = CliContext(db_url=db_url, home=home, now=now, as_json=as_json)
    ctx.call_on_close(ctx.obj.close)


def main(argv: list[str] | None = None) -> Any:
    try:
        return cli.main(args=argv, prog_name="conaig", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Cancelado.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ConaigError as exc:
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
