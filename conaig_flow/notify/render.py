"""Messages from Jinja2 templates (``notifications/``, Spanish): subject, plain text and HTML
(CSS inlined in the templates), headers, attachments, as the bytes sent over SMTP.

Each template ``name`` is three files: ``name.subject.txt`` (one line), ``name.txt`` and
``name.html``. The folder is overridable (``CONAIG_NOTIFICATIONS_DIR``).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, getaddresses, parseaddr
from pathlib import Path
from typing import Any

import jinja2

from conaig_flow.i18n import days_phrase, fecha, fecha_hora
from conaig_flow.notify.ics import DEADLINE_ICS, deadline_event
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
        name, self.sender_address = parseaddr(sender)
        self._from = formataddr((name, self.sender_address), charset="utf-8")
        self.domain = self.sender_address.rpartition("@")[2] or "conaig-flow.local"

    def render(self, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
        """(subject, text, html)."""
        subject = self.env.get_template(f"{template}.subject.txt").render(context)
        text = self.env.get_template(f"{template}.txt").render(context)
        html = self.env.get_template(f"{template}.html").render(context)
        return " ".join(subject.split()), text, html

    def build(self, item: Claimed, now: datetime) -> tuple[str, list[str], bytes]:
        """(envelope sender, envelope recipients, message bytes).

        Built with the ``email.mime`` classes and the compat32 policy: the modern
        ``EmailMessage`` parses every header it sets again, which cost several times more
        than the whole send here; the bytes are the same standard MIME (checked in tests).
        """
        subject, text, html = self.render(item.template, item.context)
        body = MIMEMultipart("alternative")
        body.attach(MIMEText(text, "plain", "utf-8"))
        body.attach(MIMEText(html, "html", "utf-8"))
        attachments = list(item.attachments)
        spec = item.context.get(DEADLINE_ICS)
        if spec:
            attachments.append(deadline_event(spec, now))
        msg: MIMEMultipart = body
        if attachments:
            msg = MIMEMultipart("mixed")
            msg.attach(body)
            for att in attachments:
                maintype, _, rest = att.content_type.partition("/")
                subtype, _, params = rest.partition(";")
                part = MIMEText(att.text, subtype.strip(), "utf-8") if maintype == "text" else MIMEApplication(
                    att.text.encode("utf-8"), subtype.strip()
                )
                for p in params.split(";"):
                    if "=" in p:
                        name, _, value = p.strip().partition("=")
                        part.set_param(name, value)
                part.add_header("Content-Disposition", "attachment", filename=att.filename)
                msg.attach(part)
        msg["From"] = self._from
        if item.to:
            msg["To"] = ", ".join(item.to)
        if item.cc:
            msg["Cc"] = ", ".join(item.cc)
        msg["Subject"] = Header(subject, "utf-8", header_name="Subject").encode()
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = message_id(item.key, self.domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg["X-Auto-Response-Suppress"] = "All"
        msg["Content-Language"] = "es-PE"
        msg["X-Conaig-Key"] = item.key
        rcpts = [addr for _, addr in getaddresses([*item.to, *item.cc]) if addr]
        return self.sender_address, rcpts, msg.as_bytes()
