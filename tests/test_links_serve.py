"""``conaig serve`` as a real subprocess: on port 0 it says the port it got, serves there and
records that address for the processes that listen on nothing; with a CONAIG_PUBLIC_URL that
names another place it warns at start-up, in Spanish, on stderr; one that agrees is quiet."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.store import public_address
from tests.web_support import free_port

SERVING = re.compile(r"Sirviendo conaig-flow en (http://\S+)/ ")


def conaig(home: Path) -> list[str]:
    return [sys.executable, "-m", "conaig_flow", "--home", str(home)]


def _env(public_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CONAIG_PUBLIC_URL", "CONAIG_DB", "CONAIG_HOME")}
    env.update({"CONAIG_SMTP_HOST": "", "PYTHONUNBUFFERED": "1", **extra})
    if public_url is not None:
        env["CONAIG_PUBLIC_URL"] = public_url
    return env


@contextmanager
def serving(home: Path, port: int, public_url: str | None = None, **extra: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``conaig serve --port PORT --no-worker`` on the SQLite database in ``home``; yields the
    address it announced (read from its first lines) and the process; stopped with SIGINT."""
    proc = subprocess.Popen([*conaig(home), "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
                            env=_env(public_url, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if (match := SERVING.search(line)) is not None:
                break
        else:
            raise AssertionError("conaig serve ended without serving: " + "".join(seen) + (proc.stderr.read() if proc.stderr else ""))
        # the socket listens before the address is announced: this request waits its turn
        with urllib.request.urlopen(f"{match.group(1)}/acerca", timeout=120) as r:
            assert r.status == 200
        yield match.group(1), proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _init(home: Path) -> None:
    subprocess.run([*conaig(home), "init"], env=_env(None), check=True, capture_output=True)


def _recorded(home: Path) -> str | None:
    app = bootstrap(Settings.from_env({}, home=home))
    try:
        return public_address.recorded(app.db)
    finally:
        app.close()


def _stderr(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    return err


def test_serve_on_port_zero_serves_on_the_port_it_got_and_records_that_address(tmp_path: Path) -> None:
    _init(tmp_path)
    with serving(tmp_path, 0) as (url, proc):
        port = int(url.rsplit(":", 1)[1])
        assert url == f"http://127.0.0.1:{port}" and port != 0  # it answered there (``serving``)
        assert _recorded(tmp_path) == url  # what a worker of this database will link to
        err = _stderr(proc)
    assert "Aviso" not in err and "Traceback" not in err


def test_serve_warns_at_start_up_when_conaig_public_url_names_another_address(tmp_path: Path) -> None:
    _init(tmp_path)
    with serving(tmp_path, 0, "http://seguimiento.conaig.example.pe") as (url, proc):
        err = _stderr(proc)
    assert (f"Aviso: CONAIG_PUBLIC_URL es «http://seguimiento.conaig.example.pe», pero este servidor escucha en {url}. "
            "Los enlaces de los correos y documentos llevarán a «http://seguimiento.conaig.example.pe»") in err
    assert _recorded(tmp_path) == "http://seguimiento.conaig.example.pe"  # the links follow the setting


def test_serve_is_quiet_when_conaig_public_url_names_where_it_listens(tmp_path: Path) -> None:
    _init(tmp_path)
    port = free_port()
    with serving(tmp_path, port, f"http://localhost:{port}/") as (url, proc):
        assert url == f"http://127.0.0.1:{port}"
        err = _stderr(proc)
    assert "Aviso" not in err
    assert _recorded(tmp_path) == f"http://localhost:{port}"


def _worker_says(home: Path, public_url: str | None, stream: str) -> str:
    """The line ``conaig worker`` writes at start about its links (on ``stream``), then it is stopped."""
    proc = subprocess.Popen([*conaig(home), "worker"], env=_env(public_url), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        source = proc.stdout if stream == "stdout" else proc.stderr
        assert source is not None
        for line in source:
            if "Enlaces de los correos" in line or "Aviso" in line:
                return line
        raise AssertionError("conaig worker said nothing about its links")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=120)


def test_a_worker_says_which_address_its_links_use(tmp_path: Path) -> None:
    _init(tmp_path)
    said = _worker_says(tmp_path, None, "stderr")
    assert said.startswith("Aviso: no se definió CONAIG_PUBLIC_URL y ningún «conaig serve» registró su dirección")
    with serving(tmp_path, 0) as (url, proc):
        _stderr(proc)
    said = _worker_says(tmp_path, None, "stdout")
    assert said.strip() == f"Enlaces de los correos: {url} (la dirección que registró «conaig serve» al iniciar)."
    said = _worker_says(tmp_path, "https://seguimiento.conaig.example.pe", "stdout")
    assert said.strip() == "Enlaces de los correos: https://seguimiento.conaig.example.pe (CONAIG_PUBLIC_URL)."


def test_a_throwaway_serve_on_port_zero_leaves_the_recorded_address_and_the_worker_keeps_linking_there(
    tmp_path: Path,
) -> None:
    """A second ``serve --port 0`` on a database that already has an address (a quick look, a
    test run) must not move every email's links to a port that dies with it."""
    _init(tmp_path)
    port = free_port()
    with serving(tmp_path, port) as (real, proc):
        _stderr(proc)
    assert real == f"http://127.0.0.1:{port}" and _recorded(tmp_path) == real
    with serving(tmp_path, 0) as (throwaway, proc):
        assert throwaway != real
        err = _stderr(proc)
    assert (f"Aviso: este servidor escucha en un puerto libre elegido al iniciar ({throwaway}); no se registra como "
            f"la dirección de los enlaces de esta base de datos, que sigue siendo {real}") in err
    assert _recorded(tmp_path) == real
    said = _worker_says(tmp_path, None, "stdout")
    assert said.strip() == f"Enlaces de los correos: {real} (la dirección que registró «conaig serve» al iniciar)."


def test_a_serve_on_another_fixed_port_replaces_the_recorded_address_and_says_so(tmp_path: Path) -> None:
    _init(tmp_path)
    first, second = free_port(), free_port()
    with serving(tmp_path, first) as (old, proc):
        _stderr(proc)
    while second == first:
        second = free_port()
    with serving(tmp_path, second) as (new, proc):
        err = _stderr(proc)
    assert (f"Aviso: la dirección de los enlaces registrada en esta base de datos era {old}; desde ahora es {new}: "
            "«conaig worker» y las órdenes enlazarán a ella") in err
    assert _recorded(tmp_path) == new
    with serving(tmp_path, second) as (same, proc):  # the same address again: nothing to warn about
        err = _stderr(proc)
    assert same == new and "Aviso" not in err
    said = _worker_says(tmp_path, None, "stdout")
    assert said.strip() == f"Enlaces de los correos: {new} (la dirección que registró «conaig serve» al iniciar)."


def test_conaig_public_url_is_recorded_even_on_port_zero_replacing_a_listening_address_with_a_warning(
    tmp_path: Path,
) -> None:
    """The setting is the operator's own statement of the address: it is recorded whatever the port."""
    _init(tmp_path)
    with serving(tmp_path, free_port()) as (old, proc):
        _stderr(proc)
    with serving(tmp_path, 0, "https://seguimiento.conaig.example.pe") as (_, proc):
        err = _stderr(proc)
    assert (f"Aviso: la dirección de los enlaces registrada en esta base de datos era {old}; desde ahora es "
            "https://seguimiento.conaig.example.pe") in err
    assert _recorded(tmp_path) == "https://seguimiento.conaig.example.pe"


def test_serve_gives_its_port_back_when_recording_the_address_fails(tmp_path: Path) -> None:
    """The address cannot be recorded (here: a database whose ``public_address`` table is gone):
    serve stops with the error and its port is free again, not left bound and listening."""
    import sqlite3

    import pytest
    from sqlalchemy.exc import OperationalError

    from conaig_flow.cli.context import CliContext
    from conaig_flow.cli.web import run_server

    _init(tmp_path)
    with contextlib.closing(sqlite3.connect(tmp_path / "conaig.db")) as conn:
        conn.execute("DROP TABLE public_address")
        conn.commit()
    port = free_port()
    c = CliContext(db_url=None, home=str(tmp_path), now=None, as_json=False)
    try:
        with pytest.raises(OperationalError, match="public_address"):
            run_server(c, "127.0.0.1", port, 1, worker=False)
    finally:
        c.close()
    with socket.socket() as probe:  # nobody listens there any more: the connection is refused
        assert probe.connect_ex(("127.0.0.1", port)) == errno.ECONNREFUSED
    with socket.socket() as again:  # and the port can be bound again at once
        again.bind(("127.0.0.1", port))
