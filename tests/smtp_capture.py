"""A real SMTP server (aiosmtpd) on 127.0.0.1 that stores what it accepts and can be told to
misbehave: answer 4xx/5xx to DATA, or drop the connection in the middle of DATA."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port that was free a moment ago (bound to port 0, read, closed): the server then
    listens on that number, never on port 0 itself."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.data, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg

    @property
    def key(self) -> str:
        return str(self.message["X-Conaig-Key"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


@dataclass
class CaptureHandler:
    received: list[Received] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)  # answered to the next DATA commands, in order
    drops: int = 0  # the next N DATA commands lose the connection instead of an answer
    reject_recipient: str | None = None  # DATA from a message to this address gets 550
    delay: float = 0.0  # seconds every DATA waits before its answer (a slow server)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            if self.drops > 0:
                self.drops -= 1
                server.transport.abort()
                return "250 OK"
            if self.reject_recipient and self.reject_recipient in envelope.rcpt_tos:
                return "550 5.1.1 Buzón inexistente"
            if self.replies:
                return self.replies.pop(0)
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Mensaje aceptado"


class SmtpCapture:
    def __init__(self, **controller: Any) -> None:
        """``controller``: more of aiosmtpd's options, e.g. ``ssl_context`` (implicit TLS) or
        ``tls_context`` with ``require_starttls`` (STARTTLS)."""
        self.handler = CaptureHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **controller)

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def running_capture() -> Iterator[SmtpCapture]:
    server = SmtpCapture()
    server.start()
    try:
        yield server
    finally:
        server.stop()
