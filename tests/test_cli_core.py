"""The ``conaig`` command as a person uses it: output, exit codes, Spanish messages, --now."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, pdf_bytes, run_cli

CONAIG = str(Path(sys.executable).parent / "conaig")


class Cli:
    def __init__(self, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.home = home
        self.capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        return run_cli(["--home", str(self.home), *args], self.capsys)

    def ok(self, *args: str) -> str:
        code, out, err = self(*args)
        assert code == 0, err
        return out

    def json(self, *args: str) -> list[dict[str, object]]:
        data = json.loads(self.ok(*args))
        assert isinstance(data, list)
        return data

    def id_of(self, entity: str, activity: str = "A1.1") -> int:
        (d,) = self.json("status", "--entity", entity, "--activity", activity, "--json")
        return int(str(d["id"]))


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    for var in ("CONAIG_NOW", "CONAIG_DB", "CONAIG_HOME", "CONAIG_MAX_DOCUMENT_BYTES"):
        monkeypatch.delenv(var, raising=False)
    c = Cli(tmp_path / "home", capsys)
    c.ok("--now", "2021-08-02", "init")
    c.ok("users", "add", "enlace@minsa.gob.pe", "--name", "Ana Pérez", "--entity", "MINSA", "--role", "officer")
    c.ok("users", "add", "enlace@mtpe.gob.pe", "--name", "Luis Rojas", "--entity", "MTPE", "--role", "officer")
    c.ok("users", "add", "st@mimp.gob.pe", "--name", "Secretaría Técnica", "--entity", "MIMP", "--role", "secretariat")
    return c


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "protocolo.pdf"
    path.write_bytes(pdf_bytes("protocolo"))
    return path


def _stored_files(home: Path) -> list[Path]:
    return [p for p in (home / "documents").rglob("*") if p.is_file()] if (home / "documents").exists() else []


# -- status ------------------------------------------------------------------------------------

def test_status_json_objects_carry_the_documented_fields(cli: Cli) -> None:
    items = cli.json("status", "--json")
    assert len(items) == 24
    for d in items:
        assert {"id", "activity", "kind", "entity", "state", "due", "version"} <= set(d)
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(d["due"]))
        assert isinstance(d["id"], int) and isinstance(d["version"], int)
    minsa = [d for d in items if d["entity"] == "MINSA"]
    assert [(d["activity"], d["kind"], d["state"], d["due"], d["version"]) for d in minsa] == [
        ("A1.1", "protocol_norm", "draft", "2022-12-31", 1)
    ]
    assert cli.json("--json", "status") == items  # the global flag works too


def test_status_filters_by_entity_period_state_and_activity(cli: Cli) -> None:
    assert {d["activity"] for d in cli.json("status", "--period", "I-2022", "--json")} == {"A2.1", "A3.1"}
    assert {d["activity"] for d in cli.json("status", "--state", "pending", "--json")} == {"A2.1", "A2.3"}
    assert len(cli.json("status", "--activity", "A1.1", "--json")) == 20
    assert cli.json("status", "--entity", "JNE", "--json") == []
    assert {d["entity"] for d in cli.json("status", "--entity", "CONAIG", "--json")} == {"CONAIG"}


def test_status_table_is_as_of_now_with_days_left(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    out = cli.ok("--now", "2022-06-20", "status", "--period", "I-2022")
    assert "Situación al 20 de junio de 2022, 12:00 (hora de Lima): 2 entregables" in out
    assert "30 de junio de 2022" in out and "faltan 10 días" in out
    monkeypatch.setenv("CONAIG_NOW", "2022-07-02T08:00")
    out = cli.ok("status", "--period", "I-2022")
    assert "Situación al 2 de julio de 2022, 08:00" in out and "2 días de atraso" in out
    out = cli.ok("--now", "2022-06-30", "status", "--period", "I-2022")  # the option wins over the variable
    assert "vence hoy" in out


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--entity", "MINSAS", "Entidad desconocida «MINSAS». Valores posibles: MIMP, MINSA,"),
    ("--period", "III-2022", "Período desconocido «III-2022». Valores posibles: II-2021, I-2022, II-2022."),
    ("--activity", "A9", "Actividad desconocida «A9». Valores posibles: A1.1, A1.2, A2.1, A2.2, A2.3, A3.1, A3.2."),
    ("--state", "aprobado", "Estado desconocido «aprobado». Valores posibles: «Aportes sistematizados», «Aprobado en sesión», "),
])
def test_a_misspelt_status_filter_is_refused_not_shown_as_empty(cli: Cli, option: str, value: str, message: str) -> None:
    code, out, err = cli("status", option, value)
    assert (code, out) == (2, "")
    assert f"Error: {message}" in err


@pytest.mark.parametrize("bad", ["mañana", "2022-13-01", "16/05/2022", "2022-05-16T25:00"])
def test_a_bad_now_is_refused_with_exit_2(cli: Cli, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    code, out, err = cli("--now", bad, "status")
    assert code == 2 and out == ""
    assert f"Error: Fecha u hora no válida: «{bad}». Se espera AAAA-MM-DD" in err
    monkeypatch.setenv("CONAIG_NOW", bad)
    code, _, err = cli("status")
    assert code == 2 and "Fecha u hora no válida" in err


@pytest.mark.parametrize("command", [
    ["status"], ["plan", "show"], ["history", "1"], ["advance", "1", "submit", "--as", "x@y.pe"], ["users", "list"],
    ["users", "add", "a@b.pe", "--name", "A", "--entity", "MINSA", "--role", "officer"], ["audit", "verify"],
    ["audit", "refused"], ["lifecycle", "diagram", "protocol_norm"],
])
def test_commands_before_init_say_to_run_init(tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, err = run_cli(["--home", str(tmp_path / "vacio"), *command], capsys)
    assert (code, out) == (2, "")
    assert err == "Error: La base de datos no tiene un plan cargado. Ejecute primero «conaig init».\n"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--db", "postgresql://nadie:secreto@127.0.0.1:1/x", "status"], 7,
     "No se puede conectar con la base de datos postgresql+psycopg://nadie:***@127.0.0.1:1/x: "),
    (["--db", "postgresql://nadie@127.0.0.1:1/x", "init"], 7, "No se puede conectar con la base de datos"),
    (["--db", "mysql://x/y", "status"], 2, "Base de datos no soportada: «mysql». Use sqlite:///RUTA o postgresql://"),
    (["--db", "cualquier cosa", "status"], 2, "URL de base de datos no válida: «cualquier cosa»."),
])
def test_an_unusable_database_is_a_clear_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, out, err = run_cli(["--home", str(tmp_path / "home"), *args], capsys)
    assert (got, out) == (code, "")
    assert err.startswith(f"Error: {message}") and "secreto" not in err
    assert "Traceback" not in err


# -- advance and history -------------------------------------------------------------------------

def test_advance_moves_a_deliverable_and_history_records_it(cli: Cli, pdf: Path) -> None:
    did = cli.id_of("MINSA")
    out = cli.ok("--now", "2021-10-15T10:30", "advance", str(did), "submit", "--as", "enlace@minsa.gob.pe", "--document", str(pdf))
    assert out.strip() == f"Entregable {did} (A1.1, MINSA): «Borrador» → «Presentado» (versión 2)."
    cli.ok("--now", "2021-10-20", "advance", str(did), "observe", "--as", "st@mimp.gob.pe", "--comment", "Precisar plazos.")
    events = cli.json("history", str(did), "--json")
    assert [(e["seq"], e["trigger"], e["from_state"], e["to_state"]) for e in events] == [
        (1, "submit", "draft", "submitted"), (2, "observe", "submitted", "observed"),
    ]
    assert str(events[0]["at"]).startswith("2021-10-15T15:30:0")  # 10:30 in Lima (--now starts the clock there)
    assert events[0]["actor_email"] == "enlace@minsa.gob.pe" and events[0]["actor_entity"] == "MINSA"
    assert events[1]["comment"] == "Precisar plazos." and events[1]["actor_role"] == "secretariat"
    assert len(events[0]["documents"]) == 1  # type: ignore[arg-type]
    text = cli.ok("history", str(did))
    assert "15 de octubre de 2021, 10:30  Presentar: «Borrador» → «Presentado»  por enlace@minsa.gob.pe" in text
    assert "comentario: Precisar plazos." in text
    assert len(_stored_files(cli.home)) == 1


def test_actions_are_typed_by_their_spanish_names_and_the_old_codes_still_work(cli: Cli, pdf: Path) -> None:
    did = cli.id_of("MINSA")
    cli.ok("--now", "2021-10-15T10:30", "advance", str(did), "Presentar", "--as", "enlace@minsa.gob.pe", "--document", str(pdf))
    cli.ok("--now", "2021-10-20", "advance", str(did), "observar", "--as", "st@mimp.gob.pe", "--comment", "Precisar plazos.")
    cli.ok("--now", "2021-10-25", "advance", str(did), "presentar-subsanacion", "--as", "enlace@minsa.gob.pe",
           "--document", str(pdf))
    out = cli.ok("--now", "2021-10-30", "advance", str(did), "dar-conformidad", "--as", "st@mimp.gob.pe")
    assert "«Presentado» → «Con conformidad técnica»" in out
    cli.ok("--now", "2021-11-05", "advance", str(did), "withdraw", "--as", "st@mimp.gob.pe", "--comment", "Duplicado.")
    events = cli.json("history", str(did), "--json")
    assert [e["trigger"] for e in events] == ["submit", "observe", "resubmit", "accept", "withdraw"]
    text = cli.ok("history", str(did))
    assert "Dar conformidad técnica: «Presentado» → «Con conformidad técnica»" in text and "accept" not in text
    code, _out, err = cli("advance", str(did), "presentar", "--as", "st@mimp.gob.pe")
    assert code == 5 and "La acción «Presentar» no está permitida desde el estado «Retirado»" in err


def test_refusals_exit_non_zero_with_a_spanish_message_and_change_nothing(cli: Cli, pdf: Path) -> None:
    did = cli.id_of("MINSA")
    cases = [
        (["advance", str(did), "approve", "--as", "enlace@minsa.gob.pe"], 5,
         "La acción «Registrar la norma institucional de aprobación» no está permitida desde el estado «Borrador». Acciones permitidas ahora: «Presentar»; «Retirar»."),
        (["advance", str(did), "submit", "--as", "enlace@minsa.gob.pe"], 5,
         "No se puede «Presentar»; falta lo siguiente:\n  - adjuntar el documento del entregable"),
        (["advance", str(did), "submit", "--as", "st@mimp.gob.pe", "--document", str(pdf)], 3,
         "Como Secretaría Técnica no puede «Presentar»; esta acción corresponde a: enlace de entidad."),
        (["advance", str(did), "submit", "--as", "enlace@mtpe.gob.pe", "--document", str(pdf)], 4,
         f"No existe el entregable {did} o no está a su alcance."),
        (["advance", "9999", "submit", "--as", "enlace@minsa.gob.pe"], 4, "No existe el entregable 9999"),
        (["advance", str(did), "submit", "--as", "enlace@minsa.gob.pe", "--document", str(pdf), "--expect-version", "3"], 6,
         "versión 3 ya no es la vigente"),
        (["advance", str(did), "submit", "--as", "nadie@minsa.gob.pe"], 2,
         "No existe un usuario activo con el correo «nadie@minsa.gob.pe». Regístrelo con «conaig users add»."),
        (["history", str(did), "--as", "nadie@minsa.gob.pe"], 2, "No existe un usuario activo"),
        (["history", str(did), "--as", "enlace@mtpe.gob.pe"], 4, "no está a su alcance"),
    ]
    for args, code, message in cases:
        got, out, err = cli(*args)
        assert (got, out) == (code, ""), (args, err)
        assert err.startswith("Error: ") and message in err, (args, err)
    (d,) = cli.json("status", "--entity", "MINSA", "--json")
    assert (d["state"], d["version"]) == ("draft", 1)
    assert cli.json("history", str(did), "--json") == []
    assert _stored_files(cli.home) == []  # refused uploads leave no file behind
    refused = cli.json("audit", "refused", "--json")
    assert len(refused) == 6  # the unknown user is refused before any actor exists
    assert refused[0]["actor_email"] == "enlace@minsa.gob.pe" and refused[0]["target"] == f"entregable {did}"


def test_documents_of_the_wrong_type_or_size_are_refused_with_exit_2(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    did = cli.id_of("MINSA")
    text_file = tmp_path / "protocolo.txt"
    text_file.write_text("no es un PDF", encoding="utf-8")
    empty = tmp_path / "vacio.pdf"
    empty.write_bytes(b"")
    big = tmp_path / "grande.pdf"
    big.write_bytes(pdf_bytes() + b"\0" * (3 * 1_048_576 // 2))
    exe = tmp_path / "programa.pdf"
    exe.write_bytes(b"MZ\x90\x00" + b"\0" * 200)
    monkeypatch.setenv("CONAIG_MAX_DOCUMENT_BYTES", str(1_048_576))
    cases = [
        (text_file, "El documento «protocolo.txt» no es de un tipo aceptado (su contenido es de tipo desconocido). "
                    "Se aceptan: PDF, Word (.docx), Excel (.xlsx), OpenDocument (.odt), OpenDocument (.ods), PNG, JPEG."),
        (exe, "El documento «programa.pdf» no es de un tipo aceptado (su contenido es de tipo application/x-msdownload)"),
        (empty, "El documento «vacio.pdf» está vacío."),
        (big, "El documento «grande.pdf» pesa 1.5 MB; el máximo es 1 MB."),
        (tmp_path / "no-existe.pdf", f"No se encuentra el documento «{tmp_path / 'no-existe.pdf'}»."),
        (tmp_path, f"«{tmp_path}» es una carpeta, no un documento."),
    ]
    for path, message in cases:
        code, out, err = cli("advance", str(did), "submit", "--as", "enlace@minsa.gob.pe", "--document", str(path))
        assert (code, out) == (2, ""), err
        assert f"Error: {message}" in err, err
    (d,) = cli.json("status", "--entity", "MINSA", "--json")
    assert (d["state"], d["version"]) == ("draft", 1)
    assert _stored_files(cli.home) == []


def test_a_small_size_limit_is_stated_in_kilobytes(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdf: Path) -> None:
    monkeypatch.setenv("CONAIG_MAX_DOCUMENT_BYTES", "512")
    code, _, err = cli("advance", str(cli.id_of("MINSA")), "submit", "--as", "enlace@minsa.gob.pe", "--document", str(pdf))
    assert code == 2 and "el máximo es 1 KB." in err and "0 MB" not in err


# -- users ---------------------------------------------------------------------------------------

def test_users_add_and_its_refusals(cli: Cli) -> None:
    out = cli.ok("users", "add", "Titular@Minedu.gob.pe", "--name", "Rosa Quispe", "--entity", "MINEDU", "--role", "member",
                 "--capacity", "titular")
    assert out.strip() == "Usuario titular@minedu.gob.pe registrado: Rosa Quispe, integrante de la comisión de MINEDU."
    cases = [
        (["enlace@minsa.gob.pe", "--name", "Otra", "--entity", "MINSA", "--role", "officer"],
         "Ya existe un usuario con el correo «enlace@minsa.gob.pe»."),
        (["x@minsa.gob.pe", "--name", "X", "--entity", "MINSAS", "--role", "officer"], "Entidad desconocida «MINSAS». Entidades del plan: "),
        (["x@minsa.gob.pe", "--name", "X", "--entity", "MINSA", "--role", "jefe"],
         "Rol desconocido «jefe». Roles posibles: officer (enlace de entidad), secretariat (Secretaría Técnica)"),
        (["no-es-correo", "--name", "X", "--entity", "MINSA", "--role", "officer"], "Correo electrónico no válido: «no-es-correo»."),
        (["x@minsa.gob.pe", "--name", "  ", "--entity", "MINSA", "--role", "officer"], "El nombre no puede estar vacío."),
        (["x@minsa.gob.pe", "--name", "X", "--entity", "MINSA", "--role", "officer", "--capacity", "titular"],
         "Solo los integrantes de la comisión (rol member) tienen calidad de titular o alterno."),
        (["x@minsa.gob.pe", "--name", "X", "--entity", "MINSA", "--role", "member", "--capacity", "suplente"],
         "Calidad desconocida «suplente». Se espera: titular o alterno."),
    ]
    for args, message in cases:
        code, out, err = cli("users", "add", *args)
        assert (code, out) == (2, ""), (args, err)
        assert f"Error: {message}" in err, (args, err)
    emails = [u["email"] for u in cli.json("users", "list", "--json")]
    assert sorted(emails) == ["enlace@minsa.gob.pe", "enlace@mtpe.gob.pe", "st@mimp.gob.pe", "titular@minedu.gob.pe"]


# -- plan, lifecycle, audit ------------------------------------------------------------------------

def test_plan_show_lists_objectives_activities_and_schedule(cli: Cli) -> None:
    out = cli.ok("plan", "show")
    assert "Integrantes con voto (21)" in out and "Invitados sin voto: DP (Defensoría del Pueblo)" in out
    assert "Períodos: II-2021 (1 de julio de 2021 al 31 de diciembre de 2021)" in out
    for code in ("A1.1", "A1.2", "A2.1", "A2.2", "A2.3", "A3.1", "A3.2"):
        assert f"\n{code} " in out
    assert "entidades con A1.1 aprobado" in out and "equipo formado en A2.1" in out


def test_lifecycle_diagram_prints_a_mermaid_state_diagram(cli: Cli) -> None:
    out = cli.ok("lifecycle", "diagram", "protocol_norm")
    lines = out.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> draft" in lines
    assert '    state "Borrador" as draft' in lines
    assert "    draft --> submitted: submit (enlace de entidad) [document]" in lines
    assert "    reviewed --> approved: approve (enlace de entidad) [norm_reference, document]" in lines
    assert "    submitted --> observed: observe (Secretaría Técnica) [comment]" in lines
    assert "    approved --> [*]" in lines and "    withdrawn --> [*]" in lines
    code, _, err = cli("lifecycle", "diagram", "informe")
    assert code == 4 and "No hay ciclo de vida «informe». Tipos: governance_report, implementation_report" in err


def test_audit_verify_reports_an_intact_history(cli: Cli, pdf: Path) -> None:
    cli.ok("advance", str(cli.id_of("MINSA")), "submit", "--as", "enlace@minsa.gob.pe", "--document", str(pdf))
    assert cli.ok("audit", "verify").strip() == "Historial íntegro: 1 evento de 24 entregables y 1 documento verificados; aún no hay puntos de control."


# -- the installed console script -------------------------------------------------------------------

def _script(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CONAIG_")} | (env or {})
    return subprocess.run([CONAIG, "--home", str(home), *args], capture_output=True, text=True, env=full_env,
                          cwd=REPO, timeout=300)


def test_the_console_script_maps_errors_to_exit_codes(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert _script(home, "status").returncode == 2
    assert _script(home, "init", env={"CONAIG_NOW": "2021-08-02"}).returncode == 0
    assert _script(home, "users", "add", "st@mimp.gob.pe", "--name", "ST", "--entity", "MIMP", "--role", "secretariat").returncode == 0
    refused = _script(home, "advance", "1", "approve", "--as", "st@mimp.gob.pe")
    assert refused.returncode == 5 and "Acciones permitidas ahora: «Presentar»; «Retirar»." in refused.stderr
    assert _script(home, "--now", "ayer", "status").returncode == 2
    ok = _script(home, "status", "--json", env={"CONAIG_NOW": "2022-01-10"})
    assert ok.returncode == 0 and len(json.loads(ok.stdout)) == 24


def test_the_readme_demo_command_prints_the_status_table(tmp_path: Path) -> None:
    result = _script(tmp_path / "demo", "demo", "--no-serve")
    assert result.returncode == 0, result.stderr
    assert "Situación al 16 de mayo de 2022, 10:00 (hora de Lima)" in result.stdout
    assert re.search(r"^ID\s+Act\.\s+Responsable\s+Período\s+Estado\s+Vence\s+Plazo\s+Ver\.$", result.stdout, re.M)
    assert "Aprobado por norma institucional" in result.stdout  # MINSA's protocol in the demo history
    again = _script(tmp_path / "demo", "demo", "--no-serve")
    assert again.returncode == 0 and "Usando los datos de demostración existentes" in again.stdout
    verify = _script(tmp_path / "demo", "audit", "verify")
    assert verify.returncode == 0 and "Historial íntegro" in verify.stdout
    from sqlalchemy import select

    from conaig_flow.bootstrap import Settings, bootstrap
    from conaig_flow.cli.demo import DEMO_PASSWORD
    from conaig_flow.services.users import verify_password
    from conaig_flow.store.tables import UserRow

    app = bootstrap(Settings.from_env({}, home=tmp_path / "demo"))
    try:
        with app.db.read() as conn:
            hashes = conn.execute(select(UserRow.__table__.c.password_hash)).scalars().all()  # type: ignore[attr-defined]
    finally:
        app.close()
    assert len(hashes) > 60 and all(h and verify_password(DEMO_PASSWORD, h) for h in hashes[:3])


def test_plan_as_json_and_the_list_of_lifecycles(cli: Cli) -> None:
    plan = json.loads(cli.ok("--json", "plan", "show"))
    assert plan["commission"]["code"] == "CONAIG" and len(plan["activities"]) == 7
    assert [p["code"] for p in plan["periods"]] == ["II-2021", "I-2022", "II-2022"]
    out = cli.ok("lifecycle", "list")
    for kind in ("protocol_norm", "implementation_report", "methodology", "governance_report", "session_acta",
                 "urgent_measures_report"):
        assert f"\n{kind} " in out
