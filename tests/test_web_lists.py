"""Long lists come in pages with a search box: the outbox (subject or recipient), the users
(name, email, entity) and the deliverables (number, activity, title, entity, state). The queries
run on SQLite and PostgreSQL; the pages keep the search and filters in their links."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.errors import InvalidInput
from conaig_flow.notify import outbox
from conaig_flow.notify.messages import NewMessage
from conaig_flow.services import users
from conaig_flow.web import create_app
from conaig_flow.web.views import paging, user_admin
from tests.web_support import PEOPLE, add_web_people, sign_in

ROSA = "rosa.huaman@salud.example.pe"


def add_many_users(app: App, n: int = 40) -> None:
    entities = ("MIDIS", "MTPE", "MINEDU", "PRODUCE")
    for i in range(n):
        users.add_user(app, f"persona{i:02d}@example.pe", f"Persona {i:02d}", entities[i % 4], "officer",
                       password_hash="x")
    users.add_user(app, ROSA, "Rosa Huamán Ccori", "MINSA", "officer", password_hash="x")


def add_many_messages(app: App, n: int = 60) -> None:
    with app.db.write() as conn:
        for i in range(n):
            outbox.enqueue(conn, NewMessage(
                key=f"prueba:{i}", kind="message", template="consulta_confirmacion",
                to=[f"destino{i:02d}@example.pe"],
                context={"contribution_id": i, "consultation_title": "Política de género" if i % 3 else "Diagnóstico regional"},
            ), app.clock.now() + timedelta(seconds=i))


def test_users_are_found_by_name_email_or_entity_and_come_in_pages(app: App) -> None:
    add_web_people(app)
    add_many_users(app)
    admin = users.actor_for(app, PEOPLE["admin"])
    everyone, total = user_admin.find_users(app, admin, "", 0, 25)
    assert total == len(users.list_users(app)) == 47 and len(everyone) == 25
    rest, _ = user_admin.find_users(app, admin, "", 25, 25)
    assert len(rest) == 22 and not {u.email for u in rest} & {u.email for u in everyone}
    by_name, n = user_admin.find_users(app, admin, "HUAMÁN", 0, 25)
    assert n == 1 and by_name[0].email == ROSA
    by_entity_name, n = user_admin.find_users(app, admin, "ministerio de salud", 0, 25)
    assert {u.email for u in by_entity_name} == {ROSA, PEOPLE["officer"], PEOPLE["member"]} and n == 3
    by_code, n = user_admin.find_users(app, admin, "midis", 0, 100)
    assert n == 10 and all(u.entity == "MIDIS" for u in by_code)
    assert user_admin.find_users(app, admin, "persona0", 0, 100)[1] == 10
    assert user_admin.find_users(app, admin, "%", 0, 100)[1] == 0  # a wildcard is a character, not "anything"
    assert user_admin.find_users(app, admin, "_", 0, 100)[1] == 0


def test_the_outbox_is_read_a_page_at_a_time_newest_first_with_its_total(app: App) -> None:
    add_many_messages(app)
    first, total = outbox.browse(app, None, 0, 25)
    assert total == 60 and len(first) == 25 and first[0].to == ["destino59@example.pe"]
    last, _ = outbox.browse(app, "pending", 50, 25)
    assert [m.to[0] for m in last] == [f"destino{i:02d}@example.pe" for i in range(9, -1, -1)]
    assert outbox.browse(app, "sent", 0, 25) == ([], 0)


def test_the_secretariat_pages_through_and_searches_the_outbox(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    add_many_messages(sqlite_app)
    st, _ = sign_in(create_app(sqlite_app), PEOPLE["secretariat"])
    page = st.get("/notificaciones").text
    assert "60 resultados; se muestran del 1 al 25 (página 1 de 3)" in page
    assert "Aporte N° 59 recibido: Política de género" in page and "destino59@example.pe" in page
    assert 'href="/notificaciones?pagina=2" rel="next"' in page
    page3 = st.get("/notificaciones?pagina=3").text
    assert "del 51 al 60 (página 3 de 3)" in page3 and "destino00@example.pe" in page3
    found = st.get("/notificaciones?buscar=diagnostico&estado=pending").text  # accents aside, a status kept
    assert "20 resultados para «diagnostico»" in found
    assert "Política de género" not in found.split("<tbody>")[1]
    assert 'href="/notificaciones?estado=pending">Quitar la búsqueda' in found
    genero = st.get("/notificaciones?buscar=GENERO&estado=pending").text
    assert "40 resultados para «GENERO»; se muestran del 1 al 25 (página 1 de 2)" in genero
    assert 'href="/notificaciones?estado=pending&amp;buscar=GENERO&amp;pagina=2"' in genero
    one = st.get("/notificaciones?buscar=destino07%40example.pe").text
    assert "1 resultado para «destino07@example.pe»" in one
    assert "Ningún resultado para «nadie»" in st.get("/notificaciones?buscar=nadie").text
    assert "del 51 al 60" in st.get("/notificaciones?pagina=99").text  # past the end: the last page
    bad = st.get("/notificaciones?pagina=dos")
    assert bad.status_code == 422 and "Número de página no válido «dos»" in bad.text


def test_the_admin_searches_users_and_the_secretariat_searches_deliverables(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    add_many_users(sqlite_app)
    web = create_app(sqlite_app)
    admin, _ = sign_in(web, PEOPLE["admin"])
    page = admin.get("/admin/usuarios").text
    assert "47 resultados; se muestran del 1 al 25 (página 1 de 2)" in page
    found = admin.get("/admin/usuarios?buscar=rosa").text
    assert "1 resultado para «rosa»" in found and ROSA in found and "persona00@example.pe" not in found
    st, _ = sign_in(web, PEOPLE["secretariat"])
    minsa = st.get("/entregables?buscar=minsa").text
    rows = re.findall(r'<a href="/entregables/(\d+)">', minsa)
    assert "1 resultado para «minsa»" in minsa and len(rows) == 1
    by_entity_name = st.get("/entregables?buscar=Ministerio+de+Salud").text
    assert re.findall(r'<a href="/entregables/(\d+)">', by_entity_name) == rows
    a3 = st.get("/entregables?buscar=A3.").text
    assert "2 resultados para «A3.»" in a3
    state = st.get("/entregables?buscar=borrador&entidad=MIDIS").text
    assert "1 resultado para «borrador»" in state
    assert 'name="entidad" value="MIDIS"' in state  # the search box keeps the entity filter


def test_a_bad_page_or_an_overlong_search_is_a_spanish_error() -> None:
    with pytest.raises(InvalidInput, match="se espera un número entero desde 1"):
        paging.page_number("0")
    with pytest.raises(InvalidInput, match="el máximo es 200"):
        paging.search_text("x" * 201)
    p = paging.paging("/notificaciones", 7, 300, {"estado": "dead", "buscar": ""})
    assert p.window() == [1, None, 5, 6, 7, 8, 9, None, 12]
    assert p.link(8) == "/notificaciones?estado=dead&pagina=8" and p.link(1) == "/notificaciones?estado=dead"
