"""Every email links back to the page it is about (issue 13), followed in Debian's Chromium.

A scenario on one SQLite database produces every kind of email: a protocol submitted,
observed, resubmitted and approved; a session convened, another convened and suspended, the
first postponed; a reminder before a deadline, the overdue notices with their escalation copy
and the weekly summary, the secretariat's reminder to review; a consultation's invitations, confirmations and closing reminder; a
password reset. Then the real ``conaig serve --port 0`` starts on that database (it records
the address it got), and this process — like a separate ``conaig worker``, it listens on
nothing — sends the outbox to a real aiosmtpd server: reminders and summaries are rendered
only now, with the recorded address. Each received message is read (text and HTML parts
carry the same link, under the server's address), and its link is followed in the browser
as its recipient would: signed out, sent to the sign-in page, signed in with the recipient's
account, and landing on the page the email is about (its title and identifier checked).
External recipients (the consulted organisations) and the password reset need no account."""

from __future__ import annotations

import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import accounts, plans, users
from conaig_flow.services.consultation import consultations, contributions, organisations
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.services.sessions import changes as session_changes
from conaig_flow.services.sessions import sessions
from conaig_flow.store.definitions import default_plan_file
from tests.conftest import make_app, pdf_bytes
from tests.notify_helpers import use_smtp
from tests.smtp_capture import Received, SmtpCapture
from tests.test_links_serve import serving
from tests.test_web_browser import browser, open_page, shot
from tests.web_support import PASSWORD

__all__ = ["browser"]

pytestmark = pytest.mark.browser

END = datetime(2023, 1, 3, 9, 45, tzinfo=LIMA)  # the scenario's last instant; the server's clock starts there

DELIVERABLE = {"evento_presentado", "evento_observado", "evento_aprobado", "recordatorio", "recordatorio_vencido",
               "recordatorio_revision"}
SESSION = {"convocatoria", "sesion_cancelada", "sesion_reprogramada"}
CONSULTATION = {"consulta_invitacion", "consulta_recordatorio", "consulta_confirmacion"}
EVERY_KIND = DELIVERABLE | SESSION | CONSULTATION | {"resumen_vencidos", "restablecer_contrasena"}


def at(y: int, m: int, d: int, hh: int = 9, mm: int = 30) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=LIMA)


def _people(app: App) -> None:
    """Everyone the scenario writes to, each with an account (the same password)."""
    pw = users.hash_password(PASSWORD)
    for email, name, entity, role, capacity in (
        ("enlace.minsa@example.pe", "Ana Pérez (MINSA)", "MINSA", "officer", None),
        ("enlace.minedu@example.pe", "Luis Rojas (MINEDU)", "MINEDU", "officer", None),
        ("st@example.pe", "Secretaría Técnica", "MIMP", "secretariat", None),
        ("revisor@cultura.example.pe", "Revisor MINCUL", "MINCUL", "reviewer", None),
        ("titular.minsa@example.pe", "Titular MINSA", "MINSA", "member", "titular"),
        ("alterno.minsa@example.pe", "Alterno MINSA", "MINSA", "member", "alterno"),
        ("titular.minedu@example.pe", "Titular MINEDU", "MINEDU", "member", "titular"),
        ("enlace.midis@example.pe", "Rosa Vega (MIDIS)", "MIDIS", "officer", None),
        ("titular.midis@example.pe", "Titular MIDIS", "MIDIS", "member", "titular"),
    ):
        users.add_user(app, email, name, entity, role, capacity=capacity, password_hash=pw)


def _scenario(app: App, clock: FixedClock) -> dict[str, Any]:
    st = users.actor_for(app, "st@example.pe")
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    (protocol,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    clock.set(at(2022, 3, 1, 10))
    deliverables.advance(app, minsa, protocol.id, "submit", documents=[("protocolo.pdf", pdf_bytes())])
    deliverables.advance(app, st, protocol.id, "observe", comment="Falta el enfoque intercultural en la sección 3.")
    clock.set(at(2022, 3, 10, 10))
    deliverables.advance(app, minsa, protocol.id, "resubmit", documents=[("protocolo-v2.pdf", pdf_bytes("v2"))])
    deliverables.advance(app, st, protocol.id, "accept")
    deliverables.advance(app, minsa, protocol.id, "approve", norm_reference="Resolución Ministerial N° 123-2022-MINSA",
                         documents=[("rm.pdf", pdf_bytes("rm"))])

    clock.set(at(2022, 5, 16, 9))
    first = sessions.create_session(app, st, scheduled_at=at(2022, 5, 20, 10), place="Sala de sesiones del MIMP")
    sessions.add_item(app, st, first.id, other="Informe de la Secretaría Técnica")
    sessions.convene(app, st, first.id)
    second = sessions.create_session(app, st, scheduled_at=at(2022, 5, 25, 10), kind="extraordinaria",
                                     place="Sala de sesiones del MIMP")
    sessions.add_item(app, st, second.id, other="Asuntos urgentes")
    sessions.convene(app, st, second.id)
    clock.set(at(2022, 5, 18, 12))
    session_changes.postpone(app, st, first.id, scheduled_at=at(2022, 5, 27, 10), reason="Cruce con la agenda ministerial")
    session_changes.cancel(app, st, second.id, reason="Duelo nacional decretado")

    clock.set(at(2022, 6, 23))  # seven days before the methodology's deadline (30 June)
    sweep(app)
    clock.set(at(2022, 7, 4))  # Monday after it: overdue notices, the weekly summary
    sweep(app)

    clock.set(at(2022, 8, 22, 10))
    (proposal,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st, proposal.id, "submit", documents=[("propuesta.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st, proposal.id, "accept")
    csv = "nombre;tipo;correos;region\nColectivo Warmi;Colectivo;contacto@warmi.pe;Cusco\nRed Norte;Sociedad civil;red@norte.pe;Piura\n"
    assert organisations.import_organisations(app, st, "organizaciones.csv", csv.encode("utf-8")).imported == 2
    view = consultations.open_consultation(
        app, st, proposal.id, title="Propuesta de informe anual de gobernanza", opens_at=at(2022, 9, 1, 9),
        closes_at=at(2022, 9, 30, 18), questions=["Diagnóstico", "Propuestas de mejora"], public=True,
    )
    invitations = consultations.invite(app, st, view.id)
    clock.set(at(2022, 9, 5, 11))
    warmi = next(i for i in invitations if i.organisation_name == "Colectivo Warmi")
    contributions.submit(app, view.id, token=warmi.token, text="Mesas regionales de gobernanza")
    contributions.submit(app, view.id, name="Rosa Quispe", organisation="Vecinas de Comas", email="rosa@comas.pe",
                         text="Un aporte por la página pública", question_seq=1)
    clock.set(at(2022, 9, 28))  # within three days of closing: Red Norte has not contributed
    sweep(app)

    clock.set(at(2022, 11, 21, 10))
    (minedu,) = deliverables.list_deliverables(app, entity="MINEDU", activity="A1.1")
    deliverables.advance(app, users.actor_for(app, "enlace.minedu@example.pe"), minedu.id, "submit",
                         documents=[("protocolo-minedu.pdf", pdf_bytes("minedu"))])
    clock.set(at(2022, 12, 2))  # a month before the protocols' deadline: MIDIS to submit, MINEDU's to review
    sweep(app)
    clock.set(at(2023, 1, 3))  # the deadline (2 January) has passed: MIDIS overdue, its titular copied
    sweep(app)
    clock.set(END)
    accounts.request_reset(app, "enlace.minedu@example.pe", "192.0.2.10")
    return {"protocol": protocol.id, "sessions": {first.id, second.id}, "consultation": view.id}


def _parts(r: Received) -> tuple[str, str]:
    msg = r.message
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def _template(r: Received) -> str:
    """Which email it is, from its key (the outbox's) and subject."""
    key, subject = r.key, str(r.message["Subject"])
    for prefix, name in (("convocatoria:", "convocatoria"), ("cancel:", "sesion_cancelada"),
                         ("postpone:", "sesion_reprogramada"), ("cuenta:restablecer:", "restablecer_contrasena"),
                         ("overdue_summary:", "resumen_vencidos")):
        if key.startswith(prefix):
            return name
    if key.startswith("consulta:"):
        return {"invitacion": "consulta_invitacion", "recordatorio": "consulta_recordatorio",
                "aporte": "consulta_confirmacion"}[key.split(":")[2]]
    if key.startswith("event:"):
        return key.rsplit(":", 1)[1]
    assert key.startswith("reminder:"), key
    if subject.startswith("Pendiente de revisión"):
        return "recordatorio_revision"
    return "recordatorio_vencido" if subject.startswith("Plazo vencido") else "recordatorio"


def _link(r: Received, base: str) -> str:
    text, html = _parts(r)
    found = re.findall(rf"{re.escape(base)}/\S*", text)
    assert found, f"{r.key}: no link to {base} in the text part"
    link = found[0]
    assert all(f == link for f in found), f"{r.key}: more than one link in the text part"
    assert f'href="{link}"' in html, f"{r.key}: the HTML part does not link to {link}"
    return link


def _sign_in_on_the_way(page: Any, link: str, email: str) -> None:
    """Open the link signed out: the sign-in page comes first, then the page itself."""
    page.goto(link)
    assert page.url.split("?")[0].endswith("/entrar"), page.url
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.keyboard.press("Enter")
    target = link.split("#")[0]
    page.wait_for_url(lambda url: url.split("#")[0] == target)


def _check_page(page: Any, r: Received, template: str, ids: dict[str, Any]) -> None:
    """The page is the one the email is about."""
    text, _ = _parts(r)
    subject = str(r.message["Subject"])
    h1 = page.locator("h1").first.inner_text().strip()
    if template in DELIVERABLE:
        number = re.search(r"\(N° (\d+)\)", text)
        assert number, f"{r.key}: the email names no deliverable"
        assert page.title().startswith(f"Entregable {number.group(1)}"), (r.key, page.title())
        assert f"«{h1}»" in text or f"{h1} (N° {number.group(1)})" in text, (r.key, h1)
        assert r.key.split(":")[1] == number.group(1)  # the outbox row is this deliverable's
    elif template in SESSION:
        assert h1 and h1 in subject, (r.key, h1, subject)
        assert int(page.url.rsplit("/", 1)[1]) == int(r.key.split(":")[1]) and int(r.key.split(":")[1]) in ids["sessions"]
    elif template in CONSULTATION:
        assert h1 == "Propuesta de informe anual de gobernanza" and h1 in subject
        assert f"/consulta/{ids['consultation']}" in page.url
    elif template == "resumen_vencidos":
        assert h1 == "Tablero de avance del plan"
        assert page.locator("#h-overdue").inner_text().startswith("Entregables vencidos")
    else:
        assert template == "restablecer_contrasena"
        assert h1 == "Elegir una nueva contraseña" and r.recipients[0] in page.content()


def test_every_email_links_to_the_page_it_is_about_followed_in_the_browser_as_its_recipient(
    tmp_path: Path, clock: FixedClock, smtp: SmtpCapture, browser: Any,
) -> None:
    home = tmp_path / "home"
    app = make_app(f"sqlite:///{home / 'conaig.db'}", home, clock)
    try:
        plans.init(app, default_plan_file())
        _people(app)
        use_smtp(app, smtp)
        ids = _scenario(app, clock)
        accounts_by_email = {u.email for u in users.list_users(app)}
        problems: list[str] = []
        with serving(home, 0, CONAIG_NOW=END.isoformat()) as (base, _):
            # this process listens on nothing: the recorded address. (In a thread of its own:
            # Playwright's sync API holds an event loop in this one, and dispatch runs another.)
            with ThreadPoolExecutor(1) as worker:
                assert worker.submit(dispatch, app).result().sent > 0
            received = list(smtp.received)
            kinds = {_template(r) for r in received}
            assert kinds >= EVERY_KIND, EVERY_KIND - kinds
            escalated = [r for r in received if _template(r) == "recordatorio_vencido" and "titular.midis@example.pe" in r.recipients]
            assert escalated and "Con copia a la persona titular" in _parts(escalated[0])[0]  # the escalation's copy

            # who follows which link: every recipient of every message
            visits: dict[str, list[tuple[Received, str, str]]] = defaultdict(list)
            for r in received:
                template = _template(r)
                link = _link(r, base)
                for rcpt in r.recipients:
                    anonymous = template in CONSULTATION or template == "restablecer_contrasena"
                    assert anonymous or rcpt in accounts_by_email, (r.key, rcpt)
                    visits["" if anonymous else rcpt].append((r, template, link))

            followed: set[str] = set()
            for email, items in sorted(visits.items()):
                page = open_page(browser, base, problems)
                signed_in = False
                for r, template, link in items:
                    if email and not signed_in:
                        _sign_in_on_the_way(page, link, email)
                        signed_in = True
                    else:
                        page.goto(link)
                    _check_page(page, r, template, ids)
                    if template not in followed:
                        followed.add(template)
                        shot(page, f"enlace-{template}")
                page.context.close()
            assert followed >= EVERY_KIND
        assert problems == []
    finally:
        app.close()
