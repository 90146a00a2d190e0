"""The layers stay visible: no import circles, and each layer imports only what it may
(docs/architecture.md, "Layers"). Read from the source, so it runs in a blink."""

from __future__ import annotations

from pathlib import Path

import pytest

import conaig_flow
from tests.import_rules import circles, import_graph, layer_rules, violations

ROOT = Path(conaig_flow.__file__).resolve().parent

#: Every top-level module and package of conaig_flow, by layer. A new one must be placed here
#: (and in docs/architecture.md) before it can exist.
LAYERS = {
    "kernel": {"errors", "clock", "i18n"},
    "domain": {"domain"},
    "app": {"app"},
    "adapters": {"store", "notify", "rendering", "signing"},
    "services": {"services"},
    "faces": {"cli", "web", "scheduler", "__main__"},
    "composition root": {"bootstrap"},
}


def test_the_package_has_no_import_circles() -> None:
    assert circles(import_graph(ROOT)) == []


def test_every_module_imports_only_what_its_layer_may() -> None:
    assert violations(import_graph(ROOT), layer_rules("conaig_flow")) == []


def test_every_top_level_module_belongs_to_a_layer() -> None:
    present = {p.stem if p.is_file() else p.name for p in ROOT.iterdir()
               if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    placed = set().union(*LAYERS.values())
    assert present - placed == set(), "place the new module in a layer (here and in docs/architecture.md)"
    assert placed - present == set()


def _write(root: Path, files: dict[str, str]) -> Path:
    pkg = root / "pkg"
    for rel, body in files.items():
        path = pkg / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return pkg


SAMPLE = {
    "__init__.py": "",
    "errors.py": "",
    "domain/__init__.py": "",
    "domain/model.py": "from pkg.errors import Error\n",
    "store/__init__.py": "",
    "store/tables.py": "from pkg.domain import model\n",
    "services/__init__.py": "",
    "services/things.py": "from pkg.store.tables import T\n",
    "bootstrap.py": "from pkg.services import things\n",
    "cli/__init__.py": "from pkg import bootstrap\n",
}


def test_a_sound_sample_package_passes_both_checks(tmp_path: Path) -> None:
    graph = import_graph(_write(tmp_path, SAMPLE))
    assert graph["pkg.services.things"] == {"pkg.store.tables"}
    assert circles(graph) == []
    assert violations(graph, layer_rules("pkg")) == []


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        ("domain/model.py", "from pkg.store import tables\n",
         "the domain imports only itself and errors, clock, i18n: pkg.domain.model imports pkg.store.tables"),
        ("store/tables.py", "def f():\n    from pkg.services.things import g\n",
         "adapters (store, notify, rendering, signing) import no service, no bootstrap, no cli or web: "
         "pkg.store.tables imports pkg.services.things"),
        ("services/things.py", "from pkg.bootstrap import App\n",
         "only the faces (cli, web, scheduler) import bootstrap: pkg.services.things imports pkg.bootstrap"),
    ],
)
def test_a_bad_import_in_a_sample_package_is_reported(tmp_path: Path, module: str, bad_import: str, broken: str) -> None:
    files = dict(SAMPLE)
    files[module] += bad_import
    graph = import_graph(_write(tmp_path, files))
    assert broken in violations(graph, layer_rules("pkg"))


def test_a_circle_hidden_in_a_function_is_still_a_circle_but_a_type_only_import_is_not(tmp_path: Path) -> None:
    files = dict(SAMPLE)
    files["store/tables.py"] += "def f():\n    from pkg.store import rows\n"
    files["store/rows.py"] = "from pkg.store import tables\n"
    files["services/things.py"] += "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.bootstrap import X\n"
    graph = import_graph(_write(tmp_path, files))
    assert circles(graph) == [["pkg.store.rows", "pkg.store.tables"]]
    assert "pkg.bootstrap" not in graph["pkg.services.things"]
