"""Web security: sessions, timeouts, CSRF, throttling, headers, uploads, entity isolation."""

from __future__ import annotations

from datetime import timedelta

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import audit
from conaig_flow.web import create_app
from conaig_flow.web.views import auth as web_auth
from tests.conftest import pdf_bytes
from tests.web_support import PASSWORD, PEOPLE, add_web_people, client, form_csrf, minsa_protocol, sign_in


def test_sign_in_sets_an_httponly_lax_cookie_with_a_fresh_id_each_time(app: App) -> None:
    add_web_people(app)
    web = create_app(app)
    c1, _ = sign_in(web, PEOPLE["officer"])
    c2, _ = sign_in(web, PEOPLE["officer"])
    assert c1.cookies["conaig_sesion"] != c2.cookies["conaig_sesion"]
    c = client(web)
    token = form_csrf(c.get("/entrar").text)
    r = c.post("/entrar", data={"correo": PEOPLE["officer"], "contrasena": PASSWORD, "csrf_token": token})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    https = client(web)
    https.base_url = https.base_url.copy_with(scheme="https")
    token = form_csrf(https.get("/entrar").text)
    r = https.post("/entrar", data={"correo": PEOPLE["officer"], "contrasena": PASSWORD, "csrf_token": token})
    assert "secure" in r.headers["set-cookie"].lower()


def test_wrong_password_is_refused_in_spanish_and_audited(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    c = client(create_app(sqlite_app))
    token = form_csrf(c.get("/entrar").text)
    r = c.post("/entrar", data={"correo": PEOPLE["officer"], "contrasena": "mala", "csrf_token": token})
    assert r.status_code == 401 and "Correo o contraseña incorrectos" in r.text
    assert "conaig_sesion" not in c.cookies
    (refusal,) = audit.refused_attempts(sqlite_app)
    assert refusal.action == "login" and refusal.actor_email == PEOPLE["officer"]


def test_failures_delay_their_account_and_address_even_for_another_worker_but_not_the_owner_elsewhere(app: App) -> None:
    """Issue #14 replaced the 15-minute lock of the account (which locked its real owner out
    too) with a growing delay per account and address; the delay holds across web workers."""
    add_web_people(app)
    worker_a, worker_b = client(create_app(app)), client(create_app(app))
    for _ in range(5):
        token = form_csrf(worker_a.get("/entrar").text)
        worker_a.post("/entrar", data={"correo": PEOPLE["officer"], "contrasena": "mala", "csrf_token": token})
    token = form_csrf(worker_b.get("/entrar").text)
    r = worker_b.post("/entrar", data={"correo": PEOPLE["officer"], "contrasena": PASSWORD, "csrf_token": token})
    assert r.status_code == 429 and "Demasiados intentos" in r.text and "Espere 1 segundo" in r.text
    # the owner, from another address, is not held back by these failures
    assert web_auth.login(app, PEOPLE["officer"], PASSWORD, "198.51.100.7").actor.email == PEOPLE["officer"]
    assert isinstance(app.clock, FixedClock)
    app.clock.advance(timedelta(seconds=1))
    token = form_csrf(worker_b.get("/entrar").text)
    r = worker_b.post("/entrar", data={"correo": PEOPLE["officer"], "contrasena": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


def test_many_failures_for_other_accounts_from_one_address_do_not_lock_a_colleague_behind_the_same_nat(sqlite_app: App) -> None:
    """Issue #14: 20 failures from one address used to lock every account behind it (a whole
    ministry behind one NAT); each account and address pair is now delayed on its own."""
    add_web_people(sqlite_app)
    c = client(create_app(sqlite_app))
    for i in range(20):
        token = form_csrf(c.get("/entrar").text)
        r = c.post("/entrar", data={"correo": f"nadie{i}@example.pe", "contrasena": "x", "csrf_token": token})
        assert r.status_code == 401
    token = form_csrf(c.get("/entrar").text)
    r = c.post("/entrar", data={"correo": PEOPLE["admin"], "contrasena": PASSWORD, "csrf_token": token})
    assert r.status_code == 303


def test_idle_and_absolute_timeouts_end_the_session(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    clock = sqlite_app.clock
    assert isinstance(clock, FixedClock)
    web = create_app(sqlite_app)
    c, _ = sign_in(web, PEOPLE["officer"])
    clock.advance(timedelta(minutes=29))
    assert c.get("/entregables").status_code == 200
    clock.advance(timedelta(minutes=31))
    r = c.get("/entregables")
    assert r.status_code == 303 and r.headers["location"].startswith("/entrar")
    c, _ = sign_in(web, PEOPLE["officer"])
    for _ in range(25):  # active all along, but never longer than 12 hours
        clock.advance(timedelta(minutes=29))
        c.get("/entregables")
    assert c.get("/entregables").status_code == 303


def test_logout_invalidates_the_session_id_for_whoever_holds_it(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    c, csrf = sign_in(web, PEOPLE["officer"])
    stolen = c.cookies["conaig_sesion"]
    assert c.post("/salir", data={"csrf_token": csrf}).status_code == 303
    thief = client(web)
    thief.cookies.set("conaig_sesion", stolen)
    assert thief.get("/entregables").status_code == 303
    assert thief.get("/api/me").status_code == 401


def test_posts_without_the_csrf_token_are_refused_and_audited(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    did = minsa_protocol(sqlite_app)
    c, csrf = sign_in(web, PEOPLE["officer"])
    files = {"documento": ("p.pdf", pdf_bytes(), "application/pdf")}
    r = c.post(f"/entregables/{did}/acciones/submit", files=files)
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post(f"/entregables/{did}/acciones/submit", data={"csrf_token": "otro"}, files=files)
    assert r.status_code == 403
    r = c.post(f"/api/deliverables/{did}/advance", data={"trigger": "submit"}, files={"documents": files["documento"]})
    assert r.status_code == 403 and r.json()["error"].startswith("La solicitud no trae")
    assert c.post("/salir").status_code == 403
    assert [a.target for a in audit.refused_attempts(sqlite_app)].count("protección CSRF") == 4
    assert c.get(f"/api/deliverables/{did}").json()["state"] == "draft"
    r = c.post(f"/entregables/{did}/acciones/submit", data={"csrf_token": csrf}, files=files)
    assert r.status_code == 303


def test_every_response_carries_the_security_headers(sqlite_app: App) -> None:
    c = client(create_app(sqlite_app))
    for path in ("/entrar", "/acerca", "/api/me", "/no-existe"):
        h = c.get(path).headers
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert "script-src 'self'" in h["content-security-policy"] and "unsafe-inline" not in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["referrer-policy"] == "same-origin"


def test_uploads_of_the_wrong_type_or_too_large_are_refused_with_the_reason(sqlite_app: App) -> None:
    add_web_people(sqlite_app)
    web = create_app(sqlite_app)
    did = minsa_protocol(sqlite_app)
    c, csrf = sign_in(web, PEOPLE["officer"])
    r = c.post(f"/entregables/{did}/acciones/submit", data={"csrf_token": csrf},
               files={"documento": ("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")})
    assert r.status_code == 422 and "no es de un tipo aceptado" in r.text
    sqlite_app.documents.max_bytes = 1000
    r = c.post(f"/entregables/{did}/acciones/submit", data={"csrf_token": csrf},
               files={"documento": ("grande.pdf", pdf_bytes("x" * 5000), "application/pdf")})
    assert r.status_code == 422 and "el máximo es" in r.text
    huge = client(web)
    huge.cookies = c.cookies
    r = huge.post(f"/api/deliverables/{did}/advance", headers={"X-CSRF-Token": csrf},
                  data={"trigger": "submit"}, files={"documents": ("x.pdf", b"%PDF" + b"0" * (27 * 1024 * 1024))})
    assert r.status_code == 413
    assert c.get(f"/api/deliverables/{did}").json()["state"] == "draft"


def test_an_officer_of_another_entity_gets_404_for_its_deliverables_and_documents(app: App) -> None:
    add_web_people(app)
    web = create_app(app)
    did = minsa_protocol(app)
    minsa, csrf = sign_in(web, PEOPLE["officer"])
    minsa.post(f"/entregables/{did}/acciones/submit", data={"csrf_token": csrf},
               files={"documento": ("protocolo.pdf", pdf_bytes("protocolo"), "application/pdf")})
    doc_link = f"/entregables/{did}/documentos/1"
    assert minsa.get(doc_link).content.startswith(b"%PDF")
    minedu, _ = sign_in(web, PEOPLE["other_officer"])
    for path in (f"/entregables/{did}", doc_link, f"/api/deliverables/{did}", f"/api/deliverables/{did}/history"):
        assert minedu.get(path).status_code == 404, path
    assert "protocolo.pdf" not in minedu.get(f"/entregables/{did}").text
    refused = {(a.actor_email, a.action) for a in audit.refused_attempts(app)}
    assert (PEOPLE["other_officer"], "download") in refused
    assert (PEOPLE["other_officer"], f"GET /entregables/{did}") in refused
