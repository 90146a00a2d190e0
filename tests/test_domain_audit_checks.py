"""What the audit finds beyond the event chains (pure): an edited deliverable, a deleted one, a
renamed or moved attachment — on rows written out here, hashed as the store hashes them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conaig_flow.clock import LIMA
from conaig_flow.domain.audit_chain import attachment_hash, identity_hash
from conaig_flow.domain.audit_checks import check_attachments, check_identities, check_presence, expected_deliverables

SHA_A, SHA_B = "a" * 64, "b" * 64


def deliverable(id: int = 12, **edited: Any) -> dict[str, Any]:
    """A deliverable row as stored (hashed), then ``edited`` behind the hash's back."""
    row: dict[str, Any] = {
        "id": id, "plan_code": "PLAN-2022", "activity": "A1.1", "kind": "protocol", "owner": "MINSA",
        "owner_kind": "entity", "period": "2022", "title": "Protocolo de MINSA",
        "due_at": datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA), "origin": "plan",
        "created_at": datetime(2022, 5, 16, 9, 0, tzinfo=LIMA),
    }
    row["identity_hash"] = identity_hash(row)
    row.update(edited)
    return row


def attachment(stored: dict[str, Any] | None = None, **edited: Any) -> dict[str, Any]:
    """An attachment row as stored (``stored`` fields hashed), then ``edited`` behind the hash's back."""
    row: dict[str, Any] = {"id": 5, "deliverable_id": 12, "sha256": SHA_A, "name": "protocolo.pdf",
                           "uploaded_by": "enlace.minsa@example.pe",
                           "uploaded_at": datetime(2022, 6, 1, 10, 0, tzinfo=LIMA), "event_seq": 2}
    row.update(stored or {})
    row["row_hash"] = attachment_hash(row)
    row.update(edited)
    return row


EVENTS = {12: [{"id": 40, "seq": 1, "documents": []}, {"id": 41, "seq": 2, "documents": [SHA_A]}]}


def test_untouched_deliverables_give_no_finding() -> None:
    assert check_identities([deliverable(), deliverable(13)]) == []


def test_a_deliverable_with_its_title_or_due_date_edited_is_found() -> None:
    for edited in (deliverable(title="Otro título"), deliverable(due_at=datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA))):
        (found,) = check_identities([deliverable(13), edited])
        assert (found.deliverable_id, found.event_id, found.seq) == (12, None, None)
        assert found.reason == ("sus datos de identidad (plan, actividad, responsable, período, título o plazo) no "
                                "coinciden con su huella (entregable modificado)")


def test_a_deliverable_without_identity_hash_is_found_as_added_or_wiped() -> None:
    (found,) = check_identities([deliverable(identity_hash=None)])
    assert found.deliverable_id == 12
    assert found.reason == "no tiene huella de identidad (fila añadida o huella borrada)"


def test_a_deliverable_that_must_exist_and_does_not_is_found_with_why_it_must() -> None:
    expected = {("A1.1", "MINSA", "2022"): "que el plan crea al cargarse",
                ("A2.1", "MIMP", "2022-S1"): "que creó la aprobación del entregable 12"}
    present = [{"activity": "A1.1", "owner": "MINSA", "period": "2022"}]
    (found,) = check_presence(expected, present)
    assert (found.deliverable_id, found.event_id, found.seq) == (None, None, None)
    assert found.reason == ("falta el entregable de A2.1 de MIMP (2022-S1), que creó la aprobación del entregable 12 "
                            "(entregable borrado)")
    assert check_presence(expected, [*present, {"activity": "A2.1", "owner": "MIMP", "period": "2022-S1"}]) == []


def test_an_attachment_listed_by_the_event_that_brought_it_gives_no_finding() -> None:
    assert check_attachments([attachment(), attachment({"id": 6, "event_seq": None})], EVENTS) == []


def test_a_renamed_attachment_is_found_by_its_hash() -> None:
    (found,) = check_attachments([attachment(name="otro.pdf")], EVENTS)
    assert (found.deliverable_id, found.event_id, found.seq) == (12, None, 2)
    assert found.reason == ("el documento adjunto N° 5 («otro.pdf») no coincide con su huella (nombre u otros datos "
                            "del adjunto modificados)")
    (wiped,) = check_attachments([attachment(row_hash=None)], EVENTS)
    assert "no coincide con su huella" in wiped.reason


def test_an_attachment_whose_row_does_not_match_its_hash_is_reported_once() -> None:
    # its event number is part of what was edited, so the event's list is not asked as well
    (found,) = check_attachments([attachment({"event_seq": 9}, name="otro.pdf")], EVENTS)
    assert found.event_id is None and "no coincide con su huella" in found.reason


def test_an_attachment_moved_to_another_event_is_found_naming_that_event() -> None:
    moved = attachment({"event_seq": 1})  # rehashed, so only the event's list tells
    (found,) = check_attachments([moved], EVENTS)
    assert (found.deliverable_id, found.event_id, found.seq) == (12, 40, 1)
    assert found.reason == "el documento «protocolo.pdf» (sha256:aaaaaaaaaaaa…) no figura en el evento que lo adjuntó"


def test_an_attachment_pointing_at_an_event_that_does_not_exist_is_found() -> None:
    (found,) = check_attachments([attachment({"event_seq": 9})], EVENTS)
    assert (found.deliverable_id, found.event_id, found.seq) == (12, None, 9)
    (found,) = check_attachments([attachment({"sha256": SHA_B})], EVENTS)
    assert found.event_id == 41 and "sha256:bbbbbbbbbbbb…" in found.reason


def test_every_finding_is_listed_not_only_the_first() -> None:
    renamed = attachment(name="x.pdf")
    moved = attachment({"id": 7, "event_seq": 1})
    found = check_attachments([renamed, moved], EVENTS)
    assert [(f.event_id, f.seq) for f in found] == [(None, 2), (40, 1)]
    assert len(check_identities([deliverable(title="a"), deliverable(13, identity_hash=None)])) == 2


# -- which deliverables must exist: the seed plan (A1.2 reports once A1.1's norm is approved,
#    A2.2 owned by the team formed in A2.1), read from the shipped plan and lifecycle files.

def _seed() -> Any:
    from conaig_flow.store.definitions import default_plan_file, load_files

    return load_files(default_plan_file())


def _row(id: int, kind: str, activity: str, owner: str) -> dict[str, Any]:
    return {"id": id, "kind": kind, "activity": activity, "owner": owner}


APPROVED_ON = datetime(2022, 6, 15, 11, 0, tzinfo=LIMA)


def test_the_plan_alone_expects_its_initial_deliverables_and_nothing_an_approval_creates() -> None:
    defs = _seed()
    expected = expected_deliverables(defs.plan, defs.lifecycles, [], {}, [])
    assert len(expected) == 24 and set(expected.values()) == {"que el plan crea al cargarse"}
    assert ("A1.1", "MIMP", "II-2022") in expected
    assert not any(act == "A1.2" for act, _, _ in expected)


def test_an_approved_norm_expects_the_implementation_reports_it_creates() -> None:
    defs = _seed()
    norm = _row(1, "protocol_norm", "A1.1", "MIMP")
    events = {1: [{"to_state": "submitted", "at_instant": APPROVED_ON}, {"to_state": "approved", "at_instant": APPROVED_ON}]}
    expected = expected_deliverables(defs.plan, defs.lifecycles, [norm], events, [])
    created = {k: v for k, v in expected.items() if k[0] == "A1.2"}
    assert created and {owner for _, owner, _ in created} == {"MIMP"}
    assert set(created.values()) == {"que creó la aprobación del entregable 1"}


def test_a_withdrawn_or_unknown_state_or_an_unknown_kind_expects_nothing_more() -> None:
    defs = _seed()
    only_plan = expected_deliverables(defs.plan, defs.lifecycles, [], {}, [])
    rows = [_row(1, "protocol_norm", "A1.1", "MIMP"), _row(2, "no_such_kind", "A1.1", "MINSA")]
    events = {1: [{"to_state": "withdrawn", "at_instant": APPROVED_ON}, {"to_state": "no_such_state", "at_instant": APPROVED_ON}],
              2: [{"to_state": "approved", "at_instant": APPROVED_ON}]}
    assert expected_deliverables(defs.plan, defs.lifecycles, rows, events, []) == only_plan


def test_a_plan_that_creates_on_a_state_that_is_not_an_approval_expects_nothing_from_it() -> None:
    # the deliverables service creates on_approval's deliverables only when the state reached is
    # an approval (outcome «approved»); the audit must not expect them for any other state
    defs = _seed()
    acts = [a.model_copy(update={"responsible": a.responsible.model_copy(update={"when_state": "withdrawn"})})
            if a.code == "A1.2" else a for a in defs.plan.activities]
    plan = defs.plan.model_copy(update={"activities": acts})
    norm = _row(1, "protocol_norm", "A1.1", "MIMP")
    events = {1: [{"to_state": "withdrawn", "at_instant": APPROVED_ON}]}
    expected = expected_deliverables(plan, defs.lifecycles, [norm], events, [])
    assert not any(act == "A1.2" for act, _, _ in expected)


def test_a_team_formed_in_session_expects_its_own_deliverables() -> None:
    defs = _seed()
    expected = expected_deliverables(defs.plan, defs.lifecycles, [], {}, [{"activity": "A2.1", "code": "EQ-1", "name": "Equipo 1"}])
    team = {k: v for k, v in expected.items() if k[1] == "EQ-1"}
    assert {act for act, _, _ in team} == {"A2.2"} and set(team.values()) == {"del equipo EQ-1"}
