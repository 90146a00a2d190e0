"""The commission's record does not change after the fact: an approved acta stays as approved
when an entity is renamed later; a consultation's answers publish only when the Technical
Secretariat closed it (not when its deliverable was withdrawn); a session's agreements are
public once its acta is approved."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import attendance, sessions, votes
from conaig_flow.services.sessions import views as session_views
from conaig_flow.web import create_app
from conaig_flow.web.views import entity_admin
from tests import public_kit
from tests.public_kit import SECRETARIAT, lima
from tests.web_support import client, form_csrf

OLD = "Ministerio de Salud"
NEW = "Ministerio de Salud Pública y Bienestar"


def _staff(web: Any) -> Any:
    c = client(web)
    token = form_csrf(c.get("/entrar").text)
    r = c.post("/entrar", data={"correo": SECRETARIAT, "contrasena": public_kit.PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    return c


def _pdf_text(content: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


def test_renaming_an_entity_after_the_acta_is_approved_leaves_the_approved_acta_as_it_was(app: App) -> None:
    world = public_kit.build(app)
    web = create_app(app)
    st = _staff(web)
    sid = world.approved_session
    public_pdf = f"/comision/sesiones/{sid}/acta.pdf"
    staff = {fmt: f"/sesiones/{sid}/documentos/acta.{fmt}" for fmt in ("pdf", "md", "html")}
    before_public = client(web).get(public_pdf).content
    before = {fmt: st.get(url) for fmt, url in staff.items()}
    assert all(r.status_code == 200 for r in before.values())
    assert OLD in _pdf_text(before_public) and OLD in before["md"].text

    admin = users.actor_for(app, "admin@conaig.gob.pe")
    assert entity_admin.rename(app, admin, "MINSA", NEW)
    app.clock.set(lima("2022-07-01T09:00"))  # later downloads, another day
    st = _staff(web)

    assert client(web).get(public_pdf).content == before_public  # the very bytes approved
    assert st.get(staff["pdf"]).content == before["pdf"].content
    for fmt in ("md", "html"):  # rendered on request, with the names in force at the session
        text = st.get(staff[fmt]).text
        assert OLD in text and NEW not in text, fmt
    # the concluded session whose acta is still a draft also keeps the names of its day
    draft = st.get(f"/sesiones/{world.draft_session}/documentos/acta.md").text
    assert NEW not in draft
    # while the commission's pages use the new name from now on
    assert f"{NEW} (MINSA)" in client(web).get("/comision").text


def test_a_withdrawn_deliverables_consultation_does_not_publish_its_answers(sqlite_app: App) -> None:
    app = sqlite_app
    world = public_kit.build(app)
    st = users.actor_for(app, SECRETARIAT)
    deliverables.advance(app, st, world.proposal_id, "withdraw", comment="La propuesta se reformula por completo.")
    page = client(create_app(app)).get(f"/comision/consultas/{world.consultation_id}")
    assert page.status_code == 200
    assert public_kit.ORG_TEXT not in page.text and public_kit.ORG_REASON not in page.text
    assert "Las respuestas se publican cuando la Secretaría Técnica cierra la consulta." in page.text


def test_a_sessions_agreements_are_public_only_once_its_acta_is_approved(sqlite_app: App) -> None:
    app = sqlite_app
    world = public_kit.build(app)
    st = users.actor_for(app, SECRETARIAT)
    clock = app.clock
    clock.set(lima("2022-06-01T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima("2022-06-06T10:00"), kind="extraordinaria",
                                      place="Sala Micaela Bastidas, MIMP")
    agreed = "Encargar a la Secretaría Técnica un informe sobre la consulta pública"
    sessions.add_item(app, st, created.id, other=agreed)
    sessions.convene(app, st, created.id)
    clock.set(lima("2022-06-06T18:00"))
    voting = [e.code for e in app.definitions().plan.voting_members]
    for code in voting[:15]:
        attendance.attend(app, st, created.id, code, at=lima("2022-06-06T09:55"))
    attendance.open_session(app, st, created.id, at=lima("2022-06-06T10:05"))
    for code in voting[:15]:
        votes.vote(app, st, created.id, 1, code, "for", at=lima("2022-06-06T10:30"))
    votes.close(app, st, created.id, at=lima("2022-06-06T11:00"))
    record = session_views.session_record(app, created.id)
    (item,) = record.items
    assert item.agreement_number is not None and record.acta_state == "draft"  # staff: agreement taken
    public_text = item.agreement_text or agreed

    web = create_app(app)
    anon = client(web)

    def published() -> tuple[bool, bool]:
        page = anon.get("/comision/sesiones").text
        section = page.split(f'id="sesion-{created.id}"', 1)[1].split("</section>", 1)[0]
        data = anon.get("/comision/datos-abiertos/csv.zip").content
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            zipped = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        return public_text in section, agreed in zipped

    assert published() == (False, False)
    # the approved session's agreements stay public
    assert "<h3>Acuerdos</h3>" in anon.get("/comision/sesiones").text.split(
        f'id="sesion-{world.approved_session}"', 1)[1].split("</section>", 1)[0]
    from conaig_flow.services.sessions import actas

    actas.approve_acta(app, st, created.id)
    assert published() == (True, True)
