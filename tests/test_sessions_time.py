"""A session happens at its time (SQLite and PostgreSQL): installation only from the hour of
the call used and within its day, arrivals recorded earlier, votes only after installation
and before closing, closing after installation, nothing in the future of the clock; a
second call per the plan's rule (the next day by law, or a reglamento's interval)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import DefinitionError, SessionRuleViolation
from conaig_flow.services import audit
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from tests.session_kit import arrive, convened_session, lima, setup_people, variant_app, voting_codes

INTERVAL = {
    "  second_call: {when: next_day}\n": "  second_call: {when: interval, minutes: 30}\n",
    '    second_call: "art. 99.2 de la Ley N° 27444"\n': '    second_call: "art. 8 del Reglamento Interno de la Comisión"\n',
}


def test_a_session_is_not_installed_before_its_hour_nor_on_another_day(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, day="2022-05-23", convene_on="2022-05-16T09:00", recorded_at="09:57")
    arrive(app, st, sid, voting_codes(app)[:15], "09:50", day="2022-05-23")  # earlier arrivals are recorded
    with pytest.raises(SessionRuleViolation, match="convocada para el 23 de mayo de 2022 a las 10:00: no puede instalarse antes"):
        session_attendance.open_session(app, st, sid)  # 09:57
    clock.set(lima("2022-05-23T18:00"))
    with pytest.raises(SessionRuleViolation, match="no puede instalarse antes de esa hora \\(se indicó el 16 de mayo de 2022 a las 10:00\\)"):
        session_attendance.open_session(app, st, sid, at=lima("2022-05-16T10:00"))
    clock.set(lima("2022-05-24T10:30"))
    with pytest.raises(SessionRuleViolation, match="ese día ya pasó: no puede instalarse el 24 de mayo"):
        session_attendance.open_session(app, st, sid)
    with pytest.raises(SessionRuleViolation, match="esa hora aún no llega"):
        session_attendance.open_session(app, st, sid, at=lima("2022-05-24T11:00"))
    assert session_views.session_record(app, sid).status == "convened"
    refused = [r.action for r in audit.refused_attempts(app)]
    assert refused.count("session open") == 4
    opening = session_attendance.open_session(app, st, sid, at=lima("2022-05-23T10:08"))
    assert opening.call == "first"
    record = session_views.session_record(app, sid)
    assert record.opened_at == lima("2022-05-23T10:08")
    assert {a.arrived_at for a in record.attendees} == {lima("2022-05-23T09:50")}


def test_no_time_is_recorded_in_the_future_of_the_clock(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st, recorded_at="10:00")
    with pytest.raises(SessionRuleViolation, match="No se puede registrar la llegada el 20 de mayo de 2022 a las 10:30: esa hora aún no llega"):
        session_attendance.attend(app, st, sid, "MINSA", at=lima("2022-05-20T10:30"))
    arrive(app, st, sid, voting_codes(app)[:11], "09:55")
    session_attendance.open_session(app, st, sid)
    with pytest.raises(SessionRuleViolation, match="No se puede registrar un voto"):
        session_votes.vote(app, st, sid, 1, "MIMP", "for", at=lima("2022-05-20T10:30"))
    with pytest.raises(SessionRuleViolation, match="la conclusión de la sesión"):
        session_votes.close(app, st, sid, at=lima("2022-05-20T12:00"))
    assert session_views.session_record(app, sid).items[0].votes == []


def test_votes_only_after_installation_and_before_closing(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    eleven = voting_codes(app)[:11]
    arrive(app, st, sid, eleven, "09:50")
    with pytest.raises(SessionRuleViolation, match="aún no se instala"):
        session_votes.vote(app, st, sid, 1, "MIMP", "for", at=lima("2022-05-20T09:58"))
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:10"))
    with pytest.raises(SessionRuleViolation, match="se instaló el 20 de mayo de 2022 a las 10:10: no se vota antes"):
        session_votes.vote(app, st, sid, 1, "MIMP", "for", at=lima("2022-05-20T10:05"))
    for code in eleven:
        session_votes.vote(app, st, sid, 1, code, "for", at=lima("2022-05-20T10:30"))
    session_votes.close(app, st, sid, at=lima("2022-05-20T11:00"))
    with pytest.raises(SessionRuleViolation, match="no se vota después de su conclusión"):
        session_votes.vote(app, st, sid, 2, "MIMP", "for", at=lima("2022-05-20T10:40"))
    assert session_views.session_record(app, sid).items[1].votes == []


def test_a_session_does_not_close_before_its_installation_nor_before_its_last_vote(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    sid = convened_session(app, clock, st)
    eleven = voting_codes(app)[:11]
    arrive(app, st, sid, eleven, "09:50")
    with pytest.raises(SessionRuleViolation, match="aún no se instala"):
        session_votes.close(app, st, sid, at=lima("2022-05-20T10:04"))
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:08"))
    with pytest.raises(SessionRuleViolation, match="se instaló el 20 de mayo de 2022 a las 10:08: no puede concluir antes \\(se indicó el 20 de mayo de 2022 a las 10:04\\)"):
        session_votes.close(app, st, sid, at=lima("2022-05-20T10:04"))
    for code in eleven:
        session_votes.vote(app, st, sid, 1, code, "for", at=lima("2022-05-20T10:40"))
    with pytest.raises(SessionRuleViolation, match="La última votación de la sesión fue el 20 de mayo de 2022 a las 10:40"):
        session_votes.close(app, st, sid, at=lima("2022-05-20T10:20"))
    session_votes.close(app, st, sid, at=lima("2022-05-20T10:50"))
    record = session_views.session_record(app, sid)
    assert record.opened_at is not None and record.closed_at is not None and record.closed_at > record.opened_at
    _, md = actas.document(app, sid, "acta", "md")
    assert "Hora de inicio: 10:08; hora de término: 10:50" in md.decode()


def test_a_working_meeting_is_not_concluded_before_its_start(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-16T10:03"))
    meeting = sessions.create_session(app, st, scheduled_at=lima("2022-05-16T15:00"), kind="trabajo", title="Metodología")
    with pytest.raises(SessionRuleViolation, match="está programada para el 16 de mayo de 2022 a las 15:00: no puede concluir antes"):
        session_votes.close(app, st, meeting.id)
    clock.set(lima("2022-05-16T17:10"))
    session_attendance.attend(app, st, meeting.id, "MINSA", alterno=True, at=lima("2022-05-16T14:55"))
    session_votes.close(app, st, meeting.id)
    record = session_views.session_record(app, meeting.id)
    assert (record.status, record.closed_at) == ("closed", lima("2022-05-16T17:10"))


def test_the_law_puts_the_second_call_on_the_next_day(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))
    with pytest.raises(SessionRuleViolation, match=r"al día siguiente de la primera \(art. 99.2 de la Ley N° 27444\).*debe ser el 21 de mayo de 2022; se indicó el 20 de mayo de 2022 a las 10:30"):
        sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), second_call_at=lima("2022-05-20T10:30"))
    with pytest.raises(SessionRuleViolation, match="debe ser el 21 de mayo de 2022"):
        sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), second_call_at=lima("2022-05-23T10:00"))
    assert session_views.list_sessions(app) == []
    sid = convened_session(app, clock, st, second_call="2022-05-21T09:00")
    arrive(app, st, sid, voting_codes(app)[:8], "09:55")
    with pytest.raises(SessionRuleViolation, match="hay 8"):
        session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:15"))
    clock.set(lima("2022-05-21T12:00"))
    with pytest.raises(SessionRuleViolation, match="en segunda convocatoria la sesión se instala desde el 21 de mayo de 2022 a las 09:00"):
        session_attendance.open_session(app, st, sid, at=lima("2022-05-21T08:30"))
    arrive(app, st, sid, voting_codes(app)[:7], "08:55", day="2022-05-21")
    opening = session_attendance.open_session(app, st, sid, at=lima("2022-05-21T09:05"))
    assert (opening.call, opening.present, opening.required) == ("second", 7, 7)


def test_a_reglamento_may_set_a_second_call_interval_with_its_own_article(store_url: str, tmp_path: Path, clock: FixedClock) -> None:
    app = variant_app(store_url, tmp_path, clock, INTERVAL)
    try:
        st = setup_people(app)
        clock.set(lima("2022-05-16T09:00"))
        with pytest.raises(SessionRuleViolation, match=r"al menos 30 minutos después de la primera \(art. 8 del Reglamento Interno de la Comisión\)"):
            sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), second_call_at=lima("2022-05-20T10:15"))
        sid = convened_session(app, clock, st, second_call="2022-05-20T10:30")
        arrive(app, st, sid, voting_codes(app)[:7], "09:55")
        with pytest.raises(SessionRuleViolation, match="se requieren 11"):
            session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:05"))
        assert session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:31")).call == "second"
    finally:
        app.close()


def test_an_interval_or_an_abstention_without_the_norm_that_allows_it_does_not_load(tmp_path: Path) -> None:
    from conaig_flow.store.definitions import default_workflows_dir, load_files

    example = (default_workflows_dir() / "plans" / "comision-ejemplo-2023.yaml").read_text(encoding="utf-8")
    for rule, expected in (("second_call: {when: interval, minutes: 30}", "legal_basis.second_call"),
                           ("abstention: {allowed: true}", "legal_basis.abstention")):
        path = tmp_path / "plans" / "ejemplo.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(example.replace("session_rules:\n", f"session_rules:\n  {rule}\n", 1), encoding="utf-8")
        with pytest.raises(DefinitionError, match=expected) as refused:
            load_files(path, default_workflows_dir() / "lifecycles")
        assert "session_rules" in str(refused.value)


def test_an_hour_typed_on_the_second_call_day_is_on_that_day() -> None:
    from types import SimpleNamespace

    from conaig_flow.services.sessions.common import parse_at

    row = SimpleNamespace(scheduled_at=lima("2022-05-19T10:00"), second_call_at=lima("2022-05-20T10:00"))
    assert parse_at("09:55", row, lima("2022-05-19T10:15")) == lima("2022-05-19T09:55")
    assert parse_at("09:55", row, lima("2022-05-20T10:05")) == lima("2022-05-20T09:55")
    assert parse_at("09:55", SimpleNamespace(scheduled_at=lima("2022-05-19T10:00"), second_call_at=None),
                    lima("2022-05-20T10:05")) == lima("2022-05-19T09:55")
