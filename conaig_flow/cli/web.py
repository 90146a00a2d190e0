"""``conaig serve``: the web app (uvicorn), on 127.0.0.1 by default."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from conaig_flow.cli.context import CliContext, pass_cli

if TYPE_CHECKING:
    from conaig_flow.app import App

#: How long a web process may take to answer the supervisor before it is replaced.
WORKER_HEALTHCHECK_SECONDS = 60


def run_server(c: CliContext, host: str, port: int, workers: int, worker: bool = True,
               hint: Callable[[str], str] | None = None) -> None:
    """Bind ``host``:``port`` (port 0: a free one, chosen by the system), record the public
    address the links will use, then serve. ``hint``: a line printed once the address is known."""
    import uvicorn

    app = c.app
    app.definitions()  # fail early, with the CLI's message, when no plan is loaded
    if workers > 1 and app.db.is_sqlite:
        raise click.UsageError("Varios procesos (--workers) requieren PostgreSQL; con SQLite use uno solo.")
    in_process = workers == 1 and worker and app.db.is_sqlite
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": "warning", "access_log": False,
        "proxy_headers": bool(app.settings.trusted_proxies),
        "forwarded_allow_ips": forwarded_allow_ips(app.settings.trusted_proxies),
    }
    if workers > 1:
        # uvicorn's supervisor kills a worker that does not answer its health check within
        # 5 s by default: on a loaded machine a worker still importing the application misses
        # it and is replaced, again and again, and the server never answers.
        config = uvicorn.Config("conaig_flow.web.asgi:build", factory=True, workers=workers,
                                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS, **options)
    else:
        from conaig_flow.web import create_app

        config = uvicorn.Config(create_app(app, in_process_worker=in_process), **options)
    sock = config.bind_socket()  # the real port, also when 0 was asked for
    try:  # the socket is given back whatever happens, also when recording the address fails
        if workers == 1:
            # from now on a client waits in the queue instead of being refused. (With several
            # processes each listens when it has started, as uvicorn does: until then a client is
            # refused at once rather than left waiting on a process still importing the app.)
            sock.listen(config.backlog)
        url = announce_address(app, host, int(sock.getsockname()[1]), chosen_port=port != 0)
        click.echo(f"Sirviendo conaig-flow en {url}/ (Ctrl+C para detener).")
        if hint is not None:
            click.echo(hint(url))
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            os.environ["CONAIG_DB"] = app.settings.db_url
            os.environ["CONAIG_HOME"] = str(app.settings.home)
            os.environ[LISTENING_ENV] = url
            if c.now:
                os.environ["CONAIG_NOW"] = c.now
            with contextlib.suppress(KeyboardInterrupt):
                Multiprocess(config, sockets=[sock]).run()
            return
        if in_process:
            click.echo("Recordatorios y envío de correo: en este mismo proceso (SQLite, un solo proceso).")
        server = uvicorn.Server(config)
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
        if not server.started:
            raise SystemExit(3)
    finally:
        sock.close()


#: Set by ``conaig serve --workers N`` for its web processes: the address the server listens on.
LISTENING_ENV = "CONAIG_LISTENING_URL"


def announce_address(app: App, host: str, port: int, chosen_port: bool = True) -> str:
    """The server listens on ``host``:``port``: that is its address for links unless
    ``CONAIG_PUBLIC_URL`` says otherwise (warned on stderr when the two disagree). The address
    the links will use is recorded in the database for the processes that listen on nothing
    (``conaig worker``, the CLI), by this rule (docs/architecture.md, "Emails link back"):
    the setting is always recorded; without it, a port the system chose (``chosen_port``
    False: ``--port 0``, a throwaway run) is recorded only when nothing is recorded yet. A
    record that replaces a different address is warned on stderr, naming both. Returns the
    listening URL."""
    from conaig_flow.store import public_address

    url = public_address.listening_url(host, port)
    app.listening_url = url
    public = app.settings.public_url
    if public and not public_address.agrees(public, host, port):
        click.echo(
            f"Aviso: CONAIG_PUBLIC_URL es «{public}», pero este servidor escucha en {url}. Los enlaces de los "
            f"correos y documentos llevarán a «{public}»: compruebe que esa dirección llegue a este servidor "
            "(p. ej., a través de un proxy inverso) o corrija CONAIG_PUBLIC_URL.", err=True,
        )
    elif not public and host.strip("[]") in ("0.0.0.0", "::"):
        click.echo(
            f"Aviso: el servidor escucha en todas las interfaces; los enlaces de los correos y documentos llevarán "
            f"a {url}. Si se llega a la aplicación por otra dirección, indíquela en CONAIG_PUBLIC_URL.", err=True,
        )
    links = app.public_url()
    before = public_address.recorded(app.db)
    if before is not None and before != links:
        if not public and not chosen_port:
            click.echo(
                f"Aviso: este servidor escucha en un puerto libre elegido al iniciar ({url}); no se registra como la "
                f"dirección de los enlaces de esta base de datos, que sigue siendo {before} (la que usan «conaig "
                "worker» y las órdenes). Para cambiarla, inicie el servidor en un puerto fijo o defina "
                "CONAIG_PUBLIC_URL.", err=True,
            )
            return url
        click.echo(
            f"Aviso: la dirección de los enlaces registrada en esta base de datos era {before}; desde ahora es "
            f"{links}: «conaig worker» y las órdenes enlazarán a ella en los correos y documentos.", err=True,
        )
    source = public_address.SOURCE_SETTING if public else public_address.SOURCE_LISTENING
    public_address.record(app.db, links, source, app.clock.now(), f"{socket.gethostname()}:{os.getpid()}")
    return url


def forwarded_allow_ips(trusted: tuple[str, ...]) -> str | None:
    """``X-Forwarded-For``/``-Proto`` are believed only from the proxies the settings list
    (``CONAIG_TRUSTED_PROXIES``); with none (the default) ``proxy_headers`` is off and the
    client address is the socket's, so the per-address limits cannot be sidestepped by sending
    the header from 127.0.0.1."""
    return ",".join(trusted) if trusted else None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Dirección en la que escuchar.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Puerto (0: uno libre, que se indica al iniciar).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), help="Procesos web (más de uno solo con PostgreSQL).")
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="Con SQLite (un proceso): ejecutar también los recordatorios y el envío de correo.")
@pass_cli
def serve(c: CliContext, host: str, port: int, workers: int, worker: bool) -> None:
    """Servir la aplicación web (con SQLite, también el worker de recordatorios; con PostgreSQL
    ejecute aparte «conaig worker»)."""
    run_server(c, host, port, workers, worker)
