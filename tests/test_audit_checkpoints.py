"""Audit checkpoints outside the database: a chain rewritten with recomputed hashes (which the
chain check alone accepts) is found against the last checkpoint, on SQLite and PostgreSQL; a
checkpoint edited or signed with another key is found; session closes write one; the export
lets someone outside check the signatures with the public key alone."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select, update

from conaig_flow.app import App
from conaig_flow.clock import FixedClock
from conaig_flow.domain.audit_chain import GENESIS, event_hash
from conaig_flow.domain.checkpoint import canonical
from conaig_flow.scheduler import catch_up
from conaig_flow.services import audit, checkpoints
from conaig_flow.services.deliverables import deliverables
from conaig_flow.store.checkpoints import CheckpointFiles
from conaig_flow.store.tables import DeliverableRow, EventRow
from conaig_flow.store.tables_sessions import VoteRow
from tests.conftest import add_people, pdf_bytes, run_cli
from tests.session_kit import setup_people
from tests.signing_kit import approved_session

E = EventRow.__table__  # type: ignore[attr-defined]
D = DeliverableRow.__table__  # type: ignore[attr-defined]


def _history(app: App) -> int:
    add_people(app)
    officer = next(u for u in ("enlace.mimp@example.pe",))
    from conaig_flow.services import users

    (d, *_) = deliverables.list_deliverables(app, activity="A1.1")
    who = users.actor_for(app, officer if d.owner == "MIMP" else f"enlace.{d.owner.lower()}@example.pe")
    deliverables.advance(app, who, d.id, "submit", documents=[("protocolo.pdf", pdf_bytes("protocolo"))])
    deliverables.advance(app, users.actor_for(app, "st@example.pe"), d.id, "observe", comment="Falta el enfoque intercultural")
    return d.id


def _rewrite(app: App, did: int, comment: str) -> None:
    """What someone with write access to the database can do: change an event and recompute
    every hash after it, and the deliverable's head."""
    with app.db.write() as conn:
        rows = [dict(m) for m in conn.execute(select(E).where(E.c.deliverable_id == did).order_by(E.c.seq)).mappings()]
        prev = GENESIS
        for n, r in enumerate(rows):
            if n == len(rows) - 1:
                r["comment"] = comment
            r["prev_hash"] = prev
            fields = dict(r, documents=json.loads(r["documents"]), at=r["at"].isoformat())
            r["hash"] = event_hash(fields)
            conn.execute(update(E).where(E.c.id == r["id"]).values(comment=r["comment"], prev_hash=r["prev_hash"], hash=r["hash"]))
            prev = r["hash"]
        conn.execute(update(D).where(D.c.id == did).values(head_hash=prev))


def _cli(app: App, args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run_cli(["--home", str(app.settings.home), "--db", app.settings.db_url, *args], capsys)


def test_a_chain_rewritten_with_recomputed_hashes_is_found_against_the_last_checkpoint(
    app: App, capsys: pytest.CaptureFixture[str],
) -> None:
    did = _history(app)
    code, out, _ = _cli(app, ["audit", "checkpoint"], capsys)
    assert code == 0 and out.startswith("Punto de control N° 1 (")
    code, out, _ = _cli(app, ["audit", "verify"], capsys)
    assert code == 0 and "contrastados con 1 puntos de control" in out

    _rewrite(app, did, "Conforme, sin observaciones")
    assert audit.verify(app).first_break is None  # the chain alone no longer tells
    code, out, err = _cli(app, ["audit", "verify"], capsys)
    assert code == 1
    assert f"entregable {did} (punto de control N° 1): su cadena fue reescrita: el evento N° 2 no tiene la huella registrada" in err


def test_a_checkpoint_edited_or_signed_with_another_key_is_found(sqlite_app: App, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    app = sqlite_app
    _history(app)
    first = checkpoints.write(app, "prueba")
    path = checkpoints.files(app).folder / f"{first.seq:06d}.json"
    original = path.read_bytes()
    document = json.loads(original)
    leaf = next(iter(document["punto_de_control"]["hojas"]))
    document["punto_de_control"]["hojas"][leaf] = "1:" + "f" * 64
    path.write_text(json.dumps(document), encoding="utf-8")
    code, _, err = _cli(app, ["audit", "verify"], capsys)
    assert code == 1 and "el punto de control (punto de control N° 1): su firma no es de la clave de auditoría de esta instalación" in err
    assert "su raíz no corresponde a sus hojas" in err
    path.write_bytes(original)
    assert checkpoints.verify(app)[1] == []

    forged = CheckpointFiles(checkpoints.files(app).folder, tmp_path / "otra-clave.pem")
    forged.write({"numero": 2, "fecha": first.at.isoformat(), "motivo": "falso", "anterior": first.root,
                  "raiz": "0" * 64, "hojas": {}})
    code, _, err = _cli(app, ["audit", "verify"], capsys)
    assert code == 1 and "(punto de control N° 2): su firma no es de la clave de auditoría" in err


def test_closing_a_session_writes_a_checkpoint_that_finds_a_vote_changed_afterwards_and_exports_for_outsiders(
    app: App, clock: FixedClock, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    st = setup_people(app)
    sid = approved_session(app, clock, st)
    stored = checkpoints.files(app).read_all()
    (closing,) = [s for s in stored if s.payload["motivo"].startswith("cierre de la")]
    assert f"sesion:{sid}" in closing.payload["hojas"] and "ACTA N° 001-2022-CONAIG" in closing.payload["motivo"]

    code, _, _ = _cli(app, ["audit", "export", "--out", str(tmp_path / "puntos.json")], capsys)
    assert code == 0
    exported = json.loads((tmp_path / "puntos.json").read_text(encoding="utf-8"))
    key = serialization.load_pem_public_key(exported["clave_publica"].encode())
    assert isinstance(key, Ed25519PublicKey) and len(exported["puntos_de_control"]) == len(stored)
    for item in exported["puntos_de_control"]:  # checkable with the public key alone
        key.verify(base64.b64decode(item["firma_ed25519"]), canonical(item["punto_de_control"]))
    assert "PRIVATE" not in (tmp_path / "puntos.json").read_text(encoding="utf-8")

    with app.db.write() as conn:
        conn.execute(update(VoteRow.__table__).where(VoteRow.__table__.c.entity_code == "RREE").values(sense="for", reason=None))  # type: ignore[attr-defined]
    code, _, err = _cli(app, ["audit", "verify"], capsys)
    assert code == 1 and f"sesión {sid} (punto de control N° " in err and "cambió después de concluida" in err


def test_the_worker_writes_the_daily_checkpoint_when_none_was_written_in_the_last_day(sqlite_app: App, clock: FixedClock) -> None:
    from datetime import timedelta

    catch_up(sqlite_app)
    assert [c.payload["motivo"] for c in checkpoints.files(sqlite_app).read_all()] == ["punto de control diario"]
    catch_up(sqlite_app)
    assert len(checkpoints.files(sqlite_app).read_all()) == 1
    clock.set(clock.now() + timedelta(days=1, minutes=1))
    catch_up(sqlite_app)
    assert len(checkpoints.files(sqlite_app).read_all()) == 2
    key = checkpoints.files(sqlite_app).key_path
    assert key.stat().st_mode & 0o077 == 0 and key.is_relative_to(sqlite_app.settings.home)
