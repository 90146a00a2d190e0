"""Reminders follow the next step (issue 12): a submitted deliverable's reminders go to the
secretariat and its advisory reviewer ("pendiente de revisión desde …"), never to the entity;
overdue notices stop after the policy's number (4) and a weekly summary to the secretariat
lists what is still overdue. Walked day by day on a fixed clock against aiosmtpd."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.notify.dispatch import dispatch
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.notifications.reminders import sweep
from tests.conftest import pdf_bytes
from tests.notify_helpers import lima, people, use_smtp
from tests.smtp_capture import SmtpCapture


def _text(r: object) -> str:
    msg = r.message  # type: ignore[attr-defined]
    return str(next(p.get_content() for p in msg.walk() if p.get_content_type() == "text/plain"))


def test_reminders_go_to_whoever_holds_the_next_step_stop_after_four_notices_and_a_weekly_summary_follows(
    sqlite_app: App, clock: FixedClock, smtp: SmtpCapture
) -> None:
    app = sqlite_app
    people(app)
    use_smtp(app, smtp)
    (minsa,) = deliverables.list_deliverables(app, entity="MINSA", activity="A1.1")
    (minedu,) = deliverables.list_deliverables(app, entity="MINEDU", activity="A1.1")
    clock.set(lima(2022, 11, 21, 8, 0))
    deliverables.advance(app, users.actor_for(app, "enlace.minsa@example.pe"), minsa.id, "submit",
                         documents=[("protocolo.pdf", pdf_bytes())])
    day = date(2022, 11, 21)
    while day <= date(2023, 2, 28):
        clock.set(lima(day.year, day.month, day.day, 9, 30))
        sweep(app)
        dispatch(app)
        day += timedelta(days=1)

    def reminders_of(deliverable_id: int) -> list[object]:
        return [r for r in smtp.received if r.key.startswith(f"reminder:{deliverable_id}:")]

    # MINSA's protocol waits for review: its reminders go to the secretariat and MINCUL's reviewer
    mine = reminders_of(minsa.id)
    assert mine and all(sorted(r.recipients) == ["revisor@cultura.example.pe", "st@example.pe"] for r in mine)  # type: ignore[attr-defined]
    assert all(str(r.message["Subject"]).startswith("Pendiente de revisión desde el 21 de noviembre de 2022")  # type: ignore[attr-defined]
               for r in mine)
    assert "pendiente de revisión desde el 21 de noviembre de 2022" in _text(mine[0])
    entity_people = {"enlace.minsa@example.pe", "titular.minsa@example.pe", "alterno.minsa@example.pe"}
    assert not [r for r in mine if entity_people & set(r.recipients)]  # type: ignore[attr-defined]

    # MINEDU's is still in draft: its officer, then four overdue notices copying its titular
    # and the secretariat (nobody else), and no more
    theirs = reminders_of(minedu.id)
    rules = [r.key.split(":")[2] for r in theirs]  # type: ignore[attr-defined]
    assert rules == ["before_30", "before_15", "before_7", "before_1", "overdue_1", "overdue_w1", "overdue_w2", "overdue_w3"]
    overdue = [r for r in theirs if ":overdue" in r.key]  # type: ignore[attr-defined]
    assert all(sorted(r.recipients) == ["enlace.minedu@example.pe", "st@example.pe", "titular.minedu@example.pe"]  # type: ignore[attr-defined]
               for r in overdue)
    sent_on = [r.message["Date"].datetime.date() for r in overdue]  # type: ignore[attr-defined]
    assert sent_on == [date(2023, 1, 3), date(2023, 1, 10), date(2023, 1, 17), date(2023, 1, 24)]
    assert "Este es el aviso 4 de 4" in _text(overdue[-1]) and "resumen semanal" in _text(overdue[-1])

    # one summary a week, to the secretariat only, listing both once their notices are over
    summaries = [r for r in smtp.received if r.key.startswith("overdue_summary:")]  # type: ignore[attr-defined]
    weeks = Counter(r.key for r in summaries)  # type: ignore[attr-defined]
    assert max(weeks.values()) == 1 and len(weeks) == 15  # every week from 21 Nov 2022 to 27 Feb 2023
    assert all(r.recipients == ["st@example.pe"] for r in summaries)  # type: ignore[attr-defined]
    last = next(r for r in summaries if r.key.endswith(":2023-02-27"))  # type: ignore[attr-defined]
    body = _text(last)
    assert f"N° {minedu.id} · A1.1 · Ministerio de Educación · «Borrador» · venció el 2 de enero de 2023" in body
    assert f"N° {minsa.id} · A1.1 · Ministerio de Salud · «Presentado»" in body and "avisos terminados" in body
    assert str(last.message["Subject"]).startswith("Resumen semanal de plazos vencidos al 27 de febrero de 2023")  # type: ignore[attr-defined]
