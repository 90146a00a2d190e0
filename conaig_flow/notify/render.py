"""Messages from Jinja2 templates (``notifications/``, Spanish): subject, plain text and HTML
(CSS inlined in the templates), headers, attachments, as the bytes sent over SMTP.

Each template ``name`` is three files: ``name.subject.txt`` (one line), ``name.txt`` and
``name.html``. The folder is overridable (``CONAIG_NOTIFICATIONS_DIR``).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from conaig_flow.app import DEFAULT_SMTP_FROM
from conaig_flow.i18n import days_phrase, fecha, fecha_hora
from conaig_flow.notify.ics import DEADLINE_ICS, deadline_event
from conaig_flow.notify.mime import compose
from conaig_flow.notify.outbox import Claimed

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


class Renderer:
    def __init__(self, folder: Path | None, sender: str, globals_: dict[str, Any] | None = None) -> None:
        self.folder = folder or SHIPPED
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.folder)),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(fecha=_fecha, fecha_hora=_fecha_hora, dias=days_phrase)
        self.env.globals.update(globals_ or {})
        self.sender = sender
        name, self.sender_address = parseaddr(sender)
        if sender == DEFAULT_SMTP_FROM and self.env.globals.get("commission_code"):
            name = f"{name} — {self.env.globals['commission_code']}"
        self._from = formataddr((name, self.sender_address), charset="utf-8")
        self.domain = self.sender_address.rpartition("@")[2] or "localhost"

    def render(self, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html)."""
        subject = self.env.get_template(f"{template}.subject.txt").render(context)
        text = self.env.get_template(f"{template}.txt").render(context)
        html = self.env.get_template(f"{template}.html").render(context)
        return " ".join(subject.split()), text, html

    def build(self, item: Claimed, now: datetime) -> tuple[str, list[str], bytes]:
        """(envelope sender, envelope recipients, message bytes)."""
        subject, text, html = self.render(item.template, item.context)
        attachments = list(item.attachments)
        spec = item.context.get(DEADLINE_ICS)
        if spec:
            attachments.append(deadline_event(spec, now))
        headers = [("From", self._from)]
        if item.to:
            headers.append(("To", ", ".join(item.to)))
        if item.cc:
            headers.append(("Cc", ", ".join(item.cc)))
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
        rcpts = [addr for _, addr in getaddresses([*item.to, *item.cc]) if addr]
        return self.sender_address, rcpts, data
