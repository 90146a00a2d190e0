"""The ``conaig`` command imports only what the command run needs, lists every command in its
help without importing them, and speaks Spanish, click's own texts included."""

from __future__ import annotations

import gettext
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from babel.messages.pofile import read_po

from conaig_flow.cli import COMMANDS, cli
from conaig_flow.cli.catalog import MO, PO, untranslated

CLI_MODULES = ("core", "sessions", "notify", "reports", "consultation", "web", "demo", "signatures", "backup")


def _loaded_after(args: list[str], tmp_path: Path) -> tuple[str, set[str]]:
    """Run ``conaig ARGS`` in a fresh interpreter; its output and the modules it imported."""
    script = (
        "import sys, json\n"
        "from conaig_flow.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "sys.stderr.write('\\n@@' + json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "CONAIG_HOME": str(tmp_path / "home"), "LANG": "C", "LANGUAGE": "en"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    out, _, modules = done.stderr.rpartition("\n@@")
    return done.stdout + out, set(json.loads(modules))


def test_help_lists_every_command_with_its_own_spanish_help() -> None:
    for name, (module, attribute, line) in COMMANDS.items():
        command = getattr(importlib.import_module(f"conaig_flow.cli.{module}"), attribute)
        assert isinstance(command, click.Command)
        assert command.name == name
        assert command.help is not None
        assert " ".join(command.help.split("\n\n")[0].split()) == line, name


def test_every_command_defined_in_the_cli_modules_is_in_the_registry() -> None:
    defined = set()
    modules = {name: importlib.import_module(f"conaig_flow.cli.{name}") for name in CLI_MODULES}
    # a command one module adds to another module's group (signing's ``session sign``) is nested too
    nested = {id(sub) for module in modules.values() for v in vars(module).values()
              if isinstance(v, click.Group) for sub in v.commands.values()}
    for module_name, module in modules.items():
        commands = {k: v for k, v in vars(module).items() if isinstance(v, click.Command)}
        defined |= {(module_name, k) for k, v in commands.items() if id(v) not in nested and getattr(v.callback, "__module__", None) == module.__name__}
    assert defined == {(m, a) for m, a, _ in COMMANDS.values()}


def test_help_and_version_import_no_command_module(tmp_path: Path) -> None:
    out, modules = _loaded_after(["--help"], tmp_path)
    assert "status" in out and "session" in out
    ours = {m for m in modules if m.startswith("conaig_flow")}
    assert ours == {"conaig_flow", "conaig_flow.cli", "conaig_flow.cli.context", "conaig_flow.cli.spanish",
                    "conaig_flow.errors"}
    assert not modules & {"sqlalchemy", "pydantic", "yaml", "babel", "jinja2"}
    out, modules = _loaded_after(["--version"], tmp_path)
    assert out.strip() == "conaig-flow 0.1.0"
    assert "sqlalchemy" not in modules


def test_status_imports_neither_the_other_features_nor_the_heavy_libraries(tmp_path: Path) -> None:
    out, _ = _loaded_after(["init"], tmp_path)
    assert "entregables creados: 24" in out
    out, modules = _loaded_after(["status", "--json"], tmp_path)
    assert len(json.loads(out)) == 24
    for absent in ("alembic", "matplotlib", "fpdf", "docx", "openpyxl", "fastapi", "uvicorn", "jinja2", "icalendar",
                   "aiosmtplib", "pwdlib", "conaig_flow.services.sessions", "conaig_flow.services.consultation",
                   "conaig_flow.services.notifications", "conaig_flow.notify", "conaig_flow.rendering.reports",
                   "conaig_flow.web"):
        assert absent not in modules, absent


def test_clicks_own_texts_are_spanish_whatever_the_terminals_language(tmp_path: Path) -> None:
    out, _ = _loaded_after(["--help"], tmp_path)
    assert out.startswith("Uso: conaig [OPCIONES] COMANDO [ARGUMENTOS]...")
    for spanish in ("Opciones:", "Comandos:", "Mostrar esta ayuda y salir.", "Mostrar la versión y salir."):
        assert spanish in out
    for english in ("Usage", "Options", "Commands", "Show this", "COMMAND", "[OPTIONS]"):
        assert english not in out
    out, _ = _loaded_after(["session", "--help"], tmp_path)
    assert out.startswith("Uso: conaig session [OPCIONES] COMANDO [ARGUMENTOS]...") and "Comandos:" in out
    out, _ = _loaded_after(["session", "vote", "--help"], tmp_path)
    assert out.startswith("Uso: conaig session vote [OPCIONES]") and "Opciones:" in out


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["nope"], "Error: No existe el comando 'nope'."),
        (["status", "--bad"], "Error: No existe la opción '--bad'."),
        (["history"], "Error: Falta el argumento 'ENTREGABLE'."),
        (["history", "x"], "Error: Valor no válido para 'ENTREGABLE': 'x' no es un"),
    ],
)
def test_usage_errors_are_spanish_and_say_how_to_get_help(tmp_path: Path, args: list[str], said: str) -> None:
    out, _ = _loaded_after(args, tmp_path)
    assert said in out
    assert "para ver la ayuda." in out


def test_the_catalog_translates_every_message_of_the_installed_click_and_the_mo_matches_the_po() -> None:
    assert untranslated() == []
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            assert compiled.ngettext(message.id[0], message.id[1], 1) == message.string[0]
            assert compiled.ngettext(message.id[0], message.id[1], 2) == message.string[1]
        else:
            assert compiled.gettext(message.id) == message.string


def test_the_group_object_still_runs_commands_in_process(tmp_path: Path) -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["--home", str(tmp_path / "h"), "init"])
    assert result.exit_code == 0, result.output
    assert "entregables creados: 24" in result.output


def test_status_reads_the_kept_national_holidays_and_imports_no_country_nor_date_wording(tmp_path: Path) -> None:
    _loaded_after(["init"], tmp_path)
    first, _ = _loaded_after(["status", "--json"], tmp_path)
    assert list((tmp_path / "home" / "cache").glob("feriados-PE-es-*.json"))
    again, modules = _loaded_after(["status", "--json"], tmp_path)
    assert json.loads(again) == json.loads(first)
    for absent in ("holidays.countries", "babel.dates", "filetype", "conaig_flow.services.audit"):
        assert absent not in modules, absent
