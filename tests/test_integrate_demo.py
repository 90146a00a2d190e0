"""`conaig demo` seeds a held session: the I-2022 session forms the working team (A2.1) and
approves the methodology (A3.1); the status printed shows both fulfilled."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conaig_flow.cli import cli


def test_the_demo_holds_the_i_2022_session_and_prints_the_status(tmp_path: Path) -> None:
    home = str(tmp_path / "demo")
    result = CliRunner().invoke(cli, ["--home", home, "demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Sesión de demostración: Sesión ordinaria N° 001-2022 de la CONAIG, concluida (ACTA N° 001-2022-CONAIG)." in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line[:1].isdigit()}
    status = {(line.split()[1], line.split()[2]): line for line in lines.values()}
    assert "Cumplido con acta aprobada" in status[("A2.1", "CONAIG")]
    assert "Aprobado en sesión" in status[("A3.1", "CONAIG")]
    assert ("A2.2", "EQ-MU") in status  # the team formed in session owns its report

    shown = CliRunner().invoke(cli, ["--home", home, "--now", "2022-05-16T10:00", "session", "show", "1", "--json"])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.output)
    assert record["acta_code"] == "ACTA N° 001-2022-CONAIG"
    again = CliRunner().invoke(cli, ["--home", home, "demo", "--no-serve"])
    assert again.exit_code == 0 and "Usando los datos de demostración existentes" in again.output
