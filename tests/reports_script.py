"""A scripted history of the CONAIG plan for the report tests, and the figures it should give,
worked out by hand from the script (not by the code under test).

Cut-off 31 January 2023 (every deadline of the plan has passed):
- MINSA A1.1 observed twice, approved by norm on 14 Feb 2022: on time (due 31 Dec 2022);
  its approval creates MINSA's A1.2 reports for I-2022 and II-2022.
- MINSA A1.2 I-2022 approved in session 2 on 15 Jul 2022: 15 days late (due 30 Jun 2022).
- MINSA A1.2 II-2022 never submitted: overdue, 31 days.
- MINEDU A1.1 approved by norm on 10 Jan 2023: 10 days late.
- MIDIS A1.1 withdrawn.
- MTPE A1.1 submitted and observed once: overdue, 31 days.
- A2.1 (the commission) fulfilled in session 1 on 20 Jun 2022 (convened 15 Jun), which forms
  the working team EQ-MU: on time; the team's A2.2 report (II-2022) is never submitted:
  overdue, 31 days. Session 2 (15 Jul 2022, convened 11 Jul) approves MINSA's A1.2, with two
  votes against. Both are held through the session services (attendance, quorum, votes, acta).
- A3.1 (the commission) reviewed, never approved: overdue since 30 Jun 2022, 215 days.
- Everything else untouched: overdue, 31 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.services.sessions import actas, sessions
from conaig_flow.services.sessions import attendance as session_attendance
from conaig_flow.services.sessions import votes as session_votes
from tests.conftest import add_people, pdf_bytes

SESSION_1 = "Sesión ordinaria N° 001-2022 de la CONAIG"
SESSION_2 = "Sesión ordinaria N° 002-2022 de la CONAIG"
ACTA_1 = "ACTA N° 001-2022-CONAIG"
ACTA_2 = "ACTA N° 002-2022-CONAIG"
TEAM = ("EQ-MU", ["MIMP", "MINSA", "MINEDU", "MTPE", "MIDIS"])
AGAINST = {"RREE": "No incluye indicadores de política exterior", "MINDEF": "No incluye al sector defensa"}
NORM_MINSA = "Resolución Ministerial N° 123-2022-MINSA"
NORM_MINEDU = "Resolución Ministerial N° 010-2023-MINEDU"
AS_OF = datetime(2023, 1, 31, 23, 59, 59, tzinfo=LIMA)
PERIOD_END = {"II-2021": date(2021, 12, 31), "I-2022": date(2022, 6, 30), "II-2022": date(2022, 12, 31)}


@dataclass(frozen=True)
class Expected:
    status: str
    days_late: int
    observations: int = 0
    evidence: str | None = None


def _one(app: App, activity: str, owner: str, period: str | None = None) -> int:
    found = [d for d in deliverables.list_deliverables(app, entity=owner, activity=activity)
             if period is None or d.period == period]
    assert len(found) == 1, (activity, owner, period, found)
    return found[0].id


def hold_session(
    app: App, clock: FixedClock, st: Actor, convene_on: datetime, held: datetime, *,
    form_team: tuple[str, list[str]] | None = None, approve: int | None = None, against: dict[str, str] | None = None,
) -> int:
    """Convene, attend (15 of 21 voting members), open, vote the one item, close and approve
    the acta at the end of the session; returns the session id."""
    clock.set(convene_on)
    sid = sessions.create_session(app, st, scheduled_at=held, place="Sala de sesiones del MIMP").id
    sessions.add_item(app, st, sid, form_team=form_team, approve=approve)
    sessions.convene(app, st, sid)
    clock.set(held - timedelta(minutes=5))
    voters = [e.code for e in app.definitions().plan.voting_members][:15]
    for code in voters:
        session_attendance.attend(app, st, sid, code)
    clock.set(held + timedelta(minutes=5))
    session_attendance.open_session(app, st, sid)
    clock.set(held + timedelta(minutes=30))
    for code in voters:
        reason = (against or {}).get(code)
        session_votes.vote(app, st, sid, 1, code, "against" if reason else "for", reason=reason)
    clock.set(held + timedelta(hours=1))
    session_votes.close(app, st, sid)
    actas.approve_acta(app, st, sid)
    return sid


def play_history(app: App, clock: FixedClock) -> None:
    add_people(app)
    st = users.actor_for(app, "st@example.pe")

    def officer(code: str) -> Actor:
        return users.actor_for(app, f"enlace.{code.lower()}@example.pe")

    def at(y: int, m: int, d: int, h: int = 10) -> None:
        clock.set(datetime(y, m, d, h, 0, tzinfo=LIMA))

    def step(when: tuple[int, int, int], actor: Actor, deliverable_id: int, trigger: str, **kw: Any) -> None:
        at(*when)
        deliverables.advance(app, actor, deliverable_id, trigger, **kw)

    doc = [("documento.pdf", pdf_bytes())]
    minsa, minedu, mtpe = officer("MINSA"), officer("MINEDU"), officer("MTPE")
    reviewer = users.actor_for(app, "revisor@cultura.example.pe")
    p = _one(app, "A1.1", "MINSA")
    step((2021, 10, 15), minsa, p, "submit", documents=doc)
    step((2021, 10, 22), reviewer, p, "opine", comment="Incorporar la pertinencia lingüística.")
    step((2021, 10, 29), st, p, "observe", comment="Precisar los estándares de cumplimiento.")
    step((2021, 11, 10), minsa, p, "resubmit", documents=doc)
    step((2021, 11, 20), st, p, "observe", comment="Falta el anexo de indicadores.")
    step((2021, 12, 1), minsa, p, "resubmit", documents=doc)
    step((2021, 12, 10), st, p, "accept")
    step((2022, 2, 14), minsa, p, "approve", norm_reference=NORM_MINSA, documents=doc)

    e = _one(app, "A1.1", "MINEDU")
    step((2022, 3, 1), minedu, e, "submit", documents=doc)
    step((2022, 4, 1), st, e, "accept")
    step((2023, 1, 10), minedu, e, "approve", norm_reference=NORM_MINEDU, documents=doc)

    step((2022, 5, 1), st, _one(app, "A1.1", "MIDIS"), "withdraw", comment="La entidad no presta servicios de la PNIG.")

    t = _one(app, "A1.1", "MTPE")
    step((2022, 9, 1), mtpe, t, "submit", documents=doc)
    step((2022, 9, 15), st, t, "observe", comment="Adecuar al formato aprobado.")

    m = _one(app, "A3.1", "CONAIG")
    step((2022, 5, 2), st, m, "submit", documents=doc)
    step((2022, 5, 10), st, m, "accept")

    hold_session(app, clock, st, datetime(2022, 6, 15, 9, 0, tzinfo=LIMA), datetime(2022, 6, 20, 10, 0, tzinfo=LIMA),
                 form_team=TEAM)

    r = _one(app, "A1.2", "MINSA", "I-2022")
    step((2022, 6, 1), minsa, r, "submit", documents=doc)
    step((2022, 6, 10), st, r, "accept")
    hold_session(app, clock, st, datetime(2022, 7, 11, 9, 0, tzinfo=LIMA), datetime(2022, 7, 15, 10, 0, tzinfo=LIMA),
                 approve=r, against=AGAINST)
    at(2023, 2, 5)  # the report is written a few days after the cut-off


def expected(app: App) -> dict[int, Expected]:
    """Per deliverable id, what the report must say as of AS_OF (worked out from the script)."""
    plan = app.definitions().plan
    special = {
        ("A1.1", "MINSA", "II-2022"): Expected("approved_on_time", 0, 2, NORM_MINSA),
        ("A1.2", "MINSA", "I-2022"): Expected("approved_late", 15, 0, f"{SESSION_2} del 15 de julio de 2022, Acuerdo N° 1, {ACTA_2}"),
        ("A1.2", "MINSA", "II-2022"): Expected("overdue", 31),
        ("A1.1", "MINEDU", "II-2022"): Expected("approved_late", 10, 0, NORM_MINEDU),
        ("A1.1", "MIDIS", "II-2022"): Expected("withdrawn", 0),
        ("A1.1", "MTPE", "II-2022"): Expected("overdue", 31, 1),
        ("A2.1", "CONAIG", "I-2022"): Expected("approved_on_time", 0, 0, f"{ACTA_1}, aprobada el 20 de junio de 2022 ({SESSION_1}, Acuerdo N° 1)"),
        ("A3.1", "CONAIG", "I-2022"): Expected("overdue", (AS_OF.date() - PERIOD_END["I-2022"]).days),
    }
    out = {}
    for d in deliverables.list_deliverables(app):
        default = Expected("overdue", (AS_OF.date() - PERIOD_END[d.period]).days)
        out[d.id] = special.get((d.activity, d.owner, d.period), default)
    assert len(out) == 20 + 2 + 4 + 1 and plan.code == "conaig-2021-2022"
    return out
