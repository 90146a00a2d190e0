"""The hash chain of a deliverable's events, checked in the pure domain (no database).

Each test builds a chain by hand, tampers with it the way a person with database access
could, and expects the break the audit names. The first link's previous hash is written out
here (64 zeros), not imported: every chain already stored starts with it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from conaig_flow.clock import LIMA
from conaig_flow.domain.audit_chain import (
    ChainBreak,
    attachment_hash,
    event_hash,
    identity_hash,
    instant_text,
    verify_chain,
)

ZEROS = "0" * 64
WALK = [("submit", "draft", "submitted"), ("observe", "submitted", "observed"),
        ("resubmit", "observed", "submitted"), ("accept", "submitted", "reviewed")]


def _chain(steps: list[tuple[str, str, str]] = WALK, first_prev: str = ZEROS) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    prev = first_prev
    for seq, (trigger, source, dest) in enumerate(steps, start=1):
        ev: dict[str, Any] = {
            "id": 100 + seq, "deliverable_id": 7, "seq": seq, "actor_email": "st@example.pe",
            "actor_role": "secretariat", "actor_entity": "MIMP", "trigger": trigger, "from_state": source,
            "to_state": dest, "comment": None, "documents": [], "norm_reference": None, "session_ref": None,
            "at": f"2022-05-0{seq}T14:00:00+00:00", "prev_hash": prev,
        }
        ev["hash"] = event_hash(ev)
        prev = ev["hash"]
        events.append(ev)
    return events


def _verify(events: list[dict[str, Any]], head_hash: str | None = None, head_state: str | None = None,
            version: int | None = None) -> ChainBreak | None:
    return verify_chain(
        7, events,
        head_hash=events[-1]["hash"] if head_hash is None else head_hash,
        head_state=events[-1]["to_state"] if head_state is None else head_state,
        initial_state="draft",
        version=len(events) + 1 if version is None else version,
    )


def _rehash_from(events: list[dict[str, Any]], start: int) -> None:
    """Recompute the hashes (and links) from event ``start`` (0-based) on, as a forger would."""
    for i in range(start, len(events)):
        if i > 0:
            events[i]["prev_hash"] = events[i - 1]["hash"]
        events[i]["hash"] = event_hash(events[i])


def test_an_untouched_history_verifies() -> None:
    assert _verify(_chain()) is None


def test_a_deliverable_with_no_events_verifies_against_the_sixty_four_zeros() -> None:
    assert verify_chain(7, [], head_hash=ZEROS, head_state="draft", initial_state="draft", version=1) is None


def test_the_first_event_links_to_sixty_four_zeros_and_nothing_else() -> None:
    events = _chain(first_prev="f" * 64)
    brk = _verify(events)
    assert brk == ChainBreak(7, 101, 1, "no enlaza con el evento anterior (eventos borrados, insertados o reordenados)")


def test_an_edited_event_is_named_as_modified() -> None:
    events = _chain()
    events[1]["comment"] = "Todo conforme."
    assert _verify(events) == ChainBreak(7, 102, 2, "su contenido no coincide con su huella (evento modificado)")


def test_an_edit_of_the_last_event_with_its_hash_recomputed_is_caught_at_the_head() -> None:
    events = _chain()
    head = events[-1]["hash"]
    events[-1]["comment"] = "Aceptado sin observaciones."
    _rehash_from(events, 3)
    brk = _verify(events, head_hash=head)
    assert brk == ChainBreak(
        7, None, None,
        "el último evento (N° 4) no coincide con la huella que guarda el entregable "
        "(último evento modificado y su huella recalculada)",
    )


def test_a_deleted_last_event_says_how_many_events_the_chain_has_and_how_many_were_recorded() -> None:
    events = _chain()
    brk = _verify(events[:3], head_hash=events[3]["hash"], head_state="reviewed", version=5)
    assert brk == ChainBreak(7, None, None, "la cadena tiene 3 eventos, pero el entregable registra 4 (último evento borrado o añadido)")


def test_an_event_added_at_the_end_with_a_valid_link_is_caught_by_the_count() -> None:
    events = _chain([*WALK, ("approve", "reviewed", "approved")])
    brk = _verify(events, version=5)  # the row still says four events
    assert brk == ChainBreak(7, None, None, "la cadena tiene 5 eventos, pero el entregable registra 4 (último evento borrado o añadido)")


def test_a_state_that_does_not_follow_from_the_previous_event_is_caught_even_when_every_hash_is_recomputed() -> None:
    events = _chain()
    events[2]["from_state"] = "reviewed"  # «observed → submitted» rewritten as «reviewed → submitted»
    _rehash_from(events, 2)
    assert _verify(events) == ChainBreak(7, 103, 3, "parte de «reviewed» pero el estado anterior era «observed»")


def test_the_first_event_must_start_from_the_initial_state() -> None:
    events = _chain([("submit", "submitted", "submitted")])
    assert _verify(events) == ChainBreak(7, 101, 1, "parte de «submitted» pero el estado anterior era «draft»")


def test_a_gap_in_the_numbering_names_the_expected_and_the_found_event() -> None:
    events = _chain()
    del events[1]
    assert _verify(events, version=4) == ChainBreak(
        7, 103, 3, "se esperaba el evento N° 2 y aparece el N° 3 (eventos borrados o reordenados)"
    )


def test_the_numbering_starts_at_one() -> None:
    events = _chain()
    for ev in events:
        ev["seq"] -= 1
    _rehash_from(events, 0)
    brk = _verify(events)
    assert brk is not None and brk.seq == 0 and brk.event_id == 101
    assert brk.reason.startswith("se esperaba el evento N° 1 y aparece el N° 0")


def test_a_state_changed_without_an_event_is_caught_at_the_head() -> None:
    brk = _verify(_chain(), head_state="approved")
    assert brk == ChainBreak(7, None, None, "el estado del entregable («approved») no coincide con el último evento («reviewed»)")


def test_the_hash_is_the_sha256_of_the_compact_utf8_json_of_the_fields_in_order() -> None:
    fields = {
        "deliverable_id": 7, "seq": 2, "actor_email": "st@example.pe", "actor_role": "secretariat",
        "actor_entity": "MIMP", "trigger": "observe", "from_state": "submitted", "to_state": "observed",
        "comment": "Precisar «según la norma»", "documents": ["ab" * 32], "norm_reference": None,
        "session_ref": None, "at": "2021-07-01T14:00:00+00:00", "prev_hash": ZEROS, "hash": "x", "id": 99,
    }
    canonical = (
        '[7,2,"st@example.pe","secretariat","MIMP","observe","submitted","observed",'
        '"Precisar «según la norma»",["' + "ab" * 32 + '"],null,null,"2021-07-01T14:00:00+00:00","' + ZEROS + '"]'
    )
    assert event_hash(fields) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_a_deliverables_identity_hash_covers_its_due_date_and_creation_instant() -> None:
    # an instant is hashed as UTC ISO 8601 to the microsecond, whatever zone it was read in
    assert instant_text(datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA)) == "2022-07-01T04:59:59+00:00"
    assert instant_text(datetime(2022, 5, 16, 9, 0, 0, 1500, tzinfo=LIMA)) == "2022-05-16T14:00:00.001500+00:00"
    row = {"id": 12, "plan_code": "PLAN-2022", "activity": "A1.1", "kind": "protocol_norm", "owner": "MINSA",
           "owner_kind": "entity", "period": "2022", "title": "Protocolo", "origin": "plan",
           "due_at": datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA), "created_at": datetime(2022, 5, 16, 9, 0, tzinfo=LIMA)}
    moved_due = {**row, "due_at": datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA)}
    backdated = {**row, "created_at": datetime(2022, 5, 1, 9, 0, tzinfo=LIMA)}
    assert len({identity_hash(row), identity_hash(moved_due), identity_hash(backdated)}) == 3
    doc = {"deliverable_id": 12, "sha256": "a" * 64, "name": "p.pdf", "uploaded_by": "x@example.pe",
           "uploaded_at": datetime(2022, 6, 1, 10, 0, tzinfo=LIMA), "event_seq": 2}
    assert attachment_hash(doc) != attachment_hash({**doc, "uploaded_at": datetime(2022, 6, 2, 10, 0, tzinfo=LIMA)})
