"""Agreements carried out on deliverables, actas, working meetings and the CLI."""

from __future__ import annotations

import json

import docx
import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.errors import InvalidInput, SessionRuleViolation, TransitionNotAllowed
from conaig_flow.services import audit
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import signing as acta_signing
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from tests.conftest import pdf_bytes
from tests.session_kit import arrive, convened_session, lima, setup_people, voting_codes


def methodology_ready(app: App, clock: FixedClock, st: Actor) -> int:
    clock.set(lima("2022-05-02T10:00"))
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    deliverables.advance(app, st, d.id, "submit", documents=[("metodologia.pdf", pdf_bytes("metodología"))])
    deliverables.advance(app, st, d.id, "accept")
    return d.id


def test_approving_a_deliverable_that_is_not_ready_is_refused(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    (d,) = deliverables.list_deliverables(app, activity="A3.1")
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"))
    with pytest.raises(TransitionNotAllowed, match="está en «Borrador»; solo puede llevarse a sesión para su aprobación desde «Con conformidad técnica»"):
        sessions.add_item(app, st, created.id, approve=d.id)
    (acta_product,) = deliverables.list_deliverables(app, activity="A2.3")
    with pytest.raises(TransitionNotAllowed, match="es el acta de una sesión"):
        sessions.add_item(app, st, created.id, approve=acta_product.id)
    (protocol, *_) = deliverables.list_deliverables(app, activity="A1.1")
    with pytest.raises(TransitionNotAllowed, match="no se aprueba en sesión"):
        sessions.add_item(app, st, created.id, approve=protocol.id)


def test_a_passed_approval_moves_the_deliverable_and_its_history_names_the_session_and_the_acta(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    did = methodology_ready(app, clock, st)
    sid = _session_with(app, clock, st, approve=did)
    codes = voting_codes(app)[:11]
    arrive(app, st, sid, codes, "09:50")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:00"))
    for n, code in enumerate(codes):
        session_votes.vote(app, st, sid, 1, code, "against" if n == 10 else "for", reason="Faltan indicadores" if n == 10 else None,
                           at=lima("2022-05-20T11:00"))
    closing = session_votes.close(app, st, sid, at=lima("2022-05-20T12:00"))
    assert closing.acta == "ACTA N° 001-2022-CONAIG"
    after = deliverables.get(app, st, did)
    assert after.state == "approved"
    last = deliverables.history(app, st, did)[-1]
    # Taken by the system on behalf of the session, with the agreement as its evidence.
    assert last.trigger == "approve" and (last.actor_role, last.actor_email) == ("system", "sistema@conaig-flow")
    assert last.agreement_id is not None
    assert last.session_ref is not None
    assert "Sesión ordinaria N° 001-2022 de la CONAIG" in last.session_ref and "ACTA N° 001-2022-CONAIG" in last.session_ref
    assert "Acuerdo N° 1" in last.session_ref and "APROBADO (10 a favor, 1 en contra" in (last.comment or "")
    assert audit.verify(app).first_break is None


def test_a_rejected_approval_leaves_the_deliverable_where_it_was_with_the_agreement_in_its_history(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    did = methodology_ready(app, clock, st)
    sid = _session_with(app, clock, st, approve=did)
    codes = voting_codes(app)[:11]
    arrive(app, st, sid, codes, "09:50")
    session_attendance.open_session(app, st, sid)
    for n, code in enumerate(codes):
        session_votes.vote(app, st, sid, 1, code, "for" if n < 5 else "against", reason=None if n < 5 else "Faltan indicadores")
    (agreement,) = session_votes.close(app, st, sid).agreements
    assert agreement.result == "rejected"
    assert deliverables.get(app, st, did).state == "reviewed"
    last = deliverables.history(app, st, did)[-1]
    assert (last.trigger, last.from_state, last.to_state) == ("record_agreement", "reviewed", "reviewed")
    assert "NO APROBADO (5 a favor, 6 en contra" in (last.comment or "")
    assert "ACTA N° 001-2022-CONAIG" in (last.session_ref or "")
    assert audit.verify(app).first_break is None


def _session_with(app: App, clock: FixedClock, st: Actor, **item: object) -> int:
    clock.set(lima("2022-05-16T09:00"))
    created = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), virtual=True, place="https://reunion.example.pe/conaig")
    sessions.add_item(app, st, created.id, **item)  # type: ignore[arg-type]
    sessions.convene(app, st, created.id)
    clock.set(lima("2022-05-20T18:00"))  # the times of the session are recorded that evening
    return created.id


def test_the_acta_is_approved_before_it_is_prepared_for_signing_and_only_verified_signatures_make_it_signed(
    app: App, clock: FixedClock,
) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, others=("Punto",))
    arrive(app, st, sid, voting_codes(app)[:11], "09:50")
    session_attendance.open_session(app, st, sid)
    for code in voting_codes(app)[:11]:
        session_votes.vote(app, st, sid, 1, code, "for")
    session_votes.close(app, st, sid)
    with pytest.raises(SessionRuleViolation, match="debe aprobarse antes de firmarse"):
        acta_signing.prepare(app, st, sid)
    assert actas.approve_acta(app, st, sid) == "ACTA N° 001-2022-CONAIG"
    actas.ask_to_sign(app, st, sid, "MINSA")  # an attendee who asks signs too
    with pytest.raises(InvalidInput, match="MINSA ya figura entre quienes firman"):
        actas.ask_to_sign(app, st, sid, "MINSA")
    record = session_views.session_record(app, sid)  # «Firmada» only by verified PAdES signatures (test_acta_signing)
    assert record.acta_state == "approved" and record.signatures == []
    assert [(g.role, g.entity, g.signed) for g in record.signers] == [
        ("presidency", "MIMP", False), ("secretariat", "MIMP", False), ("member", "MINSA", False)]


def test_a_working_meeting_records_attendance_summary_and_documents_without_votes(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-04-04T09:00"))
    meeting = sessions.create_session(app, st, scheduled_at=lima("2022-04-06T15:00"), kind="trabajo", virtual=True,
                                      title="Reunión de trabajo de representantes alternos/as", activity="A3.1")
    clock.set(lima("2022-04-06T17:30"))
    for code in ("MINSA", "MINEDU", "MTPE"):
        session_attendance.attend(app, st, meeting.id, code, alterno=True, at=lima("2022-04-06T15:00"))
    session_attendance.attend(app, st, meeting.id, "DGIGND", at=lima("2022-04-06T15:00"))
    sessions.set_summary(app, st, meeting.id, "Se revisó la propuesta de metodología para el informe anual de gobernanza.")
    sessions.add_document(app, st, meeting.id, "metodologia-v1.pdf", pdf_bytes("metodología v1"))
    with pytest.raises(SessionRuleViolation, match="no es una sesión"):
        sessions.add_item(app, st, meeting.id, other="Votar")
    with pytest.raises(SessionRuleViolation, match="no es una sesión"):
        session_attendance.open_session(app, st, meeting.id)
    assert session_votes.close(app, st, meeting.id, at=lima("2022-04-06T17:00")).acta is None
    _, md = actas.document(app, meeting.id, "acta", "md")
    text = md.decode()
    assert "Reunión de trabajo de representantes alternos/as (A3.1)" in text
    assert "Alterno de MINSA" in text and "metodologia-v1.pdf" in text and "Se revisó la propuesta" in text


def test_the_session_commands_print_the_tally_and_map_refusals_to_exit_codes(app: App, clock: FixedClock, capsys: pytest.CaptureFixture[str]) -> None:
    from conaig_flow.cli import main

    st = setup_people(app)
    sid = convened_session(app, clock, st, others=("Punto",))
    base = ["--db", app.db.url.replace("+psycopg", ""), "--home", str(app.settings.home), "--now", "2022-05-20T12:00"]

    def run(*args: str) -> int:
        try:
            main([*base, *args])
        except SystemExit as exc:
            return int(exc.code or 0)
        return 0

    for code in voting_codes(app)[:11]:
        assert run("session", "attend", str(sid), code, "--at", "09:50", "--as", "st@example.pe") == 0
    assert run("session", "attend", str(sid), "DP", "--at", "09:50", "--as", "st@example.pe") == 0
    assert run("session", "open", str(sid), "--at", "10:00", "--as", "st@example.pe") == 0
    assert run("session", "vote", str(sid), "1", "DP", "for", "--as", "st@example.pe") == 3
    assert "con voz y sin voto" in capsys.readouterr().err
    assert run("session", "vote", str(sid), "1", "MINSA", "abstain", "--as", "st@example.pe") == 5
    for code in voting_codes(app)[:11]:
        assert run("session", "vote", str(sid), "1", code, "for", "--at", "10:30", "--as", "st@example.pe") == 0
    capsys.readouterr()
    assert run("session", "show", str(sid), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["quorum_present"] == 11 and shown["items"][0]["votes_for"] == 11
    assert shown["items"][0]["result"] == "passed"
    assert run("session", "close", str(sid), "--as", "st@example.pe") == 0
    assert "ACTA N° 001-2022-CONAIG" in capsys.readouterr().out
    app.settings.home.mkdir(parents=True, exist_ok=True)
    out = app.settings.home / "acta.docx"
    assert run("session", "acta", str(sid), "--format", "docx", "--out", str(out)) == 0
    paragraphs = [p.text for p in docx.Document(str(out)).paragraphs]
    assert paragraphs[0] == "ACTA N° 001-2022-CONAIG"
    templates = app.settings.home / "plantillas"
    templates.mkdir()
    (templates / "acta.md.j2").write_text("# {{ s.acta_code }}\n\nActa abreviada de la {{ s.label }}.\n", encoding="utf-8")
    assert run("session", "acta", str(sid), "--format", "md", "--templates", str(templates)) == 0
    assert capsys.readouterr().out.endswith("Acta abreviada de la Sesión ordinaria N° 001-2022 de la CONAIG.\n")


def test_the_acta_may_be_approved_at_the_start_of_the_next_session(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    first = convened_session(app, clock, st, others=("Punto",))
    codes = voting_codes(app)[:11]
    arrive(app, st, first, codes, "09:50")
    session_attendance.open_session(app, st, first)
    for code in codes:
        session_votes.vote(app, st, first, 1, code, "for")
    session_votes.close(app, st, first)
    second = convened_session(app, clock, st, day="2022-06-10", others=("Otro punto",), convene_on="2022-06-06T09:00")
    with pytest.raises(SessionRuleViolation, match=r"al inicio de la siguiente sesión instalada \(art. 102 de la Ley N° 27444\)"):
        actas.approve_acta(app, st, first, in_session=second)
    arrive(app, st, second, codes, "09:50", day="2022-06-10")
    session_attendance.open_session(app, st, second)
    assert actas.approve_acta(app, st, first, in_session=second) == "ACTA N° 001-2022-CONAIG"
    record = session_views.session_record(app, first)
    assert record.acta_state == "approved" and record.acta_approved_in == "Sesión ordinaria N° 002-2022 de la CONAIG"
    _, md = actas.document(app, first, "acta", "md")
    assert "Acta aprobada el 10 de junio de 2022, en la Sesión ordinaria N° 002-2022 de la CONAIG" in md.decode()


def test_conaig_history_shows_a_rejected_agreement(app: App, clock: FixedClock, capsys: pytest.CaptureFixture[str]) -> None:
    from conaig_flow.cli import main

    st = setup_people(app)
    did = methodology_ready(app, clock, st)
    sid = _session_with(app, clock, st, approve=did)
    codes = voting_codes(app)[:11]
    arrive(app, st, sid, codes, "09:50")
    session_attendance.open_session(app, st, sid)
    for n, code in enumerate(codes):
        session_votes.vote(app, st, sid, 1, code, "for" if n < 3 else "against", reason=None if n < 3 else "Faltan indicadores")
    session_votes.close(app, st, sid)
    capsys.readouterr()
    try:
        main(["--db", app.db.url.replace("+psycopg", ""), "--home", str(app.settings.home), "history", str(did)])
    except SystemExit as exc:
        assert not exc.code
    out = capsys.readouterr().out
    assert "Registrar acuerdo de sesión que no lo aprueba: «Con conformidad técnica» → «Con conformidad técnica»" in out
    assert "NO APROBADO (3 a favor, 8 en contra, 0 abstenciones)" in out and "ACTA N° 001-2022-CONAIG" in out
