"""The address people use to reach the web app, for the links in emails and documents.

``App.public_url()`` decides it (``CONAIG_PUBLIC_URL``, else the address this process listens
on, else the one the last serving process recorded here, else the default); this module
keeps the recorded one (table ``public_address``, one row) and the pure helpers: the URL of
a listening socket and whether two addresses name the same place.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError

from conaig_flow.store.db import Database


def _table() -> Any:
    """The table, imported when used: every command builds an ``App`` (which imports this
    module), and the web's tables cost a command that never links anything."""
    from conaig_flow.store.tables_web import PublicAddressRow

    return PublicAddressRow.__table__  # type: ignore[attr-defined]

#: What ``conaig serve`` listens on by default, and so the address links use when nothing
#: else is known (no ``CONAIG_PUBLIC_URL``, no server ever started on this database).
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"

SOURCE_SETTING = "CONAIG_PUBLIC_URL"
SOURCE_LISTENING = "escucha"

_WILDCARDS = {"0.0.0.0", "::", ""}

# -- the pages emails and documents link to (paths under the public address) ----------------
#: where anyone checks the signatures of a document the commission issued
VERIFY_PAGE = "/documentos/verificar"
#: the dashboard, with the list of overdue deliverables
OVERDUE_PAGE = "/tablero#h-overdue"


def deliverable_page(deliverable_id: int) -> str:
    return f"/entregables/{deliverable_id}"


def session_page(session_id: int) -> str:
    return f"/sesiones/{session_id}"


def consultation_page(consultation_id: int) -> str:
    """The consultation's public page (anyone may contribute when it is public)."""
    return f"/consulta/{consultation_id}"


def invitation_page(consultation_id: int, token: str) -> str:
    """An invited organisation's personal page of a consultation."""
    return f"/consulta/{consultation_id}/i/{token}"


def absolute(base: str, link: str) -> str:
    """A link as an email or document prints it: a site path (``/entregables/5``) under the
    public address; an absolute URL (an outbox row written before links were paths) as it is."""
    return f"{normalise(base)}{link}" if link.startswith("/") else link


def normalise(url: str) -> str:
    """Without the trailing slash: links are the address followed by a path (``/entregables/5``)."""
    return url.strip().rstrip("/")


def check_public_url(url: str) -> str:
    """``CONAIG_PUBLIC_URL`` as links need it: http(s), a host, no query or fragment."""
    text = normalise(url)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(
            f"CONAIG_PUBLIC_URL no válida: «{url}»; se espera la dirección con la que se llega a la aplicación, "
            "p. ej. «https://seguimiento.mimp.gob.pe» o «http://127.0.0.1:8000»."
        )
    return text


def listening_url(host: str, port: int) -> str:
    """The URL of a server bound to ``host``:``port``. A wildcard address (all interfaces) is
    named by this machine's name, which is what another machine would use."""
    name = host.strip("[]")
    if name in _WILDCARDS:
        name = socket.getfqdn() or "localhost"
    try:
        if ipaddress.ip_address(name).version == 6:
            name = f"[{name}]"
    except ValueError:
        pass
    return f"http://{name}:{port}"


def _port(parts: object) -> int:
    port = getattr(parts, "port", None)
    return int(port) if port else (443 if getattr(parts, "scheme", "") == "https" else 80)


def agrees(public_url: str, host: str, port: int) -> bool:
    """Whether ``public_url`` names the server bound to ``host``:``port``: the same port and
    host (any host when bound to all interfaces; ``localhost`` and 127.0.0.1 are the same).
    Behind a reverse proxy they differ by design; serve then warns, and the proxy is the
    operator's to check."""
    parts = urlsplit(public_url)
    if parts.scheme != "http" or _port(parts) != port:
        return False
    bound = host.strip("[]").lower()
    named = (parts.hostname or "").lower()
    if bound in _WILDCARDS:
        return True
    loopback = {"localhost", "127.0.0.1", "::1"}
    return named == bound or (named in loopback and bound in loopback)


def recorded(db: Database) -> str | None:
    """The address the last serving process recorded, if any (None also on a database
    created before the table existed)."""
    table = _table()
    try:
        with db.read() as conn:
            value = conn.execute(select(table.c.url).where(table.c.id == 1)).scalar_one_or_none()
    except (OperationalError, ProgrammingError):
        return None
    return str(value) if value else None


def record(db: Database, url: str, source: str, at: datetime, by: str) -> None:
    """Keep ``url`` as the public address (replacing the previous one)."""
    table = _table()
    with db.write() as conn:
        if conn.execute(select(table.c.id).where(table.c.id == 1)).first() is None:
            conn.execute(table.insert().values(id=1, url=url, source=source, recorded_at=at, recorded_by=by))
        else:
            conn.execute(table.update().where(table.c.id == 1).values(url=url, source=source, recorded_at=at, recorded_by=by))
