"""The official record holds (issue 11, deliverable side): only a session's agreement takes an
in-session step; the consultation's steps belong to the consultation service; databases that
already hold hand approvals are audited; a deliverable «En consulta» without a consultation
has a way out. On SQLite and PostgreSQL, through the services and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import SYSTEM, Actor
from conaig_flow.domain.engine import Evidence
from conaig_flow.errors import NotFound, RequirementsNotMet, ServiceStepOnly
from conaig_flow.services import audit, users
from conaig_flow.services.consultation import consultations
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions.evidence import audit_sessions
from conaig_flow.store.tables import EventRow
from conaig_flow.web.views import deliverable as deliverable_detail
from tests.approval_kit import decide_in_session
from tests.conftest import pdf_bytes, run_cli
from tests.legacy_kit import old_hand_step
from tests.session_kit import lima, setup_people

E = EventRow.__table__  # type: ignore[attr-defined]
IN_SESSION = ("Este producto se aprueba en sesión: agréguelo a la agenda de una sesión de la comisión; "
              "el acuerdo de la sesión lo aprobará.")
PEOPLE = ("st@example.pe", "enlace.mimp@example.pe", "revisor@cultura.example.pe", "integrante@example.pe",
          "admin@example.pe", "titular.minsa@example.pe")


def reviewed_methodology(app: App, clock: FixedClock) -> tuple[Actor, int]:
    st = setup_people(app)
    clock.set(lima("2022-05-02T10:00"))
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    deliverables.advance(app, st, d.id, "submit", documents=[("metodologia.pdf", pdf_bytes("metodología"))])
    deliverables.advance(app, st, d.id, "accept")
    return st, d.id


def facts(app: App, did: int) -> tuple[str, int, int]:
    d = deliverables.get(app, SYSTEM, did)
    with app.db.read() as conn:
        events = int(conn.execute(select(func.count()).select_from(E).where(E.c.deliverable_id == did)).scalar_one())
    return d.state, d.version, events


def test_a_hand_approval_is_refused_to_every_role_saying_how_it_is_done_and_recorded(app: App, clock: FixedClock) -> None:
    _, did = reviewed_methodology(app, clock)
    before = facts(app, did)
    for email in PEOPLE:
        person = users.actor_for(app, email)
        for trigger in ("approve", "record_agreement"):
            with pytest.raises((ServiceStepOnly, NotFound)) as caught:
                deliverables.advance(app, person, did, trigger, comment="Aprobado", session_ref="cualquier texto")
            if isinstance(caught.value, NotFound):  # an officer of another entity does not even see it
                assert person.role in ("officer", "reviewer")
                continue
            if trigger == "approve":
                assert caught.value.message == IN_SESSION
            else:
                assert "lo registra la propia sesión al concluir: agréguelo a la agenda de una sesión" in caught.value.message
            last = audit.refused_attempts(app, 1)[0]
            assert (last.actor_email, last.action, last.target, last.reason) == (
                email, trigger, f"entregable {did}", caught.value.message)
    assert facts(app, did) == before
    # A product that is itself an acta gets the answer of its own kind.
    (protocol_acta,) = deliverables.list_deliverables(app, activity="A2.1")
    with pytest.raises(ServiceStepOnly, match="es el acta de una sesión: se cumple cuando se aprueba el acta"):
        deliverables.advance(app, users.actor_for(app, "st@example.pe"), protocol_acta.id, "approve")


def test_a_session_reference_written_by_hand_is_refused_on_any_step(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    before = facts(app, d.id)
    with pytest.raises(Exception, match="La referencia a una sesión no se escribe a mano") as caught:
        deliverables.advance(app, st, d.id, "submit", documents=[("m.pdf", pdf_bytes())], session_ref="Sesión 1")
    assert audit.refused_attempts(app, 1)[0].reason == str(caught.value)
    assert facts(app, d.id) == before


def test_even_the_system_takes_an_in_session_step_only_with_a_fitting_agreement(app: App, clock: FixedClock) -> None:
    st, did = reviewed_methodology(app, clock)
    before = facts(app, did)
    with pytest.raises(ServiceStepOnly, match="Este paso solo lo da el acuerdo de una sesión de la comisión"):
        deliverables.advance(app, SYSTEM, did, "approve", session_ref="Sesión inventada")
    with pytest.raises(ServiceStepOnly, match="No existe el acuerdo de sesión 999"), app.db.write() as conn:
        deliverables.advance_in(app, conn, SYSTEM, did, "approve", Evidence(session_ref="x", agreement_id=999))
    assert facts(app, did) == before
    rejecting = decide_in_session(app, st, did, passed=False)
    assert deliverables.get(app, st, did).state == "reviewed"
    rejected = deliverables.history(app, st, did)[-1]
    assert (rejected.trigger, rejected.actor_role, rejected.agreement_id is not None) == ("record_agreement", "system", True)
    # The agreement that did not pass cannot be used to approve it afterwards.
    with pytest.raises(ServiceStepOnly, match="no fue aprobado: no puede aprobar el entregable"), app.db.write() as conn:
        deliverables.advance_in(app, conn, SYSTEM, did, "approve",
                                Evidence(session_ref="x", agreement_id=rejected.agreement_id))
    # Nor an agreement about another deliverable.
    (team_acta,) = deliverables.list_deliverables(app, activity="A2.1")
    with pytest.raises(ServiceStepOnly, match=f"no trata el entregable {team_acta.id}"), app.db.write() as conn:
        deliverables.advance_in(app, conn, SYSTEM, team_acta.id, "record_agreement",
                                Evidence(session_ref="x", comment="x", agreement_id=rejected.agreement_id))
    assert rejecting > 0 and audit.verify(app).first_break is None


def test_a_session_approval_is_the_systems_step_and_the_history_names_session_agreement_and_acta(
    app: App, clock: FixedClock
) -> None:
    st, did = reviewed_methodology(app, clock)
    sid = decide_in_session(app, st, did)
    d = deliverables.get(app, st, did)
    assert d.state == "approved"
    last = deliverables.history(app, st, did)[-1]
    assert (last.trigger, last.actor_role, last.actor_email) == ("approve", "system", "sistema@conaig-flow")
    member = users.actor_for(app, "integrante@example.pe")
    o = deliverable_detail.overview(app, member, did)
    ev = o.sessions[last.seq]
    assert (ev.agreement_number, ev.result, ev.session_id, ev.acta_code) == (1, "passed", sid, "ACTA N° 001-2022-CONAIG")
    assert ev.session_label == "Sesión ordinaria N° 001-2022 de la CONAIG" and ev.concluded
    assert ev.session_date.date() == ev.decided_at.date()
    acta = deliverable_detail.acta(app, member, did, sid, "pdf")
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(acta.content)).pages)
    assert acta.media_type == "application/pdf" and "ACTA N° 001-2022-CONAIG" in text
    with pytest.raises(NotFound, match=f"Ningún acuerdo de la sesión {sid + 1}"):
        deliverable_detail.acta(app, member, did, sid + 1, "pdf")
    assert audit_sessions(app).unbacked == [] and audit_sessions(app).checked == 1
    assert audit.verify(app).first_break is None


def test_the_secretariat_is_shown_where_the_approval_happens_instead_of_a_button(app: App, clock: FixedClock) -> None:
    st, did = reviewed_methodology(app, clock)
    o = deliverable_detail.overview(app, st, did)
    assert "approve" not in {a.trigger for a in o.actions} and "record_agreement" not in {a.trigger for a in o.actions}
    (step,) = o.steps_elsewhere
    assert step.how == IN_SESSION and step.links == (("/sesiones", "Programar una sesión de la comisión"),)
    member = users.actor_for(app, "integrante@example.pe")
    assert deliverable_detail.overview(app, member, did).steps_elsewhere == []
    assert deliverable_detail.next_step(app, o.deliverable) == (
        "Observar (devolver para corrección) (Secretaría Técnica); Aprobar en sesión (acuerdo de una sesión de la comisión)")


def _hand_approved_report(app: App, st: Actor) -> int:
    """An implementation report (A1.2) approved by hand the way versions before issue 11 allowed."""
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    (p,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    deliverables.advance(app, minsa, p.id, "submit", documents=[("p.pdf", pdf_bytes())])
    deliverables.advance(app, st, p.id, "accept")
    deliverables.advance(app, minsa, p.id, "approve", norm_reference="Resolución Ministerial N° 045-2022-MINSA",
                         documents=[("rm.pdf", pdf_bytes("rm"))])
    report = deliverables.list_deliverables(app, entity="MINSA", activity="A1.2")[0].id
    deliverables.advance(app, minsa, report, "submit", documents=[("i.pdf", pdf_bytes("informe"))])
    deliverables.advance(app, st, report, "accept")
    assert old_hand_step(app, report, "approve", st, session_ref="cualquier texto") == "approved"
    return report


def test_audit_sessions_lists_the_hand_approvals_of_an_old_database_and_not_the_session_ones(
    app: App, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    st, did = reviewed_methodology(app, clock)
    sid = decide_in_session(app, st, did)
    hand = _hand_approved_report(app, st)
    assert deliverables.get(app, st, hand).state == "approved"  # what the old code let happen
    assert audit.verify(app).first_break is None  # the chain is intact: the audit is about evidence
    result = audit_sessions(app)
    (found,) = result.unbacked
    assert (found.deliverable_id, found.trigger, found.actor_email, found.session_ref) == (hand, "approve", "st@example.pe",
                                                                                          "cualquier texto")
    assert "no corresponde a ningún acuerdo de sesión registrado" in found.problem and result.checked == 2
    base = ["--db", app.settings.db_url, "--home", str(app.settings.home)]
    code, out, err = run_cli([*base, "audit", "sessions"], capsys)
    assert code == 1
    assert "1 paso sin respaldo en el acuerdo de una sesión concluida (de 2 revisados)" in err
    assert f"{hand}" in out and "Aprobar en sesión" in out and "cualquier texto" in out
    code, out, _ = run_cli([*base, "audit", "sessions", "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["revisados"] == 2
    assert [(u["entregable"], u["accion"], u["usuario"]) for u in data["sin_respaldo"]] == [(hand, "Aprobar en sesión", "st@example.pe")]
    # The history of the session-approved deliverable names its agreement in the CLI too.
    code, out, _ = run_cli([*base, "history", str(did)], capsys)
    assert code == 0 and "acuerdo: Acuerdo N° 1 (aprobado) de la Sesión ordinaria N° 001-2022 de la CONAIG" in out
    assert sid > 0


def test_audit_sessions_reads_older_session_references_and_checks_what_they_name(app: App, clock: FixedClock,
                                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    st, did = reviewed_methodology(app, clock)
    decide_in_session(app, st, did, passed=False)  # rejected: the methodology stays reviewed
    rejected = deliverables.history(app, st, did)[-1]
    assert rejected.session_ref is not None and "Acuerdo N° 1" in rejected.session_ref
    # Old code wrote the session's reference as text only: that text still names the agreement…
    old_hand_step(app, did, "approve", st, session_ref=rejected.session_ref)
    hand = _hand_approved_report(app, st)
    problems = {u.deliverable_id: u.problem for u in audit_sessions(app).unbacked}
    # …which did not pass (so it approved nothing), and the report is not what it decided.
    assert problems[did] == "El Acuerdo N° 1 de la Sesión ordinaria N° 001-2022 de la CONAIG no fue aprobado: no puede aprobar el entregable."
    assert "no corresponde a ningún acuerdo" in problems[hand] and len(problems) == 2
    base = ["--db", app.settings.db_url, "--home", str(app.settings.home)]
    assert run_cli([*base, "audit", "sessions"], capsys)[0] == 1


def test_audit_sessions_on_a_clean_database_exits_zero(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["--db", app.settings.db_url, "--home", str(app.settings.home), "audit", "sessions"], capsys)
    assert code == 0
    assert out.strip() == "Todas las aprobaciones y acuerdos en sesión tienen su acuerdo de sesión concluida (0 pasos revisados)."


# -- the consultation's steps ------------------------------------------------------------------

def reviewed_proposal(app: App, clock: FixedClock) -> tuple[Actor, int]:
    st = setup_people(app)
    clock.set(lima("2022-08-01T10:00"))
    (d,) = deliverables.list_deliverables(app, activity="A3.2")
    deliverables.advance(app, st, d.id, "submit", documents=[("propuesta.pdf", pdf_bytes("propuesta"))])
    deliverables.advance(app, st, d.id, "accept")
    return st, d.id


def _open(app: App, st: Actor, did: int) -> int:
    now = app.clock.now()
    return consultations.open_consultation(app, st, did, title="Consulta sobre la propuesta", opens_at=now,
                                           closes_at=now + timedelta(days=20), questions=["¿Qué propone?"]).id


def test_the_consultation_steps_are_refused_by_hand_and_taken_by_opening_and_closing_the_consultation(
    app: App, clock: FixedClock
) -> None:
    st, did = reviewed_proposal(app, clock)
    before = facts(app, did)
    with pytest.raises(ServiceStepOnly, match="La consulta se abre con su formulario") as caught:
        deliverables.advance(app, st, did, "open_consultation")
    assert "«En consulta»" in caught.value.message
    assert audit.refused_attempts(app, 1)[0].reason == caught.value.message and facts(app, did) == before
    cid = _open(app, st, did)
    opened = deliverables.history(app, st, did)[-1]
    assert (opened.trigger, opened.actor_role, deliverables.get(app, st, did).state) == ("open_consultation", "system", "in_consultation")
    assert f"Consulta {cid} «Consulta sobre la propuesta» abierta por st@example.pe" == opened.comment
    with pytest.raises(ServiceStepOnly, match="La consulta se cierra desde su página"):
        deliverables.advance(app, st, did, "close_consultation")
    # The way out is not for a deliverable whose consultation exists.
    o = deliverable_detail.overview(app, st, did)
    assert "return_without_consultation" not in {a.trigger for a in o.actions}
    assert o.steps_elsewhere[0].links == ((f"/consultas/{cid}#cerrar", f"Ir a la consulta N° {cid} para cerrarla"),)
    with pytest.raises(RequirementsNotMet, match="tiene su consulta registrada"):
        deliverables.advance(app, st, did, "return_without_consultation", comment="x")
    officer = users.actor_for(app, "enlace.minsa@example.pe")
    with pytest.raises(Exception, match="corresponde a la Secretaría Técnica"):
        consultations.close_consultation(app, officer, cid)
    consultations.close_consultation(app, st, cid, "Aportes sistematizados en la matriz")
    closed = deliverables.history(app, st, did)[-1]
    assert (closed.trigger, closed.actor_role, deliverables.get(app, st, did).state) == ("close_consultation", "system", "consolidated")
    assert closed.comment == f"Consulta {cid} «Consulta sobre la propuesta» cerrada por st@example.pe: Aportes sistematizados en la matriz"
    with pytest.raises(Exception, match=f"La consulta {cid} no está abierta") as again:
        consultations.close_consultation(app, st, cid)
    assert audit.refused_attempts(app, 1)[0].reason == str(again.value)


def test_a_deliverable_left_in_consultation_without_one_is_returned_by_the_secretariat_and_then_opened(
    app: App, clock: FixedClock
) -> None:
    st, did = reviewed_proposal(app, clock)
    # What the old «Abrir la consulta» button did: the state moved, no consultation was created.
    assert old_hand_step(app, did, "open_consultation", st) == "in_consultation"
    o = deliverable_detail.overview(app, st, did)
    (way_out,) = [a for a in o.actions if a.trigger == "return_without_consultation"]
    assert way_out.missing == ("escribir un comentario (en una observación, qué debe corregirse)",)
    officer = users.actor_for(app, "integrante@example.pe")
    with pytest.raises(Exception, match="esta acción corresponde a: Secretaría Técnica"):
        deliverables.advance(app, officer, did, "return_without_consultation", comment="x")
    back = deliverables.advance(app, st, did, "return_without_consultation",
                                comment="Se abrió sin consulta; se abrirá con su formulario.")
    assert back.state == "reviewed"
    last = deliverables.history(app, st, did)[-1]
    assert (last.trigger, last.from_state, last.to_state, last.actor_email) == (
        "return_without_consultation", "in_consultation", "reviewed", "st@example.pe")
    cid = _open(app, st, did)
    assert deliverables.get(app, st, did).state == "in_consultation" and consultations.get(app, cid).deliverable_id == did
    # Now it has its consultation: the way out is closed again.
    assert "return_without_consultation" not in {a.trigger for a in deliverable_detail.overview(app, st, did).actions}
    assert audit.verify(app).first_break is None
