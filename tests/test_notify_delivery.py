"""Outbox and delivery against a real SMTP server (aiosmtpd), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from icalendar import Calendar
from sqlalchemy import select

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.errors import NotFound
from conaig_flow.notify import outbox as ob
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.notify.ics import session_ics
from conaig_flow.notify.render import message_id
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.notifications.events import enqueue_convocatoria
from conaig_flow.services.notifications.reminders import sweep
from conaig_flow.store.tables_all import metadata
from conaig_flow.store.tables_notify import OutboxRow
from tests.conftest import pdf_bytes
from tests.notify_helpers import bulk_messages, lima, people, use_smtp
from tests.smtp_capture import SmtpCapture

OB = OutboxRow.__table__  # type: ignore[attr-defined]


def _parts(msg: EmailMessage) -> dict[str, str]:
    return {part.get_content_type(): str(part.get_content()) for part in msg.walk() if not part.is_multipart()}


def test_migrated_schema_matches_the_table_metadata(app: App) -> None:
    with app.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
    assert diff == []


def test_reminder_arrives_with_headers_both_parts_ics_and_spanish_dates(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    clock.set(lima(2022, 6, 23))  # before_7 of the 30 June 2022 deadline
    report = sweep(app)
    # of the two deliverables due on 30 June 2022, A3.1 (the commission's methodology, in
    # draft); A2.1 waits for the session that forms the team: nobody holds a step to remind
    assert report.written == 1
    assert dispatch(app).sent == 1
    (a31,) = deliverables.list_deliverables(app, activity="A3.1")
    key = f"reminder:{a31.id}:before_7:2022-06-30"
    (received,) = [r for r in smtp.received if r.key == key]
    msg = received.message
    # the commission's own deliverable: the secretariat, not MIMP's sector officer
    assert sorted(received.recipients) == ["st@example.pe"]
    assert msg["Subject"].startswith("Recordatorio: faltan 7 días para presentar Metodología")
    assert msg["Subject"].endswith("(vence el 30 de junio de 2022)")
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["Message-ID"] == message_id(key, "conaig.example.pe")
    assert msg["Date"].datetime.astimezone(LIMA).date().isoformat() == "2022-06-23"
    assert msg["From"].addresses[0].addr_spec == "no-responder@conaig.example.pe"
    parts = _parts(msg)
    assert "vence el 30 de junio de 2022 (faltan 7 días)" in parts["text/plain"]
    assert "<strong style=\"color:#7a1f5c;\">30 de junio de 2022</strong>" in parts["text/html"]
    ics = parts["text/calendar"]
    deliverable_id = a31.id
    assert f"UID:plazo-{deliverable_id}@conaig-flow" in ics and "DTSTART;VALUE=DATE:20220630" in ics
    (event,) = Calendar.from_ical(ics).walk("VEVENT")  # valid iCalendar, long accented lines folded right
    assert str(event["UID"]) == f"plazo-{deliverable_id}@conaig-flow"
    assert str(event["SUMMARY"]).startswith("Vence: Metodología para la elaboración del Informe anual")
    assert event.decoded("DTSTART") == date(2022, 6, 30) and all(len(line) <= 75 for line in ics.encode().split(b"\r\n"))
    # the next reminder of the same deadline carries the same calendar UID
    clock.set(lima(2022, 6, 28))
    sweep(app)
    dispatch(app)
    later = [r for r in smtp.received if r.key == f"reminder:{deliverable_id}:before_1:2022-06-30"]
    assert len(later) == 1 and f"UID:plazo-{deliverable_id}@conaig-flow" in _parts(later[0].message)["text/calendar"]


def test_sweep_and_dispatch_twice_at_the_same_instant_send_nothing_twice(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    clock.set(lima(2022, 12, 2))  # before_30 of the 31 December deadline (a Saturday → 2 January)
    first = sweep(app)
    second = sweep(app)
    assert first.written > 20 and second.written == 0
    dispatch(app)
    dispatch(app)
    keys = [r.key for r in smtp.received]
    assert len(keys) == first.written == len(set(keys))
    assert sweep(app).written == 0 and dispatch(app).sent == 0


def test_transitions_notify_the_next_people_in_the_same_transaction(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    clock.set(lima(2022, 3, 1))
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    deliverables.advance(app, minsa, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    deliverables.advance(app, st, d.id, "observe", comment="Falta el enfoque intercultural en la sección 3.")
    with pytest.raises(NotFound):  # a refused transition writes nothing to the outbox
        deliverables.advance(app, users.actor_for(app, "enlace.minedu@example.pe"), d.id, "resubmit",
                             documents=[("p.pdf", pdf_bytes())])

    def fail_after_outbox(_app: App, _conn: object, _record: object) -> None:
        raise RuntimeError("fallo después de escribir la notificación")

    app.transition_listeners.append(fail_after_outbox)  # the state change and its message: both or neither
    with pytest.raises(RuntimeError):
        deliverables.advance(app, minsa, d.id, "resubmit", documents=[("p.pdf", pdf_bytes())])
    app.transition_listeners.remove(fail_after_outbox)
    assert deliverables.get(app, st, d.id).state == "observed"
    assert dispatch(app).sent == 2
    by_subject = {r.message["Subject"]: r for r in smtp.received}
    submitted = by_subject[f"Presentado para revisión: {d.title.split(' — ')[0]} — Ministerio de Salud"]
    assert sorted(submitted.recipients) == ["revisor@cultura.example.pe", "st@example.pe"]
    observed = next(r for s, r in by_subject.items() if s.startswith("Observaciones a"))
    assert observed.recipients == ["enlace.minsa@example.pe"]
    assert "Falta el enfoque intercultural en la sección 3." in _parts(observed.message)["text/plain"]
    assert "1 de marzo de 2022" in _parts(observed.message)["text/plain"]


def test_approval_notifies_the_entity_and_cancels_waiting_reminders(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    clock.set(lima(2022, 12, 2))
    sweep(app)  # before_30 written, not yet sent
    minsa = users.actor_for(app, "enlace.minsa@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    deliverables.advance(app, minsa, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    deliverables.advance(app, st, d.id, "accept")
    deliverables.advance(app, minsa, d.id, "approve", norm_reference="Resolución Ministerial N° 123-2022-MINSA", documents=[("rm.pdf", pdf_bytes("rm"))])
    dispatch(app)
    keys = [r.key for r in smtp.received]
    assert f"reminder:{d.id}:before_30:2023-01-02" not in keys
    approved = [r for r in smtp.received if r.message["Subject"].startswith("Aprobado:")]
    assert len(approved) == 1 and sorted(approved[0].recipients) == ["enlace.minsa@example.pe", "titular.minsa@example.pe"]
    assert "Resolución Ministerial N° 123-2022-MINSA" in _parts(approved[0].message)["text/plain"]
    assert [v.status for v in ob.list_outbox(app) if v.key.startswith(f"reminder:{d.id}:")] == ["cancelled"]


def test_convocatoria_reaches_all_members_with_agenda_and_invitation(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    start = lima(2022, 5, 20, 10, 0)
    ics = session_ics("sesion-2022-03@conaig-flow", start, start + timedelta(hours=2), "III Sesión Ordinaria de la CONAIG",
                      "Agenda: aprobación de la metodología", clock.now(), location="Sala virtual")
    context = {"session_title": "III Sesión Ordinaria de la CONAIG", "kind": "ordinaria", "modality": "virtual",
               "starts_at": start.isoformat(), "place": "Sala virtual", "convened_by": "la Presidencia de la CONAIG",
               "agenda": ["Aprobación del acta anterior", "Aprobación de la metodología (A3.1)"]}
    with app.db.write() as conn:
        assert enqueue_convocatoria(app, conn, key="convocatoria:sesion-2022-03", context=context, ics=ics)
        assert not enqueue_convocatoria(app, conn, key="convocatoria:sesion-2022-03", context=context, ics=ics)
    dispatch(app)
    (r,) = smtp.received
    assert sorted(r.recipients) == ["alterno.minsa@example.pe", "integrante@example.pe", "titular.minedu@example.pe", "titular.minsa@example.pe"]
    assert r.message["Subject"] == "Convocatoria: III Sesión Ordinaria de la CONAIG — 20 de mayo de 2022, 10:00"
    parts = _parts(r.message)
    assert "2. Aprobación de la metodología (A3.1)" in parts["text/plain"]
    assert "UID:sesion-2022-03@conaig-flow" in parts["text/calendar"] and "METHOD:REQUEST" in parts["text/calendar"]


def test_421_and_451_replies_are_retried_until_everything_is_delivered(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    use_smtp(app, smtp)
    bulk_messages(app, 5)
    smtp.handler.replies = ["451 4.3.0 Intente más tarde", "421 4.7.0 Servicio no disponible"]
    first = dispatch(app)
    assert (first.sent, first.retried, first.dead) == (3, 2, 0)
    assert dispatch(app).sent == 0  # backing off: not yet due
    clock.advance(timedelta(hours=4))
    assert dispatch(app).sent == 2
    assert sorted(r.key for r in smtp.received) == sorted(f"carga:{i}" for i in range(5))
    assert ob.counts(app) == {"sent": 5}


def test_550_goes_to_the_dead_letter_which_can_be_retried(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    use_smtp(app, smtp)
    bulk_messages(app, 7)
    smtp.handler.reject_recipient = "p3@example.pe"
    report = dispatch(app)
    assert (report.sent, report.dead) == (6, 1)
    (dead,) = ob.list_outbox(app, "dead")
    assert dead.key == "carga:3" and dead.last_error and "550" in dead.last_error
    smtp.handler.reject_recipient = None
    assert ob.retry(app, [dead.id]) == 1
    assert dispatch(app).sent == 1
    assert sorted(r.key for r in smtp.received) == sorted(f"carga:{i}" for i in range(7))


def test_connection_dropped_during_data_is_retried(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    use_smtp(app, smtp)
    bulk_messages(app, 3)
    smtp.handler.drops = 1
    report = dispatch(app)
    assert (report.sent, report.retried) == (2, 1)
    clock.advance(timedelta(hours=4))
    assert dispatch(app).sent == 1
    assert sorted(r.key for r in smtp.received) == ["carga:0", "carga:1", "carga:2"]


def test_exhausted_transient_retries_end_in_the_dead_letter(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    use_smtp(app, smtp, outbox_max_attempts=3)
    bulk_messages(app, 1)
    for _ in range(3):
        smtp.handler.replies = ["451 4.3.0 Intente más tarde"]
        dispatch(app)
        clock.advance(timedelta(hours=4))
    (row,) = ob.list_outbox(app)
    assert row.status == "dead" and row.attempts == 3 and smtp.received == []


def test_without_smtp_messages_go_to_a_maildir_a_person_can_open(app: App, clock: FixedClock) -> None:
    import mailbox

    people(app)
    clock.set(lima(2022, 6, 23))
    sweep(app)
    assert dispatch(app).sent == 1  # A3.1's before_7 (A2.1 waits for its session)
    box = mailbox.Maildir(app.settings.home / "maildir", create=False)
    subjects = sorted(str(make_header(decode_header(str(m["Subject"])))) for m in box)
    assert len(subjects) == 1 and all(s.endswith("(vence el 30 de junio de 2022)") for s in subjects)
    with app.db.read() as conn:
        replies = list(conn.execute(select(OB.c.smtp_reply)).scalars())
    assert all(r.startswith("maildir ") for r in replies)


def test_team_deliverables_go_to_the_officers_of_the_team_entities(app: App, clock: FixedClock) -> None:
    from sqlalchemy import insert

    from conaig_flow.notify.recipients import Directory
    from conaig_flow.store.tables import TeamMemberRow, TeamRow

    people(app)
    with app.db.write() as conn:
        conn.execute(insert(TeamRow.__table__).values(  # type: ignore[attr-defined]
            code="EQ-A2.1", name="Equipo de trabajo", activity="A2.1", formed_at=clock.now()))
        conn.execute(insert(TeamMemberRow.__table__), [  # type: ignore[attr-defined]
            {"team_code": "EQ-A2.1", "entity_code": "MINSA"}, {"team_code": "EQ-A2.1", "entity_code": "MTPE"}])
        directory = Directory.load(conn)
    plan = app.definitions().plan
    assert directory.audience(plan, ["officers"], "EQ-A2.1", "team", "A2.2") == [
        "enlace.minsa@example.pe", "enlace.mtpe@example.pe"]
    assert directory.audience(plan, ["titular"], "EQ-A2.1", "team", "A2.2") == ["titular.minsa@example.pe"]
    assert directory.audience(plan, ["advisory"], "MINSA", "entity", "A1.1") == ["revisor@cultura.example.pe"]


def test_the_template_folder_can_be_overridden_by_path(app: App, clock: FixedClock, tmp_path: Path) -> None:
    import dataclasses
    import mailbox
    import shutil

    from conaig_flow.notify.render import SHIPPED

    folder = tmp_path / "plantillas"
    shutil.copytree(SHIPPED, folder)
    (folder / "recordatorio.subject.txt").write_text("Aviso propio: {{ entity }} — {{ deadline|fecha }}\n", encoding="utf-8")
    app.settings = dataclasses.replace(app.settings, notifications_dir=folder)
    people(app)
    clock.set(lima(2022, 6, 23))
    sweep(app)
    assert dispatch(app).sent == 1
    box = mailbox.Maildir(app.settings.home / "maildir", create=False)
    subjects = {str(make_header(decode_header(str(m["Subject"])))) for m in box}
    assert "Aviso propio: Comisión Nacional de Alto Nivel para la Igualdad de Género — 30 de junio de 2022" in subjects


def test_withdrawal_cancels_the_waiting_reminders_and_no_later_sweep_reminds_it(app: App, clock: FixedClock, smtp: SmtpCapture) -> None:
    people(app)
    use_smtp(app, smtp)
    clock.set(lima(2022, 12, 2))
    sweep(app)  # before_30 of the 31 December deadline written, not yet sent
    (d,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    (other,) = deliverables.list_deliverables(app, entity="MINEDU", activity="A1.1")
    waiting = [v.status for v in ob.list_outbox(app) if v.key.startswith(f"reminder:{d.id}:")]
    assert waiting == ["pending"]
    st = users.actor_for(app, "st@example.pe")
    deliverables.advance(app, st, d.id, "withdraw", comment="La entidad comunicó que el servicio se cerró.")
    mine = [v for v in ob.list_outbox(app) if v.key.startswith(f"reminder:{d.id}:")]
    assert [(v.key, v.status) for v in mine] == [(f"reminder:{d.id}:before_30:2023-01-02", "cancelled")]
    assert mine[0].last_error == "El entregable pasó a «Retirado»: ya no corresponde recordarlo."
    dispatch(app)
    for day in (16, 26):  # before_15 and before_7 days: a withdrawn deliverable is not reminded
        clock.set(lima(2022, 12, day))
        sweep(app)
        dispatch(app)
    keys = [r.key for r in smtp.received if r.key.startswith("reminder:")]
    assert not [k for k in keys if k.startswith(f"reminder:{d.id}:")]
    assert f"reminder:{other.id}:before_30:2023-01-02" in keys and f"reminder:{other.id}:before_7:2023-01-02" in keys
