"""``conaig audit verify`` sees what a person relies on and only that: the deliverables'
identity, the documents' names and files, deliverables deleted with their events, on SQLite
and PostgreSQL; and no false alarm while other processes advance deliverables."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from conaig_flow.bootstrap import App
from conaig_flow.clock import FixedClock
from conaig_flow.services import audit, users
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.tables import DeliverableDocumentRow
from tests.conftest import REPO, add_people, pdf_bytes, run_cli
from tests.notify_helpers import approve_protocol, lima

DD = DeliverableDocumentRow.__table__  # type: ignore[attr-defined]


def _verify(app: App, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(["--db", app.settings.db_url, "--home", str(app.settings.home), "audit", "verify"], capsys)


def _tamper(app: App, sql: str, **params: object) -> None:
    with app.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def _submitted(app: App, entity: str = "MINEDU") -> int:
    (d,) = deliverables.list_deliverables(app, entity=entity, activity="A1.1")
    deliverables.advance(app, users.actor_for(app, f"enlace.{entity.lower()}@example.pe"), d.id, "submit",
                         documents=[("protocolo.pdf", pdf_bytes(f"protocolo {entity}"))])
    return d.id


def _attachment(app: App, did: int) -> dict[str, object]:
    with app.db.read() as conn:
        return dict(conn.execute(select(DD).where(DD.c.deliverable_id == did)).mappings().one())


def _delete_deliverable(app: App, did: int) -> None:
    for sql in ("DELETE FROM deliverable_documents WHERE deliverable_id = :d", "DELETE FROM events WHERE deliverable_id = :d",
                "DELETE FROM deliverables WHERE id = :d"):
        _tamper(app, sql, d=did)


@pytest.fixture
def history(app: App, clock: FixedClock) -> App:
    """People, MINEDU's protocol submitted with a document, MINSA's approved (which creates
    its implementation reports)."""
    add_people(app)
    _submitted(app)
    approve_protocol(app, clock, "MINSA", lima(2022, 3, 15, 12, 0))
    return app


def test_an_untouched_history_with_documents_verifies(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _verify(history, capsys)
    assert code == 0, err
    assert "Historial íntegro" in out and "3 documentos verificados" in out


def _edit_due_date(app: App, did: int) -> None:
    _tamper(app, "UPDATE deliverables SET due_at = due_at + interval '30 days' WHERE id = :d"
            if app.db.is_postgresql else "UPDATE deliverables SET due_at = datetime(due_at, '+30 days') WHERE id = :d", d=did)


TAMPERING: dict[str, tuple[Callable[[App, int], None], str]] = {
    "due_date": (_edit_due_date, "datos de identidad"),
    "title": (lambda app, did: _tamper(app, "UPDATE deliverables SET title = 'Otro producto' WHERE id = :d", d=did),
              "datos de identidad"),
    "owner": (lambda app, did: _tamper(app, "UPDATE deliverables SET owner = 'DEFENSORIA-X' WHERE id = :d", d=did),
              "datos de identidad"),
    "renamed_document": (
        lambda app, did: _tamper(app, "UPDATE deliverable_documents SET name = 'otro.pdf' WHERE deliverable_id = :d", d=did),
        "(«otro.pdf») no coincide con su huella",
    ),
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_audit_verify_names_an_edited_deliverable_or_document_name(
    history: App, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    did = _submitted(history, "MTPE") if what == "renamed_document" else _submitted(history, "MIDIS")
    tamper, expected = TAMPERING[what]
    tamper(history, did)
    code, _, err = _verify(history, capsys)
    assert code == 1
    assert f"Historial alterado: entregable {did}," in err
    assert expected in err


def test_audit_verify_finds_a_document_file_altered_on_disk(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    did = _submitted(history, "MTPE")
    sha = str(_attachment(history, did)["sha256"])
    path = history.documents.path_for(sha)
    path.write_bytes(path.read_bytes() + b"%% cambiado\n")
    code, _, err = _verify(history, capsys)
    assert code == 1
    assert f"entregable {did}" in err and f"sha256:{sha[:12]}… fue modificado o reemplazado" in err


def test_audit_verify_finds_a_document_file_replaced_or_removed(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    did = _submitted(history, "MTPE")
    sha = str(_attachment(history, did)["sha256"])
    path = history.documents.path_for(sha)
    path.unlink()
    path.write_bytes(pdf_bytes("otro documento"))
    code, _, err = _verify(history, capsys)
    assert code == 1 and f"sha256:{sha[:12]}… fue modificado o reemplazado" in err
    path.unlink()
    code, _, err = _verify(history, capsys)
    assert code == 1 and f"falta el archivo del documento sha256:{sha[:12]}…" in err


def test_audit_verify_finds_a_deliverable_deleted_with_its_events(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    did = _submitted(history, "MTPE")
    _delete_deliverable(history, did)
    code, _, err = _verify(history, capsys)
    assert code == 1
    assert "falta el entregable de A1.1 de MTPE" in err and "que el plan crea al cargarse (entregable borrado)" in err


def test_audit_verify_finds_a_deliverable_an_approval_created_deleted(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    (protocol,) = deliverables.list_deliverables(history, entity="MINSA", activity="A1.1")
    reports = deliverables.list_deliverables(history, entity="MINSA", activity="A1.2")
    assert reports
    _delete_deliverable(history, reports[-1].id)
    code, _, err = _verify(history, capsys)
    assert code == 1
    assert f"falta el entregable de A1.2 de MINSA ({reports[-1].period}), que creó la aprobación del entregable {protocol.id}" in err


def test_audit_verify_finds_an_attachment_moved_to_another_event(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    did = _submitted(history, "MTPE")
    _tamper(history, "UPDATE deliverable_documents SET event_seq = 2, row_hash = NULL WHERE deliverable_id = :d", d=did)
    code, _, err = _verify(history, capsys)
    assert code == 1 and f"entregable {did}" in err and "no coincide con su huella" in err


def test_audit_verify_lists_every_finding_after_the_first(history: App, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _submitted(history, "MTPE"), _submitted(history, "MIDIS")
    _tamper(history, "UPDATE deliverables SET title = 'x' WHERE id IN (:a, :b)", a=a, b=b)
    code, _, err = _verify(history, capsys)
    assert code == 1
    assert err.count("Historial alterado") == 1 and "Otros hallazgos (1):" in err
    assert f"entregable {a}," in err and f"entregable {b}," in err


def _writer(app: App, entity: str, stop: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.advance_loop", app.settings.db_url, str(app.settings.home), entity, str(stop)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_audit_verify_fifty_times_while_two_processes_advance_deliverables_raises_no_false_alarm(
    pg_url: str, tmp_path: Path, clock: FixedClock
) -> None:
    from conaig_flow.services import plans
    from conaig_flow.store.definitions import default_plan_file
    from tests.conftest import make_app

    app = make_app(pg_url, tmp_path / "home", clock)
    try:
        plans.init(app, default_plan_file())
        add_people(app)
        stop = tmp_path / "stop"
        writers = [_writer(app, entity, stop) for entity in ("MINSA", "MINEDU")]
        deadline = time.monotonic() + 120
        while not all(Path(f"{stop}.{e}.ready").exists() for e in ("MINSA", "MINEDU")) and time.monotonic() < deadline:
            assert all(w.poll() is None for w in writers), [w.communicate() for w in writers]
            time.sleep(0.1)
        alarms, events_seen = [], []
        started = time.monotonic()
        try:
            for _ in range(50):
                result = audit.verify(app)
                events_seen.append(result.events)
                if result.first_break is not None:
                    alarms.append(result.first_break)
            assert all(w.poll() is None for w in writers), "the writers ran during every verification"
        finally:
            stop.write_text("stop", encoding="utf-8")
            outputs = [w.communicate(timeout=120) for w in writers]
        assert [w.returncode for w in writers] == [0, 0], outputs
        committed = sum(int(out.decode().strip()) for out, _ in outputs)
        assert alarms == [], f"{len(alarms)} falsas alarmas en 50 verificaciones ({time.monotonic() - started:.1f} s)"
        assert events_seen[-1] > events_seen[0] and len(set(events_seen)) > 10  # the history grew between readings
        assert committed >= events_seen[-1] - events_seen[0]
        assert audit.verify(app).first_break is None
    finally:
        app.close()
