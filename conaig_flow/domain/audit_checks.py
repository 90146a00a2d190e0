"""What the audit checks beyond each deliverable's event chain, as pure functions of the rows
read in one snapshot: the deliverables' identity hashes, the deliverables the plan and its
approvals must have created (a deleted deliverable, events and all, is missed), and the
document attachments (their names, and that each belongs to the event that brought it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from conaig_flow.domain.audit_chain import ChainBreak, attachment_hash, identity_hash
from conaig_flow.domain.lifecycle import Lifecycle
from conaig_flow.domain.plan import Plan
from conaig_flow.domain.planning import for_team, initial_deliverables, on_approval

Row = Mapping[str, Any]


def check_identities(deliverables: Iterable[Row]) -> list[ChainBreak]:
    """A deliverable whose plan, activity, type, owner, period, title, due date, origin or
    creation instant changed since it was created."""
    found = []
    for d in deliverables:
        if d["identity_hash"] is None:
            found.append(ChainBreak(d["id"], None, None, "no tiene huella de identidad (fila añadida o huella borrada)"))
        elif identity_hash(d) != d["identity_hash"]:
            found.append(ChainBreak(
                d["id"], None, None,
                "sus datos de identidad (plan, actividad, responsable, período, título o plazo) no coinciden con su "
                "huella (entregable modificado)",
            ))
    return found


def expected_deliverables(
    plan: Plan,
    lifecycles: Mapping[str, Lifecycle],
    deliverables: Sequence[Row],
    events_by: Mapping[int, Sequence[Row]],
    teams: Iterable[Row],
) -> dict[tuple[str, str, str], str]:
    """(activity, owner, period) of every deliverable that must exist, with why: the plan
    creates some when it is loaded, an approval others (``on_approval`` at the approving
    event's instant), a team formed in session its own."""
    expected = {(s.activity, s.owner, s.period): "que el plan crea al cargarse" for s in initial_deliverables(plan)}
    for d in deliverables:
        lc = lifecycles.get(d["kind"])
        if lc is None:
            continue
        for ev in events_by.get(d["id"], ()):
            states = {s.name: s for s in lc.states}
            reached = states.get(str(ev["to_state"]))
            if reached is None or reached.outcome != "approved":
                continue
            at = ev["at_instant"]
            assert isinstance(at, datetime)
            for s in on_approval(plan, d["activity"], d["owner"], reached.name, at):
                expected[(s.activity, s.owner, s.period)] = f"que creó la aprobación del entregable {d['id']}"
    for t in teams:
        for s in for_team(plan, t["activity"], t["code"], t["name"]):
            expected[(s.activity, s.owner, s.period)] = f"del equipo {t['code']}"
    return expected


def check_presence(expected: Mapping[tuple[str, str, str], str], deliverables: Iterable[Row]) -> list[ChainBreak]:
    """Every deliverable that must exist does (else it was deleted, with its events)."""
    present = {(d["activity"], d["owner"], d["period"]) for d in deliverables}
    return [
        ChainBreak(None, None, None, f"falta el entregable de {act} de {owner} ({period}), {why} (entregable borrado)")
        for (act, owner, period), why in sorted(expected.items())
        if (act, owner, period) not in present
    ]


def check_attachments(attachments: Iterable[Row], events_by: Mapping[int, Sequence[Row]]) -> list[ChainBreak]:
    """Each attachment matches its hash (a renamed document is found) and is listed by the
    event that brought it."""
    found = []
    for a in attachments:
        name = a["name"]
        if a["row_hash"] is None or attachment_hash(a) != a["row_hash"]:
            found.append(ChainBreak(
                a["deliverable_id"], None, a["event_seq"],
                f"el documento adjunto N° {a['id']} («{name}») no coincide con su huella (nombre u otros datos del "
                "adjunto modificados)",
            ))
            continue
        if a["event_seq"] is None:
            continue
        event = next((e for e in events_by.get(a["deliverable_id"], ()) if e["seq"] == a["event_seq"]), None)
        if event is None or a["sha256"] not in event["documents"]:
            found.append(ChainBreak(
                a["deliverable_id"], None if event is None else int(event["id"]), a["event_seq"],
                f"el documento «{name}» (sha256:{a['sha256'][:12]}…) no figura en el evento que lo adjuntó",
            ))
    return found
