"""Votes and the acta per Ley N° 27444 (SQLite and PostgreSQL): abstention only where a law
allows it and then grounded in writing; a dissent states its reasons; a voto singular's
written grounds may come until the end of the next day and the acta waits for them; the
acta's signers are computed; the certificación of an agreement, read back from DOCX and PDF."""

from __future__ import annotations

from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.errors import InvalidInput, SessionRuleViolation
from conaig_flow.services import users
from conaig_flow.services.sessions import actas, voto_singular
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from tests.session_kit import arrive, convened_session, lima, setup_people, variant_app, voting_codes
from tests.test_sessions_scenario import docx_text, flat, pdf_text

ABSTENTION = {
    "  abstention: {allowed: false}\n": "  abstention: {allowed: true}\n",
    '    abstention: "art. 101.2 de la Ley N° 27444"\n': '    abstention: "art. 15 de la Ley N° 99999 (abstención facultada)"\n',
}


def _open(app: App, clock: FixedClock, n: int = 15, **kw: str) -> tuple[int, list[str]]:
    st = setup_people(app)
    sid = convened_session(app, clock, st, **kw)
    codes = voting_codes(app)[:n]
    arrive(app, st, sid, codes, "09:50")
    session_attendance.open_session(app, st, sid, at=lima("2022-05-20T10:00"))
    return sid, codes


def _next_session(app: App, clock: FixedClock, codes: list[str]) -> int:
    """The next ordinary session (10 June 2022), installed: where an acta not approved at the end
    of its own session is approved (art. 102)."""
    st = users.actor_for(app, "st@example.pe")
    second = convened_session(app, clock, st, day="2022-06-10", others=("Otro punto",), convene_on="2022-06-06T09:00")
    arrive(app, st, second, codes, "09:50", day="2022-06-10")
    session_attendance.open_session(app, st, second)
    return second


def test_abstention_is_refused_where_no_law_allows_it(app: App, clock: FixedClock) -> None:
    sid, _ = _open(app, clock)
    st = users.actor_for(app, "st@example.pe")
    with pytest.raises(SessionRuleViolation, match=r"No se admite la abstención.*\(art. 101.1 de la Ley N° 27444\)"):
        session_votes.vote(app, st, sid, 1, "MINSA", "abstain", reason="Consultará a su sector", at=lima("2022-05-20T10:30"))
    assert session_views.session_record(app, sid).items[0].votes == []


def test_where_a_law_allows_abstention_it_needs_written_grounds(store_url: str, tmp_path: Path, clock: FixedClock) -> None:
    other = variant_app(store_url, tmp_path, clock, ABSTENTION)
    try:
        osid, _ = _open(other, clock)
        ost = users.actor_for(other, "st@example.pe")
        with pytest.raises(SessionRuleViolation, match=r"debe fundamentarse por escrito \(art. 15 de la Ley N° 99999"):
            session_votes.vote(other, ost, osid, 1, "MINSA", "abstain", at=lima("2022-05-20T10:30"))
        assert session_views.session_record(other, osid).items[0].votes == []
        session_votes.vote(other, ost, osid, 1, "MINSA", "abstain", reason="Consultará a su sector", at=lima("2022-05-20T10:30"))
        (vote,) = session_views.session_record(other, osid).items[0].votes
        assert (vote.sense_label, vote.reason) == ("abstención", "Consultará a su sector")
    finally:
        other.close()


def test_a_dissent_states_its_reasons_or_announces_a_voto_singular(app: App, clock: FixedClock) -> None:
    sid, _ = _open(app, clock)
    st = users.actor_for(app, "st@example.pe")
    with pytest.raises(SessionRuleViolation, match=r"Quien vota en contra expresa sus motivos \(art. 100.2 de la Ley N° 27444\)"):
        session_votes.vote(app, st, sid, 1, "RREE", "against", at=lima("2022-05-20T10:30"))
    session_votes.vote(app, st, sid, 1, "RREE", "against", reason="Falta el enfoque de política exterior", at=lima("2022-05-20T10:30"))
    session_votes.vote(app, st, sid, 1, "MINDEF", "against", singular=True)
    votes = {v.entity: v for v in session_views.session_record(app, sid).items[0].votes}
    assert votes["RREE"].reason == "Falta el enfoque de política exterior" and not votes["RREE"].singular
    assert votes["MINDEF"].singular and votes["MINDEF"].grounds_status == "pending"
    assert votes["MINDEF"].grounds_label == "fundamento escrito pendiente (plazo: hasta el 21 de mayo de 2022)"


def test_the_acta_waits_for_the_voto_singular_grounds_handed_the_next_day(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock)
    st = users.actor_for(app, "st@example.pe")
    for code in codes:
        singular = code == "MINDEF"
        session_votes.vote(app, st, sid, 1, code, "against" if singular else "for", singular=singular, at=lima("2022-05-20T10:30"))
        session_votes.vote(app, st, sid, 2, code, "for", at=lima("2022-05-20T11:00"))
    session_votes.close(app, st, sid, at=lima("2022-05-20T11:30"))
    _, md = actas.document(app, sid, "acta", "md")
    text = md.decode()
    assert "Voto singular de Ministerio de Defensa (MINDEF): fundamento escrito pendiente (plazo: hasta el 21 de mayo de 2022)" in text
    assert "El acta queda pendiente" in text
    with pytest.raises(SessionRuleViolation, match=r"espera el fundamento escrito de los votos singulares \(art. 97.3 de la Ley N° 27444\): MINDEF en el punto 1"):
        actas.approve_acta(app, st, sid)
    clock.set(lima("2022-05-21T16:20"))  # the next day
    with pytest.raises(InvalidInput, match="RREE no emitió un voto singular"):
        voto_singular.hand_grounds(app, st, sid, 1, "RREE", "Nada")
    voto_singular.hand_grounds(app, st, sid, 1, "MINDEF", "El informe no considera la participación del sector defensa.")
    with pytest.raises(SessionRuleViolation, match="ya fue entregado"):
        voto_singular.hand_grounds(app, st, sid, 1, "MINDEF", "Otra versión")
    record = session_views.session_record(app, sid)
    assert not record.grounds_pending
    # the acta waited past its session's day: it is approved at the start of the next one (art. 102)
    with pytest.raises(SessionRuleViolation, match="ya no puede aprobarse al término de la misma sesión"):
        actas.approve_acta(app, st, sid)
    assert actas.approve_acta(app, st, sid, in_session=_next_session(app, clock, codes)) == "ACTA N° 001-2022-CONAIG"
    _, md = actas.document(app, sid, "acta", "md")
    assert ("Voto singular de Ministerio de Defensa (MINDEF): fundamento escrito entregado: El informe no considera la "
            "participación del sector defensa.") in md.decode()
    assert "El acta queda pendiente" not in md.decode()


def test_voto_singular_grounds_after_the_next_day_are_refused_and_a_waiver_frees_the_acta(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock)
    st = users.actor_for(app, "st@example.pe")
    for code in codes:
        session_votes.vote(app, st, sid, 1, code, "against" if code in ("MINDEF", "RREE") else "for",
                           singular=code in ("MINDEF", "RREE"), at=lima("2022-05-20T10:30"))
    session_votes.close(app, st, sid, at=lima("2022-05-20T11:30"))
    clock.set(lima("2022-05-21T09:00"))
    voto_singular.waive_grounds(app, st, sid, 1, "RREE")
    with pytest.raises(SessionRuleViolation, match="MINDEF en el punto 1"):
        actas.approve_acta(app, st, sid)
    clock.set(lima("2022-05-22T00:00"))  # the next day has ended
    with pytest.raises(SessionRuleViolation, match=r"venció el 22 de mayo de 2022 a las 00:00 \(art. 97.3 de la Ley N° 27444\)"):
        voto_singular.hand_grounds(app, st, sid, 1, "MINDEF", "Tarde")
    votes = {v.entity: v for v in session_views.session_record(app, sid).items[0].votes}
    assert votes["RREE"].grounds_status == "waived" and votes["MINDEF"].grounds_status == "lapsed"
    assert actas.approve_acta(app, st, sid, in_session=_next_session(app, clock, codes)) == "ACTA N° 001-2022-CONAIG"


def test_the_signers_are_the_secretary_the_presidency_each_voto_singular_and_any_attendee_who_asks(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock)
    st = users.actor_for(app, "st@example.pe")
    session_attendance.attend(app, st, sid, "DP", at=lima("2022-05-20T09:55"))
    for code in codes:
        session_votes.vote(app, st, sid, 1, code, "against" if code == "MINDEF" else "for", singular=code == "MINDEF",
                           at=lima("2022-05-20T10:30"))
    session_votes.close(app, st, sid, at=lima("2022-05-20T11:30"))
    voto_singular.waive_grounds(app, st, sid, 1, "MINDEF")
    with pytest.raises(InvalidInput, match="no asistió a la sesión"):
        actas.ask_to_sign(app, st, sid, "SERVIR")
    actas.ask_to_sign(app, st, sid, "DP")
    record = session_views.session_record(app, sid)
    assert [(g.entity, g.role, g.why_label) for g in record.signers] == [
        ("MIMP", "presidency", "Presidencia"), ("MIMP", "secretariat", "Secretaría Técnica"),
        ("MINDEF", "member", "voto singular"), ("DP", "member", "lo solicitó"),
    ]
    actas.approve_acta(app, st, sid)
    # the acta is «Firmada» only when each of them has a verified PAdES signature on it
    # (tests/test_acta_signing.py, tests/test_signature_refusals.py for someone outside the set)
    assert session_views.session_record(app, sid).acta_state == "approved"
    _, md = actas.document(app, sid, "acta", "md")
    assert ("Firman el acta (Ley N° 27444, art. 102): Presidencia (MIMP); Secretaría Técnica (MIMP); "
            "Integrante (MINDEF, voto singular); Integrante (DP, lo solicitó).") in md.decode()


def test_the_certification_of_an_agreement_reads_back_from_docx_and_pdf_and_is_refused_otherwise(app: App, clock: FixedClock) -> None:
    sid, codes = _open(app, clock, n=11, others=("Aprobar el cronograma de sesiones", "Cambiar la sede"))
    st = users.actor_for(app, "st@example.pe")
    for n, code in enumerate(codes):
        session_votes.vote(app, st, sid, 1, code, "against" if n == 3 else "for", reason="Prefiere otras fechas" if n == 3 else None,
                           at=lima("2022-05-20T10:30"))
        session_votes.vote(app, st, sid, 2, code, "for" if n < 3 else "against", reason=None if n < 3 else "No corresponde",
                           at=lima("2022-05-20T11:00"))
    with pytest.raises(SessionRuleViolation, match="no ha concluido: solo se certifican acuerdos de una sesión concluida"):
        actas.certification(app, st, sid, 1, "pdf")
    session_votes.close(app, st, sid, at=lima("2022-05-20T11:30"))
    with pytest.raises(SessionRuleViolation, match=r"El acuerdo N° 2 .* no fue aprobado"):
        actas.certification(app, st, sid, 2, "docx")
    with pytest.raises(InvalidInput, match="no tiene un acuerdo N° 3"):
        actas.certification(app, st, sid, 3, "docx")
    clock.set(lima("2022-06-01T09:00"))
    name, docx_bytes = actas.certification(app, st, sid, 1, "docx")
    assert name.endswith(".docx")
    dtext, rows = docx_text(docx_bytes)
    _, pdf = actas.certification(app, st, sid, 1, "pdf")
    ptext = pdf_text(pdf)
    expected = [
        "CERTIFICACIÓN DE ACUERDO", "Sesión ordinaria N° 001-2022 de la CONAIG", "realizada el 20 de mayo de 2022",
        "Acuerdo N° 1 (punto 1 del orden del día)", "Fecha del acuerdo: 20 de mayo de 2022, votación a las 10:30",
        "Votación: 10 a favor, 1 en contra, 0 abstenciones", "Aprobar el cronograma de sesiones: APROBADO",
        "ACTA N° 001-2022-CONAIG", "Se expide la presente certificación el 1 de junio de 2022",
    ]
    for phrase in expected:
        assert phrase in dtext, phrase
        assert flat(phrase) in ptext, phrase
    assert ("Ministerio de Desarrollo e Inclusión Social (MIDIS)", "en contra") in rows
    assert sum(1 for r in rows if r[1] == "a favor") == 10
