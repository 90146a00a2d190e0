"""Hand approvals refused through the web form (with a valid CSRF token), the JSON API and the
CLI; the deliverable's page and API show the session's agreement instead (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import SYSTEM
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.web import create_app
from tests.approval_kit import decide_in_session
from tests.conftest import pdf_bytes, run_cli
from tests.session_kit import lima
from tests.web_support import PEOPLE, add_web_people, form_csrf, sign_in

IN_SESSION = ("Este producto se aprueba en sesión: agréguelo a la agenda de una sesión de la comisión; "
              "el acuerdo de la sesión lo aprobará.")


def reviewed_methodology(app: App, clock: FixedClock) -> int:
    add_web_people(app)
    clock.set(lima("2022-05-02T10:00"))
    st = users.actor_for(app, PEOPLE["secretariat"])
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    deliverables.advance(app, st, d.id, "submit", documents=[("metodologia.pdf", pdf_bytes("metodología"))])
    deliverables.advance(app, st, d.id, "accept")
    return d.id


def unchanged(app: App, did: int) -> tuple[str, int, int]:
    d = deliverables.get(app, SYSTEM, did)
    return d.state, d.version, len(deliverables.history(app, SYSTEM, did))


def test_the_page_offers_no_approval_and_a_crafted_form_post_with_a_valid_csrf_token_is_refused(
    app: App, clock: FixedClock
) -> None:
    did = reviewed_methodology(app, clock)
    web = create_app(app)
    before = unchanged(app, did)
    for role in ("secretariat", "admin", "member"):
        c, _ = sign_in(web, PEOPLE[role])
        page = c.get(f"/entregables/{did}")
        assert page.status_code == 200
        assert f'action="/entregables/{did}/acciones/approve"' not in page.text
        assert "Aprobar en sesión</button>" not in page.text and 'name="sesion"' not in page.text
        if role == "secretariat":
            assert IN_SESSION in page.text and 'href="/sesiones"' in page.text
        token = form_csrf(page.text) if 'name="csrf_token"' in page.text else form_csrf(c.get("/entregables").text)
        for trigger in ("approve", "record_agreement"):
            r = c.post(f"/entregables/{did}/acciones/{trigger}",
                       data={"csrf_token": token, "sesion": "Sesión N° 1", "comentario": "Aprobado en sesión"})
            assert r.status_code == 403, (role, trigger, r.status_code)
            assert "se aprueba en sesión" in r.text or "lo registra la propia sesión" in r.text
            assert audit.refused_attempts(app, 1)[0].actor_email == PEOPLE[role]
    assert unchanged(app, did) == before


def test_the_api_refuses_a_hand_approval_and_lists_no_such_action(app: App, clock: FixedClock) -> None:
    did = reviewed_methodology(app, clock)
    web = create_app(app)
    c, csrf = sign_in(web, PEOPLE["secretariat"])
    detail = c.get(f"/api/deliverables/{did}").json()
    assert {a["trigger"] for a in detail["actions"]} == {"observe", "withdraw"}
    before = unchanged(app, did)
    r = c.post(f"/api/deliverables/{did}/advance", headers={"X-CSRF-Token": csrf},
               data={"trigger": "approve", "session_ref": "ACTA N° 004-2022-CONAIG"})
    assert r.status_code == 403 and r.json()["error"] == IN_SESSION
    last = audit.refused_attempts(app, 1)[0]
    assert (last.actor_email, last.action, last.reason) == (PEOPLE["secretariat"], "approve", IN_SESSION)
    assert unchanged(app, did) == before
    # After the session decides it, its history carries the agreement.
    decide_in_session(app, users.actor_for(app, PEOPLE["secretariat"]), did)
    c, _ = sign_in(web, PEOPLE["secretariat"])
    events = c.get(f"/api/deliverables/{did}/history").json()
    assert events[-1]["trigger"] == "approve" and events[-1]["actor_role"] == "system"
    assert isinstance(events[-1]["agreement_id"], int)


def test_the_cli_refuses_a_hand_approval_with_a_session_reference(app: App, clock: FixedClock,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    did = reviewed_methodology(app, clock)
    before = unchanged(app, did)
    base = ["--db", app.settings.db_url, "--home", str(app.settings.home)]
    for email in (PEOPLE["secretariat"], PEOPLE["admin"], PEOPLE["member"]):
        code, out, err = run_cli([*base, "advance", str(did), "approve", "--as", email, "--session", "cualquier texto"],
                                 capsys)
        assert (code, out) == (3, "")
        assert IN_SESSION in err
    assert unchanged(app, did) == before
    code, out, _ = run_cli([*base, "advance", "--help"], capsys)
    words = " ".join(out.split())  # the help is wrapped to the terminal's width
    assert code == 0 and "--session" not in out and "La aprobación en sesión no se ejecuta aquí" in words
