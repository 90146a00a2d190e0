"""The CONAIG holds a session as Ley N° 27444 says, with the clock moving (SQLite and
PostgreSQL): the first call on Thursday 19 May 2022 has no quorum (10 of the 11 needed);
the second call, the next day, installs with 7 of 21 (one third, never fewer than 3); a
tie is broken by the presidency; a member leaves and the next item cannot be voted; the
acta says only what happened — its date, times, attendance of that day, votes."""

from __future__ import annotations

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import QuorumNotMet, SessionRuleViolation
from conaig_flow.services import audit
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from tests.session_kit import lima, setup_people
from tests.test_sessions_scenario import docx_text, flat, pdf_text

FIRST_DAY = ["MIMP", "MINSA", "MINEDU", "MIDIS", "MTPE", "MININTER", "MINJUSDH", "PRODUCE", "MINCETUR", "MINAM"]
SECOND_DAY = ["MIMP", "MINSA", "MINEDU", "MIDIS", "MTPE", "MININTER", "RREE"]


def test_a_conaig_session_without_quorum_on_its_day_is_held_in_second_call_the_next_day(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    clock.set(lima("2022-05-16T09:00"))  # Monday
    sid = sessions.create_session(app, st, scheduled_at=lima("2022-05-19T10:00"), place="Sala Micaela Bastidas, MIMP",
                                  second_call_at=lima("2022-05-20T10:00")).id
    sessions.add_item(app, st, sid, other="Cronograma de sesiones del segundo semestre")
    sessions.add_item(app, st, sid, other="Encargo de la secretaría para el informe de gobernanza")
    sessions.convene(app, st, sid)

    # Thursday 19 May: 10 of the 11 needed come; the first call cannot be installed.
    clock.set(lima("2022-05-19T09:50"))
    session_attendance.attend(app, st, sid, "DGIGND", person="Directora General de la DGIGND")
    clock.set(lima("2022-05-19T09:56"))
    for code in FIRST_DAY:
        session_attendance.attend(app, st, sid, code)
    clock.set(lima("2022-05-19T09:57"))
    with pytest.raises(SessionRuleViolation, match="no puede instalarse antes de esa hora"):
        session_attendance.open_session(app, st, sid)
    clock.set(lima("2022-05-19T10:20"))
    with pytest.raises(QuorumNotMet, match=r"se requieren 11 integrantes con voto \(art. 99.1 de la Ley N° 27444\); hay 10"):
        session_attendance.open_session(app, st, sid)

    # Friday 20 May, second call: 7 of 21 are enough.
    clock.set(lima("2022-05-20T09:52"))
    session_attendance.attend(app, st, sid, "DGIGND", person="Directora General de la DGIGND")
    session_attendance.attend(app, st, sid, "DP", person="Adjunta para los Derechos de la Mujer")
    clock.set(lima("2022-05-20T09:58"))
    for code in SECOND_DAY:
        session_attendance.attend(app, st, sid, code, alterno=code == "RREE")
    clock.set(lima("2022-05-20T10:03"))
    opening = session_attendance.open_session(app, st, sid)
    assert (opening.call, opening.present, opening.required) == ("second", 7, 7)

    # Item 1: MINEDU is impeded; 3 for and 3 against; the presidency's vote breaks the tie.
    clock.set(lima("2022-05-20T10:20"))
    sessions.declare_conflict(app, st, sid, 1, "MINEDU", "Propuso el cronograma alternativo")
    clock.set(lima("2022-05-20T10:35"))
    for code in ("MIMP", "MINSA", "MIDIS"):
        session_votes.vote(app, st, sid, 1, code, "for")
    for code in ("MTPE", "MININTER", "RREE"):
        session_votes.vote(app, st, sid, 1, code, "against", reason="Prefiere sesionar en agosto")
    assert session_views.session_record(app, sid).items[0].result == "passed"

    # MINSA leaves before item 2: 6 of the 7 needed, the item cannot be voted.
    clock.set(lima("2022-05-20T10:50"))
    session_attendance.attend(app, st, sid, "MINSA", leave=lima("2022-05-20T10:50"))
    clock.set(lima("2022-05-20T10:55"))
    with pytest.raises(QuorumNotMet, match=r"para votar el punto 2: se requieren 7 integrantes con voto \(art. 99.2 de la Ley N° 27444\); hay 6"):
        session_votes.vote(app, st, sid, 2, "MIMP", "for")
    clock.set(lima("2022-05-20T11:05"))
    closing = session_votes.close(app, st, sid)
    assert [(a.number, a.position, a.result) for a in closing.agreements] == [(1, 1, "passed")]
    assert "empate dirimido por la Presidencia" in closing.agreements[0].text

    record = session_views.session_record(app, sid)
    assert (record.opened_at, record.closed_at, record.call) == (lima("2022-05-20T10:03"), lima("2022-05-20T11:05"), "second")
    assert [(a.entity, a.arrived_at) for a in record.acta_attendees] == [
        ("DGIGND", lima("2022-05-20T09:52")), ("DP", lima("2022-05-20T09:52")),
        *[(code, lima("2022-05-20T09:58")) for code in SECOND_DAY],
    ]
    _, md = actas.document(app, sid, "acta", "md")
    text = md.decode()
    assert "- Fecha: 20 de mayo de 2022" in text
    assert ("Convocatoria: segunda convocatoria, del 20 de mayo de 2022, 10:00, al no haberse instalado la sesión en la "
            "primera, del 19 de mayo de 2022, 10:00") in text
    assert "Hora de inicio: 10:03; hora de término: 11:05" in text
    assert "estuvieron presentes 7 de los 21 integrantes con derecho a voto; el quórum requerido en segunda convocatoria es de 7" in text
    assert "MINEDU declaró conflicto de intereses y no votó: Propuso el cronograma alternativo" in text
    assert "Votación a las 10:35, con 7 integrantes con derecho a voto presentes" in text
    assert "Resultado: 3 a favor, 3 en contra, 0 abstenciones. Aprobado." in text
    assert "El punto no fue sometido a votación." in text
    assert "(MINAM)" not in text and "MINCETUR" not in text  # they came on the 19th only
    assert "10:20" not in text  # the refused first call leaves no time in the acta
    _, docx_bytes = actas.document(app, sid, "acta", "docx")
    _, rows = docx_text(docx_bytes)
    assert ("Ministerio de Salud (MINSA)", "titular", "Titular de MINSA", "09:58", "10:50") in rows
    assert ("Ministerio de Relaciones Exteriores (RREE)", "alterno", "Alterno de RREE", "en contra", "Prefiere sesionar en agosto") in rows
    assert not any("MINAM" in r[0] for r in rows)
    ptext = pdf_text(actas.document(app, sid, "acta", "pdf")[1])
    assert flat("Hora de inicio: 10:03; hora de término: 11:05") in ptext and "MINAM" not in ptext
    refused = [r.action for r in audit.refused_attempts(app)]
    assert refused.count("session open") == 2 and refused.count("session vote") == 1
