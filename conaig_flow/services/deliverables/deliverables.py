"""Deliverables: listing, reading, history, and advancing them through their lifecycle."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from conaig_flow.app import App
from conaig_flow.domain.access import can_see
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.audit_chain import attachment_hash, event_hash
from conaig_flow.domain.calendar import Calendar
from conaig_flow.domain.deadline import effective_deadline
from conaig_flow.domain.engine import Evidence, Scope
from conaig_flow.domain.lifecycle import EXTERNAL_REQUIREMENTS, SERVICE_ROLES, Transition
from conaig_flow.domain.norms import parse_norm_reference
from conaig_flow.domain.planning import on_approval
from conaig_flow.errors import (
    ConaigError,
    ConcurrencyConflict,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    ServiceStepOnly,
)
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.deliverables.records import DeliverableView, EventView, TransitionRecord, documents_json
from conaig_flow.services.plans import ensure_deliverables
from conaig_flow.store.definitions import Definitions
from conaig_flow.store.documents import StoredDocument
from conaig_flow.store.prepared import PreparedStatement
from conaig_flow.store.tables import (
    DeliverableDocumentRow,
    DeliverableRow,
    DocumentRow,
    EventRow,
    TeamMemberRow,
)

if TYPE_CHECKING:
    from conaig_flow.services.sessions.evidence import SessionEvidence

D = DeliverableRow.__table__  # type: ignore[attr-defined]
E = EventRow.__table__  # type: ignore[attr-defined]
DOC = DocumentRow.__table__  # type: ignore[attr-defined]
DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]
TM = TeamMemberRow.__table__  # type: ignore[attr-defined]


class DeliverableRecord(NamedTuple):
    """A ``deliverables`` row as the transition hot path reads it (the table's columns, in order)."""

    id: int
    plan_code: str
    activity: str
    kind: str
    owner: str
    owner_kind: str
    period: str
    title: str
    due_at: datetime
    state: str
    version: int
    head_hash: str
    origin: str
    created_at: datetime
    updated_at: datetime
    identity_hash: str | None


assert DeliverableRecord._fields == tuple(D.c.keys()), "DeliverableRecord must list the table's columns"

# The statements of the transition hot path, built once and run on the DBAPI cursor with the
# SQL and the column types' processing SQLAlchemy compiles for the dialect (store/prepared.py):
# its per-statement execution machinery cost more than the database's work (see bench/).
_SELECT_DELIVERABLE = PreparedStatement(select(D).where(D.c.id == bindparam("deliverable_id")), row_type=DeliverableRecord)
_SELECT_TEAM_MEMBERS = select(TM.c.entity_code).where(TM.c.team_code == bindparam("team_code"))
_ADVANCE_ROW = PreparedStatement(
    update(D)
    .where(D.c.id == bindparam("row_id"), D.c.version == bindparam("expected_version"))
    .values(
        state=bindparam("new_state"),
        version=bindparam("new_version"),
        head_hash=bindparam("new_head_hash"),
        updated_at=bindparam("new_updated_at"),
    )
)
_APPEND_EVENT = PreparedStatement(insert(E), column_keys=[c.key for c in E.c if c.key != "id"])
# The reads of the pages, built once too (one statement per combination of filters).
_SELECT_EVENTS = select(E).where(E.c.deliverable_id == bindparam("deliverable_id")).order_by(E.c.seq)
_SELECT_ALL_TEAM_MEMBERS = select(TM.c.team_code, TM.c.entity_code)
_LIST_FILTERS = ("owner", "period", "state", "activity")
_LIST_QUERIES: dict[tuple[str, ...], Any] = {}


def _list_query(filters: tuple[str, ...]) -> Any:
    """``SELECT deliverables WHERE <column> = :<column> …`` for the given filter columns."""
    query = _LIST_QUERIES.get(filters)
    if query is None:
        query = select(D).where(*(D.c[name] == bindparam(name) for name in filters)).order_by(D.c.activity, D.c.id)
        _LIST_QUERIES[filters] = query
    return query


def view(defs: Definitions, row: Any, calendar: Calendar) -> DeliverableView:
    return _view(defs, row, row.state, row.version, row.updated_at, calendar)


def _view(
    defs: Definitions, row: Any, state: str, version: int, updated_at: datetime, calendar: Calendar
) -> DeliverableView:
    """The deliverable of ``row`` as it is in ``state`` (a transition's result, before
    re-reading), with its effective deadline under ``calendar``."""
    lc = defs.lifecycles[row.kind]
    try:
        st = lc.state(state)
        terminal, label = st.terminal, st.label
    except KeyError:
        terminal, label = False, state
    return DeliverableView(
        id=row.id, plan_code=row.plan_code, activity=row.activity, kind=row.kind, owner=row.owner,
        owner_kind=row.owner_kind, owner_name=defs.plan.owner_name(row.owner), period=row.period,
        title=row.title, due=row.due_at, state=state, state_label=label, terminal=terminal,
        version=version, origin=row.origin, created_at=row.created_at, updated_at=updated_at,
        deadline=effective_deadline(row.due_at, calendar),
    )


def scope_of(defs: Definitions, conn: Connection, row: Any) -> Scope:
    if row.owner_kind == "team":
        owners = frozenset(conn.execute(_SELECT_TEAM_MEMBERS, {"team_code": row.owner}).scalars())
        label = f"las entidades del equipo {row.owner}"
    else:
        owners = frozenset({row.owner})
        label = defs.plan.owner_name(row.owner)
    advisory = frozenset(a.entity for a in defs.plan.activity(row.activity).advisory)
    return Scope(owner_entities=owners, owner_label=label, advisory_entities=advisory)


def _load_visible(app: App, conn: Connection, actor: Actor, deliverable_id: int) -> tuple[Any, Scope]:
    defs = app.definitions()
    row = _SELECT_DELIVERABLE.first(conn, {"deliverable_id": deliverable_id})
    if row is not None:
        scope = scope_of(defs, conn, row)
        if can_see(actor, scope.owner_entities, scope.advisory_entities):
            return row, scope
    raise NotFound(f"No existe el entregable {deliverable_id} o no está a su alcance.")


def get(app: App, actor: Actor, deliverable_id: int) -> DeliverableView:
    with app.db.read() as conn:
        row, _ = _load_visible(app, conn, actor, deliverable_id)
        calendar = calendar_for(app, conn)
    return view(app.definitions(), row, calendar)


def list_deliverables(
    app: App,
    actor: Actor | None = None,
    *,
    entity: str | None = None,
    period: str | None = None,
    state: str | None = None,
    activity: str | None = None,
) -> list[DeliverableView]:
    """Deliverables matching the filters; with an actor, only those the actor may see."""
    defs = app.definitions()
    given = dict(zip(_LIST_FILTERS, (entity, period, state, activity), strict=True))
    params = {name: value for name, value in given.items() if value}
    teams: dict[str, frozenset[str]] = {}
    with app.db.read() as conn:
        rows = conn.execute(_list_query(tuple(params)), params).all()
        calendar = calendar_for(app, conn)
        if actor is not None and any(row.owner_kind == "team" for row in rows):  # teams only matter then
            for t in conn.execute(_SELECT_ALL_TEAM_MEMBERS):
                teams[t.team_code] = teams.get(t.team_code, frozenset()) | {t.entity_code}
    out = []
    for row in rows:
        if actor is not None:
            owners = teams.get(row.owner, frozenset()) if row.owner_kind == "team" else frozenset({row.owner})
            advisory = frozenset(a.entity for a in defs.plan.activity(row.activity).advisory)
            if not can_see(actor, owners, advisory):
                continue
        out.append(view(defs, row, calendar))
    return out


def history(app: App, actor: Actor, deliverable_id: int) -> list[EventView]:
    with app.db.read() as conn:
        _load_visible(app, conn, actor, deliverable_id)
        return history_in(conn, deliverable_id)


def history_in(conn: Connection, deliverable_id: int) -> list[EventView]:
    """The deliverable's events in order (the caller has checked it may be seen)."""
    rows = conn.execute(_SELECT_EVENTS, {"deliverable_id": deliverable_id}).all()
    return [
        EventView(
            id=r.id, deliverable_id=r.deliverable_id, seq=r.seq, actor_email=r.actor_email,
            actor_role=r.actor_role, actor_entity=r.actor_entity, trigger=r.trigger,
            from_state=r.from_state, to_state=r.to_state, comment=r.comment,
            documents=json.loads(r.documents), norm_reference=r.norm_reference,
            session_ref=r.session_ref, at=r.at, hash=r.hash, agreement_id=r.agreement_id,
        )
        for r in rows
    ]


def history_sessions(app: App, actor: Actor, deliverable_id: int) -> dict[int, SessionEvidence]:
    from conaig_flow.services.sessions.evidence import history_evidence  # only where a history is shown

    """event seq -> the session agreement behind each in-session step (404 if not visible)."""
    with app.db.read() as conn:
        row, _ = _load_visible(app, conn, actor, deliverable_id)
        return history_evidence(conn, app, row.kind, history_in(conn, deliverable_id))


def advance(
    app: App,
    actor: Actor,
    deliverable_id: int,
    trigger: str,
    *,
    comment: str | None = None,
    documents: Sequence[tuple[str, bytes]] = (),
    norm_reference: str | None = None,
    session_ref: str | None = None,
    expected_version: int | None = None,
) -> DeliverableView:
    """Fire ``trigger`` on a deliverable as ``actor``: one transaction with its event row.

    A refusal changes nothing and is recorded as a refused attempt.
    """
    try:
        prepared = [(app.documents.prepare(name, content), content) for name, content in documents]
        stored = [d for d, _ in prepared]
        evidence = Evidence(
            comment=comment.strip() if comment and comment.strip() else None,
            documents=tuple(d.sha256 for d in stored),
            norm_reference=norm_reference.strip() if norm_reference else None,
            session_ref=session_ref.strip() if session_ref else None,
        )
        if prepared:
            # A refused action leaves nothing behind, on disk either: check before storing files.
            with app.db.read() as conn:
                _check(app, conn, actor, deliverable_id, trigger, evidence, expected_version)
            for d, content in prepared:
                app.documents.write(d, content)
        with app.db.write() as conn:
            for d in stored:
                record_document(app, conn, d)
            record = advance_in(app, conn, actor, deliverable_id, trigger, evidence, expected_version)
            for d in stored:
                attach_document(conn, deliverable_id, d.sha256, d.name, actor.email, record.at, record.seq)
    except DatabaseUnavailable:
        raise  # not a refusal, and nothing can be recorded
    except ConaigError as exc:
        from conaig_flow.services.audit import record_refusal  # only on a refusal

        record_refusal(app, actor, trigger, f"entregable {deliverable_id}", exc.message)
        raise
    return record.deliverable


def external_conditions(app: App, conn: Connection, transition: Transition, deliverable_id: int) -> dict[str, str | None]:
    """The transition's external requirements, checked now: name -> what is missing (None: met)."""
    conditions: dict[str, str | None] = {}
    for req in transition.requires:
        if req in EXTERNAL_REQUIREMENTS:
            check_req = app.requirement_checks.get(req)
            # An external requirement nobody registered a check for is never silently met.
            conditions[req] = (
                check_req(app, conn, deliverable_id) if check_req else f"no hay verificación registrada para «{req}»"
            )
    return conditions


def attach_document(
    conn: Connection, deliverable_id: int, sha256: str, name: str, uploaded_by: str, uploaded_at: datetime,
    event_seq: int | None,
) -> None:
    """A document's attachment to a deliverable, with the hash that covers its name."""
    values: dict[str, Any] = {
        "deliverable_id": deliverable_id, "sha256": sha256, "name": name, "uploaded_by": uploaded_by,
        "uploaded_at": uploaded_at, "event_seq": event_seq,
    }
    conn.execute(insert(DD).values(**values, row_hash=attachment_hash(values)))


def record_document(app: App, conn: Connection, doc: StoredDocument) -> None:
    """The document's row, once per content (the same file may be uploaded concurrently by
    two people: on PostgreSQL the second insert waits for the first and then collides)."""
    if conn.execute(select(DOC.c.sha256).where(DOC.c.sha256 == doc.sha256)).first() is not None:
        return
    try:
        with conn.begin_nested():
            conn.execute(
                insert(DOC).values(sha256=doc.sha256, size=doc.size, media_type=doc.media_type, stored_at=app.clock.now())
            )
    except IntegrityError:
        pass  # inserted meanwhile by another transaction: same content, same row


def _check(
    app: App, conn: Connection, actor: Actor, deliverable_id: int, trigger: str, evidence: Evidence,
    expected_version: int | None,
) -> tuple[Any, Evidence]:
    """The row and the evidence (with the external conditions), if ``actor`` may fire
    ``trigger`` on it now; else the refusal. A step of a session or a consultation is refused
    to any person before anything else; an in-session step needs the agreement that takes it."""
    engine = app.engine()
    row, scope = _load_visible(app, conn, actor, deliverable_id)
    engine.refuse_by_hand(row.kind, trigger, actor)
    if expected_version is not None and row.version != expected_version:
        raise ConcurrencyConflict(deliverable_id, expected_version)
    transition = engine.resolve(row.kind, row.state, trigger)
    conditions = external_conditions(app, conn, transition, deliverable_id)
    if conditions:
        evidence = replace(evidence, conditions=conditions)
    engine.check(row.kind, row.state, trigger, actor, scope, evidence)
    if evidence.session_ref and actor.role not in SERVICE_ROLES:
        raise InvalidInput(
            "La referencia a una sesión no se escribe a mano: la registra el acuerdo de la sesión al concluir "
            "(agregue el entregable a la agenda de una sesión de la comisión)."
        )
    if transition.in_session:
        defs = app.definitions()
        approves = defs.lifecycles[row.kind].state(transition.dest).outcome == "approved"
        from conaig_flow.services.sessions.evidence import agreement_problem  # only for in-session steps

        problem = agreement_problem(conn, evidence.agreement_id, deliverable_id, approves, defs.plan)
        if problem is not None:
            raise ServiceStepOnly(problem)
    return row, evidence


def advance_in(
    app: App,
    conn: Connection,
    actor: Actor,
    deliverable_id: int,
    trigger: str,
    evidence: Evidence,
    expected_version: int | None = None,
) -> TransitionRecord:
    """The state change itself, inside the caller's transaction (sessions use it too)."""
    defs = app.definitions()
    engine = app.engine()
    row, evidence = _check(app, conn, actor, deliverable_id, trigger, evidence, expected_version)
    version = row.version if expected_version is None else expected_version
    dest = engine.fire(row.kind, row.state, trigger)
    now = app.clock.now().astimezone(UTC)
    norm = evidence.norm_reference
    if norm:
        parsed = parse_norm_reference(norm)
        norm = str(parsed) if parsed else norm
    fields = {
        "deliverable_id": deliverable_id,
        "seq": version,
        "actor_email": actor.email,
        "actor_role": actor.role,
        "actor_entity": actor.entity,
        "trigger": trigger,
        "from_state": row.state,
        "to_state": dest,
        "comment": evidence.comment,
        "documents": list(evidence.documents),
        "norm_reference": norm,
        "session_ref": evidence.session_ref,
        "at": now.isoformat(),
        "prev_hash": row.head_hash,
        "agreement_id": evidence.agreement_id,
    }
    digest = event_hash(fields)
    updated = _ADVANCE_ROW.execute(
        conn,
        {
            "row_id": deliverable_id,
            "expected_version": version,
            "new_state": dest,
            "new_version": version + 1,
            "new_head_hash": digest,
            "new_updated_at": now,
        },
    )
    if updated != 1:
        raise ConcurrencyConflict(deliverable_id, version)
    _APPEND_EVENT.execute(conn, {**fields, "documents": documents_json(evidence.documents), "at": now, "hash": digest})
    after = _view(defs, row, dest, version + 1, now, calendar_for(app, conn))
    record = TransitionRecord(after, trigger, row.state, dest, version, actor, evidence, now)
    lc = defs.lifecycles[row.kind]
    if lc.state(dest).outcome == "approved":
        specs = on_approval(defs.plan, row.activity, row.owner, dest, now)
        ensure_deliverables(
            app, conn, defs, specs, f"Creado al aprobarse el entregable {deliverable_id} ({row.activity})", now
        )
    for listener in app.transition_listeners:
        listener(app, conn, record)
    return record


