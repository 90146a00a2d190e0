"""Messages from Jinja2 templates (``notifications/``, Spanish): subject, plain text and HTML
(CSS inlined in the templates), headers, attachments, as the bytes sent over SMTP.

Each template ``name`` is three files: ``name.subject.txt`` (one line), ``name.txt`` and
``name.html``. The folder is overridable (``CONAIG_NOTIFICATIONS_DIR``).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from conaig_flow.i18n import days_phrase, fecha, fecha_hora
from conaig_flow.notify.outbox import Claimed

SHIPPED = Path(__file__).resolve().parent.parent.parent / "notifications"


def _as_date(value: str | date | datetime) -> date | datetime:
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return value


def _fecha(value: str | date | datetime) -> str:
    return fecha(_as_date(value))


def _fecha_hora(value: str | datetime) -> str:
    parsed = _as_date(value)
    assert isinstance(parsed, datetime)
    return fecha_hora(parsed)


def message_id(key: str, domain: str) -> str:
    """Stable: the same outbox row always has the same Message-ID (so a resend is recognisable)."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


class Renderer:
    def __init__(self, folder: Path | None, sender: str) -> None:
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
        self.sender = sender
        self.sender_address = parseaddr(sender)[1]
        self.domain = self.sender_address.rpartition("@")[2] or "conaig-flow.local"

    def render(self, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html)."""
        subject = self.env.get_template(f"{template}.subject.txt").render(context)
        text = self.env.get_template(f"{template}.txt").render(context)
        html = self.env.get_template(f"{template}.html").render(context)
        return " ".join(subject.split()), text, html

    def build(self, item: Claimed, now: datetime) -> tuple[str, list[str], bytes]:
        """(envelope sender, envelope recipients, message bytes)."""
        subject, text, html = self.render(item.template, item.context)
        msg = EmailMessage(policy=SMTP)
        msg["From"] = self.sender
        if item.to:
            msg["To"] = ", ".join(item.to)
        if item.cc:
            msg["Cc"] = ", ".join(item.cc)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = message_id(item.key, self.domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
        msg["Content-Language"] = "es-PE"
        msg["X-Conaig-Key"] = item.key
        msg.set_content(text, subtype="plain", charset="utf-8")
        msg.add_alternative(html, subtype="html", charset="utf-8")
        for att in item.attachments:
            maintype, _, rest = att.content_type.partition("/")
            subtype, _, params = rest.partition(";")
            msg.add_attachment(
                att.text.encode("utf-8"), maintype=maintype, subtype=subtype.strip(), filename=att.filename,
                params=dict(p.strip().split("=", 1) for p in params.split(";") if "=" in p),
            )
        rcpts = [addr for _, addr in getaddresses([*item.to, *item.cc]) if addr]
        return self.sender_address, rcpts, msg.as_bytes()
