"""The notify commands as a person uses them: remind, forecast, outbox, calendar."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from conaig_flow.cli import cli
from conaig_flow.clock import FixedClock
from tests.conftest import make_app
from tests.notify_helpers import lima, people


def _run(home: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--home", str(home), *args], env={"CONAIG_SMTP_HOST": ""}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_remind_dry_run_says_what_would_be_sent_to_whom_and_why_then_sends_to_the_maildir(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "init")
    app = make_app(f"sqlite:///{home / 'conaig.db'}", home, FixedClock(lima(2022, 6, 23)))
    people(app)
    app.close()
    dry = json.loads(_run(home, "--now", "2022-06-23T09:30", "remind", "--dry-run", "--json"))
    assert dry["dry_run"] and dry["written"] == 0 and len(dry["reminders"]) == 1  # A3.1; A2.1 waits for its session
    first = dry["reminders"][0]
    assert first["rule"] == "before_7" and "st@example.pe" in first["to"]
    assert first["subject"].endswith("(vence el 30 de junio de 2022)") and "regla before_7" in first["why"]
    assert json.loads(_run(home, "--json", "outbox", "list")) == []  # nothing written by the dry run
    out = _run(home, "--now", "2022-06-23T09:30", "remind")
    assert "1 recordatorio(s) corresponden; 1 nuevo(s)." in out and "Envío: 1 enviado(s)" in out
    assert "por qué: 7 días antes del plazo (plazo: 30 de junio de 2022; se envía el 23 de junio de 2022)" in out
    assert len(list((home / "maildir" / "new").iterdir())) == 1
    again = _run(home, "--now", "2022-06-23T09:30", "remind")  # the same instant again: nothing due, nothing resent
    assert "0 recordatorio(s) corresponden; 0 nuevo(s).\nEnvío: 0 enviado(s)" in again and len(list((home / "maildir" / "new").iterdir())) == 1
    listing = _run(home, "outbox", "list")
    assert "enviado" in listing and "maildir" in listing and "reminder:" not in listing
    shown = _run(home, "outbox", "show", "1")
    assert "Asunto: Recordatorio: faltan 7 días" in shown and "Respuesta del servidor: maildir" in shown


def test_forecast_lists_every_reminder_to_come_as_a_table_or_ics(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "init")
    table = _run(home, "--now", "2022-06-20", "forecast", "--until", "2022-07-10")
    assert "7 días antes del plazo" in table and "primer aviso de plazo vencido" in table
    assert "28 de junio de 2022, 09:00" in table and "before_" not in table and "overdue_" not in table
    minsa = _run(home, "--now", "2022-11-01", "forecast", "--entity", "MINSA", "--until", "2022-12-31")
    assert "MINSA" in minsa and "MINEDU" not in minsa and "4 recordatorio(s)" in minsa
    ics = _run(home, "--now", "2022-06-20", "forecast", "--until", "2022-07-10", "--ics")
    assert ics.startswith("BEGIN:VCALENDAR") and "BEGIN:VEVENT" in ics


def test_dead_letters_are_listed_and_retried_from_the_cli(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "init")
    out = _run(home, "--now", "2022-06-23T09:30", "remind")  # nobody registered: no recipients
    assert "1 recordatorio(s)" in out
    dead = _run(home, "outbox", "list", "--status", "dead")
    assert "Sin destinatarios" in dead
    app = make_app(f"sqlite:///{home / 'conaig.db'}", home, FixedClock(lima(2022, 6, 23)))
    people(app)
    app.close()
    # the people are registered now: a retry resolves the recipients again and sends
    assert "1 mensaje(s) vuelven a la cola" in _run(home, "--now", "2022-06-23T10:00", "outbox", "retry", "--all-dead")
    assert "Envío: 1 enviado(s)" in _run(home, "--now", "2022-06-23T10:05", "remind")
    assert "Totales: enviado: 1" in _run(home, "outbox", "list")


def test_calendar_lists_holidays_and_records_decreed_non_working_days(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _run(home, "init")
    _run(home, "calendar", "add", "2022-10-07", "Día no laborable para el sector público (prueba)")
    listing = _run(home, "calendar", "list", "--year", "2022")
    assert "29 de junio de 2022" in listing and "7 de octubre de 2022" in listing and "(prueba)" in listing
    table = _run(home, "--now", "2022-09-01", "forecast", "--until", "2022-12-31")
    assert "7 de octubre de 2022, 09:00" not in table
