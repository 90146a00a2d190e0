"""The outbox seen by the Technical Secretariat (and the administration): messages by status,
one message with its rendered text, dead letters, and putting dead letters back in the queue.
Everyone else is refused (and the refusal recorded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jinja2

from conaig_flow.app import App
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, PermissionDenied
from conaig_flow.i18n import role_label
from conaig_flow.notify import outbox
from conaig_flow.notify.dispatch import renderer_for
from conaig_flow.notify.messages import OutboxView
from conaig_flow.notify.render import Renderer
from conaig_flow.services.sessions.common import refusals
from conaig_flow.web.views.paging import Paging, folded, paging

MANAGERS = frozenset({"secretariat", "admin"})
STATUS_LABELS = {"pending": "pendiente", "sending": "enviándose", "sent": "enviado", "dead": "no entregado",
                 "cancelled": "anulado"}


def require_manager(app: App, actor: Actor, action: str) -> None:
    with refusals(app, actor, action, "bandeja de salida"):
        if actor.role not in MANAGERS:
            raise PermissionDenied(
                f"La bandeja de salida la administra la Secretaría Técnica; usted actúa como {role_label(actor.role)}."
            )


def messages(app: App, actor: Actor, status: str | None, limit: int = 200) -> tuple[list[OutboxView], dict[str, int]]:
    """The most recent messages (optionally of one status) and the totals by status."""
    require_manager(app, actor, "outbox list")
    if status and status not in outbox.STATUSES:
        raise InvalidInput(f"Estado desconocido «{status}».")
    return outbox.list_outbox(app, status or None, limit), outbox.counts(app)


@dataclass(frozen=True)
class Listed:
    view: OutboxView
    subject: str


def _subject(renderer: Renderer, view: OutboxView) -> str:
    """The message's subject as its recipients read it (rendered: the outbox keeps the facts)."""
    try:
        template = renderer.env.get_template(f"{view.template}.subject.txt")
        return " ".join(template.render({**renderer.globals, **view.context}).split())
    except jinja2.TemplateError:  # a template removed from a custom folder: the list still shows the row
        return "(sin asunto: falta la plantilla del mensaje)"


def listing(app: App, actor: Actor, status: str | None, search: str, requested: int) -> tuple[list[Listed], dict[str, int], Paging]:
    """One page of the outbox, newest first (optionally of one status), each message with its
    subject; with ``search``, only those whose subject or a recipient contains every word of it
    (accents and case aside). Subjects are not stored — they are rendered from each message's
    template — so a search renders the subjects of the status's messages and matches here."""
    require_manager(app, actor, "outbox list")
    if status and status not in outbox.STATUSES:
        raise InvalidInput(f"Estado desconocido «{status}».")
    renderer = renderer_for(app)
    params = {"estado": status or "", "buscar": search}
    words = folded(search).split()
    if not words:
        _, total = outbox.browse(app, status, 0, 0)
        pages = paging("/notificaciones", requested, total, params)
        views, _ = outbox.browse(app, status, pages.offset, pages.per_page)
        listed = [Listed(v, _subject(renderer, v)) for v in views]
    else:
        views, _ = outbox.browse(app, status)
        everything = [Listed(v, _subject(renderer, v)) for v in views]
        found = [m for m in everything
                 if all(w in folded(" ".join((m.subject, *m.view.to, *m.view.cc))) for w in words)]
        pages = paging("/notificaciones", requested, len(found), params)
        listed = found[pages.offset:pages.offset + pages.per_page]
    return listed, outbox.counts(app), pages


@dataclass(frozen=True)
class Message:
    view: OutboxView
    subject: str
    text: str


def message(app: App, actor: Actor, message_id: int) -> Message:
    require_manager(app, actor, "outbox show")
    view = outbox.show(app, message_id)
    subject, text, _ = renderer_for(app).render(view.template, view.context)
    return Message(view, subject, text)


def retry(app: App, actor: Actor, ids: Sequence[int] = (), *, all_dead: bool = False) -> int:
    """Put dead letters back in the queue; returns how many."""
    require_manager(app, actor, "outbox retry")
    if not ids and not all_dead:
        raise InvalidInput("Indique el mensaje o elija reintentar todos los no entregados.")
    return outbox.retry(app, ids, all_dead=all_dead)
