"""Messages built with the standard library's ``email`` package (``notify/mime.py``,
``notify/render.py``): every message parsed back with ``email.policy.default`` and compared
field by field, with non-ASCII names in From, To and Cc, non-ASCII attachment names, long
subjects and both alternatives; and through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta
from email.message import EmailMessage

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.notify.ics import session_ics
from conaig_flow.notify.messages import Attachment, Claimed, NewMessage
from conaig_flow.notify.mime import POLICY, compose
from conaig_flow.notify.outbox import enqueue
from conaig_flow.notify.render import Renderer, message_id
from conaig_flow.services import users
from conaig_flow.services.notifications.events import enqueue_convocatoria
from tests.notify_helpers import use_smtp
from tests.smtp_capture import SmtpCapture

SENDER = "Secretaría Técnica CONAIG <st@mimp.gob.pe>"
NOW = datetime(2022, 5, 2, 9, 30, tzinfo=LIMA)
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Sesión ordinaria\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
CONTEXT = {
    "commission": "Comisión Multisectorial", "plan_title": "Plan de Trabajo", "kind": "ordinaria",
    "session_title": "III Sesión Ordinaria de la Comisión Multisectorial de Alto Nivel encargada del seguimiento",
    "modality": "virtual", "starts_at": "2022-05-20T10:00:00-05:00", "place": "Sala virtual «Túpac Amaru»",
    "agenda": ["Aprobación del acta anterior", "Metodología (A3.1)"], "convened_by": "la Presidencia",
}


def parse(data: bytes) -> EmailMessage:
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def people(header: object) -> list[tuple[str, str]]:
    return [(a.display_name, a.addr_spec) for a in header.addresses]  # type: ignore[attr-defined]


def claimed(to: list[str], cc: list[str] = (), attachments: list[Attachment] = (), key: str = "prueba:1") -> Claimed:  # type: ignore[assignment]
    return Claimed(id=1, key=key, kind="message", template="convocatoria", to=list(to), cc=list(cc),
                   context=dict(CONTEXT), attachments=list(attachments), attempts=1)


def test_sender_and_recipients_with_accented_names_read_back_as_name_and_address() -> None:
    renderer = Renderer(None, SENDER)
    names = {"ana@minsa.gob.pe": "Ana Pérez", "jose@mimp.gob.pe": "José Ñáñez Quispe", "st@mimp.gob.pe": "Secretaría"}
    item = claimed(["ana@minsa.gob.pe", "sin.nombre@minedu.gob.pe"], ["jose@mimp.gob.pe"])
    envelope_from, rcpts, data = renderer.build(item, NOW, names)
    assert envelope_from == "st@mimp.gob.pe"
    assert rcpts == ["ana@minsa.gob.pe", "sin.nombre@minedu.gob.pe", "jose@mimp.gob.pe"]
    assert data.isascii() and b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")
    msg = parse(data)
    assert people(msg["From"]) == [("Secretaría Técnica CONAIG", "st@mimp.gob.pe")]  # the old composer lost the domain
    assert people(msg["To"]) == [("Ana Pérez", "ana@minsa.gob.pe"), ("", "sin.nombre@minedu.gob.pe")]
    assert people(msg["Cc"]) == [("José Ñáñez Quispe", "jose@mimp.gob.pe")]
    subject, text, html = renderer.render("convocatoria", item.context)
    assert msg["Subject"] == subject and subject.startswith("Convocatoria: III Sesión Ordinaria")
    assert msg["Date"].datetime == NOW
    assert msg["Message-ID"] == message_id("prueba:1", "mimp.gob.pe")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Content-Language"] == "es-PE"
    assert msg["X-Conaig-Key"] == "prueba:1"
    assert msg["MIME-Version"] == "1.0"
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.iter_parts()
    assert (plain.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")
    assert plain.get_content_charset() == rich.get_content_charset() == "utf-8"
    # line breaks travel as CRLF (RFC 5322), the rest of each body as rendered
    assert plain.get_content().replace("\r\n", "\n") == text and rich.get_content().replace("\r\n", "\n") == html
    assert "Sala virtual «Túpac Amaru»" in plain.get_content()


@pytest.mark.parametrize("name", ["Pérez, Ana", 'Ana "la jefa" Pérez', "O'Higgins (MINSA)", "Ana\r\nBcc: x@y.pe"])
def test_display_names_with_commas_quotes_and_line_breaks_read_back_as_one_mailbox(name: str) -> None:
    _, rcpts, data = Renderer(None, SENDER).build(claimed(["ana@minsa.gob.pe"]), NOW, {"ana@minsa.gob.pe": name})
    msg = parse(data)
    assert people(msg["To"]) == [(" ".join(name.split()), "ana@minsa.gob.pe")]
    assert rcpts == ["ana@minsa.gob.pe"] and msg["Bcc"] is None


def test_a_bare_sender_and_a_recipient_stored_with_its_name_are_written_as_given() -> None:
    renderer = Renderer(None, "no-responder@conaig.example.pe")
    _, rcpts, data = renderer.build(claimed(["Ana Pérez <ana@minsa.gob.pe>"]), NOW)
    msg = parse(data)
    assert people(msg["From"]) == [("", "no-responder@conaig.example.pe")]
    assert people(msg["To"]) == [("Ana Pérez", "ana@minsa.gob.pe")] and rcpts == ["ana@minsa.gob.pe"]


@pytest.mark.parametrize("sender", ["Secretaría Técnica", "st@", "a@b.pe, c@d.pe", ""])
def test_a_sender_that_is_not_one_address_is_refused_with_what_is_expected(sender: str) -> None:
    with pytest.raises(ValueError, match=r"Remitente no válido.*se espera una dirección"):
        Renderer(None, sender)


def test_a_non_ascii_attachment_name_is_kept_and_the_invitation_reads_back_whole() -> None:
    ics = Attachment("convocatoria-sesión.ics", "text/calendar; method=REQUEST", ICS)
    _, _, data = Renderer(None, SENDER).build(claimed(["ana@minsa.gob.pe"], attachments=[ics]), NOW)
    msg = parse(data)
    assert msg.get_content_type() == "multipart/mixed"
    alternative, attachment = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert attachment.get_filename() == "convocatoria-sesión.ics"
    assert attachment.get_content_disposition() == "attachment"
    assert attachment.get_content_type() == "text/calendar" and attachment.get_param("method") == "REQUEST"
    assert attachment.get_content().replace("\r\n", "\n") == ICS.replace("\r\n", "\n")
    assert msg.get_body(preferencelist=("html",)) is not None


def test_a_long_accented_subject_is_folded_under_78_columns_and_reads_back_unchanged() -> None:
    subject = ("Recordatorio: faltan 7 días para presentar la Metodología para la elaboración del Informe anual "
               "de cumplimiento de la Política Nacional de Igualdad de Género — Ministerio de la Mujer y "
               "Poblaciones Vulnerables (vence el 30 de junio de 2022)")
    to = ", ".join(f"Persona Número {i} del Ministerio de Educación <persona{i}@minedu.gob.pe>" for i in range(12))
    data = compose([("From", SENDER), ("To", to), ("Subject", subject)], "Texto.\n", "<p>Texto.</p>\n", seed="k")
    head = data.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78
    assert head.count(b"\r\nSubject: ") == 1 and b"\r\n " in head
    msg = parse(data)
    assert msg["Subject"] == subject
    assert len(msg["To"].addresses) == 12 and msg["To"].addresses[11].display_name == "Persona Número 11 del Ministerio de Educación"


def test_a_header_value_with_a_line_break_is_refused() -> None:
    with pytest.raises(ValueError):
        compose([("Subject", "Hola\r\nBcc: intruso@example.pe")], "a", "b")


def test_a_non_text_attachment_type_is_refused_saying_what_is_expected() -> None:
    with pytest.raises(ValueError, match="se esperaba un tipo de texto"):
        compose([("Subject", "x")], "a", "b", [("acta.pdf", "application/pdf", "%PDF")])


def test_the_policy_that_remembers_writes_the_same_bytes_as_policy_smtp() -> None:
    plain = email.policy.SMTP.clone(cte_type="7bit")
    messages = [
        ([("From", SENDER), ("To", f"Ana Pérez <ana{i}@minsa.gob.pe>, b@c.pe"), ("Subject", f"Asunto {i} — sesión"),
          ("X-Conaig-Key", f"k:{i}")], f"Texto {i} con tilde: sesión\n", f"<p>{i} — ñ</p>\n",
         [("convocatoria-sesión.ics", "text/calendar; method=REQUEST", ICS)] if i % 2 else [])
        for i in range(4)
    ]
    for _ in range(2):  # the second round is answered from the policy's memory
        for i, (headers, text, html, attachments) in enumerate(messages):
            ours = compose(headers, text, html, attachments, f"k:{i}")
            assert ours == compose(headers, text, html, attachments, f"k:{i}", policy=plain)
    assert POLICY.clone(max_line_length=998)._folded == {}  # type: ignore[attr-defined]  # a clone starts afresh


def test_the_same_message_gives_the_same_bytes_and_another_key_other_boundaries() -> None:
    renderer = Renderer(None, SENDER)
    one = renderer.build(claimed(["ana@minsa.gob.pe"], key="a"), NOW)[2]
    assert one == renderer.build(claimed(["ana@minsa.gob.pe"], key="a"), NOW)[2]
    other = renderer.build(claimed(["ana@minsa.gob.pe"], key="b"), NOW)[2]
    assert parse(one).get_boundary() != parse(other).get_boundary()


def test_templates_are_compiled_once_per_process_and_folder() -> None:
    first, second = Renderer(None, SENDER), Renderer(None, "otro@example.pe", {"plan_title": "Otro plan"})
    assert first.env is second.env
    first.render("convocatoria", CONTEXT)
    template = first.env.get_template("convocatoria.txt")
    second.render("convocatoria", CONTEXT)
    assert second.env.get_template("convocatoria.txt") is template


def test_people_are_addressed_by_name_through_a_real_smtp_server(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    use_smtp(app, smtp, smtp_from=SENDER)
    clock.set(NOW)
    users.add_user(app, "ana@minsa.gob.pe", "Ana Pérez", "MINSA", "member", capacity="titular")
    users.add_user(app, "jose@mimp.gob.pe", "José Ñáñez", "MIMP", "member", capacity="alterno")
    start = datetime(2022, 5, 20, 10, 0, tzinfo=LIMA)
    ics = session_ics("sesion-2022-03@conaig-flow", start, start + timedelta(hours=2), "III Sesión Ordinaria",
                      "Agenda: metodología", clock.now(), location="Sala virtual")
    ics = Attachment("convocatoria-sesión.ics", ics.content_type, ics.text)
    with app.db.write() as conn:
        assert enqueue_convocatoria(app, conn, key="convocatoria:nombres", context=CONTEXT, ics=ics)
        enqueue(conn, NewMessage(key="aviso:copia", kind="message", template="convocatoria",
                                 to=["contacto@ong.example.pe"], cc=["ana@minsa.gob.pe"], context=CONTEXT), clock.now())
    assert dispatch(app).sent == 2
    by_key = {r.key: r for r in smtp.received}
    convocatoria = by_key["convocatoria:nombres"]
    assert sorted(convocatoria.recipients) == ["ana@minsa.gob.pe", "jose@mimp.gob.pe"]
    msg = convocatoria.message
    assert people(msg["From"]) == [("Secretaría Técnica CONAIG", "st@mimp.gob.pe")]
    assert convocatoria.envelope_from == "st@mimp.gob.pe"
    assert sorted(people(msg["To"])) == [("Ana Pérez", "ana@minsa.gob.pe"), ("José Ñáñez", "jose@mimp.gob.pe")]
    assert msg["Subject"].startswith("Convocatoria: III Sesión Ordinaria de la Comisión Multisectorial")
    assert msg["Message-ID"] == message_id("convocatoria:nombres", "mimp.gob.pe")
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "convocatoria-sesión.ics"
    assert "UID:sesion-2022-03@conaig-flow" in attachment.get_content()
    copy = by_key["aviso:copia"].message
    assert people(copy["To"]) == [("", "contacto@ong.example.pe")]  # not a user: no name known
    assert people(copy["Cc"]) == [("Ana Pérez", "ana@minsa.gob.pe")]
    assert sorted(by_key["aviso:copia"].recipients) == ["ana@minsa.gob.pe", "contacto@ong.example.pe"]
    # what the outbox row stores is unchanged: bare addresses
    assert {tuple(v.to) for v in ob.list_outbox(app)} == {("ana@minsa.gob.pe", "jose@mimp.gob.pe"), ("contacto@ong.example.pe",)}


def test_a_stored_recipient_that_is_not_an_address_goes_to_the_dead_letter_saying_why(
    app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    use_smtp(app, smtp)
    clock.set(NOW)
    with app.db.write() as conn:
        enqueue(conn, NewMessage(key="aviso:malo", kind="message", template="convocatoria", to=["sin-arroba"],
                                 context=CONTEXT), clock.now())
    report = dispatch(app)
    assert report.dead == 1 and smtp.received == []
    (row,) = ob.list_outbox(app)
    assert row.status == "dead" and "Destinatario no válido: «sin-arroba»" in (row.last_error or "")
