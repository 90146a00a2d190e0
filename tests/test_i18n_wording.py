"""The Spanish wording helpers: counts that agree with their noun, an institution's article,
and the action names typed at the command line."""

from __future__ import annotations

import pytest

from conaig_flow.i18n import action_name, cuenta, de
from conaig_flow.store.definitions import default_plan_file


@pytest.mark.parametrize(("n", "noun", "said"), [
    (1, "abstención", "1 abstención"), (0, "abstención", "0 abstenciones"), (2, "abstención", "2 abstenciones"),
    (1, "aporte vigente", "1 aporte vigente"), (3, "aporte vigente", "3 aportes vigentes"),
    (2, "organización invitada", "2 organizaciones invitadas"),
    (5, "integrante con derecho a voto", "5 integrantes con derecho a voto"),
    (2, "entidad", "2 entidades"), (2, "mes", "2 meses"), (2, "lunes", "2 lunes"), (2, "país", "2 países"),
])
def test_a_count_agrees_with_its_noun(n: int, noun: str, said: str) -> None:
    assert cuenta(n, noun) == said


@pytest.mark.parametrize(("name", "said"), [
    ("Ministerio de Salud", "responsable del Ministerio de Salud"),
    ("Defensoría del Pueblo", "responsable de la Defensoría del Pueblo"),
    ("Autoridad Nacional del Servicio Civil", "responsable de la Autoridad Nacional del Servicio Civil"),
    ("Oficina Nacional de Procesos Electorales", "responsable de la Oficina Nacional de Procesos Electorales"),
    ("Poder Judicial", "responsable del Poder Judicial"),
    ("Comisión Nacional de Alto Nivel para la Igualdad de Género",
     "responsable de la Comisión Nacional de Alto Nivel para la Igualdad de Género"),
    ("MINSA", "responsable de MINSA"),
])
def test_an_institution_takes_its_article(name: str, said: str) -> None:
    assert f"responsable {de(name)}{name}" == said


def test_every_entity_of_the_shipped_plans_reads_with_an_article() -> None:
    import yaml

    for plan in default_plan_file().parent.glob("*.yaml"):
        for entity in yaml.safe_load(plan.read_text(encoding="utf-8"))["entities"]:
            assert de(entity["name"]) in ("del ", "de la "), (plan.name, entity["name"])


def test_each_action_has_a_name_to_type_made_from_its_label() -> None:
    assert action_name("Observar (devolver para corrección)") == "observar"
    assert action_name("Dar conformidad técnica") == "dar-conformidad-tecnica"
    assert action_name("Presentar subsanación") == "presentar-subsanacion"
    assert action_name("Devolver a «Con conformidad técnica» (no hay consulta registrada)") == (
        "devolver-a-con-conformidad-tecnica")
