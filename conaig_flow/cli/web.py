"""``conaig serve``: the web app (uvicorn), on 127.0.0.1 by default."""

from __future__ import annotations

import os

import click

from conaig_flow.cli.context import CliContext, pass_cli

#: How long a web process may take to answer the supervisor before it is replaced.
WORKER_HEALTHCHECK_SECONDS = 60


def run_server(c: CliContext, host: str, port: int, workers: int, worker: bool = True) -> None:
    import uvicorn

    app = c.app
    app.definitions()  # fail early, with the CLI's message, when no plan is loaded
    click.echo(f"Sirviendo conaig-flow en http://{host}:{port}/ (Ctrl+C para detener).")
    if workers > 1:
        if app.db.is_sqlite:
            raise click.UsageError("Varios procesos (--workers) requieren PostgreSQL; con SQLite use uno solo.")
        os.environ["CONAIG_DB"] = app.settings.db_url
        os.environ["CONAIG_HOME"] = str(app.settings.home)
        if c.now:
            os.environ["CONAIG_NOW"] = c.now
        # uvicorn's supervisor kills a worker that does not answer its health check within
        # 5 s by default: on a loaded machine a worker still importing the application misses
        # it and is replaced, again and again, and the server never answers.
        uvicorn.run("conaig_flow.web.asgi:build", factory=True, host=host, port=port, workers=workers,
                    log_level="warning", access_log=False, proxy_headers=bool(app.settings.trusted_proxies),
                    forwarded_allow_ips=forwarded_allow_ips(app.settings.trusted_proxies),
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS)
        return
    from conaig_flow.web import create_app

    in_process = worker and app.db.is_sqlite
    if in_process:
        click.echo("Recordatorios y envío de correo: en este mismo proceso (SQLite, un solo proceso).")
    uvicorn.run(create_app(app, in_process_worker=in_process), host=host, port=port, log_level="warning",
                access_log=False, proxy_headers=bool(app.settings.trusted_proxies),
                forwarded_allow_ips=forwarded_allow_ips(app.settings.trusted_proxies))


def forwarded_allow_ips(trusted: tuple[str, ...]) -> str | None:
    """``X-Forwarded-For``/``-Proto`` are believed only from the proxies the settings list
    (``CONAIG_TRUSTED_PROXIES``); with none (the default) ``proxy_headers`` is off and the
    client address is the socket's, so the per-address limits cannot be sidestepped by sending
    the header from 127.0.0.1."""
    return ",".join(trusted) if trusted else None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Dirección en la que escuchar.")
@click.option("--port", default=8000, show_default=True, type=int, help="Puerto.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Procesos web (más de uno solo con PostgreSQL).")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="Con SQLite (un proceso): ejecutar también los recordatorios y el envío de correo.")
@pass_cli
def serve(c: CliContext, host: str, port: int, workers: int, worker: bool) -> None:
    """Servir la aplicación web (con SQLite, también el worker de recordatorios; con PostgreSQL
    ejecute aparte «conaig worker»)."""
    run_server(c, host, port, workers, worker)
