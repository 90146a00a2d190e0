"""Bad plan and lifecycle files: each is refused by ``conaig init`` with exit code 2, a Spanish
message naming the file, the path inside it and what was expected, and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text

from conaig_flow.bootstrap import Settings, bootstrap
from conaig_flow.store.definitions import default_workflows_dir
from tests.conftest import run_cli

PLAN = "conaig-2021-2022.yaml"


@pytest.fixture
def wf(tmp_path: Path) -> Path:
    """A private copy of workflows/ to break."""
    target = tmp_path / "workflows"
    shutil.copytree(default_workflows_dir(), target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert old in body, old
    path.write_text(body.replace(old, new, 1), encoding="utf-8")


def _init(tmp_path: Path, plan: Path, capsys: pytest.CaptureFixture[str], *extra: str, db: str | None = None) -> tuple[int, str, str]:
    args = ["--home", str(tmp_path / "home")]
    if db:
        args += ["--db", db]
    return run_cli([*args, "init", "--plan", str(plan), *extra], capsys)


A1_1_ENTITIES = "entities: [MIMP, MINSA, MINEDU,"
PLAN_CASES = [
    ("unknown-entity", A1_1_ENTITIES, "entities: [MIMP, MINSA, MINSAS,",
     "activities[0].responsible.entities[2]: entidad desconocida 'MINSAS' (no figura en entities)"),
    ("unknown-period", "schedule: [II-2021, I-2022, II-2022]", "schedule: [II-2021, III-2022, II-2022]",
     "activities[0].schedule[1]: período desconocido 'III-2022'"),
    ("unknown-objective", "    objective: OP1\n", "    objective: OP9\n",
     "activities[0].objective: objetivo desconocido 'OP9'"),
    ("unknown-product-kind", "kind: protocol_norm", "kind: protocolo",
     "activities[0].product.kind: tipo de producto 'protocolo' sin ciclo de vida (hay: governance_report, "
     "implementation_report, methodology, protocol_norm, session_acta, urgent_measures_report)"),
    ("misspelt-key", "    schedule: [II-2021, I-2022, II-2022]", "    schedul: [II-2021, I-2022, II-2022]",
     "activities[0].schedul: campo no reconocido (revise la ortografía; no forma parte del formato)"),
    ("misspelt-key-missing", "    schedule: [II-2021, I-2022, II-2022]", "    schedul: [II-2021, I-2022, II-2022]",
     "activities[0].schedule: falta este campo obligatorio"),
    ("date-type", "start: 2022-01-01", "start: enero",
     "periods[1].start: se esperaba una fecha AAAA-MM-DD, se encontró 'enero'"),
    ("int-type", "    number: 2\n", "    number: dos\n",
     "objectives[1].number: se esperaba un número entero, se encontró 'dos'"),
    ("list-type", "schedule: [II-2021, I-2022, II-2022]", "schedule: II-2021",
     "activities[0].schedule: se esperaba una lista, se encontró 'II-2021'"),
    ("bool-type", "responsible: {commission: true}", "responsible: {commission: quizas}",
     "activities[2].responsible.commission: se esperaba verdadero o falso (true/false), se encontró 'quizas'"),
    ("literal", "recurrence: per_period", "recurrence: mensual",
     "activities[1].recurrence: se esperaba uno de 'once' or 'per_period', se encontró 'mensual'"),
    ("unknown-presidency", "  presidency: MIMP", "  presidency: MIMPP",
     "commission.presidency: entidad desconocida 'MIMPP' (no figura en entities)"),
    ("duplicate-entity", "{code: MINSA, name: Ministerio de Salud}", "{code: MIMP, name: Ministerio de Salud}",
     "entities[1].code: código de entidad 'MIMP' repetido"),
    ("period-order", "start: 2022-01-01, end: 2022-06-30", "start: 2022-07-01, end: 2022-06-30",
     "periods[1]: el período termina (2022-06-30) antes de empezar (2022-07-01)"),
    ("two-responsibles", "responsible: {commission: true}\n    schedule: [I-2022]",
     "responsible: {commission: true, entities: [MIMP]}\n    schedule: [I-2022]",
     "activities[2].responsible: indique exactamente una forma de responsable: entities, commission, "
     "from_activity o team_from (se encontró: entities, commission)"),
    ("unknown-from-activity", "from_activity: A1.1", "from_activity: A9.9",
     "activities[1].responsible.from_activity: actividad desconocida 'A9.9'"),
    ("unknown-advisory", "  - entity: MINCUL\n        role: reviewer", "  - entity: MINCULT\n        role: reviewer",
     "activities[0].advisory[0].entity: entidad desconocida 'MINCULT'"),
    ("repeated-responsible", A1_1_ENTITIES, "entities: [MIMP, MINSA, MINSA,",
     "activities[0].responsible.entities[2]: entidad 'MINSA' figura dos veces"),
    ("repeated-period", "schedule: [II-2021, I-2022, II-2022]", "schedule: [II-2021, I-2022, I-2022]",
     "activities[0].schedule[2]: período 'I-2022' figura dos veces"),
    ("empty-list", "schedule: [I-2022]\n", "schedule: []\n",
     "activities[2].schedule: la lista no puede estar vacía"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in PLAN_CASES], ids=[c[0] for c in PLAN_CASES])
def test_a_bad_plan_is_refused_naming_file_path_and_expectation(
    wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    plan = wf / "plans" / PLAN
    _edit(plan, old, new)
    code, out, err = _init(tmp_path, plan, capsys)
    assert code == 2
    assert f"{plan}: {expected}" in err
    assert err.startswith("Error: ")
    assert out == ""
    assert not (tmp_path / "home" / "conaig.db").exists()


def test_malformed_yaml_names_line_and_column(wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = wf / "plans" / PLAN
    _edit(plan, "  code: CONAIG\n", "  code: [CONAIG\n")
    code, _, err = _init(tmp_path, plan, capsys)
    assert code == 2
    assert f"{plan}: línea " in err and "columna" in err and "YAML mal formado" in err
    assert not (tmp_path / "home" / "conaig.db").exists()


def test_a_key_written_twice_is_refused_not_silently_overwritten(
    wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = wf / "plans" / PLAN
    lines = plan.read_text(encoding="utf-8").splitlines()
    at = lines.index("    schedule: [II-2021, I-2022, II-2022]")
    lines.insert(at + 1, "    schedule: [II-2021]")
    plan.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = _init(tmp_path, plan, capsys)
    assert code == 2
    assert (f"{plan}: línea {at + 2}, columna 5: YAML mal formado: la clave 'schedule' está repetida en el mismo mapa"
            in err)


@pytest.mark.parametrize(("body", "expected"), [
    ("- solo\n- una lista\n", "se esperaba un mapa de claves y valores en la raíz del archivo"),
    ("", "se esperaba un mapa de claves y valores en la raíz del archivo"),
    ("plan: {code: x, title: y}\n", "commission: falta este campo obligatorio"),
])
def test_a_plan_that_is_not_a_plan_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, expected: str) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(body, encoding="utf-8")
    code, _, err = _init(tmp_path, plan, capsys, "--lifecycles", str(default_workflows_dir() / "lifecycles"))
    assert code == 2 and expected in err


def test_a_missing_plan_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _init(tmp_path, tmp_path / "no-existe.yaml", capsys)
    assert code == 2 and f"{tmp_path / 'no-existe.yaml'}: el archivo no existe" in err


def test_every_problem_of_a_file_is_reported_at_once(wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plan = wf / "plans" / PLAN
    _edit(plan, A1_1_ENTITIES, "entities: [MIMP, MINSA, MINSAS,")
    _edit(plan, "    objective: OP1\n", "    objective: OP9\n")
    code, _, err = _init(tmp_path, plan, capsys)
    assert code == 2
    assert "entidad desconocida 'MINSAS'" in err and "objetivo desconocido 'OP9'" in err


# -- lifecycles ---------------------------------------------------------------------------

GOOD_LIFECYCLE = """\
kind: {kind}
name: Ciclo de prueba
initial: draft
states:
  - {{name: draft, label: Borrador}}
  - {{name: submitted, label: Presentado}}
  - {{name: approved, label: Aprobado, terminal: true, outcome: approved}}
transitions:
  - {{trigger: submit, label: Presentar, source: draft, dest: submitted, roles: [officer]}}
  - {{trigger: approve, label: Aprobar, source: submitted, dest: approved, roles: [secretariat]}}
"""

LIFECYCLE_CASES = [
    ("unreachable-state", "  - {name: submitted, label: Presentado}\n",
     "  - {name: submitted, label: Presentado}\n  - {name: archived, label: Archivado}\n",
     "states[2]: el estado 'archived' es inalcanzable desde 'draft'"),
    ("unknown-dest", "dest: approved", "dest: aprobado",
     "transitions[1].dest: transición hacia un estado desconocido 'aprobado'"),
    ("unknown-source", "source: submitted,", "source: enviado,",
     "transitions[1].source[0]: transición desde un estado desconocido 'enviado'"),
    ("no-terminal", ", terminal: true, outcome: approved", "",
     "states: el ciclo de vida no tiene ningún estado terminal (terminal: true)"),
    ("unknown-initial", "initial: draft", "initial: borrador", "initial: estado inicial desconocido 'borrador'"),
    ("terminal-without-outcome", ", terminal: true, outcome: approved", ", terminal: true",
     "states[2].outcome: un estado terminal debe indicar su resultado (approved, withdrawn o rejected)"),
    ("unknown-role", "roles: [secretariat]", "roles: [ministro]",
     "transitions[1].roles[0]: se esperaba uno de 'officer', 'secretariat', 'reviewer', 'member', 'admin' or 'system', "
     "se encontró 'ministro'"),
    ("unknown-requirement", "roles: [officer]}", "roles: [officer], requires: [firma]}",
     "transitions[0].requires[0]: se esperaba uno de 'document', 'comment', 'norm_reference', 'session', "
     "'contributions_answered', 'consultation_registered' or 'no_consultation', "
     "se encontró 'firma'"),
    ("misspelt-key", "initial: draft", "inicial: draft", "inicial: campo no reconocido"),
    ("in-session-step-by-a-person", "dest: approved, roles: [secretariat]}",
     "dest: approved, roles: [secretariat, system], requires: [session], in_session: true}",
     "transitions[1].roles[0]: «approve» se ejecuta por el acuerdo de una sesión (in_session: true): ninguna persona "
     "la ejecuta a mano, por lo que solo admite el rol system (no «secretariat»)"),
    ("consultation-step-by-a-person", "dest: approved, roles: [secretariat]}",
     "dest: approved, roles: [system, secretariat], consultation: closes}",
     "transitions[1].roles[1]: «approve» es la etapa de una consulta (consultation: closes): ninguna persona "
     "la ejecuta a mano, por lo que solo admite el rol system (no «secretariat»)"),
    ("duplicate-trigger", "  - {trigger: approve,", "  - {trigger: submit, label: Otra, source: draft, dest: approved, roles: [officer]}\n  - {trigger: approve,",
     "transitions[1].trigger: 'submit' ya está definido desde 'draft' (transitions[0])"),
    ("exit-from-terminal", "  - {trigger: approve,",
     "  - {trigger: reopen, label: Reabrir, source: approved, dest: draft, roles: [secretariat]}\n  - {trigger: approve,",
     "transitions[1].source: 'approved' es terminal: no puede tener transiciones de salida"),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in LIFECYCLE_CASES], ids=[c[0] for c in LIFECYCLE_CASES])
def test_a_bad_lifecycle_is_refused_naming_file_path_and_expectation(
    wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, expected: str
) -> None:
    extra = wf / "lifecycles" / "zz_prueba.yaml"
    extra.write_text(GOOD_LIFECYCLE.format(kind="prueba"), encoding="utf-8")
    _edit(extra, old, new)
    code, out, err = _init(tmp_path, wf / "plans" / PLAN, capsys)
    assert code == 2
    assert f"{extra}: {expected}" in err
    assert out == ""
    assert not (tmp_path / "home" / "conaig.db").exists()


def test_the_good_test_lifecycle_is_accepted(wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (wf / "lifecycles" / "zz_prueba.yaml").write_text(GOOD_LIFECYCLE.format(kind="prueba"), encoding="utf-8")
    code, _, err = _init(tmp_path, wf / "plans" / PLAN, capsys)
    assert code == 0, err


def test_a_shipped_lifecycle_with_a_transition_to_an_unknown_state_is_refused(
    wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lc = wf / "lifecycles" / "protocol_norm.yaml"
    _edit(lc, "    dest: reviewed\n", "    dest: revisado\n")
    code, _, err = _init(tmp_path, wf / "plans" / PLAN, capsys)
    assert code == 2
    assert f"{lc}: transitions[4].dest: transición hacia un estado desconocido 'revisado'" in err


def test_two_lifecycles_of_the_same_kind_are_refused(wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = wf / "lifecycles" / "zz_copia.yaml"
    shutil.copy(wf / "lifecycles" / "methodology.yaml", copy)
    code, _, err = _init(tmp_path, wf / "plans" / PLAN, capsys)
    assert code == 2 and f"{copy}: kind: el tipo 'methodology' ya está definido en otro archivo" in err


def test_an_empty_lifecycles_folder_is_refused(wf: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "vacio"
    empty.mkdir()
    code, _, err = _init(tmp_path, wf / "plans" / PLAN, capsys, "--lifecycles", str(empty))
    assert code == 2 and "no hay archivos de ciclo de vida (*.yaml)" in err


# -- nothing written to an existing database ---------------------------------------------------

def test_a_bad_plan_leaves_an_initialised_database_untouched(
    wf: Path, tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = wf / "plans" / PLAN
    code, _, err = _init(tmp_path, plan, capsys, db=store_url)
    assert code == 0, err
    app = bootstrap(Settings.from_env({}, home=tmp_path / "home", db_url=store_url))
    try:
        def snap() -> list[list[tuple[object, ...]]]:
            with app.db.read() as conn:
                return [[tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1"))]
                        for t in ("definitions", "entities", "deliverables", "events")]

        before = snap()
        _edit(plan, A1_1_ENTITIES, "entities: [MIMP, MINSA, MINSAS,")
        code, _, err = _init(tmp_path, plan, capsys, db=store_url)
        assert code == 2 and "entidad desconocida 'MINSAS'" in err
        assert snap() == before
    finally:
        app.close()


def test_a_different_plan_cannot_be_loaded_over_another(tmp_path: Path, capsys: pytest.CaptureFixture[str], wf: Path) -> None:
    plan = wf / "plans" / PLAN
    assert _init(tmp_path, plan, capsys)[0] == 0
    _edit(plan, "  code: conaig-2021-2022", "  code: otro-plan")
    code, _, err = _init(tmp_path, plan, capsys)
    assert code == 2
    assert "ya contiene el plan «conaig-2021-2022»; no se puede cargar «otro-plan»" in err
