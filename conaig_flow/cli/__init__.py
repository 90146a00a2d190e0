"""The ``conaig`` command. Errors are mapped to messages and exit codes here, in one place."""

from __future__ import annotations

import sys
from typing import Any

import click

from conaig_flow.cli.context import CliContext
from conaig_flow.errors import ConaigError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_url", metavar="URL", help="Base de datos (sqlite:///… o postgresql://…); por defecto SQLite en --home. También CONAIG_DB.")
@click.option("--home", metavar="DIR", help="Carpeta de datos (base SQLite, documentos, correo). También CONAIG_HOME.")
@click.option("--now", metavar="FECHA", help="Ejecutar como si fuera esta fecha (AAAA-MM-DD[THH:MM], hora de Lima). También CONAIG_NOW.")
@click.option("--json", "as_json", is_flag=True, help="Salida en JSON para los listados.")
@click.version_option(package_name="conaig-flow", message="conaig-flow %(version)s")
@click.pass_context
def cli(ctx: click.Context, db_url: str | None, home: str | None, now: str | None, as_json: bool) -> None:
    """conaig-flow: seguimiento del Plan de Trabajo de la comisión."""
    ctx.obj = CliContext(db_url=db_url, home=home, now=now, as_json=as_json)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from conaig_flow.cli import consultation, core, demo, notify, reports, sessions, web

    for module in (core, sessions, notify, reports, consultation, web, demo):
        module.register(cli)


_register()


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
