"""The commission's public face, as an anonymous visitor reaches it: everything linked from the
home is crawled and compared with what the Technical Secretariat sees — no email, no person's
name, no contributor unless published, no draft acta, no outbox, no deliverable document."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from pypdf import PdfReader

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import plans, users
from conaig_flow.services.consultation import published
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import views as session_views
from conaig_flow.store.definitions import default_workflows_dir
from conaig_flow.web import create_app
from tests import public_kit
from tests.conftest import make_app
from tests.web_support import client, form_csrf

#: Where an anonymous visitor may go: the public face, the consultations' public pages, the
#: sign-in and password-recovery forms, the verifier and the static files.
PUBLIC_PREFIXES = ("/comision", "/consulta/", "/entrar", "/contrasena/olvido", "/acerca", "/documentos/verificar", "/static/")
#: What only the Technical Secretariat may read (it sees each of these on its own pages).
SECRET_STRINGS = (
    public_kit.PRIVATE_PERSON, public_kit.PRIVATE_EMAIL, public_kit.PRIVATE_ORG, public_kit.PRIVATE_ATTACHMENT,
    public_kit.ORG_EMAIL, "protocolo-minsa.pdf", "Precisar los estándares de cumplimiento",
    "Incorporar la pertinencia lingüística",
)
#: Kept by the system and shown to nobody on a page (the contributor's address).
NEVER_SHOWN = ("192.0.2.7",)
LINK = re.compile(r'(?:href|src|action)="([^"]+)"')


def crawl(c: Any, start: str = "/") -> dict[str, Any]:
    """Every same-site URL reachable from ``start`` by links and redirects, with its response."""
    seen: dict[str, Any] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen:
            continue
        r = c.get(path)
        seen[path] = r
        found = []
        if r.status_code in (301, 302, 303, 307, 308):
            found.append(r.headers["location"])
        if r.headers.get("content-type", "").startswith("text/html"):
            found += LINK.findall(r.text)
        for href in found:
            target = urlsplit(urljoin(f"http://127.0.0.1{path}", href.replace("&amp;", "&")))
            if target.netloc in ("127.0.0.1", "") and not href.startswith("//"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


def private_strings(app: App, world: public_kit.PublicWorld) -> list[str]:
    people = users.list_users(app)
    return [*SECRET_STRINGS, *NEVER_SHOWN, world.draft_acta_code, *(u.email for u in people), *(u.name for u in people)]


def html_text(responses: dict[str, Any]) -> str:
    return "\n".join(r.text for r in responses.values() if r.headers.get("content-type", "").startswith("text/html"))


def download_text(responses: dict[str, Any], kind: str) -> str:
    """The text of every download reached of ``kind``: ``zip`` (each file of the open-data
    zips; an XLSX inside is itself unzipped, its XML read) or ``pdf`` (each PDF's text)."""
    def unzip(data: bytes) -> list[str]:
        out = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                member = z.read(name)
                out.extend(unzip(member) if member.startswith(b"PK") else [member.decode("utf-8", "replace")])
        return out

    texts: list[str] = []
    for path, r in responses.items():
        if r.status_code != 200:
            continue
        if kind == "zip" and path.endswith(".zip"):
            texts.extend(unzip(r.content))
        elif kind == "pdf" and r.content.startswith(b"%PDF"):
            texts.extend(page.extract_text() for page in PdfReader(io.BytesIO(r.content)).pages)
    assert texts, f"no {kind} download was read (the check would prove nothing)"
    return "\n".join(texts)


def secretariat_view(web: Any, world: public_kit.PublicWorld, app: App) -> str:
    """The pages where the Technical Secretariat reads what the public must not."""
    c = client(web)
    token = form_csrf(c.get("/entrar").text)
    r = c.post("/entrar", data={"correo": public_kit.SECRETARIAT, "contrasena": public_kit.PASSWORD,
                                "csrf_token": token, "siguiente": "/entregables"})
    assert r.status_code == 303
    st = users.actor_for(app, public_kit.SECRETARIAT)
    (minsa,) = deliverables.list_deliverables(app, st, entity="MINSA", activity="A1.1")
    pages = [f"/consultas/{world.consultation_id}", f"/entregables/{minsa.id}", "/notificaciones",
             f"/sesiones/{world.draft_session}", "/entregables"]
    return "\n".join(c.get(p).text for p in pages)


def test_an_anonymous_visitor_reaches_only_public_pages_and_no_private_data_before_and_after_the_answers_publish(
    app: App,
) -> None:
    world = public_kit.build(app)
    web = create_app(app)
    privates = private_strings(app, world)
    staff = secretariat_view(web, world, app)
    for text in (*SECRET_STRINGS, world.draft_acta_code):
        assert text in staff, f"the secretariat should see «{text}» (the comparison would prove nothing)"

    for phase in ("answered, not yet closed", "closed: answers published"):
        if phase.startswith("closed"):
            public_kit.close(app, world)
        seen = crawl(client(web))
        wrong = [f"{p}: {r.status_code}" for p, r in seen.items()
                 if not p.startswith(PUBLIC_PREFIXES) and not (p == "/" and r.status_code == 303)]
        assert not wrong, f"{phase}: anonymous reached non-public addresses:\n" + "\n".join(wrong)
        failing = [f"{p}: {r.status_code}" for p, r in seen.items() if r.status_code >= 400]
        assert not failing, f"{phase}: " + "\n".join(failing)
        assert "/entrar" in seen, "the sign-in stays reachable from the header"
        assert f"/comision/sesiones/{world.approved_session}/acta.pdf" in seen
        assert seen[f"/comision/sesiones/{world.approved_session}/acta.pdf"].content.startswith(b"%PDF")
        assert not any(p.startswith(f"/comision/sesiones/{world.draft_session}/") for p in seen)
        text = html_text(seen)
        leaked = [s for s in privates if s and s in text]
        assert not leaked, f"{phase}: private data on the public pages: {leaked}"
        zips = download_text(seen, "zip")
        assert "acuerdos" in zips.lower()
        leaked = [s for s in privates if s and s in zips]
        assert not leaked, f"{phase}: private data in the open-data downloads: {leaked}"
        # the approved acta is the official record: it names who attended (Ley N° 27444, art.
        # 102), and nothing else private
        attended = {a.person for a in session_views.session_record(app, world.approved_session).acta_attendees}
        pdfs = download_text(seen, "pdf")
        leaked = [s for s in privates if s and s not in attended and s in pdfs]
        assert not leaked, f"{phase}: private data in the public acta: {leaked}"
        page = seen[f"/comision/consultas/{world.consultation_id}"].text
        if phase.startswith("answered"):
            assert "Las respuestas se publican cuando la Secretaría Técnica cierra la consulta." in page
            assert public_kit.ORG_TEXT not in text and public_kit.PERSON_TEXT not in text
        else:
            assert public_kit.ORG_TEXT in page and public_kit.ORG_REASON in page and "Acogido parcialmente" in page
            assert "Colectivo Warmi" in page and published.PUBLIC_SUBMITTER in page
    # a draft acta is not served, even by its address
    assert client(web).get(f"/comision/sesiones/{world.draft_session}/acta.pdf").status_code == 404
    # the open data downloads are the export's zip, with its dictionary
    for fmt in ("csv", "json", "xlsx"):
        r = seen[f"/comision/datos-abiertos/{fmt}.zip"]
        names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
        assert any("diccionario" in n.lower() or n == "LEEME.md" for n in names), names


def test_the_public_pages_show_the_commission_its_plan_and_progress_as_the_open_data_does(sqlite_app: App) -> None:
    world = public_kit.build(sqlite_app)
    c = client(create_app(sqlite_app))
    r = c.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/comision"
    home = c.get("/comision").text
    plan = sqlite_app.definitions().plan
    assert plan.commission.name in home and plan.plan.title in home
    for o in plan.objectives:
        assert o.title in home
    for a in plan.activities:
        assert a.title in home
    assert "Ministerio de Salud (MINSA)" in home
    progress = c.get("/comision/avance").text
    assert "Aprobado a tiempo" in progress or "Aprobado con retraso" in progress
    csv = zipfile.ZipFile(io.BytesIO(c.get("/comision/datos-abiertos/csv.zip").content))
    deliverables_csv = next(n for n in csv.namelist() if n.startswith("entregables"))
    rows = csv.read(deliverables_csv).decode("utf-8-sig").splitlines()[1:]
    assert f"<dt>Entregables</dt><dd>{len(rows)} (" in progress, "the public total is the open data's row count"
    sessions_page = c.get("/comision/sesiones").text
    assert "Descargar el ACTA N° 001-2022-CONAIG (PDF)" in sessions_page
    assert "Pendiente de aprobación por la comisión" in sessions_page
    listing = c.get("/comision/consultas").text
    assert "Consulta sobre la propuesta de informe anual" in listing and "Abierta a aportes" in listing
    assert world.consultation_id


def test_a_signed_in_person_going_home_is_taken_to_their_deliverables(sqlite_app: App) -> None:
    from tests.web_support import PEOPLE, add_web_people, sign_in

    add_web_people(sqlite_app)
    c, _ = sign_in(create_app(sqlite_app), PEOPLE["officer"])
    r = c.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/entregables"
    page = c.get("/comision").text
    assert 'aria-label="Información pública"' in page and "Cerrar sesión" in page


def test_the_second_commissions_plan_gives_its_own_public_home(store_url: str, tmp_path: Path) -> None:
    app = make_app(store_url, tmp_path / "home", FixedClock(datetime(2023, 2, 1, 9, 0, tzinfo=LIMA)))
    try:
        plans.init(app, default_workflows_dir() / "plans" / "comision-ejemplo-2023.yaml")
        c = client(create_app(app))
        home = c.get("/comision").text
        plan = app.definitions().plan
        assert plan.commission.name in home and "CONAIG" not in home
        for o in plan.objectives:
            assert o.title in home
        assert c.get("/comision/avance").status_code == 200
        assert "aún no ha realizado sesiones" in c.get("/comision/sesiones").text
        assert "No hay consultas públicas" in c.get("/comision/consultas").text
    finally:
        app.close()
