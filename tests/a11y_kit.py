"""The accessibility crawl's parts: the demonstration scenario with one more session and an open
consultation, the app's route table, and a crawler that signs in as a role and visits every page
reachable from its start page, plus every GET route of the app's route table with its path
parameters filled from the scenario's data (so pages added later are visited without editing
this file: a route nobody links to and whose parameters are unknown fails the crawl by name)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urlsplit

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text

from conaig_flow.bootstrap import App
from conaig_flow.cli.demo import SECRETARIAT, demo_pdf, officer_email, seed
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import users
from conaig_flow.services.consultation import consultations, contributions
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import attendance, sessions

DEMO_PASSWORD = "conaig-2022"
ROLES = {
    "officer": officer_email("MINSA"),
    "secretariat": SECRETARIAT,
    "reviewer": "revisor.intercultural@cultura.gob.pe",
    "member": "titular.minsa@conaig.gob.pe",
    "admin": "admin@conaig.gob.pe",
}
# how many different pages of one route (one template, e.g. /entregables/{id}) a role visits:
# the scenario's chosen examples first (one deliverable per state), then linked ones
PER_ROUTE = 2
# downloads (a deliverable's or a session's documents, a consultation's document), the JSON API and
# static files are not pages; /documentos/verificar is
# not pages: documents and downloads, the JSON API, static files, and the live fragment that
# live.js polls (/en-vivo: a piece of the console and members' pages, checked inside them)
NOT_PAGES = re.compile(r"\.(pdf|docx|xlsx|csv|ics|json|odt|zip|png|jpe?g|svg)$|/documentos/(\d|\{)|/documento$|/api/|/static/|/en-vivo$")


def _lima(when: str) -> datetime:
    return datetime.fromisoformat(when).replace(tzinfo=LIMA)


@dataclass
class Scenario:
    """Example values of path parameters, by parameter name, taken from the data."""

    values: dict[str, list[str]] = field(default_factory=dict)


def build_scenario(app: App) -> Scenario:
    """The demo (users, history, the held I-2022 session) plus, later in 2022, a public
    consultation on the A3.2 proposal with one contribution and a second session, convened and
    installed, so that the forms of an open session (attendance, votes) are on a page."""
    seed(app)
    real = app.clock
    try:
        app.clock = FixedClock(_lima("2022-08-22T10:00"))
        sec = users.actor_for(app, SECRETARIAT)
        (proposal,) = deliverables.list_deliverables(app, activity="A3.2")
        deliverables.advance(app, sec, proposal.id, "submit", documents=[
            ("propuesta-informe-anual.pdf", demo_pdf("Propuesta de informe anual", "Propuesta."))])
        deliverables.advance(app, sec, proposal.id, "accept")
        c = consultations.open_consultation(
            app, sec, proposal.id, title="Propuesta de informe anual de gobernanza",
            opens_at=_lima("2022-09-01T09:00"), closes_at=_lima("2022-09-30T18:00"),
            questions=["Estructura del informe", "Indicadores"], public=True)
        app.clock = FixedClock(_lima("2022-09-05T10:00"))
        contributions.submit(app, c.id, text="Incluir indicadores de violencia en zonas rurales.",
                             name="Rosa Quispe", organisation="Colectivo Warmi", email="rosa@example.pe",
                             question_seq=1)
        app.clock = FixedClock(_lima("2022-09-05T11:00"))
        sid = sessions.create_session(app, sec, scheduled_at=_lima("2022-09-15T10:00"), place="Sala virtual",
                                      second_call_at=_lima("2022-09-16T10:00")).id
        sessions.add_item(app, sec, sid, note="Informe de avance del primer semestre")
        sessions.add_item(app, sec, sid, other="Propuesta de cronograma del segundo semestre")
        sessions.add_document(app, sec, sid, "informe-avance.pdf",
                              demo_pdf("Informe de avance", "Primer semestre."), role="agenda")
        sessions.convene(app, sec, sid)
        app.clock = FixedClock(_lima("2022-09-15T09:50"))
        voting = [e.code for e in app.definitions().plan.voting_members]
        attendance.attend(app, sec, sid, app.definitions().plan.commission.secretariat.unit_code)
        for code in voting[:12]:
            attendance.attend(app, sec, sid, code)
        app.clock = FixedClock(_lima("2022-09-15T10:05"))
        attendance.open_session(app, sec, sid)
        draft = sessions.create_session(app, sec, scheduled_at=_lima("2022-10-20T10:00"), place="Sala Micaela Bastidas").id
        sessions.add_item(app, sec, draft, note="Balance de la consulta")
    finally:
        app.clock = real
    app.clock = FixedClock(_lima("2022-09-15T10:30"))
    return Scenario(values=_values(app))


def _values(app: App) -> dict[str, list[str]]:
    """Path-parameter examples by name: one deliverable per state, every session, consultation,
    user, outbox message and contribution."""
    with app.db.engine.connect() as conn:
        def ids(sql: str) -> list[str]:
            return [str(r[0]) for r in conn.execute(text(sql))]

        by_state = ids("SELECT min(id) FROM deliverables GROUP BY state ORDER BY min(id)")
        return {
            "deliverable_id": by_state,
            "session_id": ids("SELECT id FROM sessions ORDER BY id"),
            "consultation_id": ids("SELECT id FROM consultations ORDER BY id"),
            "user_id": ids("SELECT id FROM users ORDER BY id LIMIT 3"),
            "message_id": ids("SELECT id FROM outbox ORDER BY id LIMIT 2"),
            "contribution_id": ids("SELECT id FROM contributions ORDER BY id"),
            "sha256": ids("SELECT sha256 FROM session_documents ORDER BY id LIMIT 2"),
            "position": ["1", "2"],
            "number": ["1"],
        }


def route_table(web: FastAPI) -> list[APIRoute]:
    """Every route of the app, routers included. FastAPI keeps included routers lazily
    (``original_router``, with the include's prefix); an older FastAPI copies their routes
    into the app. Both are read, so a new router's pages are found without listing them here."""
    def walk(routes: list[Any], prefix: str) -> Iterator[tuple[str, APIRoute]]:
        for r in routes:
            if isinstance(r, APIRoute):
                yield prefix + r.path, r
            elif hasattr(r, "original_router"):
                yield from walk(list(r.original_router.routes), prefix + getattr(r.include_context, "prefix", ""))

    found = []
    for path, r in walk(list(web.routes), ""):
        if path != r.path:
            r = APIRoute(path, r.endpoint, methods=list(r.methods))
        found.append(r)
    return found


def page_templates(web: FastAPI) -> list[str]:
    """GET routes that answer pages (not documents, downloads, feeds or the JSON API)."""
    out = []
    for r in route_table(web):
        if "GET" in r.methods and not NOT_PAGES.search(r.path) and not re.search(r"\.\{\w+\}$", r.path):
            out.append(r.path)
    return sorted(set(out))


def template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{\w+\})", template)
    return re.compile("^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$")


def fill(template: str, values: dict[str, list[str]]) -> list[str] | None:
    """Concrete paths for a template, or None when one of its parameters has no example."""
    names = re.findall(r"\{(\w+)\}", template)
    if not names:
        return [template]
    if any(n not in values or not values[n] for n in names):
        return None
    width = max(len(values[n]) for n in names)
    paths = []
    for i in range(min(width, PER_ROUTE)):
        path = template
        for n in names:
            path = path.replace("{" + n + "}", values[n][min(i, len(values[n]) - 1)])
        paths.append(path)
    return list(dict.fromkeys(paths))


@dataclass
class Crawl:
    visited: dict[str, int] = field(default_factory=dict)  # path -> HTTP status
    per_template: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unreached: list[str] = field(default_factory=list)


def crawl(page: Any, start: str, templates: list[str], values: dict[str, list[str]],
          check: Any, *, skip: re.Pattern[str] | None = None) -> Crawl:
    """Visit ``start`` and every same-site page linked from the pages visited, then the route
    table's pages; ``check(page, path)`` runs on each HTML page. At most ``PER_ROUTE`` paths
    per template (the query string counts as the same page)."""
    regexes = [(t, template_regex(t)) for t in templates]
    result = Crawl()
    queue: list[str] = [start]
    for t in templates:
        result.per_template.setdefault(t, 0)
    for t in templates:
        filled = fill(t, values)
        if filled is not None:
            queue.extend(filled)
    origin = None
    while queue:
        path = queue.pop(0)
        bare = path.split("?")[0]
        if path in result.visited or NOT_PAGES.search(bare) or (skip and skip.search(path)):
            continue
        template = next((t for t, rx in regexes if rx.match(bare)), bare)
        if result.per_template[template] >= PER_ROUTE:
            continue
        try:
            response = page.goto(path)
        except Exception as exc:  # a download (the open-data archive): not a page
            if "Download is starting" not in str(exc):
                raise
            result.visited[path] = 200
            result.per_template[template] += 1
            continue
        status = response.status if response else 0
        result.visited[path] = status
        if "text/html" not in ((response.headers.get("content-type") if response else "") or ""):
            continue
        result.per_template[template] += 1
        if origin is None:
            origin = urlsplit(page.url).netloc
        check(page, path)
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url = urlsplit(urldefrag(href)[0])
            if url.netloc != origin or url.scheme not in ("http", "https"):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in result.visited and target not in queue:
                queue.append(target)
    result.unreached = [t for t in templates if result.per_template[t] == 0]
    return result
