"""What the web pages of sessions read, with who may read it: the Technical Secretariat (and
the administration) run sessions; the members of the commission follow them read-only.

Every change goes through ``sessions`` / ``session_attendance`` / ``session_votes`` /
``actas``, which check their own rules and authorisation; this module only adds the reading
side (list, record, documents, agenda candidates) behind a role check.
"""

from __future__ import annotations

from dataclasses import dataclass

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, PermissionDenied
from conaig_flow.i18n import role_label
from conaig_flow.rendering.session_documents import FORMATS
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import actas
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions.common import SESSION_ROLES, refusals, require_secretariat
from conaig_flow.services.sessions.views import SessionRecord, SessionSummary

#: Who may read sessions (their list, record, convocatoria and acta).
READERS = SESSION_ROLES | {"member"}
DOCUMENTS = ("acta", "convocatoria")


def require_reader(actor: Actor) -> None:
    if actor.role not in READERS:
        raise PermissionDenied(
            "Las sesiones de la comisión las consultan la Secretaría Técnica y sus integrantes; "
            f"usted actúa como {role_label(actor.role)}."
        )


def can_run(actor: Actor) -> bool:
    """Whether the pages should offer the actions that run a session (the services decide)."""
    return actor.role in SESSION_ROLES


def require_runner(app: App, actor: Actor, action: str) -> None:
    """Refuse (and record) an actor who does not run sessions, before reading a form's values."""
    with refusals(app, actor, action, "sesiones"):
        require_secretariat(actor)


def require_reader_of(app: App, actor: Actor, session_id: int) -> None:
    """Refuse (and record) an actor who may not read sessions."""
    with refusals(app, actor, "session show", f"sesión {session_id}"):
        require_reader(actor)


def sessions_for(app: App, actor: Actor) -> list[SessionSummary]:
    with refusals(app, actor, "session list", "sesiones"):
        require_reader(actor)
    return session_views.list_sessions(app)


def record_for(app: App, actor: Actor, session_id: int) -> SessionRecord:
    with refusals(app, actor, "session show", f"sesión {session_id}"):
        require_reader(actor)
        return session_views.session_record(app, session_id)


def document_for(app: App, actor: Actor, session_id: int, which: str, fmt: str) -> tuple[str, bytes]:
    """(file name, content) of the session's acta or convocatoria in ``fmt``."""
    with refusals(app, actor, "session document", f"sesión {session_id}"):
        require_reader(actor)
        if which not in DOCUMENTS:
            raise InvalidInput("Documento desconocido: acta o convocatoria.")
        if fmt not in FORMATS:
            raise InvalidInput(f"Formato desconocido «{fmt}»: se espera {', '.join(FORMATS)}.")
        record = session_views.session_record(app, session_id)
        if which == "convocatoria" and record.convened_at is None:
            raise InvalidInput("La convocatoria aún no fue emitida.")
        if which == "acta" and record.kind != "trabajo" and record.acta_code is None:
            raise InvalidInput("La sesión no tiene acta todavía: se genera al concluir la sesión.")
        return actas.document(app, session_id, which, fmt)


@dataclass(frozen=True)
class Candidate:
    id: int
    label: str


def agenda_candidates(app: App, actor: Actor) -> list[Candidate]:
    """Deliverables that can be put on an agenda for approval: approved in session and in a
    state from which that approval may happen (e.g. «Con conformidad técnica»)."""
    defs = app.definitions()
    out = []
    for d in deliverables.list_deliverables(app, actor):
        ready = {s for t in defs.lifecycles[d.kind].transitions if t.trigger == "approve" and t.in_session for s in t.source}
        if d.kind != "session_acta" and d.state in ready:
            out.append(Candidate(d.id, f"N° {d.id} · {d.activity} · {d.owner} · {d.title}"))
    return out


def second_call_hint(app: App) -> str:
    """What the plan's rule says about the second call, for the new-session form."""
    rules = app.definitions().plan.session_rules
    if rules.second_call.when == "next_day":
        return f"al día siguiente de la primera, {rules.legal_basis.second_call}"
    return f"al menos {rules.second_call.minutes} minutos después de la primera, {rules.legal_basis.second_call}"


def later_open_sessions(app: App, session_id: int) -> list[Candidate]:
    """Installed sessions other than ``session_id``, where its acta may be approved at the start."""
    return [Candidate(s.id, s.label) for s in session_views.list_sessions(app)
            if s.status == "open" and s.id != session_id and s.kind != "trabajo"]
