"""Helpers of the web tests: people with passwords, signed-in clients, a live server."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn
from fastapi import FastAPI
from starlette.testclient import TestClient

from conaig_flow.bootstrap import App
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.web import create_app

PASSWORD = "clave-de-prueba-123"
PEOPLE = {
    "officer": "enlace.minsa@example.pe",
    "other_officer": "enlace.minedu@example.pe",
    "secretariat": "st@example.pe",
    "reviewer": "revisor@cultura.example.pe",
    "member": "integrante@example.pe",
    "admin": "admin@example.pe",
}


def add_web_people(app: App) -> None:
    users.add_user(app, PEOPLE["officer"], "Ana Pérez (MINSA)", "MINSA", "officer", PASSWORD)
    users.add_user(app, PEOPLE["other_officer"], "Luis Rojas (MINEDU)", "MINEDU", "officer", PASSWORD)
    users.add_user(app, PEOPLE["secretariat"], "Secretaría Técnica", "MIMP", "secretariat", PASSWORD)
    users.add_user(app, PEOPLE["reviewer"], "Revisor MINCUL", "MINCUL", "reviewer", PASSWORD)
    users.add_user(app, PEOPLE["member"], "Integrante", "MINSA", "member", PASSWORD, "titular")
    users.add_user(app, PEOPLE["admin"], "Administración", "MIMP", "admin", PASSWORD)


def minsa_protocol(app: App) -> int:
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    return d.id


def form_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def client(web: FastAPI) -> TestClient:
    return TestClient(web, base_url="http://127.0.0.1", follow_redirects=False)


def sign_in(web: FastAPI, email: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A client signed in through the login form; returns it and its session's CSRF token."""
    c = client(web)
    token = form_csrf(c.get("/entrar").text)
    r = c.post("/entrar", data={"correo": email, "contrasena": password, "csrf_token": token, "siguiente": "/entregables"})
    assert r.status_code == 303, r.text
    return c, form_csrf(c.get("/entregables").text)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(app: App) -> Iterator[str]:
    """The real app served by uvicorn on 127.0.0.1 in a background thread."""
    port = free_port()
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
