"""The administration corrects an entity's name: a plan amendment every page, email and
document uses from then on (in this process and any started later), recorded in the admin log;
bad input changes nothing."""

from __future__ import annotations

from pathlib import Path

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import users
from conaig_flow.web import create_app
from conaig_flow.web.views import entity_admin, user_admin
from tests.conftest import PLAN_START, make_app
from tests.web_support import PEOPLE, add_web_people, client, sign_in

NEW = "Ministerio de Salud de la República del Perú"


def test_an_admin_renames_an_entity_and_every_page_uses_the_new_name_with_the_change_logged(
    app: App, store_url: str, tmp_path: Path
) -> None:
    add_web_people(app)
    web = create_app(app)
    admin, csrf = sign_in(web, PEOPLE["admin"])
    r = admin.post("/admin/entidades/MINSA", data={"csrf_token": csrf, "nombre": f"  {NEW} "})
    assert r.status_code == 303 and r.headers["location"].startswith("/admin/entidades?hecho=MINSA")
    page = admin.get("/admin/entidades?hecho=MINSA").text
    assert f"Nombre de la entidad {NEW} (MINSA) actualizado" in page and f'value="{NEW}"' in page
    assert f"{PEOPLE['admin']} · MINSA: nombre de la entidad «Ministerio de Salud» → «{NEW}»" in page
    (entry, *_) = user_admin.admin_log(app, users.actor_for(app, PEOPLE["admin"]), target="MINSA")
    assert entry.action == "edición de entidad" and entry.actor_email == PEOPLE["admin"]
    assert app.definitions().plan.owner_name("MINSA") == NEW
    assert f"{NEW} (MINSA)" in client(web).get("/comision").text
    later = make_app(store_url, tmp_path / "otra", FixedClock(PLAN_START))  # another process, same database
    try:
        assert later.definitions().plan.owner_name("MINSA") == NEW
        assert later.definitions().plan.owner_name("MINEDU") == "Ministerio de Educación"
    finally:
        later.close()


def test_a_blank_name_or_an_unknown_entity_changes_nothing_and_others_are_refused(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    admin, csrf = sign_in(web, PEOPLE["admin"])
    r = admin.post("/admin/entidades/MINSA", data={"csrf_token": csrf, "nombre": "   "})
    assert r.status_code == 422 and "Escriba el nombre de la entidad" in r.text
    assert admin.post("/admin/entidades/NOEXISTE", data={"csrf_token": csrf, "nombre": "X"}).status_code == 404
    r = admin.post("/admin/entidades/MINSA", data={"csrf_token": csrf, "nombre": "Ministerio de Salud"})
    assert r.status_code == 303  # the same name: nothing to record
    assert sqlite_app.definitions().plan.owner_name("MINSA") == "Ministerio de Salud"
    assert user_admin.admin_log(sqlite_app, users.actor_for(sqlite_app, PEOPLE["admin"]), target="MINSA") == []
    st, st_csrf = sign_in(web, PEOPLE["secretariat"])
    assert st.post("/admin/entidades/MINSA", data={"csrf_token": st_csrf, "nombre": "Otro"}).status_code == 403
    assert sqlite_app.definitions().plan.owner_name("MINSA") == "Ministerio de Salud"


def test_the_success_banner_names_only_an_existing_entity(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    admin, _ = sign_in(create_app(sqlite_app), PEOPLE["admin"])
    page = admin.get("/admin/entidades?hecho=Ministerio%20de%20Salud%20eliminado").text
    assert "eliminado" not in page and "actualizado: las páginas" not in page
    page = admin.get("/admin/entidades?hecho=MINEDU").text
    assert "Nombre de la entidad Ministerio de Educación (MINEDU) actualizado" in page


def test_renames_in_two_processes_both_stay_and_each_process_sees_the_newest_names(
    app: App, store_url: str, tmp_path: Path
) -> None:
    other = make_app(store_url, tmp_path / "otra", FixedClock(PLAN_START))  # another process, same database
    # a process looks up the newest stored plan at most once a second; here on every call, so
    # the test need not wait that second
    other.definitions_max_age = app.definitions_max_age = 0
    try:
        assert other.definitions().plan.owner_name("MINSA") == "Ministerio de Salud"  # its copy, kept
        add_web_people(app)
        admin = users.actor_for(app, PEOPLE["admin"])
        entity_admin.rename(app, admin, "MINSA", NEW)
        assert other.definitions().plan.owner_name("MINSA") == NEW  # the other process sees it
        entity_admin.rename(other, admin, "MINEDU", "Ministerio de Educación del Perú")
        for one in (app, other):
            assert one.definitions().plan.owner_name("MINSA") == NEW  # not undone by the second rename
            assert one.definitions().plan.owner_name("MINEDU") == "Ministerio de Educación del Perú"
    finally:
        other.close()
