"""What crosses the outbox: a message to write (``NewMessage``, with its ``Attachment`` s), one
claimed for sending (``Claimed``), one shown to people (``OutboxView``), and how a row stores
its recipients. Plain values, no database: the outbox, the renderer, the calendar files and the
services that decide what to send share them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

AUDIENCE = "_audience"  # context key: the groups a message is for, to resolve again on retry
NO_RECIPIENTS = "Sin destinatarios registrados (usuarios activos)."


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=PUBLISH"
    text: str


@dataclass(frozen=True)
class NewMessage:
    key: str
    kind: str
    template: str
    to: Sequence[str]
    context: Mapping[str, Any]
    cc: Sequence[str] = ()
    attachments: Sequence[Attachment] = ()
    deliverable_id: int | None = None


@dataclass(frozen=True)
class Claimed:
    id: int
    key: str
    kind: str
    template: str
    to: list[str]
    cc: list[str]
    context: dict[str, Any]
    attachments: list[Attachment]
    attempts: int
    deliverable_id: int | None = None
    token: str = ""  # the claim's token: only its holder may mark, extend or release the row
    lease_until: datetime | None = None


@dataclass(frozen=True)
class OutboxView:
    id: int
    key: str
    kind: str
    template: str
    deliverable_id: int | None
    to: list[str]
    cc: list[str]
    status: str
    attempts: int
    available_at: datetime
    created_at: datetime
    sent_at: datetime | None
    smtp_reply: str | None
    last_error: str | None
    context: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for name in ("available_at", "created_at", "sent_at"):
            value = data[name]
            data[name] = value.isoformat() if value else None
        return data


@lru_cache(maxsize=1024)
def _recipients_json(to: tuple[str, ...], cc: tuple[str, ...]) -> str:
    return json.dumps({"to": sorted(set(to)), "cc": sorted(set(cc) - set(to))})


def recipients_json(to: Sequence[str], cc: Sequence[str]) -> str:
    """How a row stores its recipients (nobody copied who is already addressed)."""
    return _recipients_json(tuple(to), tuple(cc))
