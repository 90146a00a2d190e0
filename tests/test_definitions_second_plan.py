"""A second, different commission (workflows/plans/comision-ejemplo-2023.yaml) runs with no code
change: it loads, inits, creates its own deliverables, moves them through the shared lifecycles
and answers ``conaig status --json``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from conaig_flow.bootstrap import App
from conaig_flow.clock import LIMA, FixedClock
from conaig_flow.services import audit, plans, users
from conaig_flow.services.consultation import consultations
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.definitions import default_workflows_dir, load_files
from tests.approval_kit import decide_in_session
from tests.conftest import make_app, pdf_bytes, run_cli

PLAN_FILE = default_workflows_dir() / "plans" / "comision-ejemplo-2023.yaml"
END_I = datetime(2023, 6, 30, 23, 59, 59, tzinfo=LIMA)
END_II = datetime(2023, 12, 31, 23, 59, 59, tzinfo=LIMA)


@pytest.fixture
def example(store_url: str, tmp_path: Path) -> Iterator[App]:
    application = make_app(store_url, tmp_path / "home", FixedClock(datetime(2023, 2, 1, 9, 0, tzinfo=LIMA)))
    plans.init(application, PLAN_FILE)
    yield application
    application.close()


def test_the_example_plan_loads_with_the_shipped_lifecycles() -> None:
    defs = load_files(PLAN_FILE)
    plan = defs.plan
    assert plan.code == "cmpea-2023" and plan.commission.code == "CMPEA"
    assert plan.commission.presidency == "MINSA"
    assert [e.code for e in plan.voting_members] == ["MINSA", "MINEDU", "MIMP", "MIDIS", "MINJUSDH", "RENIEC", "INEI"]
    assert [e.code for e in plan.entities if not e.has_vote] == ["MCLCP", "GORE-LORETO"]
    assert [p.code for p in plan.periods] == ["I-2023", "II-2023"]
    rules = plan.session_rules
    assert (rules.quorum_first_call.rule, rules.quorum_first_call.numerator, rules.quorum_first_call.denominator) == ("fraction", 2, 3)
    assert rules.quorum_second_call.rule == "absolute_majority" and rules.notice_business_days == 3
    assert {a.product.kind for a in plan.activities} <= set(defs.lifecycles)
    assert set(defs.lifecycles) == {p.stem for p in (default_workflows_dir() / "lifecycles").glob("*.yaml")}


def test_init_creates_the_example_commissions_deliverables(example: App) -> None:
    got = sorted((d.activity, d.owner, d.period, d.due, d.state) for d in deliverables.list_deliverables(example))
    assert got == [
        ("B1.1", "MIDIS", "I-2023", END_I, "draft"),
        ("B1.1", "MIMP", "I-2023", END_I, "draft"),
        ("B1.1", "MINEDU", "I-2023", END_I, "draft"),
        ("B1.1", "MINSA", "I-2023", END_I, "draft"),
        ("B2.1", "CMPEA", "I-2023", END_I, "pending"),
        ("B2.2", "CMPEA", "I-2023", END_I, "draft"),
        ("B2.3", "CMPEA", "II-2023", END_II, "draft"),
    ]


def test_a_sector_plan_walks_to_approval_and_creates_its_reports(example: App) -> None:
    users.add_user(example, "enlace@minedu.gob.pe", "Enlace MINEDU", "MINEDU", "officer")
    users.add_user(example, "st@minsa.gob.pe", "Secretaría Técnica", "MINSA", "secretariat")
    users.add_user(example, "revisor@mimp.gob.pe", "Revisora MIMP", "MIMP", "reviewer")
    officer = users.actor_for(example, "enlace@minedu.gob.pe")
    st = users.actor_for(example, "st@minsa.gob.pe")
    reviewer = users.actor_for(example, "revisor@mimp.gob.pe")
    (d,) = deliverables.list_deliverables(example, entity="MINEDU", activity="B1.1")
    deliverables.advance(example, officer, d.id, "submit", documents=[("plan.pdf", pdf_bytes())])
    deliverables.advance(example, reviewer, d.id, "opine", comment="Incorporar el enfoque de género en las metas.")
    deliverables.advance(example, st, d.id, "accept")
    example.clock.set(datetime(2023, 5, 10, 12, 0, tzinfo=LIMA))  # type: ignore[attr-defined]
    done = deliverables.advance(example, officer, d.id, "approve",
                                norm_reference="Resolución Ministerial N° 210-2023-MINEDU",
                                documents=[("rm.pdf", pdf_bytes("rm"))])
    assert done.state == "approved" and done.version == 5
    reports = deliverables.list_deliverables(example, activity="B1.2")
    assert [(r.owner, r.period, r.due, r.kind) for r in reports] == [
        ("MINEDU", "I-2023", END_I, "implementation_report"),
        ("MINEDU", "II-2023", END_II, "implementation_report"),
    ]
    (final,) = deliverables.list_deliverables(example, activity="B2.3")
    deliverables.advance(example, st, final.id, "submit", documents=[("informe.pdf", pdf_bytes())])
    deliverables.advance(example, st, final.id, "accept")
    now = example.clock.now()
    consultations.open_consultation(example, st, final.id, title="Consulta sobre el informe final", opens_at=now,
                                    closes_at=now + timedelta(days=20), questions=["¿Qué medida propone?"])
    consultations.close_consultation(example, st, consultations.list_consultations(example, st)[0].id)
    decide_in_session(example, st, final.id)
    approved = deliverables.get(example, st, final.id)
    assert approved.state == "approved"
    assert audit.verify(example).first_break is None


def test_the_cli_runs_the_example_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--home", str(tmp_path / "home"), "--now", "2023-03-01"]
    code, out, err = run_cli([*base, "init", "--plan", str(PLAN_FILE)], capsys)
    assert code == 0, err
    assert "(cmpea-2023)" in out and "entregables creados: 7" in out
    code, out, err = run_cli([*base, "status", "--json"], capsys)
    assert code == 0, err
    items = json.loads(out)
    assert {(d["activity"], d["entity"], d["due"]) for d in items if d["activity"] == "B2.3"} == {("B2.3", "CMPEA", "2023-12-31")}
    assert all({"id", "activity", "kind", "entity", "state", "due", "version"} <= set(d) for d in items)
    code, out, _ = run_cli([*base, "plan", "show"], capsys)
    assert code == 0 and "Invitados sin voto: MCLCP" in out and "I-2023 II-2023" in out
    code, out, _ = run_cli([*base, "status"], capsys)
    assert code == 0 and "Situación al 1 de marzo de 2023" in out and "Pendiente de sesión" in out
    code, _, err = run_cli([*base, "init"], capsys)  # the default (CONAIG) plan cannot be loaded over it
    assert code == 2 and "ya contiene el plan «cmpea-2023»" in err
