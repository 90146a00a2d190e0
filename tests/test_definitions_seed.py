"""The CONAIG plan file transcribes the seed (../shared/seeds/plan-de-trabajo-conaig-2021-2022.txt).

The seed is read here independently of the YAML, so a slip in either shows up as a diff.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from conaig_flow.domain.plan import Plan
from conaig_flow.store.definitions import default_plan_file, load_files

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "plan-de-trabajo-conaig-2021-2022.txt"
ACTIVITY_ORDER = ["A1.1", "A1.2", "A2.1", "A2.2", "A2.3", "A3.1", "A3.2"]


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(".").strip()


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():  # the seed lives beside the checkout, in the shared folder
        pytest.skip(f"no se encuentra la semilla en {SEED}")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_files(default_plan_file()).plan


def _section(seed: str, start: str, end: str) -> str:
    return seed[seed.index(start): seed.index(end, seed.index(start))]


def _seed_members(seed: str) -> list[str]:
    body = _section(seed, "\nII. Integrantes de la CONAIG", "Cabe señalar")
    names = re.findall(r"^- \d+\) (?:El|La) (.+?)(?:, quien la preside)?\.?$", body, flags=re.M)
    return [n.strip() for n in names]


def _seed_table(seed: str, start: str, end: str, fields: int) -> list[list[str]]:
    rows = []
    for line in _section(seed, start, end).splitlines():
        cells = line.split("\t")
        if len(cells) == fields and not cells[0].startswith("Objetivo prioritario"):
            rows.append(cells)
    return rows


def test_the_21_voting_members_are_those_of_section_ii_in_order(seed: str, plan: Plan) -> None:
    members = _seed_members(seed)
    assert len(members) == 21
    assert [e.name for e in plan.voting_members] == members
    assert len(plan.voting_members) == 21


def test_presidency_secretariat_and_the_invited_ombudsman(seed: str, plan: Plan) -> None:
    assert plan.commission.code == "CONAIG"
    assert plan.entity(plan.commission.presidency).name == "Ministerio de la Mujer y Poblaciones Vulnerables"
    assert plan.commission.secretariat.entity == "MIMP"
    assert plan.commission.secretariat.unit_code == "DGIGND"
    assert plan.commission.secretariat.unit_name in seed
    invited = [e for e in plan.entities if not e.has_vote]
    assert [(e.code, e.name, e.participation) for e in invited] == [("DP", "Defensoría del Pueblo", "invited")]
    assert "Defensoría del Pueblo, participa en la CONAIG en calidad de entidad invitada" in seed


def test_the_responsible_entities_of_a1_1_are_the_20_of_section_iv(seed: str, plan: Plan) -> None:
    (row,) = [r for r in _seed_table(seed, "\nIV. Actividades", "\nV. Programación", 4) if "Elaborar protocolos" in r[1]]
    listed = re.sub(r"[²³¹]", "", row[3]).replace(" y ", ", ")
    codes = [c.strip() for c in listed.split(",") if c.strip()]
    codes = ["MINSA" if c == "MINSAs" else c for c in codes]  # the seed's typo, noted in the YAML
    assert len(codes) == 20
    assert plan.activity("A1.1").responsible.entities == codes
    assert "JNE" not in codes and "DP" not in codes


def test_the_three_priority_objectives_are_the_seeds(seed: str, plan: Plan) -> None:
    flat = _norm(seed)
    assert [o.number for o in plan.objectives] == [1, 2, 3]
    for objective in plan.objectives:
        assert _norm(objective.title) in flat, objective.code


def test_activities_and_products_are_those_of_section_iv(seed: str, plan: Plan) -> None:
    rows = _seed_table(seed, "\nIV. Actividades", "\nV. Programación", 4)
    assert len(rows) == 7
    for code, row in zip(ACTIVITY_ORDER, rows, strict=True):
        act = plan.activity(code)
        assert _norm(act.title) == _norm(row[1]), code
        assert _norm(act.product.name) == _norm(row[2]), code
    commission = [c for c, r in zip(ACTIVITY_ORDER, rows, strict=True) if r[3].strip() == "CONAIG"]
    assert commission == [a.code for a in plan.activities if a.responsible.commission]


def test_schedule_marks_and_product_names_are_those_of_section_v(seed: str, plan: Plan) -> None:
    rows = _seed_table(seed, "\nV. Programación", "\nVI. Seguimiento", 6)
    assert len(rows) == 7
    periods = ["II-2021", "I-2022", "II-2022"]
    assert [p.code for p in plan.periods] == periods
    for code, row in zip(ACTIVITY_ORDER, rows, strict=True):
        marked = [p for p, mark in zip(periods, row[3:], strict=True) if mark.strip().upper() == "X"]
        act = plan.activity(code)
        assert act.schedule == marked, code
        assert _norm(act.product.name_in_schedule or act.product.name) == _norm(row[2]), code


def test_periods_are_the_calendar_semesters_and_the_advisory_notes_are_kept(plan: Plan) -> None:
    assert [(p.start, p.end) for p in plan.periods] == [
        (date(2021, 7, 1), date(2021, 12, 31)),
        (date(2022, 1, 1), date(2022, 6, 30)),
        (date(2022, 7, 1), date(2022, 12, 31)),
    ]
    assert [a.entity for a in plan.activity("A1.1").advisory] == ["MINCUL"]
    assert "enfoque intercultural" in plan.activity("A1.1").advisory[0].note
    assert [n.entity for n in plan.activity("A1.1").entity_notes] == ["INEI"]
    assert plan.activity("A1.2").responsible.from_activity == "A1.1"
    assert plan.activity("A1.2").recurrence == "per_period"
    assert plan.activity("A2.2").responsible.team_from == "A2.1"


def test_the_yaml_records_the_seeds_inconsistencies_as_comments() -> None:
    text = default_plan_file().read_text(encoding="utf-8")
    for phrase in ("JNE", "MINSAs", "name_in_schedule", "por al"):
        assert phrase in text.split("schema_version")[0], phrase
