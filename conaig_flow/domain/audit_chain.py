"""The hash chain over a deliverable's events: each event carries the hash of the previous one."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

#: The fields of an event that the hash covers, in order.
HASHED_FIELDS = (
    "deliverable_id",
    "seq",
    "actor_email",
    "actor_role",
    "actor_entity",
    "trigger",
    "from_state",
    "to_state",
    "comment",
    "documents",
    "norm_reference",
    "session_ref",
    "at",
    "prev_hash",
)


#: The canonical JSON of the hashed fields (what ``json.dumps(..., ensure_ascii=False,
#: separators=(",", ":"), default=str)`` produces), built once rather than per event.
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)


#: Hashed after ``HASHED_FIELDS`` only when set, so that the events written before it existed
#: keep their hashes.
OPTIONAL_HASHED_FIELDS = ("agreement_id",)


def event_hash(fields: Mapping[str, Any]) -> str:
    values = [fields[name] for name in HASHED_FIELDS]
    values += [value for name in OPTIONAL_HASHED_FIELDS if (value := fields.get(name)) is not None]
    payload = _CANONICAL.encode(values)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    deliverable_id: int | None  # None: not about one existing deliverable (e.g. one deleted)
    event_id: int | None
    seq: int | None
    reason: str


def verify_chain(
    deliverable_id: int,
    events: Iterable[Mapping[str, Any]],
    head_hash: str,
    head_state: str,
    initial_state: str,
    version: int,
) -> ChainBreak | None:
    """Check one deliverable's events (ordered by id) against each other and the row's head."""
    prev = GENESIS
    state = initial_state
    count = 0
    for expected_seq, ev in enumerate(events, start=1):
        count += 1
        ev_id = int(ev["id"])
        if ev["seq"] != expected_seq:
            return ChainBreak(deliverable_id, ev_id, ev["seq"], f"se esperaba el evento N° {expected_seq} y aparece el N° {ev['seq']} (eventos borrados o reordenados)")
        if ev["prev_hash"] != prev:
            return ChainBreak(deliverable_id, ev_id, ev["seq"], "no enlaza con el evento anterior (eventos borrados, insertados o reordenados)")
        if event_hash(ev) != ev["hash"]:
            return ChainBreak(deliverable_id, ev_id, ev["seq"], "su contenido no coincide con su huella (evento modificado)")
        if ev["from_state"] != state:
            return ChainBreak(deliverable_id, ev_id, ev["seq"], f"parte de «{ev['from_state']}» pero el estado anterior era «{state}»")
        prev = ev["hash"]
        state = ev["to_state"]
    if version != count + 1:
        return ChainBreak(deliverable_id, None, None, f"la cadena tiene {count} eventos, pero el entregable registra {version - 1} (último evento borrado o añadido)")
    if prev != head_hash:
        return ChainBreak(deliverable_id, None, None, f"el último evento (N° {count}) no coincide con la huella que guarda el entregable (último evento modificado y su huella recalculada)")
    if state != head_state:
        return ChainBreak(deliverable_id, None, None, f"el estado del entregable («{head_state}») no coincide con el último evento («{state}»)")
    return None


#: The fields of a deliverable a person relies on, covered by its identity hash (written when
#: the deliverable is created, never changed afterwards: a deliverable's state and version
#: change through its events, its identity never).
IDENTITY_FIELDS = (
    "id",
    "plan_code",
    "activity",
    "kind",
    "owner",
    "owner_kind",
    "period",
    "title",
    "due_at",
    "origin",
    "created_at",
)

#: The fields of a document attached to a deliverable (its name above all) covered by the
#: attachment's hash; its content is covered by the sha256 the event lists.
ATTACHMENT_FIELDS = ("deliverable_id", "sha256", "name", "uploaded_by", "uploaded_at", "event_seq")


def _digest(tag: str, values: list[Any]) -> str:
    payload = _CANONICAL.encode([tag, *values])
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def identity_hash(row: Mapping[str, Any]) -> str:
    """The identity hash of a deliverable row (its instants aware datetimes)."""
    values = [instant_text(row[n]) if n in ("due_at", "created_at") else row[n] for n in IDENTITY_FIELDS]
    return _digest("deliverable", values)


def attachment_hash(row: Mapping[str, Any]) -> str:
    """The hash of a document attachment row (its instant an aware datetime)."""
    values = [instant_text(row[n]) if n == "uploaded_at" else row[n] for n in ATTACHMENT_FIELDS]
    return _digest("attachment", values)


def instant_text(value: Any) -> str:
    """An aware datetime as the hashes see it: UTC, ISO 8601, to the microsecond."""
    from datetime import UTC

    return str(value.astimezone(UTC).isoformat())
