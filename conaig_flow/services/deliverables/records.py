"""Plain records that services hand to the CLI, the web and listeners (never table rows)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from conaig_flow.domain.actors import Actor
from conaig_flow.domain.engine import Evidence


@dataclass(frozen=True)
class DeliverableView:
    id: int
    plan_code: str
    activity: str
    kind: str
    owner: str
    owner_kind: str
    owner_name: str
    period: str
    title: str
    due: datetime
    state: str
    state_label: str
    terminal: bool
    version: int
    origin: str
    created_at: datetime
    updated_at: datetime

    def days_left(self, now: datetime) -> int:
        from conaig_flow.clock import LIMA

        return (self.due.astimezone(LIMA).date() - now.astimezone(LIMA).date()).days

    def to_json(self) -> dict[str, Any]:
        from conaig_flow.clock import LIMA

        data = asdict(self)
        data["entity"] = self.owner
        data["due"] = self.due.astimezone(LIMA).date().isoformat()
        data["due_at"] = self.due.isoformat()
        data["created_at"] = self.created_at.isoformat()
        data["updated_at"] = self.updated_at.isoformat()
        return data


@dataclass(frozen=True)
class EventView:
    id: int
    deliverable_id: int
    seq: int
    actor_email: str
    actor_role: str
    actor_entity: str
    trigger: str
    from_state: str
    to_state: str
    comment: str | None
    documents: list[str]
    norm_reference: str | None
    session_ref: str | None
    at: datetime
    hash: str
    agreement_id: int | None = None  # the session agreement that took the step (in-session steps)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["at"] = self.at.isoformat()
        return data


@dataclass(frozen=True)
class TransitionRecord:
    """What happened in one state change; handed to listeners inside its transaction."""

    deliverable: DeliverableView  # as it is after the change
    trigger: str
    from_state: str
    to_state: str
    seq: int
    actor: Actor
    evidence: Evidence
    at: datetime


def documents_json(hashes: tuple[str, ...] | list[str]) -> str:
    return json.dumps(list(hashes))
