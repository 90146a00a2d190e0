"""The shipped second plan (workflows/plans/comision-ejemplo-2023.yaml) shows its own
commission everywhere a person reads (issue 12): every page reachable by link, as each role
and signed out, in a real Chromium; every document those pages offer (progress report in
every format, open data, a session's convocatoria, the calendar feed); every email sent.
None says CONAIG or names CONAIG's commission or its secretariat."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from icalendar import Calendar as ICalendar
from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.rendering.reports import FORMATS, open_data, render
from conaig_flow.services import plans, users
from conaig_flow.services.deliverables import calendar_feed, deliverables
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.services.reports import reports
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.store.definitions import default_workflows_dir
from tests.conftest import make_app, pdf_bytes
from tests.notify_helpers import use_smtp
from tests.smtp_capture import SmtpCapture
from tests.test_web_browser import browser, open_page  # noqa: F401  (the Chromium fixture)
from tests.web_support import PASSWORD, live_server

pytestmark = pytest.mark.browser

PLAN = default_workflows_dir() / "plans" / "comision-ejemplo-2023.yaml"
NAME = "Comisión Multisectorial Temporal para la Prevención del Embarazo en Adolescentes"
FORBIDDEN = re.compile(r"conaig|Igualdad de Género|DGIGND", re.IGNORECASE)
PEOPLE = {
    "officer": ("enlace@minsa.example.pe", "Enlace MINSA", "MINSA", "officer", None),
    "secretariat": ("st@minsa.example.pe", "Secretaría Técnica", "MINSA", "secretariat", None),
    "reviewer": ("revisor@mimp.example.pe", "Revisora MIMP", "MIMP", "reviewer", None),
    "member": ("titular@minedu.example.pe", "Titular MINEDU", "MINEDU", "member", "titular"),
    "admin": ("admin@minsa.example.pe", "Administración", "MINSA", "admin", None),
}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LIMA)


@pytest.fixture
def second(tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    clock.set(_at("2023-01-05T09:00"))
    app = make_app(f"sqlite:///{tmp_path / 'segunda.db'}", tmp_path / "home", clock)
    plans.init(app, PLAN)
    for email, name, entity, role, capacity in PEOPLE.values():
        users.add_user(app, email, name, entity, role, PASSWORD, capacity)
    for e in app.definitions().plan.voting_members:
        if e.code != "MINEDU":
            users.add_user(app, f"titular@{e.code.lower()}.example.pe", f"Titular {e.code}", e.code, "member",
                           PASSWORD, "titular")
    try:
        yield app
    finally:
        app.close()


@pytest.fixture
def worked(second: App, clock: FixedClock, smtp: SmtpCapture) -> int:
    """Some work to show (before Chromium starts: sending runs its own event loop): a
    submission, an observation, a convened session, reminders and a weekly summary."""
    app = second
    use_smtp(app, smtp)  # (its sender is CONAIG's test one: this commission configures its own)
    app.settings = dataclasses.replace(app.settings, smtp_from="CMPEA - Secretaría Técnica <no-responder@cmpea.example.pe>")
    officer = users.actor_for(app, PEOPLE["officer"][0])
    st = users.actor_for(app, PEOPLE["secretariat"][0])
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="B1.1")
    clock.set(_at("2023-03-01T10:00"))
    deliverables.advance(app, officer, d.id, "submit", documents=[("plan-sectorial.pdf", pdf_bytes())])
    clock.set(_at("2023-03-08T10:00"))
    deliverables.advance(app, st, d.id, "observe", comment="Precisar las metas del plan sectorial.")
    clock.set(_at("2023-05-02T09:00"))
    sid = sessions.create_session(app, st, scheduled_at=_at("2023-05-12T10:00"), place="Sala de sesiones").id
    sessions.add_item(app, st, sid, other="Avance de los planes sectoriales")
    sessions.convene(app, st, sid)
    # held at its hour, recorded that evening: its acta and the certification of its agreement
    # are documents of this commission too
    clock.set(_at("2023-05-12T18:00"))
    voting = [e.code for e in app.definitions().plan.voting_members]
    for code in voting:
        session_attendance.attend(app, st, sid, code, at=_at("2023-05-12T09:50"))
    session_attendance.open_session(app, st, sid, at=_at("2023-05-12T10:00"))
    for code in voting:
        session_votes.vote(app, st, sid, 1, code, "for", at=_at("2023-05-12T10:30"))
    session_votes.close(app, st, sid, at=_at("2023-05-12T11:00"))
    actas.approve_acta(app, st, sid)
    for day in ("2023-06-23T09:30", "2023-07-03T09:30", "2023-08-28T09:30"):  # before_7, overdue_1, summary
        clock.set(_at(day))
        sweep(app)
        dispatch(app)
    clock.set(_at("2023-08-28T10:00"))
    return sid


def _visible_calendar_text(data: bytes) -> str:
    cal = ICalendar.from_ical(data)
    parts = [str(cal.get("x-wr-calname", ""))]
    for ev in cal.walk("VEVENT"):
        parts += [str(ev.get(k, "")) for k in ("summary", "description", "location")]
    return "\n".join(parts)


def document_text(data: bytes, content_type: str) -> str:
    """What a person reads in a downloaded document."""
    if data.startswith(b"%PDF"):
        return " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
    if data.startswith(b"PK"):  # docx, xlsx, or a zip of exports: their XML and text members
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            inner = [z.read(n) for n in z.namelist()]
        return "\n".join(document_text(b, "") if b.startswith((b"%PDF", b"PK")) else b.decode("utf-8", "ignore")
                         for b in inner)
    if "calendar" in content_type or data.startswith(b"BEGIN:VCALENDAR"):
        return _visible_calendar_text(data)
    return data.decode("utf-8", "ignore")


def _crawl(page: Any, base: str, seen_docs: dict[str, str]) -> dict[str, str]:
    """Every same-origin page reachable by link (GET), with its visible text; documents
    (anything not HTML) are fetched and their text kept in ``seen_docs``."""
    texts: dict[str, str] = {}
    queue = ["/"]
    while queue:
        path = queue.pop(0)
        if path in texts or path in seen_docs or "/salir" in path:
            continue
        response = page.request.get(urljoin(base, path))
        kind = response.headers.get("content-type", "")
        if "text/html" not in kind or "attachment" in response.headers.get("content-disposition", ""):
            seen_docs[path] = document_text(response.body(), kind)
            continue
        page.goto(urljoin(base, path))
        texts[path] = page.title() + "\n" + page.inner_text("body")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            url = urlparse(urljoin(page.url, href))
            if url.netloc == urlparse(base).netloc and url.scheme.startswith("http"):
                target = url.path + (f"?{url.query}" if url.query else "")
                if target not in texts and target not in queue:
                    queue.append(target)
        texts[path] = texts[path]  # keep insertion order
    return texts


def _sign_in(page: Any, email: str) -> None:
    page.goto("/entrar")
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(lambda url: "/entrar" not in url)


def test_the_second_plan_shows_its_own_commission_on_every_page_document_and_email(
    second: App, worked: int, smtp: SmtpCapture, browser: Any, tmp_path: Path  # noqa: F811
) -> None:
    app, sid = second, worked
    problems: list[str] = []
    pages: dict[str, dict[str, str]] = {}
    docs: dict[str, str] = {}
    with live_server(app) as base:
        anonymous = open_page(browser, base, problems)
        pages["anónimo"] = {p: t for p, t in _crawl(anonymous, base, docs).items()}
        anonymous.goto("/acerca")
        pages["anónimo"]["/acerca"] = anonymous.title() + "\n" + anonymous.inner_text("body")
        for role, (email, *_rest) in PEOPLE.items():
            page = open_page(browser, base, problems)
            _sign_in(page, email)
            pages[role] = _crawl(page, base, docs)
    assert problems == []
    assert len(pages["secretariat"]) >= 10 and f"/sesiones/{sid}" in pages["secretariat"]
    assert any("/entregables/" in p for p in pages["officer"]) and "/admin/usuarios" in pages["admin"]
    for role, seen in pages.items():
        for path, text in seen.items():
            assert not FORBIDDEN.search(text), (role, path, FORBIDDEN.search(text))
            assert NAME in text, (role, path)  # the footer names the commission on every page
    entrar = pages["anónimo"]["/"]  # signed out, "/" leads to the sign-in page
    assert "Plan de Trabajo 2023 de la Comisión Multisectorial Temporal" in entrar and "CMPEA" in entrar
    about = pages["anónimo"]["/acerca"]
    assert "Secretaría Técnica (Dirección de Salud Sexual y Reproductiva (ejemplo) (DSSR) — Ministerio de Salud)" in about

    # the documents the pages offer, and those produced outside the web
    report = reports.progress_report(app, reports.parse_as_of("2023-06-30"), number=1)
    for fmt in FORMATS:
        docs[f"informe.{fmt}"] = document_text(render(report, fmt), fmt)
    facts = reports.open_data(app)
    tables = open_data.rows(facts.progress, facts.plan_info, facts.events, facts.agreements)
    for fmt in ("csv", "json"):
        for path in open_data.write(tables, fmt, tmp_path / f"abiertos-{fmt}", open_data.dictionary_markdown()):
            docs[f"datos-abiertos/{path.name}"] = path.read_text(encoding="utf-8")
    st = users.actor_for(app, PEOPLE["secretariat"][0])
    token = calendar_feed.token_for(app, users.actor_for(app, PEOPLE["officer"][0]), "MINSA")
    docs["calendario.ics"] = document_text(calendar_feed.feed(app, token), "text/calendar")
    for fmt in ("md", "html", "docx", "pdf"):  # the acta and the certification, as the secretariat downloads them
        docs[f"acta.{fmt}"] = document_text(actas.document(app, sid, "acta", fmt)[1], fmt)
        docs[f"certificacion.{fmt}"] = document_text(actas.certification(app, st, sid, 1, fmt)[1], fmt)
    assert NAME in re.sub(r"\s+", " ", docs["acta.pdf"]) and "ACTA N° 01-CMPEA-2023" in docs["acta.md"]
    assert any("convocatoria" in p for p in docs) and any("datos-abiertos" in p for p in docs)
    for where, text in docs.items():
        assert not FORBIDDEN.search(text), (where, FORBIDDEN.search(text))
    assert NAME in re.sub(r"\s+", " ", docs["informe.pdf"]) and "CMPEA" in docs["calendario.ics"]

    # every email: subject, sender's name, both parts and the calendar invitations
    kinds = {r.key.split(":")[0] for r in smtp.received}
    assert {"event", "reminder", "overdue_summary"} <= kinds and any("convocatoria" in r.key for r in smtp.received)
    for r in smtp.received:
        msg = r.message
        text = "\n".join([str(msg["Subject"]), str(msg["From"])] + [
            _visible_calendar_text(part.get_content().encode()) if part.get_content_type() == "text/calendar"
            else str(part.get_content()) for part in msg.walk() if not part.is_multipart()])
        assert not FORBIDDEN.search(text), (r.key, FORBIDDEN.search(text))
        assert NAME in text, r.key
