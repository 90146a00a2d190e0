"""Every activity of the CONAIG plan creates the right deliverables, due when the seed says."""

from __future__ import annotations

from datetime import datetime

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.domain.planning import for_team
from conaig_flow.services import users
from conaig_flow.services.deliverables import deliverables
from tests.conftest import add_people, pdf_bytes

A1_1 = ["MIMP", "MINSA", "MINEDU", "MIDIS", "MTPE", "MININTER", "MINJUSDH", "PRODUCE", "MINCETUR", "MINAM",
        "MIDAGRI", "MINCUL", "VIVIENDA", "RREE", "MINDEF", "SERVIR", "INEI", "ONPE", "PJ", "MP"]
END_2022 = datetime(2022, 12, 31, 23, 59, 59, tzinfo=LIMA)
MID_2022 = datetime(2022, 6, 30, 23, 59, 59, tzinfo=LIMA)


def test_init_creates_20_protocol_norms_one_per_a1_1_entity_due_end_of_2022(app: App) -> None:
    norms = deliverables.list_deliverables(app, activity="A1.1")
    assert sorted(d.owner for d in norms) == sorted(A1_1)
    assert len(norms) == 20
    for d in norms:
        assert d.kind == "protocol_norm" and d.state == "draft" and d.version == 1
        assert d.owner_kind == "entity" and d.period == "II-2022"
        assert d.due == END_2022  # 31 de diciembre de 2022, 23:59:59 hora de Lima
        assert d.due.astimezone(LIMA).isoformat() == "2022-12-31T23:59:59-05:00"
    assert not deliverables.list_deliverables(app, entity="JNE")
    assert not deliverables.list_deliverables(app, entity="DP")


def test_commission_products_are_owned_by_conaig_and_due_at_the_end_of_their_period(app: App) -> None:
    got = {
        d.activity: (d.kind, d.owner, d.owner_kind, d.period, d.due, d.state)
        for d in deliverables.list_deliverables(app, entity="CONAIG")
    }
    assert got == {
        "A2.1": ("session_acta", "CONAIG", "commission", "I-2022", MID_2022, "pending"),
        "A3.1": ("methodology", "CONAIG", "commission", "I-2022", MID_2022, "draft"),
        "A2.3": ("session_acta", "CONAIG", "commission", "II-2022", END_2022, "pending"),
        "A3.2": ("governance_report", "CONAIG", "commission", "II-2022", END_2022, "draft"),
    }


def test_no_implementation_report_nor_urgent_measures_report_exists_at_init(app: App) -> None:
    assert deliverables.list_deliverables(app, activity="A1.2") == []
    assert deliverables.list_deliverables(app, activity="A2.2") == []
    assert len(deliverables.list_deliverables(app)) == 24


def _approve_protocol(app: App, entity: str, when: datetime, clock: FixedClock) -> None:
    officer = users.actor_for(app, f"enlace.{entity.lower()}@example.pe")
    st = users.actor_for(app, "st@example.pe")
    (d,) = deliverables.list_deliverables(app, entity=entity, activity="A1.1")
    clock.set(datetime(2021, 9, 1, 10, 0, tzinfo=LIMA))
    deliverables.advance(app, officer, d.id, "submit", documents=[("p.pdf", pdf_bytes())])
    deliverables.advance(app, st, d.id, "accept")
    clock.set(when)
    deliverables.advance(app, officer, d.id, "approve", norm_reference=f"Resolución Ministerial N° 045-2022-{entity}",
                         documents=[("rm.pdf", pdf_bytes("rm"))])


def test_approving_a_protocol_in_february_creates_reports_for_both_2022_semesters(app: App, clock: FixedClock) -> None:
    add_people(app)
    _approve_protocol(app, "MINEDU", datetime(2022, 2, 10, 12, 0, tzinfo=LIMA), clock)
    reports = deliverables.list_deliverables(app, activity="A1.2")
    assert [(r.owner, r.period, r.due, r.kind, r.state) for r in reports] == [
        ("MINEDU", "I-2022", MID_2022, "implementation_report", "draft"),
        ("MINEDU", "II-2022", END_2022, "implementation_report", "draft"),
    ]
    assert all("Creado al aprobarse el entregable" in r.origin for r in reports)


def test_approving_a_protocol_in_august_creates_only_the_second_semester_report(app: App, clock: FixedClock) -> None:
    add_people(app)
    _approve_protocol(app, "MTPE", datetime(2022, 8, 3, 12, 0, tzinfo=LIMA), clock)
    reports = deliverables.list_deliverables(app, activity="A1.2")
    assert [(r.owner, r.period, r.due) for r in reports] == [("MTPE", "II-2022", END_2022)]


def test_approval_on_the_last_instant_of_a_semester_skips_that_semester(sqlite_app: App, clock: FixedClock) -> None:
    add_people(sqlite_app)
    _approve_protocol(sqlite_app, "INEI", MID_2022, clock)
    assert [r.period for r in deliverables.list_deliverables(sqlite_app, activity="A1.2")] == ["II-2022"]


def test_approval_after_the_plan_ends_creates_no_report(sqlite_app: App, clock: FixedClock) -> None:
    add_people(sqlite_app)
    _approve_protocol(sqlite_app, "ONPE", datetime(2023, 1, 5, 12, 0, tzinfo=LIMA), clock)
    assert deliverables.list_deliverables(sqlite_app, activity="A1.2") == []


def test_reports_are_created_only_for_the_entity_whose_protocol_was_approved(sqlite_app: App, clock: FixedClock) -> None:
    add_people(sqlite_app)
    _approve_protocol(sqlite_app, "MINSA", datetime(2022, 2, 10, 12, 0, tzinfo=LIMA), clock)
    _approve_protocol(sqlite_app, "PJ", datetime(2022, 9, 10, 12, 0, tzinfo=LIMA), clock)
    got = sorted((r.owner, r.period) for r in deliverables.list_deliverables(sqlite_app, activity="A1.2"))
    assert got == [("MINSA", "I-2022"), ("MINSA", "II-2022"), ("PJ", "II-2022")]


@pytest.mark.parametrize("trigger", ["withdraw"])
def test_a_withdrawn_protocol_creates_no_report(sqlite_app: App, trigger: str) -> None:
    add_people(sqlite_app)
    st = users.actor_for(sqlite_app, "st@example.pe")
    (d,) = deliverables.list_deliverables(sqlite_app, entity="MIMP", activity="A1.1")
    deliverables.advance(sqlite_app, st, d.id, trigger, comment="La entidad adecúa una norma existente.")
    assert deliverables.list_deliverables(sqlite_app, activity="A1.2") == []


def test_the_team_formed_in_a2_1_owes_one_urgent_measures_report_due_end_of_2022(sqlite_app: App) -> None:
    plan = sqlite_app.definitions().plan
    (spec,) = for_team(plan, "A2.1", "ET-01", "Equipo de trabajo priorizado")
    assert (spec.activity, spec.kind, spec.owner, spec.owner_kind, spec.period, spec.due) == (
        "A2.2", "urgent_measures_report", "ET-01", "team", "II-2022", END_2022,
    )
