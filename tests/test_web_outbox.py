"""The outbox pages: the secretariat sees messages by status, reads one, and puts dead letters
back in the queue (one, or all); nobody else sees them."""

from __future__ import annotations

from conaig_flow.bootstrap import App
from conaig_flow.notify import outbox
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.web import create_app
from tests.conftest import pdf_bytes
from tests.web_support import PEOPLE, add_web_people, minsa_protocol, sign_in


def test_the_secretariat_reads_a_dead_letter_and_puts_it_back_in_the_queue(sqlite_app: App) -> None:
    app = sqlite_app
    add_web_people(app)
    did = minsa_protocol(app)
    deliverables.advance(app, users.actor_for(app, PEOPLE["officer"]), did, "submit",
                         documents=[("protocolo.pdf", pdf_bytes())])
    claimed = outbox.claim(app, "prueba", 10)
    assert claimed, "submitting notifies someone"
    for c in claimed:
        outbox.mark_failed(app, c, "550 buzón inexistente", permanent=True)
    dead = claimed[0].id
    web = create_app(app)
    st, csrf = sign_in(web, PEOPLE["secretariat"])
    page = st.get("/notificaciones?estado=dead").text
    assert "550 buzón inexistente" in page and f"no entregado: {len(claimed)}" in page
    message = st.get(f"/notificaciones/{dead}").text
    assert "Reintentar este mensaje" in message and "Último error" in message and "Presentado" in message
    r = st.post("/notificaciones/reintentar", data={"csrf_token": csrf, "mensaje": str(dead)})
    assert r.status_code == 303 and r.headers["location"].endswith("reintentados=1")
    assert outbox.show(app, dead).status == "pending"
    r = st.post("/notificaciones/reintentar", data={"csrf_token": csrf, "todos": "si"})
    assert r.headers["location"].endswith(f"reintentados={len(claimed) - 1}")
    assert outbox.counts(app).get("dead", 0) == 0
    assert "Estado desconocido" in st.get("/notificaciones?estado=perdido").text
    officer, _ = sign_in(web, PEOPLE["officer"])
    assert officer.get(f"/notificaciones/{dead}").status_code == 403
