"""The CONAIG in 2022: the I-2022 session forms the working team (A2.1) and approves the
methodology (A3.1); the II-2022 session approves the urgent-measures report (A2.2), which
fulfils A2.3. The generated actas hold every attendee, vote and agreement (DOCX and PDF)."""

from __future__ import annotations

import io

import docx
import pypdf
from sqlalchemy import select

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import views as session_views
from conaig_flow.services.sessions import votes as session_votes
from conaig_flow.services.sessions.views import SessionRecord
from conaig_flow.store.tables import TeamMemberRow
from tests.conftest import pdf_bytes
from tests.session_kit import lima, setup_people, voting_codes

TEAM = ["MIMP", "MINSA", "MINEDU", "MTPE", "MIDIS"]
ALTERNOS = {"ONPE", "PJ", "MP"}


def docx_text(content: bytes) -> tuple[str, list[tuple[str, ...]]]:
    document = docx.Document(io.BytesIO(content))
    rows = [tuple(c.text for c in r.cells) for t in document.tables for r in t.rows]
    text = "\n".join([p.text for p in document.paragraphs] + [" | ".join(r) for r in rows])
    return text, rows


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def flat(text: str) -> str:
    """As the PDF shows it: whitespace collapsed (the PDF/A embeds DejaVu Sans, so «—» stays)."""
    return " ".join(text.split())


def check_acta(app: App, sid: int, record: SessionRecord) -> None:
    """Every attendee, every vote with its reasons, every agreement: in the DOCX and the PDF."""
    _, docx_bytes = actas.document(app, sid, "acta", "docx")
    _, pdf = actas.document(app, sid, "acta", "pdf")
    dtext, rows = docx_text(docx_bytes)
    ptext = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    assert record.acta_code is not None
    for text in (dtext, ptext):
        assert record.acta_code in text and record.label in text
    for a in record.attendees:
        assert any(r[0] == f"{a.entity_name} ({a.entity})" and r[1] == a.capacity_label and r[2] == (a.person or "—") for r in rows)
        assert flat(f"{a.entity_name} ({a.entity}) {a.capacity_label} {a.person or '—'}") in ptext
    for item in record.items:
        for v in item.votes:
            assert (f"{v.entity_name} ({v.entity})", v.capacity, v.person or "—", v.sense_label, v.reason or "—") in rows
            assert flat(f"{v.entity_name} ({v.entity}) {v.capacity} {v.person} {v.sense_label}") in ptext
            if v.reason:
                assert v.reason in dtext and flat(v.reason) in ptext
        if item.agreement_text:
            assert f"Acuerdo N° {item.agreement_number}: {item.agreement_text}" in dtext
            assert flat(f"Acuerdo N° {item.agreement_number}: {item.agreement_text}") in ptext
        if item.summary:
            assert item.summary in dtext and flat(item.summary) in ptext


def _ready(app: App, st: Actor, did: int, who: Actor) -> None:
    deliverables.advance(app, who, did, "submit", documents=[("documento.pdf", pdf_bytes(f"entregable {did}"))])
    deliverables.advance(app, st, did, "accept")


def test_the_conaig_forms_its_team_approves_the_methodology_and_then_the_urgent_measures_report(app: App, clock: FixedClock) -> None:
    st = setup_people(app)
    codes = voting_codes(app)
    assert len(codes) == 21

    # A3.1: the working meeting of the alternos produces the methodology, reviewed by the secretariat.
    clock.set(lima("2022-04-04T09:00"))
    meeting = sessions.create_session(app, st, scheduled_at=lima("2022-04-06T15:00"), kind="trabajo", virtual=True,
                                      title="Reunión de trabajo de representantes alternos/as", activity="A3.1")
    clock.set(lima("2022-04-06T17:00"))
    for code in codes[:8]:
        session_attendance.attend(app, st, meeting.id, code, alterno=True, at=lima("2022-04-06T15:00"))
    sessions.set_summary(app, st, meeting.id, "Se acordó la propuesta de metodología del informe anual.")
    sessions.add_document(app, st, meeting.id, "metodologia.pdf", pdf_bytes("metodología"))
    session_votes.close(app, st, meeting.id, at=lima("2022-04-06T17:00"))
    (methodology,) = deliverables.list_deliverables(app, activity="A3.1")
    (a21,) = deliverables.list_deliverables(app, activity="A2.1")
    (a23,) = deliverables.list_deliverables(app, activity="A2.3")
    clock.set(lima("2022-04-20T10:00"))
    _ready(app, st, methodology.id, st)

    # I-2022: convened on Monday 16 May for Friday 20 May.
    clock.set(lima("2022-05-16T09:00"))
    first = sessions.create_session(app, st, scheduled_at=lima("2022-05-20T10:00"), place="Sala Micaela Bastidas, MIMP",
                                    second_call_at=lima("2022-05-21T10:00")).id
    assert sessions.add_item(app, st, first, form_team=("EQ-MU", TEAM)) == 1
    assert sessions.add_item(app, st, first, approve=methodology.id) == 2
    assert sessions.add_item(app, st, first, note="Informe de avance del Plan de Trabajo al primer trimestre") == 3
    convocatoria = sessions.convene(app, st, first)
    assert len(convocatoria.agenda) == 3 and "titular.minsa@example.pe" in {r.email for r in convocatoria.recipients}
    _, conv_pdf = actas.document(app, first, "convocatoria", "pdf")
    assert "Conformación del equipo de trabajo EQ-MU" in pdf_text(conv_pdf)
    clock.set(lima("2022-05-20T11:30"))  # the secretariat records the session as it goes
    for code in codes:
        session_attendance.attend(app, st, first, code, alterno=code in ALTERNOS, at=lima("2022-05-20T09:55"))
    session_attendance.attend(app, st, first, "DP", at=lima("2022-05-20T09:55"), person="Adjunta para los Derechos de la Mujer")
    session_attendance.attend(app, st, first, "DGIGND", at=lima("2022-05-20T09:50"), person="Directora General de la DGIGND")
    opening = session_attendance.open_session(app, st, first, at=lima("2022-05-20T10:05"))
    assert (opening.call, opening.present, opening.required) == ("first", 21, 11)
    sessions.set_summary(app, st, first, "La Presidencia propone priorizar la autonomía económica de las mujeres.", 1)
    sessions.set_summary(app, st, first, "La Secretaría Técnica expone la metodología; RREE y MINDEF piden más indicadores.", 2)
    for code in codes:
        if code == "INEI":
            session_votes.vote(app, st, first, 1, code, "against", reason="Brinda asistencia técnica, no integra equipos",
                               at=lima("2022-05-20T10:40"))
        else:
            session_votes.vote(app, st, first, 1, code, "for", at=lima("2022-05-20T10:40"))
        dissent = {"RREE": "Faltan indicadores de política exterior", "MINDEF": "No incluye al sector defensa"}
        session_votes.vote(app, st, first, 2, code, "against" if code in dissent else "for", reason=dissent.get(code),
                           at=lima("2022-05-20T11:20"))
    clock.set(lima("2022-05-20T12:00"))
    closing = session_votes.close(app, st, first)
    assert closing.acta == "ACTA N° 001-2022-CONAIG"
    assert [(a.number, a.result) for a in closing.agreements] == [(1, "passed"), (2, "passed")]
    assert deliverables.get(app, st, methodology.id).state == "approved"
    (a22,) = deliverables.list_deliverables(app, activity="A2.2")
    assert (a22.owner, a22.owner_kind, a22.period) == ("EQ-MU", "team", "II-2022")
    with app.db.read() as conn:
        members = set(conn.execute(select(TeamMemberRow.__table__.c.entity_code)).scalars())  # type: ignore[attr-defined]
    assert members == set(TEAM)
    assert deliverables.get(app, st, a21.id).state == "pending"  # until the acta is approved
    actas.approve_acta(app, st, first)
    done = deliverables.get(app, st, a21.id)
    assert done.state == "approved"
    (fulfilled,) = deliverables.history(app, st, a21.id)
    assert fulfilled.session_ref is not None and "ACTA N° 001-2022-CONAIG" in fulfilled.session_ref
    assert len(fulfilled.documents) == 1 and app.documents.read(fulfilled.documents[0]).startswith(b"%PDF")
    record = session_views.session_record(app, first)
    assert len(record.attendees) == 23 and record.quorum_present == 21
    check_acta(app, first, record)

    # The team drafts the report; the secretariat gives its conformity.
    clock.set(lima("2022-09-01T10:00"))
    _ready(app, st, a22.id, users.actor_for(app, "enlace.minsa@example.pe"))

    # II-2022: virtual, convened on Monday 12 September for Friday 16 September.
    clock.set(lima("2022-09-12T09:00"))
    second = sessions.create_session(app, st, scheduled_at=lima("2022-09-16T10:00"), virtual=True,
                                     place="https://reuniones.mimp.gob.pe/conaig-ii-2022").id
    sessions.add_item(app, st, second, approve=a22.id)
    sessions.convene(app, st, second)
    present = codes[:15]
    clock.set(lima("2022-09-16T11:00"))
    for code in present:
        session_attendance.attend(app, st, second, code, at=lima("2022-09-16T09:58"))
    session_attendance.attend(app, st, second, "MINSA", leave=lima("2022-09-16T10:30"))
    session_attendance.attend(app, st, second, "MINSA", alterno=True, at=lima("2022-09-16T10:30"))
    session_attendance.attend(app, st, second, "DGIGND", at=lima("2022-09-16T09:50"))
    session_attendance.open_session(app, st, second, at=lima("2022-09-16T10:02"))
    for code in present:
        against = code == "MINAM"
        session_votes.vote(app, st, second, 1, code, "against" if against else "for",
                           reason="No prioriza la dimensión ambiental" if against else None, at=lima("2022-09-16T10:45"))
    clock.set(lima("2022-09-16T11:30"))
    closing = session_votes.close(app, st, second)
    assert closing.acta == "ACTA N° 002-2022-CONAIG" and closing.agreements[0].result == "passed"
    assert deliverables.get(app, st, a22.id).state == "approved"
    assert deliverables.get(app, st, a23.id).state == "pending"
    actas.approve_acta(app, st, second)
    assert deliverables.get(app, st, a23.id).state == "approved"
    record = session_views.session_record(app, second)
    minsa_vote = next(v for v in record.items[0].votes if v.entity == "MINSA")
    assert (minsa_vote.capacity, minsa_vote.person) == ("alterno", "Alterno de MINSA")
    check_acta(app, second, record)
    assert audit.verify(app).first_break is None
