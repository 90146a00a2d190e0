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
- A2.1 (the commission) fulfilled in session 1 on 20 Jun 2022: on time.
- A3.1 (the commission) reviewed, never approved: overdue since 30 Jun 2022, 215 days.
- Everything else untouched: overdue, 31 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.actors import Actor
from conaig_flow.services import deliverables, users
from tests.conftest import add_people, pdf_bytes

SESSION_1 = "Sesión Ordinaria N° 001-2022-CONAIG"
SESSION_2 = "Sesión Ordinaria N° 002-2022-CONAIG"
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

    step((2022, 6, 20), st, _one(app, "A2.1", "CONAIG"), "approve", session_ref=SESSION_1)

    r = _one(app, "A1.2", "MINSA", "I-2022")
    step((2022, 6, 1), minsa, r, "submit", documents=doc)
    step((2022, 6, 10), st, r, "accept")
    step((2022, 7, 15), st, r, "approve", session_ref=SESSION_2)
    at(2023, 2, 5)  # the report is written a few days after the cut-off


def expected(app: App) -> dict[int, Expected]:
    """Per deliverable id, what the report must say as of AS_OF (worked out from the script)."""
    plan = app.definitions().plan
    special = {
        ("A1.1", "MINSA", "II-2022"): Expected("approved_on_time", 0, 2, NORM_MINSA),
        ("A1.2", "MINSA", "I-2022"): Expected("approved_late", 15, 0, SESSION_2),
        ("A1.2", "MINSA", "II-2022"): Expected("overdue", 31),
        ("A1.1", "MINEDU", "II-2022"): Expected("approved_late", 10, 0, NORM_MINEDU),
        ("A1.1", "MIDIS", "II-2022"): Expected("withdrawn", 0),
        ("A1.1", "MTPE", "II-2022"): Expected("overdue", 31, 1),
        ("A2.1", "CONAIG", "I-2022"): Expected("approved_on_time", 0, 0, SESSION_1),
        ("A3.1", "CONAIG", "I-2022"): Expected("overdue", (AS_OF.date() - PERIOD_END["I-2022"]).days),
    }
    out = {}
    for d in deliverables.list_deliverables(app):
        default = Expected("overdue", (AS_OF.date() - PERIOD_END[d.period]).days)
        out[d.id] = special.get((d.activity, d.owner, d.period), default)
    assert len(out) == 20 + 2 + 4 and plan.code == "conaig-2021-2022"
    return out
