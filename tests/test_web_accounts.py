"""Accounts people can use and recover (issue #14): throttling that never locks the owner
out and holds under concurrent attempts, trusted proxies only when configured, a clear word for
deactivated accounts, password reset by email and change of one's own password, admin edits
of users with their log."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import AccountDisabled, InvalidCredentials, InvalidInput, PermissionDenied, TooManyAttempts
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import accounts, users
from conaig_flow.store.tables_web import LoginAttemptRow, PasswordResetRow, WebSessionRow
from conaig_flow.web import create_app
from conaig_flow.web.views import auth as web_auth
from conaig_flow.web.views import user_admin
from tests.notify_helpers import use_smtp
from tests.session_kit import lima
from tests.web_support import PASSWORD, PEOPLE, add_web_people, client, form_csrf, free_port, sign_in

LA = LoginAttemptRow.__table__  # type: ignore[attr-defined]
PR = PasswordResetRow.__table__  # type: ignore[attr-defined]
S = WebSessionRow.__table__  # type: ignore[attr-defined]
OWNER = PEOPLE["officer"]


def _checks(app: App, account: str, address: str) -> int:
    """How many times a password was actually checked for this pair (one attempt row each)."""
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(LA).where(
            LA.c.account == account, LA.c.address == address)).scalar_one())


# --- throttling -----------------------------------------------------------------------------

def test_the_owner_signs_in_after_thirty_concurrent_failures_from_another_address(app: App, clock: FixedClock) -> None:
    add_web_people(app)
    clock.set(lima("2022-05-16T10:00"))
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(30)

    def attack() -> None:
        start.wait()
        try:
            web_auth.login(app, OWNER, "adivinanza-equivocada", "203.0.113.9")
            outcome = "entró"
        except InvalidCredentials:
            outcome = "contraseña"
        except TooManyAttempts:
            outcome = "espera"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attack) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(outcomes) == 30 and "entró" not in outcomes
    checked = _checks(app, OWNER, "203.0.113.9")
    # race-free: no more password checks than the free failures, however the 30 interleave
    assert 1 <= checked <= web_auth.FREE_FAILURES, f"{checked} password checks for 30 concurrent attempts"
    assert outcomes.count("contraseña") == checked and outcomes.count("espera") == 30 - checked
    # the owner, from the ministry's own address, is not delayed at all
    session = web_auth.login(app, OWNER, PASSWORD, "198.51.100.20")
    assert session.actor.email == OWNER


def test_failures_of_one_pair_wait_twice_as_long_each_time_and_a_success_clears_them(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    clock.set(lima("2022-05-16T10:00"))
    address = "192.0.2.1"
    for _ in range(web_auth.FREE_FAILURES):
        with pytest.raises(InvalidCredentials):
            web_auth.login(sqlite_app, OWNER, "mala", address)
    with pytest.raises(TooManyAttempts) as waiting:
        web_auth.login(sqlite_app, OWNER, "mala", address)
    assert "Espere 1 segundo" in waiting.value.message and waiting.value.retry_after == 1
    clock.advance(timedelta(seconds=1))
    with pytest.raises(InvalidCredentials):
        web_auth.login(sqlite_app, OWNER, "mala", address)
    with pytest.raises(TooManyAttempts) as waiting:
        web_auth.login(sqlite_app, OWNER, PASSWORD, address)  # even the right password waits its turn
    assert "Espere 2 segundos" in waiting.value.message
    clock.advance(timedelta(seconds=2))
    web_auth.login(sqlite_app, OWNER, PASSWORD, address)
    # cleared: three free failures again
    for _ in range(web_auth.FREE_FAILURES):
        with pytest.raises(InvalidCredentials):
            web_auth.login(sqlite_app, OWNER, "mala", address)


def test_the_delay_grows_to_fifteen_minutes_and_no_further() -> None:
    assert [web_auth.delay_after(n).total_seconds() for n in range(1, 8)] == [0, 0, 1, 2, 4, 8, 16]
    assert web_auth.delay_after(40) == timedelta(minutes=15)
    assert web_auth.wait_phrase(900) == "15 minutos" and web_auth.wait_phrase(61) == "2 minutos"


def test_a_throttled_sign_in_in_the_browser_form_says_how_long_to_wait(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    clock.set(lima("2022-05-16T10:00"))
    c = client(create_app(sqlite_app))
    for _ in range(web_auth.FREE_FAILURES + 1):
        token = form_csrf(c.get("/entrar").text)
        r = c.post("/entrar", data={"correo": OWNER, "contrasena": "mala", "csrf_token": token})
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert "Espere 1 segundo e inténtelo de nuevo" in r.text and "¿Olvidó su contraseña?" in r.text


# --- deactivated accounts -------------------------------------------------------------------

def test_a_deactivated_user_is_told_so_only_after_the_right_password(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    admin = users.actor_for(sqlite_app, PEOPLE["admin"])
    target = next(u for u in users.list_users(sqlite_app) if u.email == OWNER)
    user_admin.set_active(sqlite_app, admin, target.id, False)
    with pytest.raises(InvalidCredentials) as wrong:
        web_auth.login(sqlite_app, OWNER, "otra-clave-cualquiera", "192.0.2.7")
    assert wrong.value.message == "Correo o contraseña incorrectos."
    with pytest.raises(AccountDisabled) as right:
        web_auth.login(sqlite_app, OWNER, PASSWORD, "192.0.2.7")
    assert "Su cuenta está desactivada" in right.value.message


# --- trusted proxies ------------------------------------------------------------------------

def _serve(home: Path, port: int, log: Path, **env: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, "CONAIG_HOME": str(home), "CONAIG_NOW": "2022-05-16T10:00", **env}
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "conaig_flow", "serve", "--port", str(port), "--no-worker"],
                                env=full, stdout=out, stderr=subprocess.STDOUT)


def _wait_up(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            httpx.get(f"{base}/acerca", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"conaig serve did not start: {log.read_text()}")


@pytest.mark.slow
@pytest.mark.parametrize(("trusted", "recorded"), [("", "127.0.0.1"), ("127.0.0.1", "203.0.113.50")])
def test_x_forwarded_for_is_believed_only_from_the_configured_proxies(tmp_path: Path, trusted: str, recorded: str) -> None:
    home = tmp_path / "home"
    init = subprocess.run([sys.executable, "-m", "conaig_flow", "--home", str(home), "init"], capture_output=True, text=True)
    assert init.returncode == 0, init.stderr
    port = free_port()
    log = tmp_path / "serve.log"
    proc = _serve(home, port, log, CONAIG_TRUSTED_PROXIES=trusted)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, proc, log)
        with httpx.Client(base_url=base) as c:
            token = form_csrf(c.get("/entrar").text)
            r = c.post("/entrar", data={"correo": "nadie@example.pe", "contrasena": "x", "csrf_token": token},
                       headers={"X-Forwarded-For": "203.0.113.50"})
            assert r.status_code == 401
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    from conaig_flow.bootstrap import Settings, bootstrap

    app = bootstrap(Settings.from_env({}, home=home))
    try:
        with app.db.read() as conn:
            addresses = set(conn.execute(select(LA.c.address)).scalars())
    finally:
        app.close()
    assert addresses == {recorded}


# --- password reset by email ----------------------------------------------------------------

def _request_link(c: Any, email: str) -> Any:
    token = form_csrf(c.get("/contrasena/olvido").text)
    return c.post("/contrasena/olvido", data={"correo": email, "csrf_token": token})


def _reset_rows(app: App) -> int:
    with app.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(PR)).scalar_one())


def test_asking_for_a_link_answers_alike_for_real_and_unknown_addresses(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    clock.set(lima("2022-05-16T10:00"))
    c = client(create_app(sqlite_app))
    real = _request_link(c, OWNER)
    unknown = _request_link(c, "no-existe@example.pe")
    assert real.status_code == unknown.status_code == 200

    def strip(text: str, email: str) -> str:
        return re.sub(r'value="[^"]{20,}"', "", text).replace(email, "CORREO")

    assert strip(real.text, OWNER) == strip(unknown.text, "no-existe@example.pe")
    assert "Si «" in real.text and "corresponde a una cuenta activa" in real.text
    # the same work for both: one request row each; one email, for the real account only
    assert _reset_rows(sqlite_app) == 2
    from conaig_flow.notify import outbox

    queued = [m for m in outbox.list_outbox(sqlite_app) if m.template == "restablecer_contrasena"]
    assert [m.to for m in queued] == [[OWNER]]


def test_a_reset_link_arrives_by_email_works_once_and_ends_every_session(sqlite_app: App, clock: FixedClock, smtp: Any) -> None:
    add_web_people(sqlite_app)
    use_smtp(sqlite_app, smtp)
    clock.set(lima("2022-05-16T10:00"))
    web = create_app(sqlite_app)
    old, _ = sign_in(web, OWNER)
    assert old.get("/entregables").status_code == 200
    c = client(web)
    _request_link(c, OWNER)
    dispatch(sqlite_app)
    (mail,) = [m for m in smtp.received if m.message["To"].addresses[0].addr_spec == OWNER]
    body = mail.message.get_body(("plain",)).get_content()
    assert "Restablecer su contraseña" in str(mail.message["Subject"])
    assert "16 de mayo de 2022" in body and "sirve una sola vez" in body
    link = re.search(r"http://\S+/contrasena/nueva\?token=\S+", body)
    assert link, body
    path = link.group(0).split("127.0.0.1:8000", 1)[1]
    page = c.get(path)
    assert page.status_code == 200 and OWNER in page.text
    new_password = "una-clave-nueva-2022"
    r = c.post("/contrasena/nueva", data={"token": path.split("token=")[1], "nueva": new_password,
                                          "confirmacion": new_password, "csrf_token": form_csrf(page.text)})
    assert r.status_code == 303 and r.headers["location"] == "/entrar?hecho=contrasena"
    assert old.get("/entregables").status_code == 303  # the old session was ended
    sign_in(web, OWNER, new_password)
    with pytest.raises(InvalidCredentials):
        web_auth.login(sqlite_app, OWNER, PASSWORD, "192.0.2.30")
    again = c.get(path)
    assert again.status_code == 422 and "ya se usó o caducó" in again.text


def test_a_reset_link_expires_after_thirty_minutes(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    clock.set(lima("2022-05-16T10:00"))
    accounts.request_reset(sqlite_app, OWNER, "192.0.2.40")
    from conaig_flow.notify import outbox

    (m,) = [m for m in outbox.list_outbox(sqlite_app) if m.template == "restablecer_contrasena"]
    token = str(m.context["link"]).split("token=")[1]
    assert accounts.check_reset(sqlite_app, token).account == OWNER
    clock.advance(timedelta(minutes=30, seconds=1))
    with pytest.raises(InvalidInput, match="caducó"):
        accounts.reset_password(sqlite_app, token, "una-clave-nueva-2022", "una-clave-nueva-2022")
    web_auth.login(sqlite_app, OWNER, PASSWORD, "192.0.2.41")  # the old password still works


def test_a_reset_with_a_short_or_mismatched_password_changes_nothing(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    accounts.request_reset(sqlite_app, OWNER, "192.0.2.50")
    from conaig_flow.notify import outbox

    (m,) = [m for m in outbox.list_outbox(sqlite_app) if m.template == "restablecer_contrasena"]
    token = str(m.context["link"]).split("token=")[1]
    with pytest.raises(InvalidInput, match="al menos 10"):
        accounts.reset_password(sqlite_app, token, "corta", "corta")
    with pytest.raises(InvalidInput, match="no coinciden"):
        accounts.reset_password(sqlite_app, token, "una-clave-nueva-2022", "otra-clave-nueva-2022")
    assert accounts.check_reset(sqlite_app, token).account == OWNER  # still usable
    web_auth.login(sqlite_app, OWNER, PASSWORD, "192.0.2.51")


def test_no_more_than_three_links_an_hour_are_sent_for_one_account(sqlite_app: App, clock: FixedClock) -> None:
    add_web_people(sqlite_app)
    for _ in range(5):
        accounts.request_reset(sqlite_app, OWNER, "192.0.2.60")
    from conaig_flow.notify import outbox

    assert len([m for m in outbox.list_outbox(sqlite_app) if m.template == "restablecer_contrasena"]) == 3
    assert _reset_rows(sqlite_app) == 5


# --- changing one's own password ------------------------------------------------------------

def test_changing_ones_password_ends_the_other_sessions_and_keeps_this_one(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    other, _ = sign_in(web, OWNER)
    me, csrf = sign_in(web, OWNER)
    new_password = "mi-clave-nueva-2022"
    r = me.post("/cuenta/contrasena", data={"csrf_token": csrf, "actual": "equivocada-123",
                                            "nueva": new_password, "confirmacion": new_password})
    assert r.status_code == 401 and "La contraseña actual no es correcta" in r.text
    r = me.post("/cuenta/contrasena", data={"csrf_token": csrf, "actual": PASSWORD,
                                            "nueva": new_password, "confirmacion": new_password})
    assert r.status_code == 303
    page = me.get(r.headers["location"])
    assert page.status_code == 200 and "Su contraseña fue cambiada" in page.text
    assert other.get("/entregables").status_code == 303  # signed out
    with sqlite_app.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(S)).scalar_one() == 1
    web_auth.login(sqlite_app, OWNER, new_password, "192.0.2.70")


# --- admins edit users, each change logged --------------------------------------------------

def test_an_admin_edits_name_entity_role_and_capacity_and_the_log_keeps_before_and_after(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    target = next(u for u in users.list_users(sqlite_app) if u.email == OWNER)
    victim, _ = sign_in(web, OWNER)
    admin, csrf = sign_in(web, PEOPLE["admin"])
    r = admin.post(f"/admin/usuarios/{target.id}", data={"csrf_token": csrf, "nombre": "Ana Pérez Ríos",
                                                         "entidad": "MINEDU", "rol": "member", "calidad": "alterno"})
    assert r.status_code == 303
    page = admin.get(r.headers["location"]).text
    assert "Cambios guardados" in page
    assert "nombre: «Ana Pérez (MINSA)» → «Ana Pérez Ríos»" in page
    assert "entidad: «MINSA» → «MINEDU»" in page
    assert "rol: «enlace de entidad» → «integrante de la comisión»" in page  # names, never role codes
    assert "calidad: «—» → «alterno»" in page
    edited = user_admin.get_user(sqlite_app, users.actor_for(sqlite_app, PEOPLE["admin"]), target.id)
    assert (edited.name, edited.entity, edited.role, edited.capacity) == ("Ana Pérez Ríos", "MINEDU", "member", "alterno")
    assert victim.get("/entregables").status_code == 303  # a new entity and role: sessions ended
    (entry, *_) = user_admin.admin_log(sqlite_app, users.actor_for(sqlite_app, PEOPLE["admin"]), target=OWNER)
    assert entry.actor_email == PEOPLE["admin"] and entry.action == "edición"
    with sqlite_app.db.read() as conn:
        from conaig_flow.store.tables_web import AdminLogRow

        raw = conn.execute(select(AdminLogRow.__table__)).all()  # type: ignore[attr-defined]
    assert json.loads(raw[-1].before)["entity_code"] == "MINSA" and json.loads(raw[-1].after)["entity_code"] == "MINEDU"


def test_bad_edits_are_refused_with_the_reason_and_change_nothing(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    admin = users.actor_for(sqlite_app, PEOPLE["admin"])
    target = next(u for u in users.list_users(sqlite_app) if u.email == OWNER)
    with pytest.raises(InvalidInput, match="Solo los integrantes"):
        user_admin.update_user(sqlite_app, admin, target.id, name="Ana", entity="MINSA", role="officer", capacity="titular")
    with pytest.raises(InvalidInput, match="Entidad desconocida"):
        user_admin.update_user(sqlite_app, admin, target.id, name="Ana", entity="XYZ", role="officer", capacity=None)
    with pytest.raises(InvalidInput, match="nombre no puede estar vacío"):
        user_admin.update_user(sqlite_app, admin, target.id, name="  ", entity="MINSA", role="officer", capacity=None)
    officer = users.actor_for(sqlite_app, OWNER)
    with pytest.raises(PermissionDenied):
        user_admin.update_user(sqlite_app, officer, target.id, name="Yo", entity="MINSA", role="admin", capacity=None)
    unchanged = user_admin.get_user(sqlite_app, admin, target.id)
    assert (unchanged.name, unchanged.role) == ("Ana Pérez (MINSA)", "officer")
    assert user_admin.admin_log(sqlite_app, admin, target=OWNER) == []


def test_the_reset_journey_in_the_browser(sqlite_app: App, clock: FixedClock, smtp: Any) -> None:
    """Forgot the password → the email's link → a new password → signed in, in Chromium."""
    from tests.test_web_browser import ARGS, CHROMIUM
    from tests.web_support import live_server

    if not CHROMIUM.exists():
        pytest.skip("Chromium no está instalado en /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    add_web_people(sqlite_app)
    use_smtp(sqlite_app, smtp)
    clock.set(lima("2022-05-16T10:00"))
    with live_server(sqlite_app) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_context(base_url=base, locale="es-PE").new_page()
            page.goto("/entrar")
            page.get_by_role("link", name="¿Olvidó su contraseña?").click()
            page.get_by_label("Correo electrónico").fill(OWNER)
            page.get_by_role("button", name="Enviar el enlace").click()
            assert "corresponde a una cuenta activa" in page.locator("#reset-sent").inner_text()
            sender = threading.Thread(target=dispatch, args=(sqlite_app,))  # its own event loop
            sender.start()
            sender.join(timeout=60)
            (mail,) = [m for m in smtp.received if m.message["To"].addresses[0].addr_spec == OWNER]
            link = re.search(r"/contrasena/nueva\?token=\S+", mail.message.get_body(("plain",)).get_content())
            assert link
            page.goto(link.group(0))
            page.get_by_label("Nueva contraseña (al menos 10 caracteres)").fill("clave-del-navegador-1")
            page.get_by_label("Repita la nueva contraseña").fill("clave-del-navegador-1")
            page.get_by_role("button", name="Guardar la nueva contraseña").click()
            assert "Su contraseña fue cambiada" in page.content()
            page.get_by_label("Correo electrónico").fill(OWNER)
            page.get_by_label("Contraseña").fill("clave-del-navegador-1")
            page.get_by_role("button", name="Ingresar").click()
            page.wait_for_url("**/entregables")
        finally:
            browser.close()
