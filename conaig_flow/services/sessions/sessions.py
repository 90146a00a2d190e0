"""Sessions of the commission: creating one, its agenda, the convocatoria, attendance,
opening with quorum, declarations of conflict, deliberation summaries and documents.

Votes, closing and agreements are in ``session_votes``; actas in ``actas``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from conaig_flow.app import App
from conaig_flow.clock import LIMA
from conaig_flow.domain import quorum
from conaig_flow.domain.actors import Actor
from conaig_flow.domain.notice import BusinessDay, business_days_between, earliest_session_day
from conaig_flow.domain.session_time import check_second_call, not_in_future, spoken
from conaig_flow.errors import InvalidInput, NotFound, SessionRuleViolation, TransitionNotAllowed
from conaig_flow.i18n import fecha
from conaig_flow.notify.ics import ICS_DOMAIN, session_ics
from conaig_flow.services.deliverables.calendar import calendar_for
from conaig_flow.services.deliverables.deliverables import record_document
from conaig_flow.services.notifications.events import enqueue_convocatoria
from conaig_flow.services.sessions.common import (
    CF,
    IT,
    KINDS,
    SD,
    S,
    V,
    load_item,
    load_session,
    not_cancelled,
    refusals,
    require_secretariat,
    session_label,
    stays,
)
from conaig_flow.store.public_address import session_page
from conaig_flow.store.tables import DeliverableRow, DocumentRow, TeamRow, UserRow

D = DeliverableRow.__table__  # type: ignore[attr-defined]
DOC = DocumentRow.__table__  # type: ignore[attr-defined]
T = TeamRow.__table__  # type: ignore[attr-defined]
U = UserRow.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Created:
    id: int
    label: str


def create_session(
    app: App,
    actor: Actor,
    *,
    scheduled_at: datetime,
    kind: str = "ordinaria",
    virtual: bool = False,
    place: str | None = None,
    second_call_at: datetime | None = None,
    title: str | None = None,
    activity: str | None = None,
) -> Created:
    """Programme a session (ordinaria / extraordinaria) or a working meeting (trabajo)."""
    plan = app.definitions().plan
    with refusals(app, actor, "session new", "sesión nueva"):
        require_secretariat(actor)
        if kind not in KINDS:
            raise InvalidInput(f"Tipo de sesión desconocido «{kind}»: se espera {', '.join(KINDS)}.")
        if second_call_at is not None:
            if kind == "trabajo":
                raise InvalidInput("Una reunión de trabajo no tiene segunda convocatoria: no requiere quórum.")
            check_second_call(plan.session_rules, scheduled_at, second_call_at)
        if activity is not None:
            try:
                plan.activity(activity)
            except KeyError:
                raise InvalidInput(f"Actividad desconocida «{activity}».") from None
        year = scheduled_at.astimezone(LIMA).year
        now = app.clock.now()
        with app.db.write() as conn:
            last = conn.execute(
                select(func.max(S.c.number)).where(S.c.plan_code == plan.code, S.c.kind == kind, S.c.year == year)
            ).scalar()
            new_id = conn.execute(
                insert(S).values(
                    plan_code=plan.code, kind=kind, year=year, number=int(last or 0) + 1,
                    modality="virtual" if virtual else "presencial", place=place,
                    title=(title or ("Reunión de trabajo" if kind == "trabajo" else None)), activity=activity,
                    scheduled_at=scheduled_at, second_call_at=second_call_at, status="planned",
                    created_by=actor.email, created_at=now,
                ).returning(S.c.id)
            ).scalar_one()
            row = load_session(conn, int(new_id))
    return Created(int(new_id), session_label(plan, row))


def formal(row: Any) -> None:
    if row.kind == "trabajo":
        raise SessionRuleViolation(
            "Una reunión de trabajo no es una sesión: no tiene quórum, votaciones ni acuerdos "
            "(registre su asistencia, resumen y documentos)."
        )


def not_closed(row: Any) -> None:
    if row.status == "closed":
        raise SessionRuleViolation("La sesión ya concluyó; no admite cambios.")
    not_cancelled(row)


def approvable(app: App, conn: Connection, deliverable_id: int) -> Any:
    """The deliverable, if a session may take it up for approval now; else refused with why."""
    defs = app.definitions()
    d = conn.execute(select(D).where(D.c.id == deliverable_id)).first()
    if d is None:
        raise NotFound(f"No existe el entregable {deliverable_id}.")
    lc = defs.lifecycles[d.kind]
    if d.kind == "session_acta":
        raise TransitionNotAllowed(
            "approve", d.state, [],
            f"El entregable {deliverable_id} ({d.activity}) es el acta de una sesión: se cumple solo cuando se "
            "aprueba el acta de la sesión que adopta su acuerdo (conformar el equipo, aprobar el informe).",
        )
    approvals = [t for t in lc.transitions if t.trigger == "approve" and t.in_session]
    if not approvals:
        raise TransitionNotAllowed("approve", d.state, [], f"El entregable {deliverable_id} ({d.activity}) no se aprueba en sesión ({lc.name}).")
    ready = [s for t in approvals for s in t.source]
    if d.state not in ready:
        labels = ", ".join(f"«{lc.label(s)}»" for s in ready)
        raise TransitionNotAllowed(
            "approve", d.state, ready,
            f"El entregable {deliverable_id} ({d.activity}, {d.owner}) está en «{lc.label(d.state)}»; "
            f"solo puede llevarse a sesión para su aprobación desde {labels}.",
        )
    return d


def _pending_acta(app: App, conn: Connection, activity: str) -> int | None:
    """The pending session_acta deliverable of ``activity``, if the activity's product is one."""
    defs = app.definitions()
    if defs.plan.activity(activity).product.kind != "session_acta":
        return None
    row = conn.execute(select(D.c.id).where(D.c.activity == activity, D.c.state == "pending")).first()
    return int(row.id) if row is not None else None


def forming_activity(app: App) -> str:
    plan = app.definitions().plan
    formed = sorted({a.responsible.team_from for a in plan.activities if a.responsible.team_from})
    if len(formed) != 1:
        raise InvalidInput("El plan no tiene exactamente una actividad que conforme un equipo de trabajo.")
    return formed[0]


def add_item(
    app: App,
    actor: Actor,
    session_id: int,
    *,
    approve: int | None = None,
    form_team: tuple[str, list[str]] | None = None,
    note: str | None = None,
    other: str | None = None,
    at: datetime | None = None,
) -> int:
    """Add an agenda item; returns its position. After the convocatoria, an item is outside
    the agenda: it may only be added in the open session with every voting member present."""
    with refusals(app, actor, "session agenda", f"sesión {session_id}"):
        require_secretariat(actor)
        with app.db.write() as conn:
            return add_item_in(app, conn, session_id, approve=approve, form_team=form_team, note=note, other=other, at=at)


def add_item_in(
    app: App,
    conn: Connection,
    session_id: int,
    *,
    approve: int | None = None,
    form_team: tuple[str, list[str]] | None = None,
    note: str | None = None,
    other: str | None = None,
    at: datetime | None = None,
) -> int:
    """``add_item`` inside the caller's write transaction (the session row is locked here), so
    a caller can add the item and record why in one commit."""
    plan = app.definitions().plan
    chosen = [x for x in (approve, form_team, note, other) if x is not None]
    if len(chosen) != 1:
        raise InvalidInput("Indique un solo punto: --approve, --form-team, --note u --other.")
    row = load_session(conn, session_id, lock=True)
    formal(row)
    not_closed(row)
    out_of_agenda = row.status != "planned"
    if out_of_agenda:
        if row.status != "open":
            raise SessionRuleViolation(
                "La convocatoria ya fue emitida con su orden del día; un punto fuera de agenda solo puede "
                "proponerse en la sesión instalada, con todos los integrantes con voto presentes."
            )
        instant = at or app.clock.now()
        # the item is added at that instant (a vote on it is never earlier: votes.fix_vote_instant)
        not_in_future(instant, app.clock.now(), "un punto fuera de agenda")
        if instant < row.opened_at:
            raise SessionRuleViolation(
                f"La sesión se instaló el {spoken(row.opened_at)}: un punto fuera de agenda se agrega en la sesión "
                f"instalada, no antes (se indicó el {spoken(instant)})."
            )
        voting = [e.code for e in plan.voting_members]
        present = quorum.voting_present_at(stays(conn, session_id), voting, instant)
        if len(present) < len(voting):
            absent = ", ".join(sorted(set(voting) - present))
            raise SessionRuleViolation(
                f"Un punto fuera de agenda requiere a los {len(voting)} integrantes con voto presentes "
                f"({plan.session_rules.legal_basis.out_of_agenda}); están {len(present)} (faltan: {absent})."
            )
    values: dict[str, Any] = {"kind": "other", "deliverable_id": None, "fulfils_id": None}
    if approve is not None:
        d = approvable(app, conn, approve)
        dup = conn.execute(select(IT.c.id).where(IT.c.session_id == session_id, IT.c.deliverable_id == approve)).first()
        if dup is not None:
            raise InvalidInput(f"El entregable {approve} ya está en la agenda de esta sesión.")
        # one session decides a deliverable: on two agendas, the second to conclude could not carry
        # out its agreement (the deliverable already decided) and could never conclude
        pending = conn.execute(
            select(S).join(IT, IT.c.session_id == S.c.id).where(
                IT.c.deliverable_id == approve, IT.c.kind == "approve", S.c.id != session_id,
                S.c.status.in_(("planned", "convened", "open")),
            ).order_by(S.c.id)
        ).first()
        if pending is not None:
            raise SessionRuleViolation(
                f"El entregable {approve} ya está en la agenda de la {session_label(plan, pending)} (del "
                f"{fecha(pending.scheduled_at)}), que aún no concluye: una sola sesión decide su aprobación. "
                "Retírelo de esa agenda, o espere a que esa sesión concluya."
            )
        fulfils = next(
            (f for a in plan.activities if d.activity in a.depends_on
             if (f := _pending_acta(app, conn, a.code)) is not None),
            None,
        )
        values = {"kind": "approve", "text": f"Aprobación: {d.title}", "deliverable_id": approve, "fulfils_id": fulfils}
    elif form_team is not None:
        code, members = form_team[0].strip(), [m.strip() for m in form_team[1] if m.strip()]
        known = {e.code for e in plan.entities}
        unknown = [m for m in members if m not in known]
        if not code or not members or unknown:
            raise InvalidInput(
                "Indique el código del equipo y sus entidades integrantes"
                + (f" (desconocidas: {', '.join(unknown)})" if unknown else "") + "."
            )
        if conn.execute(select(T.c.code).where(T.c.code == code)).first() is not None:
            raise InvalidInput(f"Ya existe un equipo de trabajo con el código «{code}».")
        activity = forming_activity(app)
        values = {
            "kind": "form_team", "team_code": code, "team_members": json.dumps(members),
            "text": f"Conformación del equipo de trabajo {code} ({activity}), integrado por: {', '.join(members)}",
            "fulfils_id": _pending_acta(app, conn, activity), "deliverable_id": None,
        }
    elif note is not None:
        values = {"kind": "note", "text": note.strip(), "deliverable_id": None, "fulfils_id": None}
    else:
        values["text"] = (other or "").strip()
    if not values["text"]:
        raise InvalidInput("El texto del punto no puede estar vacío.")
    position = int(conn.execute(select(func.count()).select_from(IT).where(IT.c.session_id == session_id)).scalar_one()) + 1
    conn.execute(
        insert(IT).values(session_id=session_id, position=position, out_of_agenda=out_of_agenda,
                          added_at=(at or app.clock.now()) if out_of_agenda else app.clock.now(), **values)
    )
    return position


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    entity: str
    capacity: str | None


@dataclass(frozen=True)
class Convocatoria:
    """What the convocatoria carries: the hook for its notification (outbox, .ics)."""

    session_id: int
    label: str
    scheduled_at: datetime
    second_call_at: datetime | None
    modality: str
    place: str | None
    agenda: list[str]
    documents: list[str]  # sha256 of the documents attached to the agenda
    recipients: list[Recipient]
    issued_at: datetime
    issued_by: str
    kind: str = "ordinaria"
    sequence: int = 0  # the calendar event's SEQUENCE (raised by each postponement)


def convene(app: App, actor: Actor, session_id: int, *, is_business_day: BusinessDay | None = None) -> Convocatoria:
    """Issue the convocatoria (by the presidency, through the secretariat) with its agenda,
    checking the notice period of the plan in business days (``is_business_day`` is the
    calendar: by default the Peruvian one of ``services.calendar`` — weekends, national
    holidays, the plan's and the database's non-working days), and write its notice to every
    member to the outbox in the same transaction."""
    with refusals(app, actor, "session convene", f"sesión {session_id}"):
        require_secretariat(actor)
        now = app.clock.now()
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            formal(row)
            not_cancelled(row)
            if row.status != "planned":
                raise SessionRuleViolation("La convocatoria de esta sesión ya fue emitida.")
            agenda = [r.text for r in conn.execute(select(IT).where(IT.c.session_id == session_id).order_by(IT.c.position))]
            if not agenda:
                raise SessionRuleViolation("No se puede convocar sin orden del día: agregue los puntos de agenda.")
            check_notice(app, conn, now, row.scheduled_at, is_business_day)
            conn.execute(update(S).where(S.c.id == session_id).values(status="convened", convened_at=now))
            convocatoria = convocatoria_in(app, conn, session_id, actor)
            notify_convocatoria(app, conn, convocatoria)
    return convocatoria


def check_notice(app: App, conn: Connection, now: datetime, held_at: datetime,
                 is_business_day: BusinessDay | None = None) -> None:
    """The plan's notice period in business days between ``now`` and the session's day."""
    plan = app.definitions().plan
    notice = plan.session_rules.notice_business_days
    if is_business_day is None:
        is_business_day = calendar_for(app, conn).is_business_day
    issued, held = now.astimezone(LIMA).date(), held_at.astimezone(LIMA).date()
    if business_days_between(issued, held, is_business_day) < notice:
        earliest = earliest_session_day(issued, notice, is_business_day)
        raise SessionRuleViolation(
            f"La convocatoria debe emitirse con {notice} días hábiles de anticipación "
            f"({plan.session_rules.legal_basis.convocatoria}): convocando hoy "
            f"({fecha(issued)}), la sesión puede realizarse desde el {fecha(earliest)}, no el {fecha(held)}."
        )


SESSION_LENGTH = timedelta(hours=2)  # the invitation's length; sessions have no planned end


def session_uid(session_id: int) -> str:
    """The convocatoria's calendar UID: one event per session, whatever is re-sent."""
    return f"sesion-{session_id}@{ICS_DOMAIN}"


def notify_convocatoria(app: App, conn: Connection, c: Convocatoria) -> int:
    """One outbox message per member (titular and alterno) with the agenda and an ``.ics``
    invitation, keyed by session and address so that nothing is written or sent twice.
    Returns how many messages were new."""
    plan = app.definitions().plan
    agenda = "\n".join(f"{n}. {text}" for n, text in enumerate(c.agenda, 1))
    ics = session_ics(
        session_uid(c.session_id), c.scheduled_at, c.scheduled_at + SESSION_LENGTH, c.label,
        f"Agenda:\n{agenda}", c.issued_at, location=c.place, sequence=c.sequence,
    )
    context = {
        "session_title": c.label, "kind": c.kind, "modality": c.modality,
        "starts_at": c.scheduled_at.astimezone(LIMA).isoformat(), "place": c.place or "",
        "agenda": list(c.agenda), "convened_by": f"la Presidencia de la {plan.commission.code}",
        "link": session_page(c.session_id),
    }
    return sum(
        enqueue_convocatoria(app, conn, key=f"convocatoria:{c.session_id}:{email}", context=context, ics=ics,
                             recipients=[email])
        for email in sorted({r.email for r in c.recipients})
    )


def convocatoria_in(app: App, conn: Connection, session_id: int, actor: Actor) -> Convocatoria:
    """What the convocatoria of a convened session says and to whom it goes (inside the
    caller's transaction): session, agenda, attached documents' sha256 and recipients."""
    plan = app.definitions().plan
    row = load_session(conn, session_id)
    agenda = [r.text for r in conn.execute(select(IT).where(IT.c.session_id == session_id).order_by(IT.c.position))]
    documents = [d.sha256 for d in conn.execute(select(SD).where(SD.c.session_id == session_id, SD.c.role == "agenda"))]
    users = conn.execute(
        select(U).where(U.c.role == "member", U.c.active.is_(True)).order_by(U.c.entity_code, U.c.capacity, U.c.email)
    ).all()
    return Convocatoria(
        session_id, session_label(plan, row), row.scheduled_at, row.second_call_at, row.modality, row.place, agenda,
        documents, [Recipient(u.email, u.name, u.entity_code, u.capacity) for u in users],
        row.convened_at or app.clock.now(), actor.email, row.kind, row.sequence,
    )


def declare_conflict(app: App, actor: Actor, session_id: int, position: int, entity: str, reason: str) -> None:
    """A member declares a conflict of interest on an item: it does not vote on it."""
    with refusals(app, actor, "session conflict", f"sesión {session_id}, punto {position}"):
        require_secretariat(actor)
        if not reason.strip():
            raise InvalidInput("Indique el motivo del conflicto de intereses.")
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            formal(row)
            not_closed(row)
            item = load_item(conn, session_id, position)
            plan = app.definitions().plan
            member = next((e for e in plan.voting_members if e.code == entity), None)
            if member is None:
                raise InvalidInput(f"«{entity}» no es una entidad integrante con voto: solo ellas declaran conflicto de "
                                   "intereses sobre un punto.")
            instant = item.vote_at or app.clock.now()
            if not any(s.entity == entity and s.capacity in ("titular", "alterno") and s.holds(instant)
                       for s in stays(conn, session_id)):
                when = f"al votarse el punto {position}" if item.vote_at else "en la sesión"
                raise SessionRuleViolation(
                    f"{member.name} no está presente (titular o alterno) {when}: solo declara conflicto de "
                    "intereses quien asiste."
                )
            if conn.execute(select(CF.c.id).where(CF.c.item_id == item.id, CF.c.entity_code == entity)).first():
                raise InvalidInput(f"{entity} ya declaró conflicto de intereses en el punto {position}.")
            if conn.execute(select(V.c.id).where(V.c.item_id == item.id, V.c.entity_code == entity)).first():
                raise SessionRuleViolation(f"{entity} ya votó el punto {position}; el conflicto se declara antes de votar.")
            conn.execute(insert(CF).values(item_id=item.id, entity_code=entity, reason=reason.strip(), declared_at=app.clock.now()))


def set_summary(app: App, actor: Actor, session_id: int, text: str, position: int | None = None) -> None:
    """The deliberation summary of an item, or the summary of a working meeting."""
    with refusals(app, actor, "session summary", f"sesión {session_id}"):
        require_secretariat(actor)
        if not text.strip():
            raise InvalidInput("El resumen no puede estar vacío.")
        with app.db.write() as conn:
            row = load_session(conn, session_id, lock=True)
            not_closed(row)
            if position is None:
                conn.execute(update(S).where(S.c.id == session_id).values(summary=text.strip()))
            else:
                item = load_item(conn, session_id, position)
                conn.execute(update(IT).where(IT.c.id == item.id).values(summary=text.strip()))


def add_document(app: App, actor: Actor, session_id: int, name: str, content: bytes, role: str = "result") -> str:
    """Attach a document (convocatoria annex, resulting document of a meeting); returns sha256."""
    with refusals(app, actor, "session document", f"sesión {session_id}"):
        require_secretariat(actor)
        stored = app.documents.put(name, content)
        with app.db.write() as conn:
            load_session(conn, session_id)
            record_document(app, conn, stored)
            conn.execute(insert(SD).values(session_id=session_id, sha256=stored.sha256, name=name, role=role,
                                           uploaded_by=actor.email, uploaded_at=app.clock.now()))
    return stored.sha256

