"""Messages from Jinja2 templates (``notifications/``, Spanish): subject, plain text and HTML
(CSS inlined in the templates), headers, attachments, as the bytes sent over SMTP.

Each template ``name`` is three files: ``name.subject.txt`` (one line), ``name.txt`` and
``name.html``. The folder is overridable (``CONAIG_NOTIFICATIONS_DIR``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from email.headerregistry import Address, AddressHeader
from email.utils import format_datetime, formataddr, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from conaig_flow.app import DEFAULT_SMTP_FROM
from conaig_flow.i18n import cuenta, days_phrase, de, fecha, fecha_hora
from conaig_flow.notify.ics import DEADLINE_ICS, deadline_event
from conaig_flow.notify.messages import Claimed
from conaig_flow.notify.mime import POLICY, compose
from conaig_flow.store.public_address import DEFAULT_PUBLIC_URL, absolute, deliverable_page, normalise

SHIPPED = Path(__file__).resolve().parent.parent.parent / "notifications"


def _as_date(value: str | date | datetime) -> date | datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return value


@lru_cache(maxsize=4096)
def _fecha(value: str | date | datetime) -> str:
    """Cached: Babel takes ~0.3 ms per date and a batch repeats the same few deadlines."""
    return fecha(_as_date(value))


@lru_cache(maxsize=4096)
def _fecha_hora(value: str | datetime) -> str:
    parsed = _as_date(value)
    assert isinstance(parsed, datetime)
    return fecha_hora(parsed)


def message_id(key: str, domain: str) -> str:
    """Stable: the same outbox row always has the same Message-ID (so a resend is recognisable)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


@lru_cache(maxsize=16)
def environment(folder: Path) -> jinja2.Environment:
    """One Jinja2 environment per template folder and process: each template is compiled the
    first time it is used and kept (no ``auto_reload``: a worker picks up edited templates
    when it restarts)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters.update(fecha=_fecha, fecha_hora=_fecha_hora, dias=days_phrase, cuenta=cuenta, de=de)
    return env


@lru_cache(maxsize=8192)
def addressed(address: str, name: str = "") -> str:
    """``Ana Pérez <ana@minsa.gob.pe>`` (quoted where the name needs it), or the bare address
    when the name is not known; the policy encodes the non-ASCII name when the header is set."""
    return str(Address(" ".join(name.split()), addr_spec=address))


@lru_cache(maxsize=8192)
def split_recipient(value: str) -> tuple[str, str]:
    """(name, address) of a stored recipient: a bare address (what the outbox stores) or, if
    a caller stored one, ``Name <address>``."""
    name, address = parseaddr(value)
    if not address or "@" not in address:
        raise ValueError(f"Destinatario no válido: «{value}»; se espera una dirección de correo electrónico.")
    return name, address


def sender_mailbox(sender: str) -> tuple[str, str]:
    """(the From header value, the envelope address) of ``CONAIG_SMTP_FROM``, which may be
    ``Secretaría Técnica CONAIG <st@mimp.gob.pe>`` or a bare address."""
    try:
        header = POLICY.header_factory("From", sender)
    except (IndexError, ValueError):  # the standard parser fails on some malformed values ("st@")
        header = None
    assert header is None or isinstance(header, AddressHeader)
    if header is None or len(header.addresses) != 1 or not header.addresses[0].domain or header.defects:  # type: ignore[attr-defined]
        raise ValueError(
            f"Remitente no válido: «{sender}»; se espera una dirección, con o sin nombre "
            "(p. ej. «Secretaría Técnica CONAIG <st@mimp.gob.pe>»)."
        )
    address = header.addresses[0]
    return addressed(address.addr_spec, address.display_name), address.addr_spec


def page_of(context: Mapping[str, Any]) -> str:
    """The page a message is about: its ``link``; for a row written before messages carried
    one, its deliverable's page, else the home page."""
    link = context.get("link")
    if link:
        return str(link)
    if context.get("deliverable_id") is not None:
        return deliverable_page(int(context["deliverable_id"]))
    return "/"


class Renderer:
    def __init__(self, folder: Path | None, sender: str, globals_: dict[str, Any] | None = None,
                 public_url: str = DEFAULT_PUBLIC_URL) -> None:
        """``public_url``: the address the links of the messages are made absolute under
        (``App.public_url()`` when the message is sent)."""
        self.public_url = normalise(public_url)
        self.folder = folder or SHIPPED
        self.env = environment(self.folder)
        self.globals = dict(globals_ or {})
        self.sender = sender
        if sender == DEFAULT_SMTP_FROM and self.env.globals.get("commission_code"):
            name, address = parseaddr(sender)
            sender = formataddr((f"{name} — {self.env.globals['commission_code']}", address))
        self._from, self.sender_address = sender_mailbox(sender)
        self.domain = self.sender_address.rpartition("@")[2] or "localhost"

    def render(self, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html). The renderer's globals (the plan's names) come first; the
        message's context may override them. ``link`` (the page the message is about, a site
        path) is made absolute under the public address; ``public_url`` is given too."""
        values = {**self.globals, **context, "public_url": self.public_url}
        values["link"] = absolute(self.public_url, page_of(context))
        subject = self.env.get_template(f"{template}.subject.txt").render(values)
        text = self.env.get_template(f"{template}.txt").render(values)
        html = self.env.get_template(f"{template}.html").render(values)
        return " ".join(subject.split()), text, html

    def build(self, item: Claimed, now: datetime, names: Mapping[str, str] | None = None) -> tuple[str, list[str], bytes]:
        """(envelope sender, envelope recipients, message bytes). ``names``: the display name
        of each address that has one (the users table), so people are addressed by name."""
        names = names or {}
        subject, text, html = self.render(item.template, item.context)
        attachments = list(item.attachments)
        spec = item.context.get(DEADLINE_ICS)
        if spec:
            attachments.append(deadline_event(spec, now))
        headers = [("From", self._from)]
        to = [split_recipient(r) for r in item.to]
        cc = [split_recipient(r) for r in item.cc]
        if to:
            headers.append(("To", ", ".join(addressed(a, n or names.get(a, "")) for n, a in to)))
        if cc:
            headers.append(("Cc", ", ".join(addressed(a, n or names.get(a, "")) for n, a in cc)))
        headers += [
            ("Subject", subject),
            ("Date", format_datetime(now)),
            ("Message-ID", message_id(item.key, self.domain)),
            ("Auto-Submitted", "auto-generated"),
            ("X-Auto-Response-Suppress", "All"),
            ("Content-Language", "es-PE"),
            ("X-Conaig-Key", item.key),
        ]
        data = compose(headers, text, html, [(a.filename, a.content_type, a.text) for a in attachments], item.key)
        return self.sender_address, [a for _, a in (*to, *cc)], data
