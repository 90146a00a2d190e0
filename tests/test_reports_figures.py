"""The progress report's figures, checked against a scripted history worked out by hand,
on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.errors import InvalidInput
from conaig_flow.services.reports import reports
from tests.reports_script import ACTA_1, ACTA_2, AS_OF, SESSION_1, SESSION_2, expected, play_history


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(100 * part / whole, 1)


def test_report_counts_states_lateness_and_evidence_as_worked_out_from_the_history(app: App, clock: FixedClock) -> None:
    play_history(app, clock)
    want = expected(app)
    report = reports.progress_report(app, AS_OF, number=1)
    p = report.progress

    got = {i.deliverable.id: i for i in p.items}
    assert set(got) == set(want)
    for did, exp in want.items():
        item = got[did]
        assert (item.status.value, item.days_late, item.observations) == (exp.status, exp.days_late, exp.observations), did
        assert (item.evidence or None) == exp.evidence, did

    statuses = Counter(e.status for e in want.values())
    t = p.totals
    assert (t.total, t.approved_on_time, t.approved_late, t.withdrawn, t.overdue, t.in_term) == (
        len(want), statuses["approved_on_time"], statuses["approved_late"], statuses["withdrawn"],
        statuses["overdue"], 0,
    ) == (27, 2, 2, 1, 22, 0)
    assert t.progress_pct == _pct(4, 26) == 15.4
    assert t.on_time_pct == _pct(2, 26) == 7.7

    by_objective = {g.code: g.tally for g in p.by_objective}
    assert (by_objective["OP1"].total, by_objective["OP1"].approved, by_objective["OP1"].withdrawn) == (22, 3, 1)
    assert (by_objective["OP2"].total, by_objective["OP2"].approved) == (3, 1)  # with the team's A2.2
    assert (by_objective["OP3"].total, by_objective["OP3"].approved, by_objective["OP3"].progress_pct) == (2, 0, 0.0)
    by_period = {g.code: g.tally for g in p.by_period}
    assert (by_period["I-2022"].total, by_period["I-2022"].approved_on_time, by_period["I-2022"].approved_late) == (3, 1, 1)

    score = {r.owner: r for r in p.scorecard}
    assert (score["MINSA"].tally.total, score["MINSA"].tally.on_time_pct, score["MINSA"].max_days_late) == (3, _pct(1, 3), 29)
    assert score["MINSA"].avg_days_late == 22.0  # (15 + 29) / 2
    assert score["CONAIG"].tally.on_time_pct == _pct(1, 4)
    assert score["MIDIS"].tally.on_time_pct is None and score["MIDIS"].tally.withdrawn == 1
    assert p.scorecard[0].owner == "MINSA"  # best on-time rate first

    assert [i.deliverable.id for i in p.overdue][:1] == [
        next(d for d, e in want.items() if e.days_late == 215)
    ]
    assert len(p.overdue) == 22
    assert score["EQ-MU"].tally.overdue == 1  # the team formed in session 1 owns A2.2

    programming = {r.activity: r.cells for r in p.programming}
    a11 = {c.period: c for c in programming["A1.1"]}
    assert [a11[k].planned for k in ("II-2021", "I-2022", "II-2022")] == [True, True, True]
    assert [a11[k].approved_in_period for k in ("II-2021", "I-2022", "II-2022")] == [0, 1, 0]
    a12 = {c.period: c for c in programming["A1.2"]}
    assert (a12["II-2021"].planned, a12["I-2022"].planned) == (False, True)
    assert (a12["I-2022"].due_in_period, a12["I-2022"].approved_of_due, a12["II-2022"].approved_in_period) == (1, 1, 1)

    assert report.agreements is not None
    assert [(a.session_ref, a.at.astimezone(LIMA).date().isoformat(), a.number, a.result, a.votes, a.acta)
            for a in report.agreements] == [
        (SESSION_1, "2022-06-20", 1, "Aprobado", "15 a favor, 0 en contra, 0 abstenciones", ACTA_1),
        (SESSION_2, "2022-07-15", 1, "Aprobado", "13 a favor, 2 en contra, 0 abstenciones", ACTA_2),
    ]
    first, second = report.agreements
    assert first.item is not None and first.item.startswith("1. Conformación del equipo de trabajo EQ-MU")
    assert (first.activity, second.activity) == ("A2.1", "A1.2")
    assert second.deliverable_id == next(d for d, e in want.items() if e.days_late == 15)
    assert report.reminders == ()  # the reminders source is connected; none were swept in this history
    assert report.heading.number == "INFORME N° 001-2023-MIMP/DGIGND"
    assert report.heading.year_name == "Año de la Unidad, la Paz y el Desarrollo"


def test_report_as_of_an_earlier_date_ignores_later_events_and_later_deliverables(app: App, clock: FixedClock) -> None:
    play_history(app, clock)
    mid = reports.progress_report(app, reports.parse_as_of("2022-06-30"))
    t = mid.progress.totals
    # On 30 June 2022: MINSA's protocol and A2.1 approved; MIDIS withdrawn; nothing overdue yet
    # (MINSA's I-2022 report and A3.1 are due that very day, until 23:59:59).
    assert (t.total, t.approved_on_time, t.approved_late, t.withdrawn, t.overdue, t.in_term) == (27, 2, 0, 1, 0, 24)
    early = reports.progress_report(app, reports.parse_as_of("2022-01-31"))
    assert early.progress.totals.total == 24  # MINSA's A1.2 reports are created on 14 Feb 2022
    assert early.progress.totals.approved == 0
    assert early.agreements == ()
    july = reports.progress_report(app, reports.parse_as_of("2022-07-01"))
    assert july.progress.totals.overdue == 2  # the A1.2 report and A3.1, one day late
    assert sorted(i.days_late for i in july.progress.overdue) == [1, 1]


def test_a_period_narrows_the_agreements_to_that_period(app: App, clock: FixedClock) -> None:
    play_history(app, clock)
    report = reports.progress_report(app, AS_OF, period="II-2022")
    assert report.agreements is not None
    assert [a.session_ref for a in report.agreements] == [SESSION_2]
    assert report.progress.window_end == datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA)
    with pytest.raises(InvalidInput, match="Período desconocido"):
        reports.progress_report(app, AS_OF, period="III-2022")


def test_as_of_accepts_a_date_or_a_lima_datetime_and_refuses_garbage() -> None:
    assert reports.parse_as_of("2022-06-30") == datetime(2022, 6, 30, 23, 59, 59, 999999, tzinfo=LIMA)
    assert reports.parse_as_of("2022-06-30T12:00") == datetime(2022, 6, 30, 12, 0, tzinfo=LIMA)
    with pytest.raises(InvalidInput, match="Fecha de corte no válida"):
        reports.parse_as_of("30/06/2022")


def test_a_period_report_summarises_the_deliverables_due_in_that_period(app: App, clock: FixedClock) -> None:
    from conaig_flow.rendering.reports.text import summary

    play_history(app, clock)
    report = reports.progress_report(app, AS_OF, period="I-2022")
    # Due at the end of I-2022: MINSA's first implementation report (approved 15 days late),
    # A2.1 (approved on time) and A3.1 (never approved).
    assert summary(report).endswith(
        "En el período I-2022 (primer semestre 2022) vencían 3 entregables exigibles: 2 aprobados (66.7 %), "
        "1 de ellos a tiempo; 1 vencido y 0 en plazo."
    )
